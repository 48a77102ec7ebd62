package io.kad.core.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.sim.SimTransport;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.core.wire.Message;
import io.kad.core.wire.MessageCodec;
import io.kad.core.wire.MessageTooLargeException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A kad.py node asking a Java node for a value gets it whenever kad.py itself could have answered with
 * it, and never gets a datagram larger than its 8192-byte buffer.
 */
class KadpyValueSizeTest {

    private static final BigInteger REQUESTER = BigInteger.ONE.shiftLeft(127).add(BigInteger.valueOf(12345));
    private static final BigInteger RPC = BigInteger.ONE.shiftLeft(127).add(BigInteger.valueOf(777));

    private final SimulatedNetwork net = new SimulatedNetwork(3);
    private final MessageCodec codec = new MessageCodec(256);

    private final SimTransport nodeTransport = net.newTransport();
    private final KadNode node = KadNode.start(NodeConfig.builder().loadInterceptors(false).build(), nodeTransport,
            net.schedulerFor(nodeTransport), new Random(3));
    private final SimTransport kadpy = net.newTransport();
    private final List<byte[]> received = new ArrayList<>();
    /** Whether the kad.py peer answers pings, as kad.py does, or is a forged address that never answers. */
    private boolean answersPings = true;
    private int pings;

    {
        kadpy.start((from, data) -> {
            try {
                if (codec.decode(data) instanceof Message.Ping ping) {
                    // the node checks the address before it sends a value many times the request's size
                    pings++;
                    if (answersPings) {
                        kadpy.send(from, codec.encode(new Message.Pong(REQUESTER,
                                JsonNodeFactory.instance.objectNode(), ping.rpcId())));
                    }
                    return;
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            received.add(data);
        });
    }

    @AfterEach
    void closeNode() {
        node.close();
    }

    private BigInteger store(String key, String value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        BigInteger keyId = new BigInteger(1, node.hashFunction().hash(k));
        net.runUntilDone(node.storeValue(keyId, k, TextNode.valueOf(value)), 10_000);
        return keyId;
    }

    private Message ask(BigInteger keyId) throws Exception {
        received.clear();
        kadpy.send(node.address(), codec.encode(new Message.FindValue(REQUESTER, JsonNodeFactory.instance.objectNode(),
                new BigIntegerNode(RPC), keyId)));
        net.runFor(100);
        assertThat(received).hasSize(1);
        assertThat(received.get(0).length).isLessThanOrEqualTo(MessageCodec.KADPY_MAX_DATAGRAM);
        return codec.decode(received.get(0));
    }

    /** The length of the reply kad.py itself would send with a value of this length. */
    private int kadpyReplyLength(int valueLength) {
        return length(new Message.FoundValue(node.id().value(), JsonNodeFactory.instance.objectNode(),
                new BigIntegerNode(RPC), REQUESTER, TextNode.valueOf("x".repeat(valueLength))));
    }

    private int length(Message m) {
        try {
            return codec.encode(m).length;
        } catch (MessageTooLargeException e) {
            return e.size();
        }
    }

    @Test
    void aValueKadpyCouldServeIsServedToKadpy() throws Exception {
        int length = 7_900;
        while (kadpyReplyLength(length + 1) <= MessageCodec.KADPY_MAX_DATAGRAM) {
            length++;
        }
        String value = "x".repeat(length);
        BigInteger keyId = store("near-the-limit", value);
        int ours = length(new Message.FoundValue(node.id().value(),
                JsonNodeFactory.instance.objectNode().put("kad", 1), new BigIntegerNode(RPC), keyId,
                TextNode.valueOf(value)));
        assertThat(ours).as("our own reply's length").isGreaterThan(MessageCodec.KADPY_MAX_DATAGRAM);

        Message reply = ask(keyId);
        assertThat(reply).isInstanceOf(Message.FoundValue.class);
        assertThat(((Message.FoundValue) reply).value()).isEqualTo(TextNode.valueOf(value));
    }

    @Test
    void aValueManyTimesTheRequestGoesOnlyToAnAddressThatAnswersAsTheRequester() throws Exception {
        BigInteger keyId = store("checked-first", "z".repeat(4_000));
        assertThat(ask(keyId)).as("answer to an address that answers pings").isInstanceOf(Message.FoundValue.class);
        assertThat(pings).isEqualTo(1);

        // a forged source address: the node's ping goes unanswered, and the address gets contacts, cut to four
        // times the request, not the value
        answersPings = false;
        BigInteger other = store("checked-again", "w".repeat(4_000));
        BigInteger requesterElsewhere = REQUESTER.add(BigInteger.ONE);
        received.clear();
        byte[] request = codec.encode(new Message.FindValue(requesterElsewhere, JsonNodeFactory.instance.objectNode(),
                new BigIntegerNode(RPC), other));
        SimTransport forged = net.newTransport();
        List<byte[]> toForged = new ArrayList<>();
        forged.start((from, data) -> toForged.add(data));
        forged.send(node.address(), request);
        net.runFor(10_000);
        long bytes = toForged.stream().mapToLong(d -> d.length).sum();
        assertThat(toForged.stream().map(d -> {
            try {
                return codec.decode(d).type();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        })).containsExactlyInAnyOrder("ping", "found_nodes");
        assertThat(bytes).as("bytes to the forged address").isLessThanOrEqualTo(5L * request.length);
    }

    @Test
    void aValueTooLargeForKadpyIsNotOfferedAndNodesAreAnsweredInstead() throws Exception {
        BigInteger keyId = store("too-large-for-kadpy", "y".repeat(20_000));
        Message reply = ask(keyId);
        assertThat(reply).isInstanceOf(Message.FoundNodes.class);
    }
}

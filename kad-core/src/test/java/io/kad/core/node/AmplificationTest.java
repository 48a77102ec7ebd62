package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.KadNode;
import io.kad.core.NodeStats;
import io.kad.core.id.NodeId;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.core.sim.SimTransport;
import io.kad.core.wire.MalformedMessageException;
import io.kad.core.wire.Message;
import io.kad.core.wire.MessageCodec;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Amplification: what a node sends to the address a small request came from. A scan page (keys and 20
 * contacts) and a hand-off of records (sent to a newly learnt node, unasked, after its {@code find_node})
 * are many times their request; the issue measured 524x and 624x. From an address that has not answered
 * as the node it claims to be, they are refused and counted, and all it gets is a ping: at most four times
 * the bytes it sent. The same requests from an address that answers get everything. Simulated swarms of
 * 21 and 200 nodes, 200 keys, replication 3.
 */
class AmplificationTest {

    private static final Logger LOG = LoggerFactory.getLogger(AmplificationTest.class);
    private static final String NS = "amp";
    private static final int KEYS = 200;
    private static final ObjectNode KAD = JsonNodeFactory.instance.objectNode().put("kad", 1);
    private static final BigInteger NODE_ID_MASK = BigInteger.ONE.shiftLeft(NodeId.NODE_ID_BITS)
            .subtract(BigInteger.ONE);

    private SwarmScaleTest.Swarm swarm;
    private final MessageCodec codec = new MessageCodec(256);

    /** A peer of the simulated network that records what it gets, and answers pings as one id or not at all. */
    private final class Peer {
        final SimTransport transport = swarm.net().newTransport();
        final BigInteger id;
        final boolean answersPings;
        long bytesSent;
        long bytesReceived;
        long foundNodesBytes;
        final List<Message> received = new ArrayList<>();

        Peer(BigInteger id, boolean answersPings) {
            this.id = id;
            this.answersPings = answersPings;
            transport.start((from, data) -> {
                bytesReceived += data.length;
                Message m;
                try {
                    m = MessageCodec.isBinary(data) ? codec.decodeBinary(data) : codec.decode(data);
                } catch (MalformedMessageException e) {
                    return;
                }
                received.add(m);
                if (m instanceof Message.FoundNodes) {
                    foundNodesBytes += data.length;
                }
                if (m instanceof Message.Ping ping && answersPings) {
                    send(from, new Message.Pong(id, KAD, ping.rpcId()));
                }
            });
        }

        void send(java.net.InetSocketAddress to, Message m) {
            byte[] data = codec.encodeForPeer(m);
            bytesSent += data.length;
            transport.send(to, data);
        }

        <T extends Message> List<T> got(Class<T> type) {
            return received.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    @AfterEach
    void stop() {
        if (swarm != null) {
            SwarmScaleTest.close(swarm);
        }
    }

    private void build(int size) {
        build(size, SwarmScaleTest.config());
    }

    private void build(int size, io.kad.core.NodeConfig config) {
        swarm = SwarmScaleTest.build(size, size, config);
        List<CompletableFuture<WriteResult>> writes = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            writes.add(swarm.any().records().write(NS, key(i), WriteCommand.put(key(i), false, StoredRecord.NEVER)));
        }
        swarm.run(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
        swarm.net().runFor(SwarmScaleTest.MINUTE);
    }

    private static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private long sum(ToLongFunction<NodeStats> counter) {
        return swarm.nodes().stream().mapToLong(n -> counter.applyAsLong(n.stats())).sum();
    }

    /** A node id next to a record's: every node takes it for the record's new owner. */
    private BigInteger nextTo(int key) {
        BigInteger rid = RecordIds.of(swarm.nodes().get(0).hashFunction(), NS, key(key));
        return rid.and(NODE_ID_MASK).xor(BigInteger.ONE);
    }

    private void scanEveryNode(Peer peer) {
        int rpc = 1;
        for (KadNode n : swarm.nodes()) {
            peer.send(n.address(), new Message.Scan(peer.id, KAD, new BigIntegerNode(BigInteger.valueOf(rpc++)), NS,
                    null, 64));
        }
        swarm.net().runFor(5_000);
    }

    private void findNodeAtEveryNode(Peer peer) {
        int rpc = 1_000;
        for (KadNode n : swarm.nodes()) {
            peer.send(n.address(), new Message.FindNode(peer.id, KAD, new BigIntegerNode(BigInteger.valueOf(rpc++)),
                    peer.id));
        }
        swarm.net().runFor(5_000);
    }

    /**
     * This project's nodes pad their lookup requests (as QUIC pads a client's first packet), so a node
     * that has not verified them yet still answers with every contact; a kad.py request, unpadded, gets
     * the nearest ones that fit four times its size.
     */
    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {21, 200})
    void aPaddedLookupRequestGetsEveryContactFromANodeThatHasNotVerifiedItsAddress(int size) {
        build(size);
        Peer peer = new Peer(new BigInteger(NodeId.NODE_ID_BITS, swarm.random()), false);
        int rpc = 5_000;
        for (KadNode n : swarm.nodes()) {
            byte[] padded = MessageCodec.padLookupRequest(codec.encode(new Message.FindNode(peer.id, KAD,
                    new BigIntegerNode(BigInteger.valueOf(rpc++)), peer.id)));
            assertThat(padded).hasSize(MessageCodec.LOOKUP_REQUEST_BYTES);
            peer.bytesSent += padded.length;
            peer.transport.send(n.address(), padded);
        }
        swarm.net().runFor(5_000);
        int k = swarm.nodes().get(0).config().k();
        assertThat(peer.got(Message.FoundNodes.class)).as("an answer from every node").hasSize(swarm.nodes().size())
                .allSatisfy(f -> assertThat(f.nearest()).as("contacts in an answer").hasSize(k));
        assertThat(peer.foundNodesBytes / (double) peer.bytesSent).as("found_nodes bytes per request byte")
                .isLessThanOrEqualTo(4.0);
        assertThat(sum(NodeStats::lookupAnswersCut)).as("answers cut").isZero();
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {21, 200})
    void anUnverifiedAddressGetsAtMostFourTimesWhatItSentForScansAndHandOffs(int size) {
        build(size);
        int nodes = swarm.nodes().size();

        Peer scanner = new Peer(new BigInteger(NodeId.NODE_ID_BITS, swarm.random()), false);
        scanEveryNode(scanner);
        double scanRatio = scanner.bytesReceived / (double) scanner.bytesSent;
        LOG.info("{} nodes: scans from an unverified address: {} bytes sent, {} received ({}x)", size,
                scanner.bytesSent, scanner.bytesReceived, String.format("%.2f", scanRatio));
        assertThat(scanner.got(Message.ScanReply.class)).isEmpty();
        assertThat(scanRatio).as("reply bytes per request byte, scans").isLessThanOrEqualTo(4.0);
        assertThat(sum(NodeStats::unverifiedRefused)).as("scan pages refused").isGreaterThanOrEqualTo(nodes);

        // a new id next to a record: each of the record's holders would hand it the record
        long refusedBefore = sum(NodeStats::unverifiedRefused);
        Peer newcomer = new Peer(nextTo(0), false);
        findNodeAtEveryNode(newcomer);
        long beyondLookup = newcomer.bytesReceived - newcomer.foundNodesBytes;
        double handOffRatio = beyondLookup / (double) newcomer.bytesSent;
        LOG.info("{} nodes: find_node from a new unverified id: {} bytes sent, {} received besides found_nodes ({}x),"
                + " {} in found_nodes ({}x)", size, newcomer.bytesSent, beyondLookup, String.format("%.2f", handOffRatio),
                newcomer.foundNodesBytes, String.format("%.2f", newcomer.foundNodesBytes / (double) newcomer.bytesSent));
        assertThat(newcomer.got(Message.Replicate.class)).isEmpty();
        assertThat(handOffRatio).as("bytes besides the lookup's answers per request byte").isLessThanOrEqualTo(4.0);
        // kad.py's own find_node, unpadded: the answers are cut to what fits four times the request
        assertThat(newcomer.foundNodesBytes / (double) newcomer.bytesSent).as("found_nodes bytes per request byte")
                .isLessThanOrEqualTo(4.0);
        assertThat(newcomer.got(Message.FoundNodes.class)).as("an answer from every node").hasSize(nodes)
                .allSatisfy(f -> assertThat(f.nearest()).as("contacts in an answer").isNotEmpty());
        assertThat(sum(NodeStats::lookupAnswersCut)).as("answers cut").isGreaterThanOrEqualTo(nodes);
        assertThat(sum(NodeStats::unverifiedRefused) - refusedBefore).as("hand-offs refused")
                .isGreaterThanOrEqualTo(SwarmScaleTest.REPLICATION);
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {21, 200})
    void aMemberAtAnAddressThatDoesNotAnswerGetsNoRepublishedCopies(int size) {
        Duration republish = Duration.ofMinutes(2);
        build(size, SwarmScaleTest.config().toBuilder().republishInterval(republish).build());
        Peer newcomer = new Peer(nextTo(0), false);
        findNodeAtEveryNode(newcomer);
        long refusedAfterHandOff = sum(NodeStats::unverifiedRefused);

        // three republish rounds: each holder of key-0 puts the newcomer in its replica set again
        swarm.net().runFor(3 * republish.toMillis());
        assertThat(newcomer.got(Message.Replicate.class)).isEmpty();
        assertThat(sum(NodeStats::unverifiedRefused)).as("republished copies withheld")
                .isGreaterThan(refusedAfterHandOff);
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {21, 200})
    void anAddressThatAnswersGetsFullScanPagesAndItsHandOff(int size) {
        build(size);
        int nodes = swarm.nodes().size();

        Peer scanner = new Peer(new BigInteger(NodeId.NODE_ID_BITS, swarm.random()), true);
        scanEveryNode(scanner);
        List<Message.ScanReply> pages = scanner.got(Message.ScanReply.class);
        assertThat(pages).hasSize(nodes);
        Set<String> listed = new HashSet<>();
        for (Message.ScanReply page : pages) {
            assertThat(page.next()).as("one page holds a node's keys here").isNull();
            page.keys().forEach(k -> listed.add(new String(k, StandardCharsets.UTF_8)));
        }
        assertThat(listed).hasSize(KEYS);
        assertThat(sum(NodeStats::unverifiedRefused)).isZero();
        // and a member's swarm-wide scan lists every key
        assertThat(swarm.run(swarm.any().records().keys(NS))).hasSize(KEYS);

        Peer newcomer = new Peer(nextTo(0), true);
        findNodeAtEveryNode(newcomer);
        Set<String> handedOff = new HashSet<>();
        for (Message.Replicate copies : newcomer.got(Message.Replicate.class)) {
            copies.records().forEach(r -> handedOff.add(new String(r.key(), StandardCharsets.UTF_8)));
        }
        assertThat(handedOff).contains("key-0");
        assertThat(sum(NodeStats::unverifiedRefused)).isZero();
    }

    /**
     * A read of a value too large for one datagram is answered with a fragmented transfer, whose first
     * window alone is up to 32 fragments of 8 KiB: from an address that does not answer, the read gets a
     * ping instead; from one that answers, the transfer.
     */
    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {21, 200})
    void aReadOfALargeValueIsAnsweredOnlyToAnAddressThatAnswers(int size) {
        build(size);
        byte[] key = "large".getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[512 * 1024];
        swarm.random().nextBytes(value);
        swarm.run(swarm.any().records().write(NS, key, WriteCommand.put(value, false, StoredRecord.NEVER)));
        BigInteger rid = RecordIds.of(swarm.nodes().get(0).hashFunction(), NS, key);
        KadNode owner = swarm.nodes().stream().min((a, b) -> a.id().distance(rid).compareTo(b.id().distance(rid)))
                .orElseThrow();
        assertThat(owner.storage().get(rid)).as("the owner holds the value").isNotNull();
        long refusedBefore = sum(NodeStats::unverifiedRefused);

        Peer forged = new Peer(new BigInteger(NodeId.NODE_ID_BITS, swarm.random()), false);
        forged.send(owner.address(), new Message.GetRecord(forged.id, KAD, new BigIntegerNode(BigInteger.ONE), rid,
                NS, key));
        swarm.net().runFor(5_000);
        LOG.info("{} nodes: a forged read of a {}-byte value got {} bytes for its {}", size, value.length,
                forged.bytesReceived, forged.bytesSent);
        assertThat(forged.bytesReceived).as("bytes to a forged address").isLessThanOrEqualTo(4 * forged.bytesSent);
        assertThat(sum(NodeStats::unverifiedRefused)).isEqualTo(refusedBefore + 1);

        Peer reader = new Peer(new BigInteger(NodeId.NODE_ID_BITS, swarm.random()), true);
        reader.send(owner.address(), new Message.GetRecord(reader.id, KAD, new BigIntegerNode(BigInteger.TWO), rid,
                NS, key));
        swarm.net().runFor(5_000);
        // it acknowledges no fragment, so what it gets is the transfer's first window: many times the request
        assertThat(reader.bytesReceived).as("bytes to an address that answers").isGreaterThan(64 * 1024);
    }
}

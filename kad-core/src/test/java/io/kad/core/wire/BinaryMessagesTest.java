package io.kad.core.wire;

import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.record.WriteCommand;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The binary dialect carries every record-protocol message exactly as the JSON dialect does (the two
 * decode to the same message), in fewer bytes; it leaves to JSON what it cannot carry exactly; and any
 * bytes at all fail to decode with the codec's own exception only.
 */
class BinaryMessagesTest {

    private static final MessageCodec CODEC = RecordProtocolRoundTripTest.CODEC;

    /** The same message through JSON and through the binary dialect decode to the same message. */
    private static void assertSameAsJson(Message m) throws Exception {
        byte[] binary = CODEC.encodeForPeer(m);
        assertThat(MessageCodec.isBinary(binary)).as(m.type()).isTrue();
        Message fromBinary = CODEC.decodeBinary(binary);
        Message fromJson = CODEC.decode(CODEC.encode(m));
        assertThat(new String(CODEC.encode(fromBinary), java.nio.charset.StandardCharsets.UTF_8)).as(m.type())
                .isEqualTo(new String(CODEC.encode(fromJson), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(binary.length).as("%s: binary %d bytes, JSON %d", m.type(), binary.length, CODEC.encode(m).length)
                .isLessThan(CODEC.encode(m).length);
    }

    @Test
    void everyRecordProtocolMessageTravelsInTheBinaryDialectAndKadpysStayJson() throws Exception {
        int binary = 0;
        for (Message m : RecordProtocolRoundTripTest.oneOfEachType()) {
            if (MessageTypes.isKadpy(m)) {
                assertThat(MessageCodec.isBinary(CODEC.encodeForPeer(m))).as(m.type()).isFalse();
            } else {
                assertSameAsJson(m);
                binary++;
            }
        }
        assertThat(binary).isEqualTo(RecordProtocolRoundTripTest.oneOfEachType().size() - 7);
    }

    @Test
    void redirectsScanPagesAndCopiesWithTagsRoundTrip() throws Exception {
        BigInteger peer = RecordProtocolRoundTripTest.PEER;
        Contact v4 = new Contact(new NodeId(BigInteger.TWO, 128), new InetSocketAddress("10.1.2.3", 8468), true);
        Contact v6 = new Contact(new NodeId(peer, 128), new InetSocketAddress("::1", 65535), false);
        var info = RecordProtocolRoundTripTest.INFO;
        var rpc = RecordProtocolRoundTripTest.RPC;
        assertSameAsJson(new Message.Redirect(peer, info, rpc, List.of(v4, v6)));
        assertSameAsJson(new Message.ScanReply(peer, info, rpc, List.of(new byte[] {7}), null, List.of(v4)));
        assertSameAsJson(new Message.Replicate(peer, info, rpc, List.of(RecordProtocolRoundTripTest.rec(5, false)),
                new Message.WriteTag(peer, rpc, RecordProtocolRoundTripTest.rec(4, false))));
        assertSameAsJson(new Message.GetRecord(peer, info, rpc, BigInteger.ZERO, "", new byte[0],
                List.of(BigInteger.ONE, peer)));
        assertSameAsJson(new Message.Subscribe(peer, info, "n", 5, rpc));
        assertSameAsJson(new Message.Subscribers(peer, info, "n", List.of(v4, v6)));
        assertSameAsJson(new Message.PutRecord(peer, info, rpc, BigInteger.TEN, "n", new byte[] {1},
                WriteCommand.put(new byte[] {2}, false, StoredRecord.NEVER)
                        .withPreviousValue(WriteCommand.PreviousValue.OMIT)));
    }

    @Test
    void whatTheBinaryDialectCannotCarryExactlyGoesAsJson() {
        BigInteger peer = RecordProtocolRoundTripTest.PEER;
        var f = JsonNodeFactory.instance;
        // another peer_info, an rpc_id that is not a 128-bit integer, an unresolved contact
        assertThat(MessageCodec.isBinary(CODEC.encodeForPeer(new Message.ReplicateAck(peer,
                f.objectNode().put("kad", 1).put("extra", true), RecordProtocolRoundTripTest.RPC)))).isFalse();
        assertThat(MessageCodec.isBinary(CODEC.encodeForPeer(new Message.ReplicateAck(peer,
                RecordProtocolRoundTripTest.INFO, f.textNode("x"))))).isFalse();
        assertThat(MessageCodec.isBinary(CODEC.encodeForPeer(new Message.Redirect(peer,
                RecordProtocolRoundTripTest.INFO, RecordProtocolRoundTripTest.RPC, List.of(new Contact(
                        new NodeId(BigInteger.ONE, 128), InetSocketAddress.createUnresolved("node-7.kad", 8468),
                        true)))))).isFalse();
    }

    @Property(tries = 300)
    void putsOfAnyKeyValueAndIdRoundTrip(@ForAll @Size(max = 300) byte[] key, @ForAll @Size(max = 3000) byte[] value,
                                         @ForAll @IntRange(min = 0, max = 255) int idBits,
                                         @ForAll boolean json, @ForAll long expected) throws Exception {
        BigInteger id = BigInteger.ONE.shiftLeft(idBits).subtract(BigInteger.ONE);
        long version = expected < -1 ? -1 : expected;
        Message m = new Message.PutRecord(RecordProtocolRoundTripTest.PEER, RecordProtocolRoundTripTest.INFO,
                new BigIntegerNode(BigInteger.valueOf(Math.abs((long) idBits))), id, "ns\u00e9", key,
                new WriteCommand(WriteCommand.Op.PUT, value, json, version, 5, StoredRecord.NEVER));
        Message back = CODEC.decodeBinary(CODEC.encodeForPeer(m));
        assertThat(CODEC.encode(back)).isEqualTo(CODEC.encode(m));
    }

    @Property(tries = 3000)
    void anyBytesFailWithTheCodecsOwnExceptionOnly(@ForAll @Size(max = 200) byte[] tail) {
        byte[] datagram = new byte[tail.length + 1];
        datagram[0] = BinaryMessages.MAGIC;
        System.arraycopy(tail, 0, datagram, 1, tail.length);
        try {
            CODEC.decodeBinary(datagram);
        } catch (MalformedMessageException expected) {
            // the one failure a receive loop drops and counts
        }
    }

    @Property(tries = 1000)
    void everyMutationOfAValidMessageDecodesOrFailsCleanly(@ForAll @IntRange(min = 0, max = 26) int which,
                                                           @ForAll int position, @ForAll byte replacement) {
        Message m = RecordProtocolRoundTripTest.oneOfEachType().get(which);
        byte[] d = CODEC.encodeForPeer(m);
        d[Math.floorMod(position, d.length)] = replacement;
        try {
            if (MessageCodec.isBinary(d)) {
                CODEC.decodeBinary(d);
            } else {
                CODEC.decode(d);
            }
        } catch (MalformedMessageException expected) {
            // dropped and counted
        }
    }

    @Test
    void aTruncatedMessageOrTrailingBytesAreRefused() {
        byte[] d = CODEC.encodeForPeer(RecordProtocolRoundTripTest.oneOfEachType().get(8));
        for (int n = 0; n < d.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(d, n);
            if (n == 0) {
                continue;
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> CODEC.decodeBinary(cut))
                    .isInstanceOf(MalformedMessageException.class);
        }
        byte[] longer = java.util.Arrays.copyOf(d, d.length + 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CODEC.decodeBinary(longer))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("after the message");
        assertThat(NullNode.getInstance()).isNotNull();
    }
}

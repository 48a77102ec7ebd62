package io.kad.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.record.RecordEvent;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.BigRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

class RecordProtocolRoundTripTest {

    static final MessageCodec CODEC = new MessageCodec(256);
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final BigInteger PEER = new BigInteger("160214377568496030008747301432911058767");
    static final JsonNode INFO = F.objectNode().put("kad", 1);
    static final JsonNode RPC = new BigIntegerNode(new BigInteger("333823905399019339914400533455266084227"));
    static final BigInteger RID = BigInteger.ONE.shiftLeft(255).add(BigInteger.valueOf(12345));

    static StoredRecord rec(long version, boolean tombstone) {
        return new StoredRecord(RID, "caf\u00e9", new byte[] {0, 1, -1}, tombstone ? new byte[0] : "{\"a\":1}".getBytes(
                StandardCharsets.UTF_8), true, version, tombstone ? 1_700_000_000_000L : StoredRecord.NEVER, tombstone);
    }

    /** One message of every type, kad.py's included, with awkward values. */
    static List<Message> oneOfEachType() {
        RecordEvent ev = new RecordEvent(RecordEvent.Kind.UPDATED, "ns", new byte[] {9}, new byte[] {1},
                new byte[0], 7, PEER);
        return List.of(
                new Message.Ping(PEER, INFO, NullNode.getInstance()),
                new Message.Pong(PEER, NullNode.getInstance(), F.numberNode(5)),
                new Message.FindNode(PEER, INFO, RPC, PEER),
                new Message.FindValue(PEER, INFO, RPC, RID),
                new Message.FoundNodes(PEER, INFO, RPC, PEER, List.of(new Contact(new NodeId(PEER, 128),
                        new InetSocketAddress("127.0.0.1", 31002), true))),
                new Message.FoundValue(PEER, INFO, RPC, PEER, F.arrayNode().add(1).add(2.5).addNull()),
                new Message.Store(PEER, NullNode.getInstance(), RID, F.textNode("hello world")),
                new Message.GetRecord(PEER, INFO, RPC, RID, "users", new byte[] {1, 2, 3}),
                new Message.RecordReply(PEER, INFO, RPC, rec(3, false), rec(2, true)),
                new Message.RecordReply(PEER, INFO, RPC, null, null),
                new Message.PutRecord(PEER, INFO, RPC, RID, "users", new byte[] {1},
                        new WriteCommand(WriteCommand.Op.TOUCH, new byte[0], false, 4, 100, WriteCommand.KEEP_EXPIRY)),
                new Message.PutRecord(PEER, INFO, RPC, RID, "users", new byte[] {1}, WriteCommand.remove()),
                new Message.PutRecord(PEER, INFO, RPC, RID, "", new byte[0],
                        WriteCommand.put(new byte[] {-128, 127}, false, StoredRecord.NEVER)),
                new Message.PutReply(PEER, INFO, RPC, new WriteResult(true, rec(1, false), rec(2, false), null), true),
                new Message.PutReply(PEER, INFO, RPC, new WriteResult(false, null, null, rec(9, true)), false),
                new Message.Replicate(PEER, INFO, RPC, List.of(rec(1, false), rec(2, true))),
                new Message.Replicate(PEER, INFO, RPC, List.of()),
                new Message.ReplicateAck(PEER, INFO, RPC),
                new Message.Scan(PEER, INFO, RPC, "users", null, 1024),
                new Message.Scan(PEER, INFO, RPC, "users", RID, 1),
                new Message.ScanReply(PEER, INFO, RPC, List.of(new byte[] {1}, new byte[0]), RID),
                new Message.ScanReply(PEER, INFO, RPC, List.of(), null),
                new Message.Subscribe(PEER, INFO, "users", 30_000),
                new Message.Subscribe(PEER, INFO, "users", 0),
                new Message.Event(PEER, INFO, ev),
                new Message.Event(PEER, INFO, new RecordEvent(RecordEvent.Kind.CREATED, "ns", new byte[] {9}, null,
                        new byte[] {2}, 1, BigInteger.ZERO)),
                new Message.Leave(PEER, INFO),
                new Message.GetRecord(PEER, INFO, RPC, RID, "users", new byte[] {1}, List.of(PEER),
                        Message.Takeover.READ),
                new Message.GetRecord(PEER, INFO, RPC, RID, "users", new byte[] {1}, List.of(),
                        new Message.Takeover(PEER, F.numberNode(BigInteger.valueOf(77)))),
                new Message.RecordReply(PEER, INFO, RPC, rec(4, true), null,
                        new WriteResult(true, rec(3, false), null, null)),
                new Message.Deposed(PEER, INFO, BigInteger.TWO),
                new Message.GetRecord(PEER, INFO, RPC, RID, "users", new byte[] {1}, List.of(),
                        Message.Takeover.READ.holding(rec(5, true))),
                new Message.GetRecord(PEER, INFO, RPC, RID, "users", new byte[] {1}, List.of(),
                        new Message.Takeover(PEER, F.numberNode(BigInteger.valueOf(78))).holding(rec(6, false))),
                new Message.Subscribers(PEER, INFO, "users", List.of(new Contact(new NodeId(BigInteger.TEN, 128),
                        new InetSocketAddress("10.0.0.9", 8468), true))));
    }

    /**
     * Messages hold byte arrays, so record equality is identity for them; the canonical tree (and the
     * bytes) are the comparison, backed by explicit field checks below.
     */
    static void assertRoundTrips(Message m) throws Exception {
        byte[] wire = CODEC.encode(m);
        Message back = CODEC.decode(wire);
        assertThat(back.getClass()).isEqualTo(m.getClass());
        assertThat(back.peerId()).isEqualTo(m.peerId());
        assertThat(CODEC.encode(back)).as(m.type()).isEqualTo(wire);
    }

    @Test
    void everyMessageTypeRoundTripsThroughTheWire() throws Exception {
        List<Message> all = oneOfEachType();
        assertThat(all.stream().map(Message::type).distinct()).hasSize(20);
        for (Message m : all) {
            assertRoundTrips(m);
        }
    }

    @Test
    void recordProtocolUsesCompactJsonWithDocumentedFieldNames() throws Exception {
        String wire = new String(CODEC.encode(new Message.GetRecord(PEER, INFO, F.numberNode(7), BigInteger.TEN, "u",
                new byte[] {1, 2, 3})), StandardCharsets.UTF_8);
        assertThat(wire).isEqualTo("{\"message_type\":\"get_record\",\"id\":10,\"ns\":\"u\",\"key\":\"AQID\","
                + "\"rpc_id\":7,\"peer_id\":" + PEER + ",\"peer_info\":{\"kad\":1}}");
        String put = new String(CODEC.encode(oneOfEachType().get(10)), StandardCharsets.UTF_8);
        assertThat(put).contains("\"op\":\"touch\",\"value\":\"\",\"json\":false,\"expected_version\":4,"
                + "\"expires_if_created\":100,\"expires_if_updated\":-2");
        String reply = new String(CODEC.encode(oneOfEachType().get(8)), StandardCharsets.UTF_8);
        assertThat(reply).contains("\"record\":{\"id\":" + RID + ",\"ns\":\"caf\u00e9\",\"key\":\"AAH/\","
                + "\"value\":\"eyJhIjoxfQ==\",\"json\":true,\"version\":3,\"expires_at\":9223372036854775807,"
                + "\"tombstone\":false}");
    }

    @Test
    void aPutThatOmitsThePreviousValueSaysSoAndOneThatDoesNotAddsNoField() throws Exception {
        WriteCommand omit = WriteCommand.put(new byte[] {1}, false, StoredRecord.NEVER)
                .withPreviousValue(WriteCommand.PreviousValue.OMIT);
        Message.PutRecord omitting = new Message.PutRecord(PEER, INFO, RPC, RID, "users", new byte[] {1}, omit);
        assertRoundTrips(omitting);
        assertThat(new String(CODEC.encode(omitting), StandardCharsets.UTF_8)).contains("\"previous_value\":\"omit\"");
        Message.PutRecord back = (Message.PutRecord) CODEC.decode(CODEC.encode(omitting));
        assertThat(back.command().previousValue()).isEqualTo(WriteCommand.PreviousValue.OMIT);

        Message.PutRecord returning = new Message.PutRecord(PEER, INFO, RPC, RID, "users", new byte[] {1},
                WriteCommand.put(new byte[] {1}, false, StoredRecord.NEVER));
        assertThat(new String(CODEC.encode(returning), StandardCharsets.UTF_8)).doesNotContain("previous_value");
        Message.PutRecord plain = (Message.PutRecord) CODEC.decode(CODEC.encode(returning));
        assertThat(plain.command().previousValue()).isEqualTo(WriteCommand.PreviousValue.RETURN);
    }

    @Test
    void decodedRecordProtocolFieldsEqualTheOriginals() throws Exception {
        Message.RecordReply r = (Message.RecordReply) CODEC.decode(CODEC.encode(oneOfEachType().get(8)));
        assertThat(r.record()).isEqualTo(rec(3, false));
        assertThat(r.expired()).isEqualTo(rec(2, true));
        Message.PutRecord p = (Message.PutRecord) CODEC.decode(CODEC.encode(oneOfEachType().get(10)));
        assertThat(p.key()).containsExactly(1);
        assertThat(p.command().op()).isEqualTo(WriteCommand.Op.TOUCH);
        assertThat(p.command().expectedVersion()).isEqualTo(4);
        assertThat(p.command().expiresAtIfUpdated()).isEqualTo(WriteCommand.KEEP_EXPIRY);
        Message.Event e = (Message.Event) CODEC.decode(CODEC.encode(oneOfEachType().get(24)));
        assertThat(e.event().kind()).isEqualTo(RecordEvent.Kind.UPDATED);
        assertThat(e.event().oldValue()).containsExactly(1);
        assertThat(e.event().newValue()).isEmpty();
        assertThat(e.event().origin()).isEqualTo(PEER);
        Message.Event created = (Message.Event) CODEC.decode(CODEC.encode(oneOfEachType().get(25)));
        assertThat(created.event().oldValue()).isNull();
        Message.ScanReply s = (Message.ScanReply) CODEC.decode(CODEC.encode(oneOfEachType().get(20)));
        assertThat(s.keys()).hasSize(2);
        assertThat(s.keys().get(0)).containsExactly(1);
        assertThat(s.next()).isEqualTo(RID);
        Message.Subscribe sub = (Message.Subscribe) CODEC.decode(CODEC.encode(oneOfEachType().get(22)));
        assertThat(sub.leaseMillis()).isEqualTo(30_000);
    }

    @Test
    void takeoversTheirOutcomesAndDepositionNoticesKeepTheirFieldsInBothDialects() throws Exception {
        List<Message> all = oneOfEachType();
        for (byte[] wire : List.of(CODEC.encode(all.get(27)), CODEC.encodeForPeer(all.get(27)))) {
            Message.GetRecord read = (Message.GetRecord) (MessageCodec.isBinary(wire) ? CODEC.decodeBinary(wire)
                    : CODEC.decode(wire));
            assertThat(read.takeover()).isEqualTo(Message.Takeover.READ);
            assertThat(read.unreachable()).containsExactly(PEER);
        }
        for (byte[] wire : List.of(CODEC.encode(all.get(28)), CODEC.encodeForPeer(all.get(28)))) {
            Message.GetRecord write = (Message.GetRecord) (MessageCodec.isBinary(wire) ? CODEC.decodeBinary(wire)
                    : CODEC.decode(wire));
            assertThat(write.takeover().requester()).isEqualTo(PEER);
            assertThat(write.takeover().rpcId().bigIntegerValue()).isEqualTo(77);
        }
        for (byte[] wire : List.of(CODEC.encode(all.get(29)), CODEC.encodeForPeer(all.get(29)))) {
            Message.RecordReply reply = (Message.RecordReply) (MessageCodec.isBinary(wire) ? CODEC.decodeBinary(wire)
                    : CODEC.decode(wire));
            assertThat(reply.record()).isEqualTo(rec(4, true));
            assertThat(reply.outcome().applied()).isTrue();
            assertThat(reply.outcome().previous()).isEqualTo(rec(3, false));
            assertThat(reply.outcome().current()).isNull();
        }
        for (byte[] wire : List.of(CODEC.encode(all.get(30)), CODEC.encodeForPeer(all.get(30)))) {
            Message.Deposed d = (Message.Deposed) (MessageCodec.isBinary(wire) ? CODEC.decodeBinary(wire)
                    : CODEC.decode(wire));
            assertThat(d.node()).isEqualTo(BigInteger.TWO);
        }
        for (int ix : new int[] {31, 32}) {
            Message.GetRecord sent = (Message.GetRecord) all.get(ix);
            for (byte[] wire : List.of(CODEC.encode(sent), CODEC.encodeForPeer(sent))) {
                Message.GetRecord got = (Message.GetRecord) (MessageCodec.isBinary(wire) ? CODEC.decodeBinary(wire)
                        : CODEC.decode(wire));
                String dialect = MessageCodec.isBinary(wire) ? "binary" : "JSON";
                assertThat(got.takeover().held()).as("index %d, %s", ix, dialect).isEqualTo(sent.takeover().held());
                assertThat(got.takeover().requester()).as("index %d, %s", ix, dialect)
                        .isEqualTo(sent.takeover().requester());
            }
        }
        assertThat(((Message.GetRecord) all.get(32)).takeover().held().version()).isEqualTo(6);
        // a plain read is unchanged on the wire: no takeover field, no trailer
        assertThat(new String(CODEC.encode(all.get(7)), StandardCharsets.UTF_8)).doesNotContain("takeover");
        assertThat(new String(CODEC.encode(all.get(8)), StandardCharsets.UTF_8)).doesNotContain("outcome");
    }

    @Test
    void aHeldCopyCoversOlderCopiesAndItselfButNotANewerOrADifferentOneOfItsVersion() {
        StoredRecord held = new StoredRecord(RID, "n", new byte[] {1}, new byte[] {1, 2, 3}, false, 10, 500, false);
        Message.Held h = Message.Held.of(held);
        assertThat(h.covers(held)).isTrue();
        assertThat(h.covers(new StoredRecord(RID, "n", new byte[] {1}, new byte[] {1, 2, 3}, false, 10, 500, false)))
                .as("an equal copy").isTrue();
        assertThat(h.covers(new StoredRecord(RID, "n", new byte[] {1}, new byte[] {9}, false, 9, 900, false)))
                .as("an older copy").isTrue();
        assertThat(h.covers(new StoredRecord(RID, "n", new byte[] {1}, new byte[] {1, 2, 3}, false, 11, 500, false)))
                .as("a newer copy").isFalse();
        assertThat(h.covers(new StoredRecord(RID, "n", new byte[] {1}, new byte[] {1, 2, 4}, false, 10, 500, false)))
                .as("another value of the version").isFalse();
        assertThat(h.covers(new StoredRecord(RID, "n", new byte[] {1}, new byte[] {1, 2, 3}, false, 10, 600, false)))
                .as("another expiry of the version").isFalse();
        assertThat(h.covers(new StoredRecord(RID, "n", new byte[] {1}, new byte[0], false, 10, 500, true)))
                .as("a tombstone of the version").isFalse();
        assertThat(Message.Held.digest(new byte[1 << 20]) >>> 32).as("the length in the high bits").isEqualTo(1 << 20);
    }

    @Property(tries = 200)
    void putRecordRoundTripsForRandomBytesAndIds(
            @ForAll @Size(max = 300) byte[] key,
            @ForAll @Size(max = 2000) byte[] value,
            @ForAll @BigRange(min = "0", max = "115792089237316195423570985008687907853269984665640564039457584007913129639935")
            BigInteger id,
            @ForAll @BigRange(min = "0", max = "340282366920938463463374607431768211455") BigInteger peer,
            @ForAll @StringLength(max = 40) String namespace,
            @ForAll boolean json,
            @ForAll long expires) throws Exception {
        Message m = new Message.PutRecord(peer, INFO, new BigIntegerNode(peer), id, namespace, key,
                new WriteCommand(WriteCommand.Op.PUT, value, json, WriteCommand.ANY_VERSION, expires, expires));
        byte[] wire;
        try {
            wire = CODEC.encode(m);
        } catch (IllegalArgumentException unencodableString) {
            // a namespace with a lone surrogate is not valid UTF-8 text; refusing it is correct
            assertThat(namespace.chars().anyMatch(c -> Character.isSurrogate((char) c))).isTrue();
            return;
        }
        Message.PutRecord back = (Message.PutRecord) CODEC.decode(wire);
        assertThat(back.id()).isEqualTo(id);
        assertThat(back.peerId()).isEqualTo(peer);
        assertThat(back.namespace()).isEqualTo(namespace);
        assertThat(back.key()).isEqualTo(key);
        assertThat(back.command().value()).isEqualTo(value);
        assertThat(back.command().json()).isEqualTo(json);
        assertThat(back.command().expiresAtIfCreated()).isEqualTo(expires);
        assertThat(back.rpcId().bigIntegerValue()).isEqualTo(peer);
    }

    @Property(tries = 200)
    void storeRoundTripsForRandomTextValues(@ForAll @StringLength(max = 200) String text,
                                            @ForAll @BigRange(min = "0", max = "340282366920938463463374607431768211455")
                                            BigInteger key) throws Exception {
        Message m = new Message.Store(PEER, NullNode.getInstance(), key, F.objectNode().put(text, text));
        byte[] wire = CODEC.encode(m);
        Message.Store back = (Message.Store) CODEC.decode(wire);
        assertThat(back.keyId()).isEqualTo(key);
        assertThat(back.value().get(text).textValue()).isEqualTo(text);
        assertThat(CODEC.encode(back)).isEqualTo(wire);
    }
}

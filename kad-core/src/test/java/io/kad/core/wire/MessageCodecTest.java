package io.kad.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.record.WriteCommand;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class MessageCodecTest {

    static final MessageCodec CODEC = new MessageCodec(256);
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final BigInteger PEER = new BigInteger("29602723650044466230836558356005448838");
    static final BigInteger KEY =
            new BigInteger("11291368315213641659636739625592410603609357544876210314312757694886436206457");
    static final JsonNode KAD_INFO = F.objectNode().put("kad", 1);
    static final JsonNode RPC = new BigIntegerNode(new BigInteger("120602075083964427506187853131391264446"));

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String reason(byte[] datagram) {
        try {
            CODEC.decode(datagram);
        } catch (MalformedMessageException e) {
            return e.reason();
        }
        return fail("accepted: " + new String(datagram, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "this is not json|not JSON",
            "''|not JSON",
            "'   '|not JSON",
            "{\"a\": 1} x|not JSON",
            "[1, 2]|not a JSON object",
            "42|not a JSON object",
            "{\"message_type\": \"ping\", \"peer_info\": null}|missing peer_id",
            "{\"message_type\": \"ping\", \"peer_id\": \"5\", \"peer_info\": null}|peer_id not an integer",
            "{\"message_type\": \"ping\", \"peer_id\": 1e38, \"peer_info\": null}|peer_id not an integer",
            "{\"message_type\": \"ping\", \"peer_id\": 1.0, \"peer_info\": null}|peer_id not an integer",
            "{\"message_type\": \"ping\", \"peer_id\": null, \"peer_info\": null}|peer_id not an integer",
            "{\"message_type\": \"ping\", \"peer_id\": -1, \"peer_info\": null}|peer_id out of range",
            "{\"peer_id\": 1}|missing message_type",
            "{\"message_type\": 3, \"peer_id\": 1}|message_type not a string",
            "{\"message_type\": \"hello\", \"peer_id\": 1}|unknown message_type hello",
            "{\"message_type\": \"find_node\", \"rpc_id\": 1, \"peer_id\": 1}|missing id",
            "{\"message_type\": \"find_value\", \"id\": \"5\", \"rpc_id\": 1, \"peer_id\": 1}|id not an integer",
            "{\"message_type\": \"store\", \"id\": 5, \"peer_id\": 1}|missing value",
            "{\"message_type\": \"found_nodes\", \"id\": 5, \"nearest_nodes\": {}, \"rpc_id\": 1, \"peer_id\": 1}"
                    + "|nearest_nodes not an array",
            "{\"message_type\": \"get_record\", \"id\": 5, \"ns\": \"c\", \"key\": \"!!\", \"rpc_id\": 1, \"peer_id\": 1}"
                    + "|key not a base64 string",
            "{\"message_type\": \"get_record\", \"id\": 5, \"ns\": \"c\", \"key\": \"AA==\", \"rpc_id\": \"1\", "
                    + "\"peer_id\": 1}|rpc_id not an integer",
            "{\"message_type\": \"scan\", \"ns\": \"c\", \"after\": null, \"limit\": 0, \"rpc_id\": 1, \"peer_id\": 1}"
                    + "|limit out of range",
            "{\"message_type\": \"subscribe\", \"ns\": \"c\", \"lease_ms\": -1, \"peer_id\": 1}|lease_ms out of range",
    })
    void malformedDatagramIsRejectedWithReason(String text, String reason) {
        assertThat(reason(utf8(text))).isEqualTo(reason);
    }

    @Test
    void invalidUtf8IsRejected() {
        byte[] d = utf8("{\"message_type\": \"store\", \"id\": 5, \"value\": \"xx\", \"peer_id\": 1, \"peer_info\": null}");
        d[d.length - 22] = (byte) 0xC3; // lone lead byte inside the value string
        assertThat(reason(d)).isEqualTo("bad utf-8");
        assertThat(reason(new byte[] {(byte) 0xFF, '{', '}'})).isEqualTo("bad utf-8");
    }

    @Test
    void peerIdMustBeBelowTwoToThe128() throws Exception {
        BigInteger max = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
        assertThat(CODEC.decode(utf8("{\"message_type\": \"ping\", \"peer_id\": " + max + ", \"peer_info\": null}"))
                .peerId()).isEqualTo(max);
        assertThat(reason(utf8("{\"message_type\": \"ping\", \"peer_id\": " + max.add(BigInteger.ONE)
                + ", \"peer_info\": null}"))).isEqualTo("peer_id out of range");
        assertThat(reason(utf8("{\"message_type\": \"ping\", \"peer_id\": -" + max + ", \"peer_info\": null}")))
                .isEqualTo("peer_id out of range");
        assertThatThrownBy(() -> CODEC.encode(new Message.Ping(max.add(BigInteger.ONE), NullNode.getInstance(),
                NullNode.getInstance()))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CODEC.encode(new Message.Ping(BigInteger.ONE.negate(), NullNode.getInstance(),
                NullNode.getInstance()))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keyIdsAreBoundedByTheCodecsHashWidth() throws Exception {
        String big = BigInteger.ONE.shiftLeft(200).toString();
        String d = "{\"message_type\": \"find_value\", \"id\": " + big + ", \"rpc_id\": 1, \"peer_id\": 1, \"peer_info\": {}}";
        assertThat(((Message.FindValue) CODEC.decode(utf8(d))).keyId()).isEqualTo(new BigInteger(big));
        assertThatThrownBy(() -> new MessageCodec(128).decode(utf8(d)))
                .isInstanceOfSatisfying(MalformedMessageException.class, e -> assertThat(e.reason()).isEqualTo("id out of range"));
        String over = BigInteger.ONE.shiftLeft(256).toString();
        assertThat(reason(utf8(d.replace(big, over)))).isEqualTo("id out of range");
    }

    @Test
    void surroundingWhitespaceIsStrippedAndFieldOrderIsFree() throws Exception {
        Message m = CODEC.decode(utf8(" \n\t{\"peer_info\":{\"kad\":1},\"peer_id\":7,\"message_type\":\"ping\",\"x\":1}\r\n\u00a0"));
        // compared through the encoding: parsed numbers are BigIntegerNodes, hand-built ones IntNodes
        assertThat(CODEC.encode(m)).isEqualTo(CODEC.encode(
                new Message.Ping(BigInteger.valueOf(7), KAD_INFO, NullNode.getInstance())));
        assertThat(((Message.Ping) m).rpcId().isNull()).isTrue();
    }

    @Test
    void datagramsOverTheRecordLimitAreNotParsed() {
        byte[] d = new byte[MessageCodec.RECORD_MAX_DATAGRAM + 1];
        java.util.Arrays.fill(d, (byte) ' ');
        assertThat(reason(d)).isEqualTo("datagram larger than 65000 bytes");
    }

    @Test
    void kadpyDialectEncodingIsLimitedTo8192Bytes() throws Exception {
        // 8192 exactly is fine; one more byte is not
        String prefix = "{\"message_type\": \"store\", \"id\": 1, \"value\": \"";
        String suffix = "\", \"peer_id\": 1, \"peer_info\": null}";
        int room = 8192 - prefix.length() - suffix.length();
        Message ok = new Message.Store(BigInteger.ONE, NullNode.getInstance(), BigInteger.ONE, F.textNode("x".repeat(room)));
        assertThat(CODEC.encode(ok)).hasSize(8192);
        Message tooBig = new Message.Store(BigInteger.ONE, NullNode.getInstance(), BigInteger.ONE,
                F.textNode("x".repeat(room + 1)));
        assertThatThrownBy(() -> CODEC.encode(tooBig)).isInstanceOfSatisfying(MessageTooLargeException.class, e -> {
            assertThat(e.size()).isEqualTo(8193);
            assertThat(e.limit()).isEqualTo(8192);
            assertThat(e).hasMessageContaining("8193");
        });
        // a non-ASCII character costs 6 bytes on the kad.py wire
        Message escaped = new Message.Store(BigInteger.ONE, NullNode.getInstance(), BigInteger.ONE,
                F.textNode("\u00e9".repeat(room / 6 + 1)));
        assertThatThrownBy(() -> CODEC.encode(escaped)).isInstanceOf(MessageTooLargeException.class);
    }

    @Test
    void recordProtocolEncodingIsLimitedTo65000Bytes() {
        byte[] value = new byte[49_000]; // base64 grows it to 65,336 characters
        Message m = new Message.PutRecord(PEER, KAD_INFO, RPC, KEY, "c", new byte[] {1},
                WriteCommand.put(value, false, StoredRecord.NEVER));
        assertThatThrownBy(() -> CODEC.encode(m)).isInstanceOfSatisfying(MessageTooLargeException.class,
                e -> assertThat(e.limit()).isEqualTo(65000));
        Message fits = new Message.PutRecord(PEER, KAD_INFO, RPC, KEY, "c", new byte[] {1},
                WriteCommand.put(new byte[48_000], false, StoredRecord.NEVER));
        assertThat(CODEC.encode(fits).length).isLessThanOrEqualTo(65000);
    }

    @Test
    void nonAsciiValuesEncodeAsEscapesAndDecodeBack() throws Exception {
        String text = "h\u00e9llo \u2603 \uD83D\uDE00 \u007f \u0001 \"q\" \\ \n";
        Message m = new Message.Store(PEER, NullNode.getInstance(), KEY, F.objectNode().put("t\u00e9xt", text));
        String wire = new String(CODEC.encode(m), StandardCharsets.US_ASCII);
        assertThat(wire).contains("\"t\\u00e9xt\": \"h\\u00e9llo \\u2603 \\ud83d\\ude00 \\u007f \\u0001 \\\"q\\\" \\\\ \\n\"");
        assertThat(wire.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).isTrue();
        Message back = CODEC.decode(wire.getBytes(StandardCharsets.US_ASCII));
        assertThat(((Message.Store) back).value().get("t\u00e9xt").textValue()).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "0", "\"\"", "{}", "false", "null", "0.0", "-0.0"})
    void falsyValueRoundTripsInStoreAndFoundValue(String json) throws Exception {
        JsonNode value = MessageCodec.mapper().readTree(json);
        Message store = new Message.Store(PEER, NullNode.getInstance(), KEY, value);
        byte[] wire = CODEC.encode(store);
        assertThat(new String(wire, StandardCharsets.US_ASCII)).contains("\"value\": " + json + ",");
        assertThat(CODEC.encode(CODEC.decode(wire))).isEqualTo(wire);
        assertThat(((Message.Store) CODEC.decode(wire)).value().isMissingNode()).isFalse();
        Message found = new Message.FoundValue(PEER, F.objectNode(), RPC, PEER, value);
        byte[] wire2 = CODEC.encode(found);
        Message.FoundValue back = (Message.FoundValue) CODEC.decode(wire2);
        assertThat(PythonJson.write(back.value())).isEqualTo(json);
        assertThat(CODEC.encode(back)).isEqualTo(wire2);
    }

    @ParameterizedTest
    @CsvSource({"2.5,2.5", "1e-05,1e-05", "0.0001,0.0001", "1e16,1e+16", "1e15,1000000000000000.0",
            "-1.5e300,-1.5e+300", "123.456,123.456", "0.1,0.1", "NaN,NaN", "Infinity,Infinity"})
    void floatsAreWrittenLikePythonRepr(double d, String python) {
        assertThat(PythonJson.pythonFloat(d)).isEqualTo(python);
    }

    @Test
    void pingAndPongWriteRpcIdOnlyWhenPresent() throws Exception {
        assertThat(new String(CODEC.encode(new Message.Pong(PEER, NullNode.getInstance(), NullNode.getInstance())),
                StandardCharsets.US_ASCII)).isEqualTo("{\"message_type\": \"pong\", \"peer_id\": " + PEER
                + ", \"peer_info\": null}");
        byte[] withRpc = CODEC.encode(new Message.Ping(PEER, KAD_INFO, F.numberNode(9)));
        assertThat(new String(withRpc, StandardCharsets.US_ASCII)).isEqualTo("{\"message_type\": \"ping\", \"peer_id\": "
                + PEER + ", \"peer_info\": {\"kad\": 1}, \"rpc_id\": 9}");
        assertThat(((Message.Ping) CODEC.decode(withRpc)).rpcId().bigIntegerValue()).isEqualTo(BigInteger.valueOf(9));
    }

    @Test
    void nearestNodesSkipsBadEntriesDedupesByIdAndReadsTheKadMarker() throws Exception {
        String d = "{\"message_type\": \"found_nodes\", \"id\": 1, \"nearest_nodes\": ["
                + "[\"127.0.0.1\", 31001, 5, {\"kad\": 1}],"
                + "[\"127.0.0.1\", 31009, 5, null],"          // duplicate id: first kept
                + "[\"localhost\", 31002, 6, {}],"            // hostname resolves
                + "[\"127.0.0.1\", 0, 7, {}],"                // port out of range
                + "[\"127.0.0.1\", 70000, 8, {}],"
                + "[\"127.0.0.1\", \"31003\", 9, {}],"        // port not an integer
                + "[\"127.0.0.1\", 31003, \"10\", {}],"       // id not an integer
                + "[\"127.0.0.1\", 31003, -1, {}],"
                + "[\"127.0.0.1\", 31003, " + BigInteger.ONE.shiftLeft(128) + ", {}],"
                + "[\"no.such.host.invalid\", 31003, 11, {}],"
                + "[\"127.0.0.1\", 31003, 12],"               // 3 elements
                + "\"127.0.0.1\","
                + "[\"127.0.0.1\", 31004, 13, \"kad\"]"       // info not an object: kad.py peer
                + "], \"rpc_id\": 1, \"peer_id\": 1, \"peer_info\": {}}";
        Message.FoundNodes m = (Message.FoundNodes) CODEC.decode(utf8(d));
        assertThat(m.nearest()).extracting(c -> c.id().value().intValue()).containsExactly(5, 6, 13);
        assertThat(m.nearest()).extracting(Contact::speaksRecords).containsExactly(true, false, false);
        assertThat(m.nearest().get(0).address()).isEqualTo(new InetSocketAddress("127.0.0.1", 31001));
        assertThat(m.nearest().get(1).address().getPort()).isEqualTo(31002);
        String re = new String(CODEC.encode(m), StandardCharsets.US_ASCII);
        assertThat(re).contains("[[\"127.0.0.1\", 31001, 5, {\"kad\": 1}], [\"localhost\", 31002, 6, {}], "
                + "[\"127.0.0.1\", 31004, 13, {}]]");
    }

    @Test
    void tooManyNearestNodesRejectsTheReply() {
        StringBuilder sb = new StringBuilder("{\"message_type\": \"found_nodes\", \"id\": 1, \"nearest_nodes\": [");
        for (int i = 0; i < 65; i++) {
            sb.append(i == 0 ? "" : ", ").append("[\"127.0.0.1\", 1000, ").append(i).append(", {}]");
        }
        sb.append("], \"rpc_id\": 1, \"peer_id\": 1, \"peer_info\": {}}");
        assertThat(reason(utf8(sb.toString()))).isEqualTo("nearest_nodes has more than 64 entries");
    }

    @Test
    void everyPrefixOfAValidDatagramFailsOnlyWithMalformedMessage() throws Exception {
        List<byte[]> samples = new ArrayList<>();
        for (Message m : RecordProtocolRoundTripTest.oneOfEachType()) {
            samples.add(CODEC.encode(m));
        }
        samples.add(utf8("{\"message_type\": \"store\", \"id\": 5, \"value\": \"raw \u00e9\u2603\", \"peer_id\": 1, "
                + "\"peer_info\": null}"));
        for (byte[] d : samples) {
            for (int n = 0; n < d.length; n++) {
                byte[] prefix = java.util.Arrays.copyOf(d, n);
                try {
                    CODEC.decode(prefix);
                } catch (MalformedMessageException expected) {
                    // the only acceptable failure
                }
            }
            assertThat(CODEC.decode(d)).isNotNull();
        }
    }

    @Test
    void parseReturnsTheObjectWithIntegersAsBigIntegers() throws Exception {
        ObjectNode t = CODEC.parse(utf8("{\"message_type\": \"ping\", \"peer_id\": 3, \"peer_info\": {\"n\": 1}}"));
        assertThat(t.get("peer_id").isBigInteger()).isTrue();
        assertThat(t.fieldNames()).toIterable().containsExactly("message_type", "peer_id", "peer_info");
    }

    @Test
    void contactIdsAreNodeIds() throws Exception {
        Contact c = new Contact(new NodeId(BigInteger.TEN, NodeId.NODE_ID_BITS), new InetSocketAddress("127.0.0.1", 9),
                true);
        Message.FoundNodes m = new Message.FoundNodes(PEER, KAD_INFO, RPC, KEY, List.of(c));
        Message.FoundNodes back = (Message.FoundNodes) CODEC.decode(CODEC.encode(m));
        assertThat(back.nearest()).singleElement().satisfies(x -> {
            assertThat(x.id()).isEqualTo(c.id());
            assertThat(x.address()).isEqualTo(c.address());
            assertThat(x.speaksRecords()).isTrue();
        });
    }
}

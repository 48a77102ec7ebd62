package io.kad.core.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.wire.Message;
import io.kad.core.wire.MessageCodec;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Replays every request kad.py sent in the 2018 capture and every probe datagram at a Java node
 * configured like the 2018 kad.py nodes (sha256 key ids), and checks each answer against the protocol
 * description. Each captured node sends from a plain UDP socket of its own, as it did (a node takes an
 * address for one node: a second id from the same address is checked with a ping first).
 */
class CaptureReplayTest {

    /** A fixed id for the node under test, distinct from the captured nodes' ids. */
    private static final BigInteger NODE_ID = new BigInteger("99999999999999999999999999999999999999");
    /** md5("probe"), the probe's id in the captures. */
    private static final BigInteger PROBE_ID = new BigInteger("188294832433828973344839852176805263925");
    private static final String FENCE_PING =
            "{\"message_type\": \"ping\", \"peer_id\": " + PROBE_ID + ", \"peer_info\": null}";
    private static final Pattern RPC_ID = Pattern.compile("\"rpc_id\": (-?[0-9]+)[,}]");

    /** Probe phases whose datagram is invalid for us, and how the node must count it. */
    private static final Map<String, String> DROPPED_PROBES = Map.of(
            "probe_not_json", "dropped",
            "probe_string_peer_id", "dropped",
            "probe_float_peer_id", "dropped",
            "probe_unknown_type", "dropped",
            "probe_no_rpc_id", "dropped",
            "probe_unknown_rpc_id", "unmatched");

    private final MessageCodec codec = new MessageCodec(256);
    private KadNode node;
    private RawPeer peer;
    /** One socket per captured sender id; the probe's is {@link #peer}. */
    private final Map<BigInteger, RawPeer> senders = new java.util.HashMap<>();

    @BeforeEach
    void start() {
        node = KadNode.start(NodeConfig.builder().host("127.0.0.1").port(0).hashName("sha256").nodeId(NODE_ID)
                .loadInterceptors(false).build());
        peer = new RawPeer();
    }

    @AfterEach
    void stop() {
        peer.close();
        senders.values().forEach(RawPeer::close);
        node.close();
    }

    /** The socket of the captured node that sent a datagram: the probe's for probes and unreadable ids. */
    private RawPeer senderOf(byte[] raw) {
        try {
            JsonNode id = MessageCodec.mapper().readTree(raw).path("peer_id");
            if (!id.isIntegralNumber() || id.bigIntegerValue().equals(PROBE_ID)) {
                return peer;
            }
            return senders.computeIfAbsent(id.bigIntegerValue(), k -> new RawPeer());
        } catch (IOException e) {
            return peer;
        }
    }

    static List<ObjectNode> capture(String year) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        try (InputStream in = CaptureReplayTest.class.getResourceAsStream("/wire/kadpy-" + year + "-capture.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add((ObjectNode) MessageCodec.mapper().readTree(line));
                }
            }
        }
        return out;
    }

    private static boolean isReplayed(ObjectNode line) {
        String type = line.path("message_type").asText("");
        return line.get("sent_by").textValue().equals("probe")
                || type.equals("find_node") || type.equals("find_value") || type.equals("store");
    }

    @Test
    void everyCapturedRequestAndProbeGetsTheAnswerTheProtocolDescribes() throws Exception {
        int replies = 0;
        int silent = 0;
        int dropped = 0;
        for (ObjectNode line : capture("2018")) {
            if (!isReplayed(line)) {
                continue;
            }
            String seq = "seq " + line.get("seq") + " (" + line.get("phase").textValue() + ")";
            String phase = line.get("phase").textValue();
            byte[] raw = line.get("raw").textValue().getBytes(StandardCharsets.UTF_8);
            String dropKind = DROPPED_PROBES.get(phase);
            if (dropKind != null) {
                long droppedBefore = node.stats().datagramsDropped();
                long unmatchedBefore = node.stats().unmatchedReplies();
                RawPeer sender = senderOf(raw);
                sender.send(node.address(), raw);
                // a malformed or unanswerable datagram gets no reply: a short window shows none comes
                assertThat(sender.receive(300)).as("reply to %s", seq).isEmpty();
                assertThat(node.stats().datagramsDropped() - droppedBefore).as("dropped count of %s", seq)
                        .isEqualTo(1);
                assertThat(node.stats().unmatchedReplies() - unmatchedBefore).as("unmatched count of %s", seq)
                        .isEqualTo(dropKind.equals("unmatched") ? 1 : 0);
                dropped++;
                continue;
            }
            JsonNode request = MessageCodec.mapper().readTree(raw);
            String type = request.get("message_type").textValue();
            switch (type) {
                case "store" -> {
                    RawPeer sender = senderOf(raw);
                    sender.send(node.address(), raw);
                    assertNoReplyBeforeFence(seq);
                    assertThat(sender.receive(50)).as("reply to %s", seq).isEmpty();
                    silent++;
                }
                case "ping" -> {
                    RawPeer sender = senderOf(raw);
                    sender.send(node.address(), raw);
                    RawPeer.Datagram pong = sender.expectReply();
                    assertThat(pong.type()).as(seq).isEqualTo("pong");
                    assertThat(fieldNames(pong.json())).containsExactly("message_type", "peer_id", "peer_info");
                    assertThat(pong.json().get("peer_info").isNull()).isTrue();
                    assertPythonFormatted(pong, seq);
                    replies++;
                }
                case "find_node", "find_value" -> {
                    BigInteger target = request.get("id").bigIntegerValue();
                    boolean held = type.equals("find_value") && node.storage().get(target) != null;
                    RawPeer sender = senderOf(raw);
                    sender.send(node.address(), raw);
                    RawPeer.Datagram reply = sender.expectReply();
                    checkFindReply(seq, request, target, held, reply);
                    replies++;
                }
                default -> throw new AssertionError("unexpected request in capture: " + seq);
            }
        }
        assertThat(replies).isGreaterThan(30);
        assertThat(silent).isGreaterThan(15);
        assertThat(dropped).isEqualTo(DROPPED_PROBES.size());

        peer.send(node.address(), FENCE_PING);
        assertThat(peer.expectReply().type()).as("node still answers a ping").isEqualTo("pong");
    }

    @Test
    void replayedStoresLeaveTheCapturedValuesRetrievableByFindValue() throws Exception {
        for (ObjectNode line : capture("2018")) {
            if ("store".equals(line.path("message_type").asText()) && line.get("bytes").intValue() <= 8192) {
                byte[] raw = line.get("raw").textValue().getBytes(StandardCharsets.UTF_8);
                senderOf(raw).send(node.address(), raw);
            }
        }
        assertNoReplyBeforeFence("stores");
        BigInteger greeting = new BigInteger(
                "11291368315213641659636739625592410603609357544876210314312757694886436206457");
        String findValue = "{\"message_type\": \"find_value\", \"id\": " + greeting
                + ", \"rpc_id\": 7, \"peer_id\": " + PROBE_ID + ", \"peer_info\": {}}";
        peer.send(node.address(), findValue);
        RawPeer.Datagram reply = peer.expectReply();
        assertThat(reply.type()).isEqualTo("found_value");
        assertThat(reply.json().get("value").textValue()).isEqualTo("hello world");
        assertThat(reply.text()).contains("\"rpc_id\": 7, ");
    }

    private void checkFindReply(String seq, JsonNode request, BigInteger target, boolean held,
                                RawPeer.Datagram reply) throws Exception {
        assertThat(reply.from().getPort()).as("reply of %s comes from the listening port", seq)
                .isEqualTo(node.address().getPort());
        assertThat(reply.data().length).as("size of reply to %s", seq)
                .isLessThanOrEqualTo(MessageCodec.KADPY_MAX_DATAGRAM);
        Message decoded = codec.decode(reply.data());
        JsonNode tree = reply.json();
        // rpc_id comes back as the same JSON integer, digit for digit
        assertThat(tree.get("rpc_id").isIntegralNumber()).as(seq).isTrue();
        assertThat(tree.get("rpc_id").bigIntegerValue()).as(seq).isEqualTo(request.get("rpc_id").bigIntegerValue());
        Matcher m = RPC_ID.matcher(reply.text());
        assertThat(m.find()).as("rpc_id literal in %s", reply.text()).isTrue();
        assertThat(m.group(1)).isEqualTo(request.get("rpc_id").toString());
        assertPythonFormatted(reply, seq);
        if (held) {
            assertThat(decoded).as(seq).isInstanceOf(Message.FoundValue.class);
            assertThat(fieldNames(tree)).as(seq)
                    .containsExactly("message_type", "id", "value", "rpc_id", "peer_id", "peer_info");
            assertThat(MessageCodec.mapper().readTree(node.storage().get(target).value()))
                    .isEqualTo(tree.get("value"));
            return;
        }
        assertThat(decoded).as(seq).isInstanceOf(Message.FoundNodes.class);
        assertThat(fieldNames(tree)).as(seq)
                .containsExactly("message_type", "id", "nearest_nodes", "rpc_id", "peer_id", "peer_info");
        List<BigInteger> listed = new ArrayList<>();
        for (JsonNode entry : tree.get("nearest_nodes")) {
            assertThat(entry.size()).isEqualTo(4);
            assertThat(entry.get(0).isTextual()).isTrue();
            assertThat(entry.get(1).isIntegralNumber()).isTrue();
            listed.add(entry.get(2).bigIntegerValue());
        }
        // the node's table only changes when it receives from us, so it is the same as when it answered
        List<BigInteger> expected = node.peers().stream().map(c -> c.id().value())
                .sorted(Comparator.comparing(id -> id.xor(target)))
                .limit(node.config().k())
                .toList();
        assertThat(listed).as("nearest_nodes of %s: the known nodes nearest the target, nearest first", seq)
                .isEqualTo(expected);
        assertThat(listed).isNotEmpty();
    }

    private void assertNoReplyBeforeFence(String seq) {
        // The node handles datagrams one at a time on its receive thread and answers synchronously, so
        // if the first datagram to come back after a ping is its pong, nothing answered what came before.
        peer.send(node.address(), FENCE_PING);
        RawPeer.Datagram next = peer.expectReply();
        assertThat(next.type()).as("first datagram after %s and a ping", seq).isEqualTo("pong");
    }

    private static void assertPythonFormatted(RawPeer.Datagram d, String seq) {
        assertThat(d.text()).as("%s is written like json.dumps", seq).isEqualTo(PyJson.dumps(d.json()));
    }

    private static List<String> fieldNames(JsonNode tree) {
        List<String> names = new ArrayList<>();
        Iterator<String> it = tree.fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }

}

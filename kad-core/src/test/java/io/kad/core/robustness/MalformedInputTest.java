package io.kad.core.robustness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.core.Dht;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.interop.RawPeer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and broken datagrams at a UDP node: each is dropped and counted, gets no reply, and the node
 * keeps serving with its receive thread alive.
 */
class MalformedInputTest {

    private static final BigInteger PEER = new BigInteger("188294832433828973344839852176805263925");
    private static final String PING = "{\"message_type\": \"ping\", \"peer_id\": " + PEER + ", \"peer_info\": null}";
    private static final BigInteger TWO_128 = BigInteger.ONE.shiftLeft(128);
    private static final BigInteger TWO_256 = BigInteger.ONE.shiftLeft(256);

    private long kadThreadsBefore;
    private KadNode node;
    private RawPeer peer;
    private final List<AutoCloseable> extra = new ArrayList<>();

    static long kadThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("kad-")).count();
    }

    static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals(name)).count();
    }

    @BeforeEach
    void start() {
        kadThreadsBefore = kadThreads();
        node = KadNode.start(NodeConfig.builder().host("127.0.0.1").port(0).loadInterceptors(false).build());
        peer = new RawPeer();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : extra) {
            c.close();
        }
        peer.close();
        node.close();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(kadThreads()).as("kad-* threads after close").isEqualTo(kadThreadsBefore));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] garbage(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String ping(String peerId) {
        return "{\"message_type\": \"ping\", \"peer_id\": " + peerId + ", \"peer_info\": null}";
    }

    private static String find(String type, String id) {
        return "{\"message_type\": \"" + type + "\", \"id\": " + id + ", \"rpc_id\": 5, \"peer_id\": " + PEER
                + ", \"peer_info\": {}}";
    }

    static Stream<Arguments> malformed() {
        BigInteger rpc = new BigInteger(128, new Random(7));
        String deep = "[".repeat(5000) + "]".repeat(5000);
        return Stream.of(
                Arguments.of("empty datagram", new byte[0]),
                Arguments.of("whitespace only", utf8("  \n\t ")),
                Arguments.of("not JSON", utf8("this is not json")),
                Arguments.of("invalid UTF-8", new byte[] {(byte) 0xff, (byte) 0xfe, '{', '}'}),
                Arguments.of("truncated JSON", Arrays.copyOf(utf8(PING), PING.length() / 2)),
                Arguments.of("JSON array", utf8("[1, 2, 3]")),
                Arguments.of("JSON string", utf8("\"ping\"")),
                Arguments.of("JSON number", utf8("42")),
                Arguments.of("JSON null", utf8("null")),
                Arguments.of("two JSON objects", utf8(PING + PING)),
                Arguments.of("nesting 5000 deep", utf8("{\"message_type\": \"store\", \"id\": 1, \"value\": " + deep
                        + ", \"peer_id\": 1, \"peer_info\": null}")),
                Arguments.of("oversized: 65100 bytes of garbage", garbage(65_100, 1)),
                Arguments.of("8193 bytes of garbage", garbage(8193, 2)),
                Arguments.of("30000 bytes of garbage", garbage(30_000, 3)),
                Arguments.of("65000 bytes of garbage", garbage(65_000, 4)),
                Arguments.of("ASCII filler of 20000 bytes", utf8("x".repeat(20_000))),
                Arguments.of("missing peer_id", utf8("{\"message_type\": \"ping\", \"peer_info\": null}")),
                Arguments.of("string peer_id", utf8(ping("\"" + PEER + "\""))),
                Arguments.of("float peer_id", utf8(ping("1e38"))),
                Arguments.of("float peer_id 1.0", utf8(ping("1.0"))),
                Arguments.of("negative peer_id", utf8(ping("-1"))),
                Arguments.of("peer_id of 2^128", utf8(ping(TWO_128.toString()))),
                Arguments.of("peer_id of 2^300", utf8(ping(BigInteger.TWO.pow(300).toString()))),
                Arguments.of("peer_id of 5000 digits", utf8(ping("9".repeat(5000)))),
                Arguments.of("null peer_id", utf8(ping("null"))),
                Arguments.of("missing message_type", utf8("{\"peer_id\": 1, \"peer_info\": null}")),
                Arguments.of("numeric message_type", utf8("{\"message_type\": 3, \"peer_id\": 1, \"peer_info\": null}")),
                Arguments.of("unknown message_type", utf8("{\"message_type\": \"hello\", \"peer_id\": 1, \"peer_info\": \"x\"}")),
                Arguments.of("find_node with a string id", utf8(find("find_node", "\"5\""))),
                Arguments.of("find_value with a float id", utf8(find("find_value", "5.0"))),
                Arguments.of("find_node with a negative id", utf8(find("find_node", "-5"))),
                Arguments.of("find_value with an id of 2^256", utf8(find("find_value", TWO_256.toString()))),
                Arguments.of("find_node without id", utf8("{\"message_type\": \"find_node\", \"rpc_id\": 5, \"peer_id\": 1, \"peer_info\": {}}")),
                Arguments.of("find_value without rpc_id", utf8("{\"message_type\": \"find_value\", \"id\": 5, \"peer_id\": 1, \"peer_info\": {}}")),
                Arguments.of("store with a string id", utf8("{\"message_type\": \"store\", \"id\": \"5\", \"value\": 1, \"peer_id\": 1, \"peer_info\": null}")),
                Arguments.of("store without id", utf8("{\"message_type\": \"store\", \"value\": 1, \"peer_id\": 1, \"peer_info\": null}")),
                Arguments.of("get_record whose id does not match its key", utf8("{\"message_type\": \"get_record\", \"id\": 5, \"ns\": \"\", \"key\": \"a2V5\", \"rpc_id\": 5, \"peer_id\": 1, \"peer_info\": {\"kad\": 1}}")),
                Arguments.of("put_record with an unknown op", utf8("{\"message_type\": \"put_record\", \"id\": 5, \"ns\": \"\", \"key\": \"a2V5\", \"op\": \"smash\", \"value\": \"\", \"json\": true, \"expected_version\": -1, \"expires_if_created\": 0, \"expires_if_updated\": 0, \"rpc_id\": 5, \"peer_id\": 1, \"peer_info\": {\"kad\": 1}}")),
                Arguments.of("replicate with a non-object record", utf8("{\"message_type\": \"replicate\", \"records\": [1], \"rpc_id\": 5, \"peer_id\": 1, \"peer_info\": {\"kad\": 1}}")),
                Arguments.of("found_nodes whose nearest_nodes is not an array", utf8("{\"message_type\": \"found_nodes\", \"id\": 1, \"nearest_nodes\": \"x\", \"rpc_id\": " + rpc + ", \"peer_id\": 1, \"peer_info\": {}}")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedDatagramIsDroppedCountedAndUnanswered(String what, byte[] datagram) {
        long dropped = node.stats().datagramsDropped();
        peer.send(node.address(), datagram);
        assertNoReplyBeforeFence(what);
        assertThat(node.stats().datagramsDropped() - dropped).as("datagrams dropped for %s", what).isEqualTo(1);
        assertNodeServes();
    }

    @Test
    void malformedDatagramGetsNoReplyWithinAShortWindow() {
        // the one case checked by waiting: no reply is expected, so 300 ms of silence is the pass condition
        long dropped = node.stats().datagramsDropped();
        peer.send(node.address(), utf8(ping("-1")));
        assertThat(peer.receive(300)).isEmpty();
        assertThat(node.stats().datagramsDropped() - dropped).isEqualTo(1);
    }

    @Test
    void repliesToRequestsNeverSentAreDroppedAndCountedAsUnmatched() {
        Random random = new Random(11);
        String[] replies = {
            "{\"message_type\": \"found_nodes\", \"id\": 1, \"nearest_nodes\": [[\"127.0.0.1\", 4000, 77, {}]], \"rpc_id\": "
                    + new BigInteger(128, random) + ", \"peer_id\": " + PEER + ", \"peer_info\": {}}",
            "{\"message_type\": \"found_value\", \"id\": 1, \"value\": \"spoofed\", \"rpc_id\": "
                    + new BigInteger(128, random) + ", \"peer_id\": " + PEER + ", \"peer_info\": {}}",
            "{\"message_type\": \"pong\", \"peer_id\": " + PEER + ", \"peer_info\": null}",
        };
        for (String reply : replies) {
            long dropped = node.stats().datagramsDropped();
            long unmatched = node.stats().unmatchedReplies();
            peer.send(node.address(), reply);
            assertNoReplyBeforeFence(reply);
            assertThat(node.stats().unmatchedReplies() - unmatched).as(reply).isEqualTo(1);
            assertThat(node.stats().datagramsDropped() - dropped).as(reply).isEqualTo(1);
        }
        // contacts named in an unsolicited found_nodes are not taken on
        assertThat(node.peers()).extracting(c -> c.id().value()).doesNotContain(BigInteger.valueOf(77));
        assertNodeServes();
    }

    @Test
    void unusableNearestNodesEntriesAreSkippedAndTheRestOfTheReplyIsUsed() throws Exception {
        BigInteger me = new BigInteger("123456789");
        String good = "[\"127.0.0.1\", " + peer.address().getPort() + ", " + me + ", {}]";
        String bad = String.join(", ",
                "[\"127.0.0.1\", 0, 11, {}]",
                "[\"127.0.0.1\", 70000, 12, {}]",
                "[\"127.0.0.1\", -4, 13, {}]",
                "[\"127.0.0.1\", 4000, \"14\", {}]",
                "[\"127.0.0.1\", 4000, -15, {}]",
                "[\"127.0.0.1\", 4000, " + TWO_128 + ", {}]",
                "[\"127.0.0.1\", 4000, 1.5, {}]",
                "[1, 4000, 17, {}]",
                "[\"127.0.0.1\", 4000, 18]",
                "[\"127.0.0.1\", 4000, 19, {}, 5]",
                "\"not an entry\"",
                "{\"host\": \"127.0.0.1\"}",
                "null");
        CompletableFuture<Void> join = node.join(List.of(peer.address()));
        int answered = 0;
        while (!join.isDone()) {
            RawPeer.Datagram d = peer.receive(500).orElse(null);
            if (d == null || !"find_node".equals(d.type())) {
                continue;
            }
            String reply = "{\"message_type\": \"found_nodes\", \"id\": " + d.json().get("peer_id")
                    + ", \"nearest_nodes\": [" + bad + ", " + good + "], \"rpc_id\": " + d.json().get("rpc_id")
                    + ", \"peer_id\": " + me + ", \"peer_info\": {}}";
            peer.send(node.address(), reply);
            answered++;
        }
        join.get();
        assertThat(answered).isPositive();
        assertThat(node.peers()).extracting(c -> c.id().value()).containsExactly(me);
        assertNodeServes();
    }

    @Test
    void nodeKeepsServingAfterABarrageOfEveryKindOfBadInput() {
        String receiver = "kad-node-" + node.address().getPort();
        long kadThreads = kadThreads();
        assertThat(threadsNamed(receiver)).isEqualTo(1);
        long dropped = node.stats().datagramsDropped();
        List<Arguments> all = malformed().toList();
        for (int round = 0; round < 5; round++) {
            for (Arguments a : all) {
                peer.send(node.address(), (byte[]) a.get()[1]);
            }
        }
        assertNoReplyBeforeFence("barrage");
        assertThat(node.stats().datagramsDropped() - dropped).isEqualTo(5L * all.size());
        assertThat(threadsNamed(receiver)).as("protocol thread (receives datagrams) alive").isEqualTo(1);
        assertThat(kadThreads()).as("no kad-* thread died or leaked").isEqualTo(kadThreads);
        assertNodeServes();
    }

    private static final java.util.Set<String> REQUESTS = java.util.Set.of("ping", "find_node", "find_value", "get_record",
            "put_record", "replicate", "scan", "subscribe");

    private void assertNoReplyBeforeFence(String what) {
        // The node handles datagrams one at a time on its receive thread and answers synchronously: if the
        // first datagram back after a ping is the pong, the datagram before it got no reply.
        peer.send(node.address(), PING);
        RawPeer.Datagram next = peer.expectReply();
        // the node's own requests (its crawl asks a member it learnt, this socket included) are no answer
        while (REQUESTS.contains(next.type())) {
            next = peer.expectReply();
        }
        assertThat(next.type()).as("first answer back after %s and a ping", what).isEqualTo("pong");
    }

    private void assertNodeServes() {
        peer.send(node.address(), PING);
        RawPeer.Datagram next = peer.expectReply();
        while (REQUESTS.contains(next.type())) {
            next = peer.expectReply();
        }
        assertThat(next.type()).isEqualTo("pong");
        // the node learned this test's raw socket as a peer, which never answers a find_node: a short rpc
        // timeout keeps the newcomer's join from waiting a full second on it twice
        Dht other = Dht.create(NodeConfig.builder().host("127.0.0.1").port(0).seed(node.address())
                .rpcTimeout(Duration.ofMillis(100)).loadInterceptors(false).build());
        extra.add(other);
        String key = "still-works-" + System.nanoTime();
        other.put(key, List.of(1, 2, 3));
        assertThat(Dht.of(node).get(key)).isEqualTo(List.of(1, 2, 3));
    }
}

package io.kad.core.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.kad.core.Dht;
import io.kad.core.NodeConfig;
import io.kad.core.wire.MessageCodec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Java node in a swarm with a scripted kad.py node (see {@link KadpyEmulator}): with the 2018 (sha256)
 * and 2015 (md5) key ids it joins through the kad.py node, reads its values, and its puts arrive as
 * kad.py {@code store}s; everything it sends is kad.py's dialect and fits kad.py's receive buffer.
 */
class KadpyPeerInteropTest {

    /** md5("node1"), node1's id in the captures. */
    private static final BigInteger KADPY_ID = new BigInteger("29602723650044466230836558356005448838");
    private static final BigInteger NODE_ID_LIMIT = BigInteger.ONE.shiftLeft(128);
    private static final Set<String> KADPY_TYPES =
            Set.of("ping", "pong", "find_node", "find_value", "found_nodes", "found_value", "store");

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    static BigInteger keyId(String hashName, String key) throws Exception {
        String algorithm = hashName.equals("sha256") ? "SHA-256" : "MD5";
        byte[] digest = MessageDigest.getInstance(algorithm).digest(key.getBytes(StandardCharsets.UTF_8));
        return new BigInteger(1, digest);
    }

    private KadpyEmulator kadpy() {
        KadpyEmulator e = new KadpyEmulator(KADPY_ID);
        open.add(e);
        return e;
    }

    private Dht javaNode(String hashName, KadpyEmulator seed) {
        Dht dht = Dht.create(NodeConfig.builder().host("127.0.0.1").port(0).hashName(hashName)
                .seed(seed.address()).loadInterceptors(false).build());
        open.add(dht);
        return dht;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256", "md5"})
    void keyIdsOfTheTestMatchTheCaptureMeta(String hashName) throws Exception {
        // the captures' meta: "greeting" under sha256 (2018) and md5 (2015)
        BigInteger expected = hashName.equals("sha256")
                ? new BigInteger("11291368315213641659636739625592410603609357544876210314312757694886436206457")
                : new BigInteger("140389384658107858345462399076894470817");
        assertThat(keyId(hashName, "greeting")).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256", "md5"})
    void javaNodeBootstrapsOffKadpyNodeAndLearnsIt(String hashName) {
        KadpyEmulator kadpy = kadpy();
        Dht java = javaNode(hashName, kadpy);
        assertThat(java.peers()).extracting(c -> c.id().value()).containsExactly(KADPY_ID);
        assertThat(java.peers().get(0).address().getPort()).isEqualTo(kadpy.address().getPort());
        assertThat(java.peers().get(0).speaksRecords()).isFalse();
        assertEverythingSentIsKadpyDialect(kadpy);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256", "md5"})
    void javaNodeGetsValuesTheKadpyNodeHolds(String hashName) throws Exception {
        KadpyEmulator kadpy = kadpy();
        kadpy.data().put(keyId(hashName, "greeting"), TextNode.valueOf("hello world"));
        kadpy.data().put(keyId(hashName, "config"), MessageCodec.mapper().readTree(
                "{\"hola\": 12, \"nested\": {\"a\": [1, 2.5, null, true, false]}, \"text\": \"h\\u00e9llo \\u2603\"}"));
        kadpy.data().put(keyId(hashName, "empty-list"), MessageCodec.mapper().createArrayNode());
        Dht java = javaNode(hashName, kadpy);

        assertThat(java.get("greeting")).isEqualTo("hello world");
        Object config = java.get("config");
        assertThat(config).isInstanceOf(Map.class);
        assertThat((JsonNode) MessageCodec.mapper().valueToTree(config)).isEqualTo(kadpy.data().get(keyId(hashName, "config")));
        assertThat(((Map<?, ?>) config).get("text")).isEqualTo("héllo ☃");
        // kad.py cannot fetch a falsy value remotely; the Java node can
        assertThat(java.get("empty-list")).isEqualTo(List.of());
        assertThat(kadpy.received()).extracting(RawPeer.Datagram::type).contains("find_value");
        assertEverythingSentIsKadpyDialect(kadpy);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256", "md5"})
    void valuePutByJavaNodeArrivesAtKadpyNodeAsStoreUnderTheKeyId(String hashName) throws Exception {
        KadpyEmulator kadpy = kadpy();
        Dht java = javaNode(hashName, kadpy);

        java.put("my_key", List.of("My", "json-serializable", "Object"));
        java.put("utf8-key", "raw é☃");
        java.put("falsy", 0);

        BigInteger myKey = keyId(hashName, "my_key");
        await().atMost(Duration.ofSeconds(5)).until(() -> kadpy.data().size() == 3);
        assertThat(kadpy.data().get(myKey)).isEqualTo(MessageCodec.mapper().readTree(
                "[\"My\", \"json-serializable\", \"Object\"]"));
        assertThat(kadpy.data().get(keyId(hashName, "utf8-key")).textValue()).isEqualTo("raw é☃");
        assertThat(kadpy.data().get(keyId(hashName, "falsy")).intValue()).isZero();

        RawPeer.Datagram store = kadpy.received().stream().filter(d -> "store".equals(d.type())).findFirst()
                .orElseThrow();
        JsonNode tree = store.json();
        assertThat(fieldNames(tree)).containsExactly("message_type", "id", "value", "peer_id", "peer_info");
        assertThat(tree.get("peer_info").isNull()).as("kad.py sends store with peer_info null").isTrue();
        assertThat(tree.get("peer_id").bigIntegerValue()).isEqualTo(java.id().value());
        assertThat(store.text()).as("json.dumps output is ASCII only").matches("\\p{ASCII}*");
        assertEverythingSentIsKadpyDialect(kadpy);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256", "md5"})
    void valueTooLargeForKadpyIsNeverSentOversized(String hashName) throws Exception {
        KadpyEmulator kadpy = kadpy();
        Dht java = javaNode(hashName, kadpy);
        String big = "x".repeat(9000);
        try {
            java.put("big", big);
        } catch (RuntimeException e) {
            // failing the put is an acceptable answer too; sending an oversized store is not
        }
        java.put("after-big", "small");
        await().atMost(Duration.ofSeconds(5)).until(() -> kadpy.data().containsKey(keyId(hashName, "after-big")));
        assertThat(kadpy.data()).doesNotContainKey(keyId(hashName, "big"));
        assertEverythingSentIsKadpyDialect(kadpy);
    }

    private static List<String> fieldNames(JsonNode tree) {
        List<String> names = new ArrayList<>();
        Iterator<String> it = tree.fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }

    private static void assertEverythingSentIsKadpyDialect(KadpyEmulator kadpy) {
        assertThat(kadpy.received()).isNotEmpty();
        for (RawPeer.Datagram d : kadpy.received()) {
            assertThat(d.data().length).as("size of %s", d.text()).isLessThanOrEqualTo(MessageCodec.KADPY_MAX_DATAGRAM);
            JsonNode m = d.json();
            assertThat(m.isObject()).isTrue();
            assertThat(KADPY_TYPES).as("type of %s", d.text()).contains(m.path("message_type").asText());
            JsonNode peerId = m.get("peer_id");
            assertThat(peerId.isIntegralNumber()).as("peer_id of %s", d.text()).isTrue();
            assertThat(peerId.bigIntegerValue()).isNotNegative().isLessThan(NODE_ID_LIMIT);
            assertThat(m.has("peer_info")).as("peer_info of %s", d.text()).isTrue();
            String type = m.get("message_type").textValue();
            if (type.startsWith("find_")) {
                assertThat(m.get("rpc_id").isIntegralNumber()).as("rpc_id of %s", d.text()).isTrue();
                assertThat(m.get("id").isIntegralNumber()).as("id of %s", d.text()).isTrue();
                // kad.py's fields in its order, then the pad that makes room for a full answer from a node
                // that has not verified this one's address (kad.py ignores extra fields)
                assertThat(fieldNames(m)).containsExactly("message_type", "id", "rpc_id", "peer_id", "peer_info",
                        "pad");
                assertThat(m.get("pad").textValue()).as("pad of %s", d.text()).matches("\\.*");
                assertThat(d.data().length).as("size of %s", d.text()).isEqualTo(MessageCodec.LOOKUP_REQUEST_BYTES);
            }
        }
    }
}

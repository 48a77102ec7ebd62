package io.kad.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kad.core.id.NodeId;
import io.kad.core.id.Contact;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordException;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.BiConsumer;

/**
 * A distributed hash table of JSON values, the Java form of kad.py's {@code DHT}: create a node on a
 * host and port, optionally with seeds, then {@code put} and {@code get} by string key.
 *
 * <pre>{@code
 * try (Dht a = Dht.create("127.0.0.1", 0);
 *      Dht b = Dht.create("127.0.0.1", 0, a.address())) {
 *     a.put("my_key", List.of("My", "json-serializable", "Object"));
 *     Object value = b.get("my_key");
 * }
 * }</pre>
 *
 * <p>Contract:
 * <ul>
 *   <li>values are anything Jackson can write as JSON; they come back as JSON-shaped Java values
 *       ({@code Map}, {@code List}, {@code String}, {@code Number}, {@code Boolean}, {@code null}) or as a
 *       type you ask for; falsy values ({@code 0}, {@code ""}, {@code []}, {@code {}}, {@code false},
 *       {@code null}) round-trip like any other;</li>
 *   <li>a key's id is the hash of its UTF-8 bytes, as in kad.py, so with the same hash function a
 *       kad.py node and this one find each other's values;</li>
 *   <li>blocking calls wait at most {@link NodeConfig#operationTimeout()} and then fail with a
 *       {@link RecordException}; they never hang;</li>
 *   <li>{@link #close()} stops the node.</li>
 * </ul>
 */
public final class Dht implements AutoCloseable, Iterable<String> {

    /** Integers come back as the smallest of Integer, Long and BigInteger that holds them. */
    private static final ObjectMapper JSON = JsonValues.MAPPER;

    private final KadNode node;
    private final DhtMap map;

    private Dht(KadNode node) {
        this.node = node;
        this.map = new DhtMap(node, JSON);
    }

    /**
     * Starts a node bound to a host and port that joins the swarm through seeds.
     *
     * @param host the address to bind, e.g. {@code "127.0.0.1"}
     * @param port the UDP port, 0 for an ephemeral one
     * @param seeds addresses of nodes already in the swarm (none to start a new swarm)
     * @return the running DHT
     * @throws IllegalArgumentException for a port out of range
     * @throws RecordException if seeds were given and none answered
     */
    public static Dht create(String host, int port, InetSocketAddress... seeds) {
        Objects.requireNonNull(host, "host");
        for (InetSocketAddress s : seeds) {
            Objects.requireNonNull(s, "seed");
        }
        return create(NodeConfig.builder().host(host).port(port).seeds(Arrays.asList(seeds)).build());
    }

    /**
     * Starts a node from a full configuration (custom hash function, storage, interceptors...).
     *
     * @param config the configuration
     * @return the running DHT
     */
    public static Dht create(NodeConfig config) {
        return new Dht(KadNode.start(config));
    }

    /**
     * Wraps a running node.
     *
     * @param node the node; closed by {@link #close()}
     * @return the DHT
     */
    public static Dht of(KadNode node) {
        return new Dht(Objects.requireNonNull(node, "node"));
    }

    /**
     * Parses a seed address.
     *
     * @param hostAndPort {@code host:port}
     * @return the address
     * @throws IllegalArgumentException naming the text if it is not {@code host:port} with a valid port
     */
    public static InetSocketAddress parseAddress(String hostAndPort) {
        Objects.requireNonNull(hostAndPort, "hostAndPort");
        int colon = hostAndPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostAndPort.length() - 1) {
            throw new IllegalArgumentException("unparsable seed address '" + hostAndPort + "': expected host:port");
        }
        String host = hostAndPort.substring(0, colon).trim();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostAndPort.substring(colon + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unparsable seed address '" + hostAndPort + "': bad port", e);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("unparsable seed address '" + hostAndPort + "': port out of range");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unparsable seed address '" + hostAndPort + "': unknown host");
        }
        return address;
    }

    /**
     * Stores a value under a key on the nodes nearest the key's id, and waits for the owner's
     * acknowledgement.
     *
     * @param key the key
     * @param value any JSON-serializable value, {@code null} included
     * @throws IllegalArgumentException if Jackson cannot serialize the value
     */
    public void put(String key, Object value) {
        node.await(putAsync(key, value), node.config().operationTimeout(), "put of '" + key + "'");
    }

    /**
     * Stores a value without waiting.
     *
     * @param key the key
     * @param value any JSON-serializable value
     * @return completes when the owner acknowledged
     */
    public CompletableFuture<Void> putAsync(String key, Object value) {
        Objects.requireNonNull(key, "key");
        JsonNode tree = toJson(value);
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        BigInteger keyId = new BigInteger(1, node.hashFunction().hash(keyBytes));
        return node.storeValue(keyId, keyBytes, tree);
    }

    /**
     * Reads the value of a key: locally if this node holds it, else from the swarm.
     *
     * @param key the key
     * @return the value as a JSON-shaped Java value
     * @throws NoSuchElementException naming the key if no node has it
     */
    public Object get(String key) {
        Objects.requireNonNull(key, "key");
        Optional<JsonNode> value = node.await(getJson(key), node.config().operationTimeout(),
                "get of '" + key + "'");
        return toJava(value.orElseThrow(() -> new NoSuchElementException("no value for key '" + key + "'")));
    }

    /**
     * Reads the value of a key as a given type.
     *
     * @param key the key
     * @param type the type Jackson converts the JSON value to
     * @param <T> the type
     * @return the value
     * @throws NoSuchElementException naming the key if no node has it
     */
    public <T> T get(String key, Class<T> type) {
        return JSON.convertValue(get(key), type);
    }

    /**
     * Reads the value of a key without blocking.
     *
     * @param key the key
     * @return the value as a JSON tree ({@code NullNode} for a stored {@code null}), or empty if no node
     *     has it; {@link #toJava(JsonNode)} turns it into a plain Java value
     */
    public CompletableFuture<Optional<JsonNode>> getAsync(String key) {
        Objects.requireNonNull(key, "key");
        return getJson(key);
    }

    /**
     * Reads the value of a key and hands it to a callback, as kad.py's callback form does.
     *
     * @param key the key
     * @param callback receives the value (or {@code null} with a {@link NoSuchElementException} when
     *     absent) or the failure; runs on the common fork-join pool, never on the node's threads
     */
    public void get(String key, BiConsumer<Object, Throwable> callback) {
        get(key, callback, ForkJoinPool.commonPool());
    }

    /**
     * Reads the value of a key and hands it to a callback on a given executor.
     *
     * @param key the key
     * @param callback receives the value or the failure
     * @param executor where the callback runs
     */
    public void get(String key, BiConsumer<Object, Throwable> callback, Executor executor) {
        Objects.requireNonNull(callback, "callback");
        Objects.requireNonNull(executor, "executor");
        getAsync(key).whenCompleteAsync((value, error) -> {
            if (error != null) {
                callback.accept(null, error);
            } else if (value.isEmpty()) {
                callback.accept(null, new NoSuchElementException("no value for key '" + key + "'"));
            } else {
                callback.accept(toJava(value.get()), null);
            }
        }, executor);
    }

    /**
     * Reads through the key's owner, so that every node reads the same value (a copy of this node's own
     * may be older: after a partition heals, for instance). Only when the owner has nothing does this
     * node's own copy or a {@code find_value} lookup answer: a kad.py {@code store}, or a record handed
     * off to an owner that joined a moment ago and has not received it yet.
     */
    CompletableFuture<Optional<JsonNode>> getJson(String key) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        BigInteger keyId = new BigInteger(1, node.hashFunction().hash(keyBytes));
        return node.records().read("", keyBytes).thenCompose((ReadResult r) -> {
            if (r.record() != null && r.record().json()) {
                return CompletableFuture.completedFuture(Optional.of(JsonValues.parse(r.record().value())));
            }
            // not at the owner: a kad.py store (to this node or to kad.py nodes), or a record the owner has
            // not received yet (a node that just joined, before the hand-off reaches it): ask around
            return node.findValue(keyId);
        });
    }

    /**
     * The keys stored on this node, as kad.py's iteration over its storage gives them. A record that
     * arrived through kad.py's {@code store} is known by its id only; its key is the id in decimal.
     *
     * @return the local keys, a snapshot
     */
    public List<String> localKeys() {
        List<String> keys = new ArrayList<>();
        long now = node.records().nowMillis();
        node.storage().forEach(r -> {
            if (r.namespace().isEmpty() && r.isLiveAt(now)) {
                keys.add(r.key().length == 0 ? r.id().toString() : new String(r.key(), StandardCharsets.UTF_8));
            }
        });
        return keys;
    }

    /** Iterates over {@link #localKeys()}. */
    @Override
    public java.util.Iterator<String> iterator() {
        return localKeys().iterator();
    }

    /**
     * A {@code ConcurrentMap} view of the swarm's JSON values; see {@link DhtMap} for each method's
     * semantics.
     *
     * @return the view (shared, not a copy)
     */
    public ConcurrentMap<String, Object> asMap() {
        return map;
    }

    /** @return this node's id */
    public NodeId id() {
        return node.id();
    }

    /** @return the address this node receives on */
    public InetSocketAddress address() {
        return node.address();
    }

    /** @return the peers this node knows */
    public List<Contact> peers() {
        return node.peers();
    }

    /** @return the underlying node */
    public KadNode node() {
        return node;
    }

    @Override
    public void close() {
        node.close();
    }

    static JsonNode toJson(Object value) {
        try {
            return JSON.valueToTree(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("value of type " + value.getClass().getName()
                    + " cannot be serialized as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Converts a JSON tree into plain Java values: {@code Map}, {@code List}, {@code String},
     * {@code Integer}/{@code Long}/{@code BigInteger}, {@code Double}, {@code Boolean} or {@code null}.
     *
     * @param tree the tree
     * @return the value
     */
    public static Object toJava(JsonNode tree) {
        try {
            return JSON.treeToValue(tree, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON could not be read", e);
        }
    }
}

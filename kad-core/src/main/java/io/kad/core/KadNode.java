package io.kad.core;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordClient;
import io.kad.core.record.RecordEngine;
import io.kad.core.record.RecordIds;
import io.kad.core.wire.RecordEvent;
import io.kad.core.wire.WriteCommand;
import io.kad.core.wire.WriteResult;
import io.kad.spi.KeyHashFunction;
import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * One Kademlia node. PROVISIONAL single-node form: records live in this node's tier only; the
 * networked form replaces it with the same public surface.
 */
public final class KadNode implements AutoCloseable {

    private final NodeConfig config;
    private final NodeId id;
    private final KeyHashFunction hash;
    private final RecordEngine engine;
    private final Records records = new Records();
    private volatile boolean closed;

    private KadNode(NodeConfig config) {
        this.config = config;
        this.id = config.nodeId() != null ? new NodeId(config.nodeId(), NodeId.NODE_ID_BITS) : NodeId.random(NodeId.NODE_ID_BITS);
        this.hash = config.hashFunction() != null ? config.hashFunction() : sha256();
        StorageTier tier = config.storageTier() != null ? config.storageTier() : new MapTier();
        this.engine = new RecordEngine(tier, System::currentTimeMillis, config.tombstoneTtl().toMillis());
    }

    /**
     * Starts a node and joins its seeds.
     *
     * @param config the configuration
     * @return the running node
     */
    public static KadNode start(NodeConfig config) {
        return new KadNode(config);
    }

    /** @return this node's id */
    public NodeId id() {
        return id;
    }

    /** @return the configuration */
    public NodeConfig config() {
        return config;
    }

    /** @return the address this node receives on */
    public InetSocketAddress address() {
        return new InetSocketAddress(config.host(), config.port());
    }

    /** @return the key hash function */
    public KeyHashFunction hashFunction() {
        return hash;
    }

    /** @return the peers in this node's routing table */
    public List<Contact> peers() {
        return List.of();
    }

    /** @return the record protocol client of this node */
    public RecordClient records() {
        return records;
    }

    @Override
    public void close() {
        closed = true;
    }

    private static KeyHashFunction sha256() {
        return new KeyHashFunction() {
            public String name() { return "sha256"; }
            public int idBits() { return 256; }
            public byte[] hash(byte[] key) {
                try {
                    return MessageDigest.getInstance("SHA-256").digest(key);
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    private final class Records implements RecordClient {
        public CompletableFuture<ReadResult> read(String namespace, byte[] key) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("node closed"));
            }
            return CompletableFuture.completedFuture(engine.read(RecordIds.of(hash, namespace, key)));
        }

        public CompletableFuture<WriteResult> write(String namespace, byte[] key, WriteCommand command) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("node closed"));
            }
            return CompletableFuture.completedFuture(engine.write(RecordIds.of(hash, namespace, key), namespace, key, command));
        }

        public CompletableFuture<List<byte[]>> keys(String namespace) {
            List<byte[]> keys = new ArrayList<>();
            for (StoredRecord r : engine.scan(namespace, null, Integer.MAX_VALUE)) {
                keys.add(r.key());
            }
            return CompletableFuture.completedFuture(keys);
        }

        public AutoCloseable subscribe(String namespace, Consumer<RecordEvent> listener) {
            return () -> { };
        }

        public long nowMillis() {
            return System.currentTimeMillis();
        }

        public Duration operationTimeout() {
            return config.operationTimeout();
        }
    }

    private static final class MapTier implements StorageTier {
        private final ConcurrentHashMap<BigInteger, StoredRecord> map = new ConcurrentHashMap<>();
        public StoredRecord get(BigInteger id) { return map.get(id); }
        public StoredRecord compute(BigInteger id, UnaryOperator<StoredRecord> update) {
            return map.compute(id, (k, v) -> update.apply(v));
        }
        public void remove(BigInteger id) { map.remove(id); }
        public void forEach(Consumer<StoredRecord> action) { map.values().forEach(action); }
        public long size() { return map.size(); }
        public void close() { }
    }
}

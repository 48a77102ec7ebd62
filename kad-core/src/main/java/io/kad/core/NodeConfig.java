package io.kad.core;

import io.kad.spi.KeyHashFunction;
import io.kad.spi.RequestInterceptor;
import io.kad.spi.StorageTier;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a {@link KadNode} is built from, validated when built: a bad value fails with an
 * {@link IllegalArgumentException} naming the setting and the value.
 *
 * @param host the address to bind and announce
 * @param port the UDP port, 0 for an ephemeral one
 * @param seeds nodes to join through at start
 * @param hashName the key hash function's name ({@code sha256}, {@code sha1}, {@code md5} or a
 *     ServiceLoader-registered one); ignored when {@code hashFunction} is given
 * @param hashFunction a hash function instance, or {@code null} to select by {@code hashName}
 * @param k bucket size and replication bound of the paper (K)
 * @param alpha parallel requests of a lookup (ALPHA)
 * @param replication how many nodes hold each record (the owner included)
 * @param rpcTimeout how long to wait for one reply
 * @param operationTimeout how long a record operation may take in all
 * @param storageName the storage tier's name ({@code caffeine}, {@code mvstore} or registered)
 * @param storageTier a tier instance, or {@code null} to create one by {@code storageName}
 * @param storageSettings settings for the tier ({@code storage.*} keys, without {@code kad.}); the node
 *     itself reads {@link #EXPIRY_GRACE_SETTING}
 * @param interceptors request interceptors, in addition to the ServiceLoader-registered ones
 * @param loadInterceptors whether to load interceptors with {@link java.util.ServiceLoader}
 * @param nodeId a fixed node id, or {@code null} for a random one
 * @param tombstoneTtl how long a removal's tombstone is kept
 * @param republishInterval how often a node re-copies its records to their current owners
 * @param refreshInterval how long a bucket may stay untouched before it is refreshed
 * @param sharedSecret a secret every node of the swarm shares, or {@code null}: with one, every datagram
 *     carries an HMAC-SHA256 tag of its bytes and datagrams without a valid tag are dropped (so kad.py
 *     nodes, which cannot tag, are shut out)
 * @param maxValueBytes the largest value a record may have, in bytes ({@code kad.max-value-bytes}); a
 *     record-protocol message larger than a datagram travels between nodes as a fragmented transfer,
 *     so this bound is not tied to the datagram size
 */
public record NodeConfig(
        String host,
        int port,
        List<InetSocketAddress> seeds,
        String hashName,
        KeyHashFunction hashFunction,
        int k,
        int alpha,
        int replication,
        Duration rpcTimeout,
        Duration operationTimeout,
        String storageName,
        StorageTier storageTier,
        Map<String, String> storageSettings,
        List<RequestInterceptor> interceptors,
        boolean loadInterceptors,
        BigInteger nodeId,
        Duration tombstoneTtl,
        Duration republishInterval,
        Duration refreshInterval,
        String sharedSecret,
        int maxValueBytes) {

    /** Validates every field. */
    public NodeConfig {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range 0..65535: " + port);
        }
        seeds = List.copyOf(Objects.requireNonNull(seeds, "seeds"));
        Objects.requireNonNull(hashName, "hashName");
        if (hashFunction == null) {
            io.kad.core.hash.KeyHashFunctions.byName(hashName); // fails naming an unknown hash
        }
        positive("k", k);
        positive("alpha", alpha);
        positive("replication", replication);
        if (replication > k) {
            throw new IllegalArgumentException("replication (" + replication + ") must not exceed k (" + k + ")");
        }
        positive("rpcTimeout", rpcTimeout);
        positive("operationTimeout", operationTimeout);
        Objects.requireNonNull(storageName, "storageName");
        if (storageTier == null) {
            io.kad.core.storage.StorageTierProviders.byName(storageName); // fails naming an unknown tier
        }
        storageSettings = Map.copyOf(Objects.requireNonNull(storageSettings, "storageSettings"));
        expiryGraceOf(storageSettings); // fails naming the key and the value
        interceptors = List.copyOf(Objects.requireNonNull(interceptors, "interceptors"));
        if (nodeId != null && (nodeId.signum() < 0 || nodeId.bitLength() > io.kad.core.id.NodeId.NODE_ID_BITS)) {
            throw new IllegalArgumentException("nodeId must be in 0 .. 2^128-1: " + nodeId);
        }
        positive("tombstoneTtl", tombstoneTtl);
        positive("republishInterval", republishInterval);
        positive("refreshInterval", refreshInterval);
        if (sharedSecret != null && sharedSecret.length() < 16) {
            throw new IllegalArgumentException("sharedSecret must have at least 16 characters, had "
                    + sharedSecret.length());
        }
        if (maxValueBytes < 1 || maxValueBytes > MAX_VALUE_BYTES_LIMIT) {
            throw new IllegalArgumentException("maxValueBytes must be in 1.." + MAX_VALUE_BYTES_LIMIT + ": "
                    + maxValueBytes);
        }
    }

    /** The default of {@link #maxValueBytes()}: 8 MiB. */
    public static final int DEFAULT_MAX_VALUE_BYTES = 8 * 1024 * 1024;
    /** The largest {@link #maxValueBytes()} allowed: 256 MiB (three in base64 must stay below 2 GiB). */
    public static final int MAX_VALUE_BYTES_LIMIT = 256 * 1024 * 1024;
    /** The largest key a record may have, in bytes. */
    public static final int MAX_KEY_BYTES = 64 * 1024;

    /**
     * @return the largest record-protocol message a node of this configuration writes or accepts: a
     *     write's reply or an event carries up to three records (key and value in base64), plus framing
     */
    public int maxMessageBytes() {
        long record = ((long) maxValueBytes + MAX_KEY_BYTES + 2) / 3 * 4 + 1024;
        return (int) Math.max(io.kad.core.wire.MessageCodec.RECORD_MAX_DATAGRAM, 3 * record + 64 * 1024);
    }

    /**
     * The {@code storage.*} setting (written {@code kad.storage.expiry-grace-ms} in {@code kad.properties})
     * for how long after its expiry a record, tombstones included, stays in the node's tier before the
     * node reclaims it; whole milliseconds, zero or more. It applies to every tier.
     */
    public static final String EXPIRY_GRACE_SETTING = "storage.expiry-grace-ms";

    /** The reclaim grace when {@link #EXPIRY_GRACE_SETTING} is not set. */
    public static final Duration DEFAULT_EXPIRY_GRACE = Duration.ofSeconds(60);

    /**
     * @return how long after its expiry a record stays in this node's tier before it is reclaimed: the
     *     {@link #EXPIRY_GRACE_SETTING} storage setting, or {@link #DEFAULT_EXPIRY_GRACE}
     */
    public Duration expiryGrace() {
        return expiryGraceOf(storageSettings);
    }

    private static Duration expiryGraceOf(Map<String, String> settings) {
        String value = settings.get(EXPIRY_GRACE_SETTING);
        if (value == null || value.isBlank()) {
            return DEFAULT_EXPIRY_GRACE;
        }
        long millis;
        try {
            millis = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            millis = -1;
        }
        if (millis < 0) {
            throw new IllegalArgumentException("kad." + EXPIRY_GRACE_SETTING
                    + " must be a whole number of milliseconds, zero or more, was '" + value + "'");
        }
        return Duration.ofMillis(millis);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }

    /** @return a builder with the defaults: loopback, ephemeral port, sha256, K=20, ALPHA=3, replication 3 */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this configuration */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.seeds = new ArrayList<>(seeds);
        b.hashName = hashName;
        b.hashFunction = hashFunction;
        b.k = k;
        b.alpha = alpha;
        b.replication = replication;
        b.rpcTimeout = rpcTimeout;
        b.operationTimeout = operationTimeout;
        b.storageName = storageName;
        b.storageTier = storageTier;
        b.storageSettings = new LinkedHashMap<>(storageSettings);
        b.interceptors = new ArrayList<>(interceptors);
        b.loadInterceptors = loadInterceptors;
        b.nodeId = nodeId;
        b.tombstoneTtl = tombstoneTtl;
        b.republishInterval = republishInterval;
        b.refreshInterval = refreshInterval;
        b.sharedSecret = sharedSecret;
        b.maxValueBytes = maxValueBytes;
        return b;
    }

    /** Builds a {@link NodeConfig}; every setter returns the builder. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private List<InetSocketAddress> seeds = new ArrayList<>();
        private String hashName = "sha256";
        private KeyHashFunction hashFunction;
        private int k = 20;
        private int alpha = 3;
        private int replication = 3;
        private Duration rpcTimeout = Duration.ofMillis(1000);
        private Duration operationTimeout = Duration.ofSeconds(5);
        private String storageName = "caffeine";
        private StorageTier storageTier;
        private Map<String, String> storageSettings = new LinkedHashMap<>();
        private List<RequestInterceptor> interceptors = new ArrayList<>();
        private boolean loadInterceptors = true;
        private BigInteger nodeId;
        private Duration tombstoneTtl = Duration.ofMinutes(10);
        private Duration republishInterval = Duration.ofMinutes(10);
        private Duration refreshInterval = Duration.ofHours(1);
        private String sharedSecret;
        private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;

        private Builder() {
        }

        /** @param v the host to bind @return this */
        public Builder host(String v) { host = v; return this; }
        /** @param v the port, 0 for ephemeral @return this */
        public Builder port(int v) { port = v; return this; }
        /** @param v the seeds @return this */
        public Builder seeds(List<InetSocketAddress> v) { seeds = new ArrayList<>(v); return this; }
        /** @param v one more seed @return this */
        public Builder seed(InetSocketAddress v) { seeds.add(Objects.requireNonNull(v, "seed")); return this; }
        /** @param v the hash function's name @return this */
        public Builder hashName(String v) { hashName = v; return this; }
        /** @param v a hash function instance @return this */
        public Builder hashFunction(KeyHashFunction v) { hashFunction = v; return this; }
        /** @param v K @return this */
        public Builder k(int v) { k = v; return this; }
        /** @param v ALPHA @return this */
        public Builder alpha(int v) { alpha = v; return this; }
        /** @param v the replication factor @return this */
        public Builder replication(int v) { replication = v; return this; }
        /** @param v the per-request timeout @return this */
        public Builder rpcTimeout(Duration v) { rpcTimeout = v; return this; }
        /** @param v the per-operation timeout @return this */
        public Builder operationTimeout(Duration v) { operationTimeout = v; return this; }
        /** @param v the storage tier's name @return this */
        public Builder storageName(String v) { storageName = v; return this; }
        /** @param v a storage tier instance @return this */
        public Builder storageTier(StorageTier v) { storageTier = v; return this; }
        /** @param key a {@code storage.*} key @param value its value @return this */
        public Builder storageSetting(String key, String value) { storageSettings.put(key, value); return this; }
        /** @param v one more interceptor @return this */
        public Builder interceptor(RequestInterceptor v) { interceptors.add(Objects.requireNonNull(v, "interceptor")); return this; }
        /** @param v whether to load ServiceLoader interceptors @return this */
        public Builder loadInterceptors(boolean v) { loadInterceptors = v; return this; }
        /** @param v a fixed node id @return this */
        public Builder nodeId(BigInteger v) { nodeId = v; return this; }
        /** @param v the tombstone lifetime @return this */
        public Builder tombstoneTtl(Duration v) { tombstoneTtl = v; return this; }
        /** @param v the republish interval @return this */
        public Builder republishInterval(Duration v) { republishInterval = v; return this; }
        /** @param v the bucket refresh interval @return this */
        public Builder refreshInterval(Duration v) { refreshInterval = v; return this; }
        /** @param v the swarm's shared secret (at least 16 characters), or {@code null} for none @return this */
        public Builder sharedSecret(String v) { sharedSecret = v; return this; }
        /** @param v the largest value of a record, in bytes @return this */
        public Builder maxValueBytes(int v) { maxValueBytes = v; return this; }

        /** @return the validated configuration */
        public NodeConfig build() {
            return new NodeConfig(host, port, seeds, hashName, hashFunction, k, alpha, replication, rpcTimeout,
                    operationTimeout, storageName, storageTier, storageSettings, interceptors, loadInterceptors,
                    nodeId, tombstoneTtl, republishInterval, refreshInterval, sharedSecret, maxValueBytes);
        }
    }

    /** Like the record's, but without the shared secret. */
    @Override
    public String toString() {
        return "NodeConfig[host=" + host + ", port=" + port + ", seeds=" + seeds + ", hash="
                + (hashFunction != null ? hashFunction.name() : hashName) + ", k=" + k + ", alpha=" + alpha
                + ", replication=" + replication + ", rpcTimeout=" + rpcTimeout + ", operationTimeout="
                + operationTimeout + ", storage=" + storageName + ", maxValueBytes=" + maxValueBytes + ", sharedSecret="
                + (sharedSecret == null ? "none" : "set") + "]";
    }
}

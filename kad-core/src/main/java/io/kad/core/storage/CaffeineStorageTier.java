package io.kad.core.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.kad.core.id.RecordId;
import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The default {@link StorageTier}: a bounded Caffeine cache of records, keyed by record id.
 *
 * <p>Contract:
 * <ul>
 *   <li>bounded by record count ({@link Builder#maximumSize}, default
 *       {@value #DEFAULT_MAX_RECORDS}) and by the sum of {@link StoredRecord#weight()}, an estimate of
 *       bytes ({@link Builder#maximumWeight}, default a quarter of the heap), both at once: a flood of
 *       large records stops at the byte bound, a flood of small ones at the count bound. A record
 *       dropped to stay within the bounds (Caffeine's {@link RemovalCause#SIZE}) is reported to the
 *       eviction listener, and no other removal is;</li>
 *   <li>{@link #compute} runs in {@code Cache.asMap().compute}, so it is atomic per id;</li>
 *   <li>the tier never drops a record for its age: expiry is a decision of the record protocol, which
 *       checks {@link StoredRecord#isExpiredAt(long)} itself (and must be able to report that a key
 *       expired), and the node reclaims expired records and old tombstones from every tier alike
 *       ({@code RecordEngine.reclaim}). Without a per-entry expiry, a read here costs one hash lookup
 *       and no timer-wheel bookkeeping;</li>
 *   <li>keyed by {@link RecordId}: up to 256 bits held in the key object itself, so that the lookup's
 *       equality check reads one object, where a {@link BigInteger} key costs a second, dependent memory
 *       access (its magnitude array), a cache miss on most reads of a large tier; the node reads by the
 *       {@code RecordId} it computed ({@link #get(RecordId)}), the {@code BigInteger} methods of the
 *       {@link StorageTier} contract convert.</li>
 * </ul>
 */
public final class CaffeineStorageTier implements StorageTier, RecordIdReads {

    /** The default bound by record count. */
    public static final long DEFAULT_MAX_RECORDS = 100_000;

    /** @return the default bound by weight: a quarter of the heap this JVM may use */
    public static long defaultMaxBytes() {
        return Math.max(1, Runtime.getRuntime().maxMemory() / 4);
    }

    private final Cache<RecordId, StoredRecord> cache;
    private final long maxRecords;
    private final long maxBytes;

    private CaffeineStorageTier(Builder builder) {
        Consumer<StoredRecord> evictions = builder.evictions;
        Caffeine<RecordId, StoredRecord> caffeine = Caffeine.newBuilder()
                .evictionListener((RecordId id, StoredRecord record, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE && record != null) {
                        evictions.accept(record);
                    }
                });
        if (builder.executor != null) {
            caffeine.executor(builder.executor);
        }
        long records = builder.maximumSize >= 0 ? builder.maximumSize : DEFAULT_MAX_RECORDS;
        long bytes = builder.maximumWeight >= 0 ? builder.maximumWeight : defaultMaxBytes();
        // one bound on the weight carries both: each record weighs at least the count bound's share of
        // the bytes, so no more than `records` fit, and together no more than `bytes`
        int floor = (int) Math.min(Integer.MAX_VALUE, Math.max(1, bytes / records));
        long bound = Math.min(bytes, Math.multiplyHigh(records, floor) != 0 ? Long.MAX_VALUE : records * floor);
        this.maxRecords = records;
        this.maxBytes = bytes;
        caffeine.maximumWeight(bound).weigher((RecordId id, StoredRecord r) -> Math.max(floor, r.weight()));
        this.cache = caffeine.build();
    }

    /** @return a builder with the default bound of {@value #DEFAULT_MAX_RECORDS} records */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public StoredRecord get(RecordId id) {
        return cache.getIfPresent(Objects.requireNonNull(id, "id"));
    }

    @Override
    public StoredRecord get(BigInteger id) {
        return cache.getIfPresent(RecordId.of(Objects.requireNonNull(id, "id")));
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code update} returns a record with another id; nothing is
     *     stored then
     */
    @Override
    public StoredRecord compute(BigInteger id, UnaryOperator<StoredRecord> update) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(update, "update");
        return cache.asMap().compute(RecordId.of(id), (key, current) -> Records.checkId(id, update.apply(current)));
    }

    @Override
    public void remove(BigInteger id) {
        cache.invalidate(RecordId.of(Objects.requireNonNull(id, "id")));
    }

    @Override
    public void forEach(Consumer<StoredRecord> action) {
        Objects.requireNonNull(action, "action");
        cache.asMap().values().forEach(action);
    }

    /** @return Caffeine's estimate of the number of records, expired ones and tombstones included */
    @Override
    public long size() {
        return cache.estimatedSize();
    }

    /** @return the bound on record count */
    public long maxRecords() {
        return maxRecords;
    }

    /** @return the bound on the records' total weight, an estimate of bytes */
    public long maxBytes() {
        return maxBytes;
    }

    /** @return the records' total weight now, as the bound counts it (at least the count share each) */
    public long weight() {
        return cache.policy().eviction().flatMap(e -> e.weightedSize().isPresent()
                ? java.util.Optional.of(e.weightedSize().getAsLong()) : java.util.Optional.empty()).orElse(0L);
    }

    /** Runs pending maintenance now: enforces the bound. */
    public void cleanUp() {
        cache.cleanUp();
    }

    /** Discards every record (an in-memory tier has nothing to make durable); not reported as evictions. */
    @Override
    public void close() {
        cache.invalidateAll();
        cache.cleanUp();
    }

    /**
     * Configures a {@link CaffeineStorageTier}. Not thread-safe; {@link #build()} may be called more than
     * once and gives independent tiers.
     */
    public static final class Builder {

        private long maximumSize = -1;
        private long maximumWeight = -1;
        private Executor executor;
        private Consumer<StoredRecord> evictions = record -> { };

        private Builder() {
        }

        /**
         * Bounds the tier by record count (default {@value CaffeineStorageTier#DEFAULT_MAX_RECORDS}).
         *
         * @param records the most records held, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code records < 1}
         */
        public Builder maximumSize(long records) {
            if (records < 1) {
                throw new IllegalArgumentException("maximum size must be at least 1, was " + records);
            }
            this.maximumSize = records;
            return this;
        }

        /**
         * Bounds the tier by the sum of {@link StoredRecord#weight()}, an estimate of bytes (default a
         * quarter of the heap). The count bound applies as well.
         *
         * @param bytes the most total weight held, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes < 1}
         */
        public Builder maximumWeight(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maximum weight must be at least 1, was " + bytes);
            }
            this.maximumWeight = bytes;
            return this;
        }

        /**
         * @param executor runs Caffeine's maintenance (default: the common pool); tests pass
         *     {@code Runnable::run} to make it deterministic
         * @return this builder
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * @param evictions told of each record dropped to stay within the bound, on the thread that
         *     drops it; it must be quick and must not touch the tier
         * @return this builder
         */
        public Builder evictionListener(Consumer<StoredRecord> evictions) {
            this.evictions = Objects.requireNonNull(evictions, "evictions");
            return this;
        }

        /** @return a new, empty tier */
        public CaffeineStorageTier build() {
            return new CaffeineStorageTier(this);
        }
    }
}

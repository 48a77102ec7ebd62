package io.kad.core.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
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
 *   <li>bounded either by record count ({@link Builder#maximumSize}) or by the sum of
 *       {@link StoredRecord#weight()} ({@link Builder#maximumWeight}); a record dropped to stay within
 *       the bound (Caffeine's {@link RemovalCause#SIZE}) is reported to the eviction listener, and no
 *       other removal is;</li>
 *   <li>{@link #compute} runs in {@code Cache.asMap().compute}, so it is atomic per id;</li>
 *   <li>the tier never drops a record for its age: expiry is a decision of the record protocol, which
 *       checks {@link StoredRecord#isExpiredAt(long)} itself (and must be able to report that a key
 *       expired), and the node reclaims expired records and old tombstones from every tier alike
 *       ({@code RecordEngine.reclaim}). Without a per-entry expiry, a read here costs one hash lookup
 *       and no timer-wheel bookkeeping.</li>
 * </ul>
 */
public final class CaffeineStorageTier implements StorageTier {

    /** The default bound by record count. */
    public static final long DEFAULT_MAX_RECORDS = 100_000;

    private final Cache<BigInteger, StoredRecord> cache;

    private CaffeineStorageTier(Builder builder) {
        Consumer<StoredRecord> evictions = builder.evictions;
        Caffeine<BigInteger, StoredRecord> caffeine = Caffeine.newBuilder()
                .evictionListener((BigInteger id, StoredRecord record, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE && record != null) {
                        evictions.accept(record);
                    }
                });
        if (builder.executor != null) {
            caffeine.executor(builder.executor);
        }
        if (builder.maximumWeight >= 0) {
            caffeine.maximumWeight(builder.maximumWeight).weigher((BigInteger id, StoredRecord r) -> r.weight());
        } else {
            caffeine.maximumSize(builder.maximumSize >= 0 ? builder.maximumSize : DEFAULT_MAX_RECORDS);
        }
        this.cache = caffeine.build();
    }

    /** @return a builder with the default bound of {@value #DEFAULT_MAX_RECORDS} records */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public StoredRecord get(BigInteger id) {
        return cache.getIfPresent(Objects.requireNonNull(id, "id"));
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
        return cache.asMap().compute(id, (key, current) -> Records.checkId(key, update.apply(current)));
    }

    @Override
    public void remove(BigInteger id) {
        cache.invalidate(Objects.requireNonNull(id, "id"));
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
         * Bounds the tier by record count (the default, {@value CaffeineStorageTier#DEFAULT_MAX_RECORDS}).
         *
         * @param records the most records held, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code records < 1}
         * @throws IllegalStateException if a weight bound was set
         */
        public Builder maximumSize(long records) {
            if (records < 1) {
                throw new IllegalArgumentException("maximum size must be at least 1, was " + records);
            }
            if (maximumWeight >= 0) {
                throw new IllegalStateException("a weight bound is already set");
            }
            this.maximumSize = records;
            return this;
        }

        /**
         * Bounds the tier by the sum of {@link StoredRecord#weight()}, an estimate of bytes.
         *
         * @param bytes the most total weight held, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes < 1}
         * @throws IllegalStateException if a count bound was set
         */
        public Builder maximumWeight(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maximum weight must be at least 1, was " + bytes);
            }
            if (maximumSize >= 0) {
                throw new IllegalStateException("a count bound is already set");
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

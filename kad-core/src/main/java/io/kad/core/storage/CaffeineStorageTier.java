package io.kad.core.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
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
 *   <li>a record with {@link StoredRecord#NEVER} never expires here; any other record (tombstones
 *       included, with their own {@code expiresAtMillis}) is reclaimed only an
 *       {@linkplain Builder#expiryGrace expiry grace} <em>after</em> its {@code expiresAtMillis}.</li>
 * </ul>
 *
 * <p>Why the grace: expiry is a decision of the record protocol, which checks
 * {@link StoredRecord#isExpiredAt(long)} itself and must be able to report that a key expired (a JCache
 * {@code EXPIRED} event, a version ordered after a tombstone). If Caffeine dropped a record at exactly
 * its expiry, the protocol would race the cache and sometimes find nothing instead of an expired
 * record. So Caffeine's expiry here is only storage-level reclaim of records the protocol has had
 * {@code grace} to observe; until then {@link #get} returns expired records as they are. The reclaim is
 * lazy: it happens during later activity or {@link #cleanUp()}, and a record past its grace is never
 * returned either way.
 *
 * <p>Time: the expiry of a record is computed from an epoch-milliseconds clock and scheduled on
 * Caffeine's nanosecond {@link Ticker}; both must advance at the same rate. Giving only a clock makes the
 * ticker an {@link EpochMillisTicker} over it, which is what tests do.
 */
public final class CaffeineStorageTier implements StorageTier {

    /** The default bound by record count. */
    public static final long DEFAULT_MAX_RECORDS = 100_000;

    /** The default time between a record's expiry and its reclaim. */
    public static final Duration DEFAULT_EXPIRY_GRACE = Duration.ofSeconds(60);

    private final Cache<BigInteger, StoredRecord> cache;

    private CaffeineStorageTier(Builder builder) {
        LongSupplier clock = builder.clock != null ? builder.clock : System::currentTimeMillis;
        Ticker ticker = builder.ticker != null
                ? builder.ticker
                : builder.clock != null ? new EpochMillisTicker(builder.clock) : Ticker.systemTicker();
        Consumer<StoredRecord> evictions = builder.evictions;
        Caffeine<BigInteger, StoredRecord> caffeine = Caffeine.newBuilder()
                .ticker(ticker)
                .expireAfter(new ReclaimAfterGrace(clock, builder.expiryGrace.toMillis()))
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

    /** @return a builder with the defaults: {@value #DEFAULT_MAX_RECORDS} records, 60 s grace, system time */
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

    /** @return Caffeine's estimate of the number of records, expired ones not yet reclaimed included */
    @Override
    public long size() {
        return cache.estimatedSize();
    }

    /** Runs pending maintenance now: drops records past their grace and enforces the bound. */
    public void cleanUp() {
        cache.cleanUp();
    }

    /** Discards every record (an in-memory tier has nothing to make durable); not reported as evictions. */
    @Override
    public void close() {
        cache.invalidateAll();
        cache.cleanUp();
    }

    /** Schedules each record's reclaim at its {@code expiresAtMillis} plus the grace, recomputed on update. */
    private static final class ReclaimAfterGrace implements Expiry<BigInteger, StoredRecord> {

        private final LongSupplier clock;
        private final long graceMillis;

        ReclaimAfterGrace(LongSupplier clock, long graceMillis) {
            this.clock = clock;
            this.graceMillis = graceMillis;
        }

        @Override
        public long expireAfterCreate(BigInteger id, StoredRecord record, long currentTime) {
            return nanosUntilReclaim(record);
        }

        @Override
        public long expireAfterUpdate(BigInteger id, StoredRecord record, long currentTime, long currentDuration) {
            return nanosUntilReclaim(record);
        }

        @Override
        public long expireAfterRead(BigInteger id, StoredRecord record, long currentTime, long currentDuration) {
            return currentDuration;
        }

        private long nanosUntilReclaim(StoredRecord record) {
            if (record.expiresAtMillis() == StoredRecord.NEVER) {
                return Long.MAX_VALUE;
            }
            long reclaimAt = saturatedAdd(record.expiresAtMillis(), graceMillis);
            long millis = saturatedAdd(reclaimAt, -Math.max(clock.getAsLong(), Long.MIN_VALUE + 1));
            if (millis <= 0) {
                return 0;
            }
            return millis >= Long.MAX_VALUE / 1_000_000L ? Long.MAX_VALUE : millis * 1_000_000L;
        }

        private static long saturatedAdd(long a, long b) {
            long sum = a + b;
            if (((a ^ sum) & (b ^ sum)) < 0) {
                return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
            return sum;
        }
    }

    /**
     * Configures a {@link CaffeineStorageTier}. Not thread-safe; {@link #build()} may be called more than
     * once and gives independent tiers.
     */
    public static final class Builder {

        private long maximumSize = -1;
        private long maximumWeight = -1;
        private Duration expiryGrace = DEFAULT_EXPIRY_GRACE;
        private LongSupplier clock;
        private Ticker ticker;
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
         * @param grace how long after its {@code expiresAtMillis} an expired record is reclaimed; zero
         *     or more (default 60 s)
         * @return this builder
         */
        public Builder expiryGrace(Duration grace) {
            Objects.requireNonNull(grace, "grace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("expiry grace must not be negative, was " + grace);
            }
            this.expiryGrace = grace;
            return this;
        }

        /**
         * @param epochMillis the clock that records' {@code expiresAtMillis} are measured against
         *     (default {@link System#currentTimeMillis()}); also drives the ticker unless one is given
         * @return this builder
         */
        public Builder clock(LongSupplier epochMillis) {
            this.clock = Objects.requireNonNull(epochMillis, "epochMillis");
            return this;
        }

        /**
         * @param ticker Caffeine's time source; must advance at the rate of the clock (default: an
         *     {@link EpochMillisTicker} over the clock if one was given, else the system ticker)
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
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

package io.kad.core.storage;

import com.github.benmanes.caffeine.cache.Ticker;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A Caffeine {@link Ticker} (nanoseconds) driven by an epoch-milliseconds clock, so that a cache's
 * notion of time and the records' {@code expiresAtMillis} come from one source. Tests pass a clock they
 * advance by hand; nothing sleeps.
 *
 * <p>Contract: {@link #read()} is the clock's value times one million, saturating at
 * {@link Long#MAX_VALUE}; its resolution is one millisecond. It is as thread-safe as the clock.
 */
public final class EpochMillisTicker implements Ticker {

    private final LongSupplier epochMillis;

    /**
     * @param epochMillis the clock, in epoch milliseconds
     */
    public EpochMillisTicker(LongSupplier epochMillis) {
        this.epochMillis = Objects.requireNonNull(epochMillis, "epochMillis");
    }

    @Override
    public long read() {
        long millis = epochMillis.getAsLong();
        if (millis >= Long.MAX_VALUE / 1_000_000L) {
            return Long.MAX_VALUE;
        }
        if (millis <= Long.MIN_VALUE / 1_000_000L) {
            return Long.MIN_VALUE;
        }
        return millis * 1_000_000L;
    }
}

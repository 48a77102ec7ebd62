package io.kad.jcache.management;

import java.util.concurrent.atomic.LongAdder;
import javax.cache.management.CacheStatisticsMXBean;

/**
 * The statistics of one cache as this cache manager sees them (operations through this node's
 * caller; other nodes count their own). Counters are cumulative since creation or {@link #clear()};
 * average times are in microseconds.
 */
public final class KadCacheStatistics implements CacheStatisticsMXBean {

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder puts = new LongAdder();
    private final LongAdder removals = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder getNanos = new LongAdder();
    private final LongAdder putNanos = new LongAdder();
    private final LongAdder removeNanos = new LongAdder();
    private volatile boolean enabled;

    /** @return whether counting is on */
    public boolean isEnabled() {
        return enabled;
    }

    /** @param enabled whether to count */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** What {@link #start()} returns while statistics are off: the operation is not timed. */
    private static final long NOT_TIMED = Long.MIN_VALUE;

    /**
     * @return the start of an operation for {@link #getTime} and the like: the current
     *     {@link System#nanoTime()} while statistics are on; while they are off, a mark that times nothing,
     *     so that an operation reads no clock for statistics nobody collects
     */
    public long start() {
        return enabled ? System.nanoTime() : NOT_TIMED;
    }

    /** @param n hits to add */
    public void hits(long n) {
        if (enabled) {
            hits.add(n);
        }
    }

    /** @param n misses to add */
    public void misses(long n) {
        if (enabled) {
            misses.add(n);
        }
    }

    /** @param n puts to add */
    public void puts(long n) {
        if (enabled) {
            puts.add(n);
        }
    }

    /** @param n removals to add */
    public void removals(long n) {
        if (enabled) {
            removals.add(n);
        }
    }

    /** @param n evictions to add */
    public void evictions(long n) {
        if (enabled) {
            evictions.add(n);
        }
    }

    /** @param startNanos when the get began, from {@link System#nanoTime()} */
    public void getTime(long startNanos) {
        if (enabled) {
            if (startNanos != NOT_TIMED) {
                getNanos.add(System.nanoTime() - startNanos);
            }
        }
    }

    /** @param startNanos when the put began */
    public void putTime(long startNanos) {
        if (enabled) {
            if (startNanos != NOT_TIMED) {
                putNanos.add(System.nanoTime() - startNanos);
            }
        }
    }

    /** @param startNanos when the removal began */
    public void removeTime(long startNanos) {
        if (enabled) {
            if (startNanos != NOT_TIMED) {
                removeNanos.add(System.nanoTime() - startNanos);
            }
        }
    }

    @Override
    public void clear() {
        hits.reset();
        misses.reset();
        puts.reset();
        removals.reset();
        evictions.reset();
        getNanos.reset();
        putNanos.reset();
        removeNanos.reset();
    }

    @Override
    public long getCacheHits() {
        return hits.sum();
    }

    @Override
    public float getCacheHitPercentage() {
        long h = getCacheHits();
        long total = h + getCacheMisses();
        return total == 0 ? 0f : (float) h / total * 100f;
    }

    @Override
    public long getCacheMisses() {
        return misses.sum();
    }

    @Override
    public float getCacheMissPercentage() {
        long m = getCacheMisses();
        long total = m + getCacheHits();
        return total == 0 ? 0f : (float) m / total * 100f;
    }

    @Override
    public long getCacheGets() {
        return getCacheHits() + getCacheMisses();
    }

    @Override
    public long getCachePuts() {
        return puts.sum();
    }

    @Override
    public long getCacheRemovals() {
        return removals.sum();
    }

    @Override
    public long getCacheEvictions() {
        return evictions.sum();
    }

    @Override
    public float getAverageGetTime() {
        return average(getNanos.sum(), getCacheGets());
    }

    @Override
    public float getAveragePutTime() {
        return average(putNanos.sum(), getCachePuts());
    }

    @Override
    public float getAverageRemoveTime() {
        return average(removeNanos.sum(), getCacheRemovals());
    }

    private static float average(long nanos, long count) {
        return count == 0 ? 0f : (float) (nanos / 1000.0 / count);
    }
}

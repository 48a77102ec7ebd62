package io.kad.jcache;

import io.kad.core.record.ReadResult;
import io.kad.jcache.event.EventDispatcher;
import io.kad.jcache.management.KadCacheStatistics;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import javax.cache.Cache;

/**
 * A cache's iterator: over a snapshot of the keys listed when it was made, reading each entry when
 * reached, as a {@code get} would (a hit, its access expiry, its events).
 *
 * <p>Contract:
 * <ul>
 *   <li>an entry removed or expired since the listing is skipped; one added since is not seen;</li>
 *   <li>{@link #remove()} removes the last entry returned through the cache's {@code remove(key)};</li>
 *   <li>like any {@link Iterator}, for one thread at a time; every call fails once the cache is
 *       closed.</li>
 * </ul>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class EntryIterator<K, V> implements Iterator<Cache.Entry<K, V>> {

    private final KadCache<K, V> cache;
    private final EntryOperations<K, V> ops;
    private final EntryCodec<K, V> codec;
    private final EventDispatcher<K, V> events;
    private final KadCacheStatistics statistics;
    private final Iterator<byte[]> keys;
    private Cache.Entry<K, V> next;
    private Cache.Entry<K, V> last;

    /**
     * @param cache the cache, for its access expiry and removal
     * @param ops its record calls
     * @param codec its entry codec
     * @param events its event dispatcher
     * @param statistics its statistics
     * @param keys the key bytes listed
     */
    EntryIterator(KadCache<K, V> cache, EntryOperations<K, V> ops, EntryCodec<K, V> codec,
                  EventDispatcher<K, V> events, KadCacheStatistics statistics, List<byte[]> keys) {
        this.cache = cache;
        this.ops = ops;
        this.codec = codec;
        this.events = events;
        this.statistics = statistics;
        this.keys = keys.iterator();
    }

    @Override
    public boolean hasNext() {
        cache.checkOpen();
        while (next == null && keys.hasNext()) {
            byte[] kb = keys.next();
            if (codec.releasedSinceListing(kb)) {
                continue;
            }
            K key = codec.decodeKey(kb);
            EventDispatcher<K, V>.Batch batch = events.newBatch();
            long start = statistics.start();
            ReadResult r = ops.read(key, kb, batch);
            if (r.record() != null) {
                statistics.hits(1);
                next = new KadCacheEntry<>(key, codec.decodeValue(key, kb, r.record()));
                cache.touch(key, kb, r.record(), batch);
                statistics.getTime(start);
            }
            batch.dispatch();
        }
        return next != null;
    }

    @Override
    public Cache.Entry<K, V> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        last = next;
        next = null;
        return last;
    }

    @Override
    public void remove() {
        cache.checkOpen();
        if (last == null) {
            throw new IllegalStateException("next() has not been called, or remove() was called already");
        }
        K key = last.getKey();
        last = null;
        cache.remove(key);
    }
}

package io.kad.jcache;

import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.jcache.codec.KadCodec;
import io.kad.spi.StoredRecord;
import java.util.function.Supplier;
import javax.cache.CacheException;

/**
 * The entry codec of a store-by-value cache: keys and values are encoded by the {@link KadCodec} on
 * every write and decoded on every read, so a caller never shares an object with the cache. It holds
 * nothing: every release is a no-op. Stateless, so safe on any thread.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class ByValueCodec<K, V> implements EntryCodec<K, V> {

    private final KadCodec codec;
    private final String cacheName;

    private final int maxValueBytes;

    ByValueCodec(KadCodec codec, String cacheName, int maxValueBytes) {
        this.codec = codec;
        this.cacheName = cacheName;
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public byte[] encodeKey(K key) {
        return codec.encode(key, "key");
    }

    @Override
    public void unpinKey(byte[] kb) {
    }

    @Override
    public byte[] encodeValue(V value) {
        return EntryCodec.withinBound(codec.encode(value, "value"), maxValueBytes, cacheName);
    }

    @Override
    @SuppressWarnings("unchecked")
    public K decodeKey(byte[] kb) {
        if (LocalReferences.isToken(kb)) {
            throw heldElsewhere("cache " + cacheName + ": a key");
        }
        return (K) codec.decode(kb, () -> "key of cache " + cacheName);
    }

    @Override
    public V decodeValue(K key, byte[] kb, StoredRecord record) {
        return decodeBytes(record.value(), () -> "value of key " + key + " of cache " + cacheName);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V decodeBytes(byte[] bytes, Supplier<String> what) {
        if (LocalReferences.isToken(bytes)) {
            throw heldElsewhere("cannot read " + what.get() + ": it");
        }
        return (V) codec.decode(bytes, what);
    }

    /** A token of another manager's store-by-reference cache in the same namespace: unreadable here. */
    static CacheException heldElsewhere(String what) {
        return new CacheException(what + " is held by reference in another cache manager"
                + " (or was, by a write of this one that failed)");
    }

    @Override
    public void beforeWrite(V value, byte[] vb) {
    }

    @Override
    public void afterWrite(byte[] kb, WriteCommand command, WriteResult outcome) {
    }

    @Override
    public void stored(byte[] kb, K key, V value, byte[] vb, WriteResult outcome) {
    }

    @Override
    public void removed(byte[] kb) {
    }

    @Override
    public void expired(byte[] kb, long version) {
    }

    @Override
    public void evicted(byte[] kb, long version) {
    }

    @Override
    public void changedElsewhere(byte[] kb, long version) {
    }

    @Override
    public void cleared(byte[] kb, WriteResult outcome) {
    }

    @Override
    public boolean releasedSinceListing(byte[] kb) {
        return false;
    }

    @Override
    public Object held(byte[] bytes) {
        return null;
    }

    @Override
    public boolean needsRemoteEvents() {
        return false;
    }

    @Override
    public int heldCount() {
        return 0;
    }

    @Override
    public void close() {
    }
}

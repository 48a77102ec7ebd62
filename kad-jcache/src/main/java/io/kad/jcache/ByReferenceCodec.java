package io.kad.jcache;

import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.jcache.codec.KadCodec;
import io.kad.spi.StoredRecord;
import java.util.function.Supplier;
import javax.cache.CacheException;

/**
 * The entry codec of a store-by-reference cache: a read of a version this cache wrote returns the very
 * objects put, and an object no codec can encode travels as a token that stands for it in this JVM. The
 * objects are held in {@link LocalReferences} only while an entry of this cache stands for them: an
 * overwrite, a removal, an expiry, an eviction, another node's change, {@code clear} and {@code close}
 * release them.
 *
 * <p>Called from the threads that run the cache's operations and from the node's event thread; all its
 * state is in {@link LocalReferences}, whose methods are synchronized.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class ByReferenceCodec<K, V> implements EntryCodec<K, V> {

    private final KadCodec codec;
    private final String cacheName;
    private final LocalReferences references;

    private final int maxValueBytes;

    ByReferenceCodec(KadCodec codec, String cacheName, LocalReferences references, int maxValueBytes) {
        this.codec = codec;
        this.cacheName = cacheName;
        this.references = references;
        this.maxValueBytes = maxValueBytes;
    }

    /** A key the codec cannot encode gets a token, pinned until {@link #unpinKey}. */
    @Override
    public byte[] encodeKey(K key) {
        try {
            return codec.encode(key, "key");
        } catch (CacheException e) {
            return references.pinKey(key);
        }
    }

    @Override
    public void unpinKey(byte[] kb) {
        references.unpinKey(kb);
    }

    /** A value the codec cannot encode gets a fresh token, held only from {@link #beforeWrite} on. */
    @Override
    public byte[] encodeValue(V value) {
        byte[] encoded;
        try {
            encoded = codec.encode(value, "value");
        } catch (CacheException e) {
            return references.newToken();
        }
        return EntryCodec.withinBound(encoded, maxValueBytes, cacheName);
    }

    @Override
    @SuppressWarnings("unchecked")
    public K decodeKey(byte[] kb) {
        if (LocalReferences.isToken(kb)) {
            Object held = references.held(kb);
            if (held == null) {
                throw ByValueCodec.heldElsewhere("cache " + cacheName + ": a key");
            }
            return (K) held;
        }
        return (K) codec.decode(kb, () -> "key of cache " + cacheName);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V decodeValue(K key, byte[] kb, StoredRecord record) {
        Object same = references.valueAt(kb, record.version());
        if (same != null) {
            return (V) same;
        }
        return decodeBytes(record.value(), () -> "value of key " + key + " of cache " + cacheName);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V decodeBytes(byte[] bytes, Supplier<String> what) {
        if (LocalReferences.isToken(bytes)) {
            Object held = references.held(bytes);
            if (held == null) {
                throw ByValueCodec.heldElsewhere("cannot read " + what.get() + ": it");
            }
            return (V) held;
        }
        return (V) codec.decode(bytes, what);
    }

    @Override
    public void beforeWrite(V value, byte[] vb) {
        if (LocalReferences.isToken(vb)) {
            references.holdValue(vb, value);
        }
    }

    @Override
    public void afterWrite(byte[] kb, WriteCommand command, WriteResult outcome) {
        if (LocalReferences.isToken(command.value())
                && (outcome == null || !outcome.applied() || outcome.current() == null)) {
            references.settle(kb, command.value());
        }
    }

    @Override
    public void stored(byte[] kb, K key, V value, byte[] vb, WriteResult outcome) {
        if (outcome.current() != null) {
            references.remember(kb, key, value, outcome.current().version(), vb);
        } else {
            references.forget(kb);
        }
    }

    @Override
    public void removed(byte[] kb) {
        references.forget(kb);
    }

    @Override
    public void expired(byte[] kb, long version) {
        references.forgetUpTo(kb, version);
    }

    @Override
    public void evicted(byte[] kb, long version) {
        references.evicted(kb, version);
    }

    @Override
    public void changedElsewhere(byte[] kb, long version) {
        references.forgetUpTo(kb, version);
    }

    @Override
    public void cleared(byte[] kb, WriteResult outcome) {
        if (outcome.previous() != null) {
            references.forgetUpTo(kb, outcome.previous().version());
        } else {
            references.forget(kb);
        }
    }

    @Override
    public boolean releasedSinceListing(byte[] kb) {
        return references.isOwnToken(kb) && references.held(kb) == null;
    }

    @Override
    public Object held(byte[] bytes) {
        return bytes == null || !LocalReferences.isToken(bytes) ? null : references.held(bytes);
    }

    @Override
    public boolean needsRemoteEvents() {
        return true;
    }

    @Override
    public int heldCount() {
        return references.size();
    }

    @Override
    public void close() {
        references.clear();
    }
}

package io.kad.jcache;

import java.util.Objects;
import javax.cache.Cache;

/**
 * A key and its value, as the cache's iterator and write-through {@link javax.cache.integration.CacheWriter}
 * see them.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class KadCacheEntry<K, V> implements Cache.Entry<K, V> {

    private final K key;
    private final V value;

    /**
     * @param key the key
     * @param value the value
     */
    public KadCacheEntry(K key, V value) {
        this.key = Objects.requireNonNull(key, "key");
        this.value = value;
    }

    @Override
    public K getKey() {
        return key;
    }

    @Override
    public V getValue() {
        return value;
    }

    @Override
    public <T> T unwrap(Class<T> clazz) {
        if (clazz.isInstance(this)) {
            return clazz.cast(this);
        }
        throw new IllegalArgumentException("cannot unwrap a cache entry to " + clazz.getName());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cache.Entry<?, ?> e && key.equals(e.getKey()) && Objects.equals(value, e.getValue());
    }

    @Override
    public int hashCode() {
        return key.hashCode() ^ Objects.hashCode(value);
    }

    @Override
    public String toString() {
        return key + "=" + value;
    }
}

package io.kad.jcache.event;

import javax.cache.Cache;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;

/**
 * One entry event. For {@code REMOVED} and {@code EXPIRED} events both {@link #getValue()} and
 * {@link #getOldValue()} give the value the entry had.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class KadCacheEntryEvent<K, V> extends CacheEntryEvent<K, V> {

    private static final long serialVersionUID = 1L;

    private final K key;
    private final transient V value;
    private final transient V oldValue;
    private final boolean oldValueAvailable;

    /**
     * @param source the cache
     * @param type the kind of event
     * @param key the key
     * @param value the value after (for removals and expiries: the value before)
     * @param oldValue the value before, or null
     * @param oldValueAvailable whether {@code oldValue} is meaningful
     */
    public KadCacheEntryEvent(Cache<K, V> source, EventType type, K key, V value, V oldValue,
                              boolean oldValueAvailable) {
        super(source, type);
        this.key = key;
        this.value = value;
        this.oldValue = oldValue;
        this.oldValueAvailable = oldValueAvailable;
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
    public V getOldValue() {
        return oldValueAvailable ? oldValue : null;
    }

    @Override
    public boolean isOldValueAvailable() {
        return oldValueAvailable;
    }

    @Override
    public <T> T unwrap(Class<T> clazz) {
        if (clazz.isInstance(this)) {
            return clazz.cast(this);
        }
        throw new IllegalArgumentException("cannot unwrap an entry event to " + clazz.getName());
    }

    @Override
    public String toString() {
        return "KadCacheEntryEvent[" + getEventType() + ", key=" + key + "]";
    }
}

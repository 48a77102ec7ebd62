package io.kad.jcache.integration;

import java.util.HashMap;
import java.util.Map;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;

/**
 * Calls a cache's {@link CacheLoader}, wrapping what it throws in a {@link CacheLoaderException}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class ReadThrough<K, V> {

    private final CacheLoader<K, V> loader;

    /** @param loader the loader */
    public ReadThrough(CacheLoader<K, V> loader) {
        this.loader = loader;
    }

    /** @return the loader */
    public CacheLoader<K, V> loader() {
        return loader;
    }

    /**
     * @param key a key
     * @return the loaded value, or null if the loader has none
     */
    public V load(K key) {
        try {
            return loader.load(key);
        } catch (CacheLoaderException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CacheLoaderException("loader failed for key " + key + ": " + e, e);
        }
    }

    /**
     * @param keys keys
     * @return the loaded values (null values dropped)
     */
    public Map<K, V> loadAll(Iterable<? extends K> keys) {
        Map<K, V> loaded;
        try {
            loaded = loader.loadAll(keys);
        } catch (CacheLoaderException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CacheLoaderException("loader failed for keys " + keys + ": " + e, e);
        }
        Map<K, V> out = new HashMap<>();
        if (loaded != null) {
            loaded.forEach((k, v) -> {
                if (k != null && v != null) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }
}

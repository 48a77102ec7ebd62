package io.kad.jcache;

import io.kad.core.record.ReadResult;
import io.kad.jcache.event.EventDispatcher;
import io.kad.jcache.integration.ReadThrough;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CompletionListener;

/**
 * One {@code loadAll} call, run on the manager's loader executor: reads which keys are absent (all of
 * them count as absent when existing values are replaced), loads those through the cache's loader in one
 * {@code loadAll}, and stores what it returns, then tells the completion listener.
 *
 * <p>Contract:
 * <ul>
 *   <li>the cache checks the arguments and hands the keys over; this runs once, on one loader thread;</li>
 *   <li>without replacing, a loaded value is stored only if the key is still absent; with replacing, it
 *       is put over whatever is there; the writer is never called;</li>
 *   <li>the listener hears exactly once: {@code onCompletion} after every value was stored, or
 *       {@code onException} with the loader's {@link CacheLoaderException} or the first failure
 *       (wrapped in one), after the others were stored; events are dispatched before either.</li>
 * </ul>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class LoadAll<K, V> implements Runnable {

    private final KadCache<K, V> cache;
    private final String name;
    private final EntryOperations<K, V> ops;
    private final EntryCodec<K, V> codec;
    private final EventDispatcher<K, V> events;
    private final ReadThrough<K, V> loads;
    private final List<K> keys;
    private final boolean replaceExistingValues;
    private final CompletionListener listener;

    /**
     * @param cache the cache, for its shared write paths
     * @param name its name, as failures name it
     * @param ops its record calls
     * @param codec its entry codec
     * @param events its event dispatcher
     * @param loads its loader
     * @param keys the keys to load, checked
     * @param replaceExistingValues whether a present key is loaded and overwritten too
     * @param listener told of the outcome
     */
    LoadAll(KadCache<K, V> cache, String name, EntryOperations<K, V> ops, EntryCodec<K, V> codec,
            EventDispatcher<K, V> events, ReadThrough<K, V> loads, List<K> keys, boolean replaceExistingValues,
            CompletionListener listener) {
        this.cache = cache;
        this.name = name;
        this.ops = ops;
        this.codec = codec;
        this.events = events;
        this.loads = loads;
        this.keys = keys;
        this.replaceExistingValues = replaceExistingValues;
        this.listener = listener;
    }

    @Override
    public void run() {
        List<byte[]> encoded = new ArrayList<>(keys.size());
        try {
            EventDispatcher<K, V>.Batch batch = events.newBatch();
            for (K key : keys) {
                encoded.add(codec.encodeKey(key));
            }
            Map<K, byte[]> toLoad = new LinkedHashMap<>();
            if (replaceExistingValues) {
                for (int i = 0; i < keys.size(); i++) {
                    toLoad.put(keys.get(i), encoded.get(i));
                }
            } else {
                // only the absent keys are loaded: their reads overlap
                List<CompletableFuture<ReadResult>> reads = ops.startReads(encoded);
                for (int i = 0; i < keys.size(); i++) {
                    K key = keys.get(i);
                    ReadResult r = ops.awaitRead(reads.get(i), key, encoded.get(i), batch);
                    if (!r.found()) {
                        toLoad.put(key, encoded.get(i));
                    }
                }
            }
            RuntimeException failure = null;
            if (!toLoad.isEmpty()) {
                Map<K, V> loaded = loads.loadAll(toLoad.keySet());
                if (replaceExistingValues) {
                    failure = putLoaded(toLoad, loaded, batch);
                } else {
                    cache.storeLoadedMany(toLoad, loaded, batch);
                }
            }
            batch.dispatch();
            if (failure != null) {
                throw failure;
            }
            listener.onCompletion();
        } catch (Exception e) {
            listener.onException(e instanceof CacheLoaderException || !(e instanceof RuntimeException)
                    ? e : new CacheLoaderException("loadAll on cache " + name + " failed: " + e, e));
        } finally {
            encoded.forEach(codec::unpinKey);
        }
    }

    /**
     * Puts the loaded values over whatever the keys hold.
     *
     * @return the first failure, after every other value was put, or null
     */
    private RuntimeException putLoaded(Map<K, byte[]> toLoad, Map<K, V> loaded, EventDispatcher<K, V>.Batch batch) {
        List<K> loadedKeys = new ArrayList<>();
        List<V> values = new ArrayList<>();
        List<byte[]> kbs = new ArrayList<>();
        List<byte[]> vbs = new ArrayList<>();
        for (Map.Entry<K, V> e : loaded.entrySet()) {
            byte[] kb = toLoad.get(e.getKey());
            if (kb != null && e.getValue() != null) {
                loadedKeys.add(e.getKey());
                values.add(e.getValue());
                kbs.add(kb);
                vbs.add(codec.encodeValue(e.getValue()));
            }
        }
        return cache.putMany("loadAll", loadedKeys, kbs, values, vbs, batch);
    }
}

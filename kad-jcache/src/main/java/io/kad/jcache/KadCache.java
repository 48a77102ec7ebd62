package io.kad.jcache;

import io.kad.core.record.ConditionalUpdate.Decision;
import io.kad.core.record.ConditionalUpdate;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordEvent;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.jcache.codec.AllowlistFilter;
import io.kad.jcache.codec.KadCodec;
import io.kad.jcache.event.EventDispatcher;
import io.kad.jcache.event.KadCacheEntryEvent;
import io.kad.jcache.expiry.ExpiryTimes;
import io.kad.jcache.integration.ReadThrough;
import io.kad.jcache.integration.UnheardCompletion;
import io.kad.jcache.integration.WriteThrough;
import io.kad.jcache.management.KadCacheMXBean;
import io.kad.jcache.management.KadCacheStatistics;
import io.kad.jcache.management.MBeans;
import io.kad.spi.StoredRecord;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;
import java.util.function.Function;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.EventType;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CompletionListener;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JSR-107 cache whose entries are records of the Kademlia swarm, in the namespace
 * {@code <manager URI>|<cache name>}.
 *
 * <p>Every JCache rule runs here, at the caller: argument checks, encoding, expiry, read-through and
 * write-through, entry processors, events and statistics. The swarm only stores bytes. Each
 * compound operation is one {@link ConditionalUpdate}: it reads the record with its version, decides
 * here, and writes conditionally on that version, deciding again from the record a refused write
 * returns if another writer got there first; so operations on one key are atomic across the swarm.
 * Every operation on the swarm is bounded by the node's operation timeout and fails with a
 * {@link CacheException} naming the key.
 *
 * <p>This class keeps the JCache API: argument checks, statistics, events, write-through, and the
 * write paths shared by its operations that keep those books. It hands on the rest, one concern per
 * class: the record protocol calls ({@code EntryOperations}); keys and values to bytes and back, and
 * the objects a store-by-reference cache holds ({@code EntryCodec}); entry processors
 * ({@code EntryProcessing}), {@code loadAll} ({@code LoadAll}) and iteration ({@code EntryIterator});
 * the writer's part in a compound operation ({@code WriterTurn}).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class KadCache<K, V> implements Cache<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(KadCache.class);
    /** The spec's expiry policies: stateless, their answers fixed by their duration. */
    private static final Set<Class<?>> BUILT_IN_POLICIES = Set.of(EternalExpiryPolicy.class,
            CreatedExpiryPolicy.class, ModifiedExpiryPolicy.class, AccessedExpiryPolicy.class,
            TouchedExpiryPolicy.class);

    private final KadCacheManager manager;
    private final String name;
    private final String namespace;
    private final MutableConfiguration<K, V> configuration;
    /** The record protocol calls of this cache's namespace. */
    private final EntryOperations<K, V> ops;
    /** Keys and values to bytes and back, and what the cache holds meanwhile (store-by-reference). */
    private final EntryCodec<K, V> codec;
    private final ExpiryTimes expiry;
    /**
     * Whether the policy is one of the spec's own (eternal, created, modified, accessed, touched), whose
     * answers do not depend on the entry: a put then needs no read to choose between creation and update
     * expiry, since one write carries both. A custom policy is asked exactly as the spec counts.
     */
    private final boolean expiryKnownWithoutRead;
    private final CacheLoader<K, V> loader;
    private final ReadThrough<K, V> loads;
    private final boolean readThrough;
    /** The writer's calls: {@link WriteThrough#none()} for a cache that does not write through. */
    private final WriteThrough<K, V> writes;
    /** Where {@code loadAll} reports when its caller gave no listener: a failure is logged. */
    private final CompletionListener unheardCompletion;
    private final KadCacheStatistics statistics = new KadCacheStatistics();
    private final EventDispatcher<K, V> events;
    /** Runs entry processors ({@code invoke}, {@code invokeAll}). */
    private final EntryProcessing<K, V> processing;
    /**
     * The node's subscription to this cache's events from other nodes: held only while the cache has
     * listeners or keeps references, so writes to a cache nobody listens to send no event datagrams.
     */
    private AutoCloseable subscription;
    private final AutoCloseable evictionWatch;
    private volatile boolean closed;

    KadCache(KadCacheManager manager, String name, MutableConfiguration<K, V> configuration) {
        this.manager = manager;
        this.name = name;
        this.namespace = manager.getURI() + "|" + name;
        List<CacheEntryListenerConfiguration<K, V>> listeners = new ArrayList<>();
        configuration.getCacheEntryListenerConfigurations().forEach(listeners::add);
        listeners.forEach(configuration::removeCacheEntryListenerConfiguration);
        this.configuration = configuration;

        List<Class<?>> types = List.of(configuration.getKeyType(), configuration.getValueType());
        this.codec = EntryCodec.of(configuration.isStoreByValue(), new KadCodec(manager.getClassLoader(),
                AllowlistFilter.of(types, manager.settings().serializationAllow(),
                        manager.settings().serializationLimits())), name, manager.node().config().maxValueBytes());
        this.ops = new EntryOperations<>(manager.node().records(), namespace, name, codec, this::expired,
                manager.node().config().maxMessageBytes());

        ExpiryPolicy policy = configuration.getExpiryPolicyFactory() == null
                ? new EternalExpiryPolicy() : configuration.getExpiryPolicyFactory().create();
        this.expiry = new ExpiryTimes(policy, ops::nowMillis);
        this.expiryKnownWithoutRead = BUILT_IN_POLICIES.contains(policy.getClass());
        this.loader = configuration.getCacheLoaderFactory() == null ? null : configuration.getCacheLoaderFactory().create();
        this.loads = loader == null ? null : new ReadThrough<>(loader);
        this.readThrough = configuration.isReadThrough() && loader != null;
        this.writes = configuration.isWriteThrough() && configuration.getCacheWriterFactory() != null
                ? new WriteThrough<>(configuration.getCacheWriterFactory().create()) : WriteThrough.none();
        this.unheardCompletion = new UnheardCompletion(name);

        this.events = new EventDispatcher<>(name);
        listeners.forEach(events::register);
        this.processing = new EntryProcessing<>(this, name, ops, codec, events, statistics, expiry,
                readThrough ? loads::load : null);
        updateSubscription();
        // evictions are counted where they happen: by the node whose bounded tier dropped the entry
        this.evictionWatch = manager.node().onEviction(r -> {
            if (!r.tombstone() && r.namespace().equals(namespace)) {
                statistics.evictions(1);
                codec.evicted(r.key(), r.version());
            }
        });
        setStatisticsEnabled(configuration.isStatisticsEnabled());
        setManagementEnabled(configuration.isManagementEnabled());
    }

    // ---------------------------------------------------------------- reads

    @Override
    public V get(K key) {
        checkOpen();
        requireKey(key);
        long start = statistics.start();
        byte[] kb = codec.encodeKey(key);
        try {
            EventDispatcher<K, V>.Batch batch = events.newBatch();
            V value = getOne(key, kb, batch);
            statistics.getTime(start);
            batch.dispatch();
            return value;
        } finally {
            codec.unpinKey(kb);
        }
    }

    private V getOne(K key, byte[] kb, EventDispatcher<K, V>.Batch batch) {
        ReadResult r = ops.read(key, kb, batch);
        StoredRecord rec = r.record();
        if (rec != null) {
            statistics.hits(1);
            V value = codec.decodeValue(key, kb, rec);
            touch(key, kb, rec, batch);
            return value;
        }
        statistics.misses(1);
        if (!readThrough) {
            return null;
        }
        V loaded = loads.load(key);
        if (loaded != null) {
            storeLoaded(key, kb, loaded, batch);
        }
        return loaded;
    }

    @Override
    public Map<K, V> getAll(Set<? extends K> keys) {
        checkOpen();
        Objects.requireNonNull(keys, "keys");
        keys.forEach(this::requireKey);
        long start = statistics.start();
        EventDispatcher<K, V>.Batch batch = events.newBatch();
        Map<K, V> result = new LinkedHashMap<>();
        Map<K, byte[]> missing = new LinkedHashMap<>();
        List<K> keyList = new ArrayList<>(keys);
        List<byte[]> encoded = new ArrayList<>(keyList.size());
        try {
            for (K key : keyList) {
                encoded.add(codec.encodeKey(key));
            }
            // the reads overlap: on a swarm they go to different owners
            List<CompletableFuture<ReadResult>> reads = ops.startReads(encoded);
            for (int i = 0; i < keyList.size(); i++) {
                K key = keyList.get(i);
                byte[] kb = encoded.get(i);
                ReadResult r = ops.awaitRead(reads.get(i), key, kb, batch);
                if (r.record() != null) {
                    statistics.hits(1);
                    result.put(key, codec.decodeValue(key, kb, r.record()));
                    touch(key, kb, r.record(), batch);
                } else {
                    statistics.misses(1);
                    missing.put(key, kb);
                }
            }
            if (readThrough && !missing.isEmpty()) {
                Map<K, V> loaded = loads.loadAll(missing.keySet());
                Map<K, V> stored = storeLoadedMany(missing, loaded, batch);
                result.putAll(stored);
            }
            if (!keys.isEmpty()) {
                statistics.getTime(start);
            }
            batch.dispatch();
            return result;
        } finally {
            encoded.forEach(codec::unpinKey);
        }
    }

    @Override
    public boolean containsKey(K key) {
        checkOpen();
        requireKey(key);
        byte[] kb = codec.encodeKey(key);
        try {
            EventDispatcher<K, V>.Batch batch = events.newBatch();
            boolean found = ops.read(key, kb, batch).found();
            batch.dispatch();
            return found;
        } finally {
            codec.unpinKey(kb);
        }
    }

    @Override
    public void loadAll(Set<? extends K> keys, boolean replaceExistingValues, CompletionListener completionListener) {
        checkOpen();
        Objects.requireNonNull(keys, "keys");
        keys.forEach(this::requireKey);
        CompletionListener listener = completionListener == null ? unheardCompletion : completionListener;
        if (loads == null) {
            listener.onCompletion();
            return;
        }
        Runnable task = new LoadAll<>(this, name, ops, codec, events, loads, new ArrayList<>(keys),
                replaceExistingValues, listener);
        try {
            manager.loaderExecutor().execute(task);
        } catch (RejectedExecutionException e) {
            listener.onException(new CacheException("cache manager " + manager.getURI() + " is closing", e));
        }
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void put(K key, V value) {
        checkOpen();
        requireKey(key);
        requireValue(value);
        long start = statistics.start();
        byte[] kb = codec.encodeKey(key);
        try {
            byte[] vb = codec.encodeValue(value);
            writes.write(new KadCacheEntry<>(key, value));
            EventDispatcher<K, V>.Batch batch = events.newBatch();
            putOne("put", key, kb, value, vb, batch, false);
            statistics.putTime(start);
            batch.dispatch();
        } finally {
            codec.unpinKey(kb);
        }
    }

    @Override
    public V getAndPut(K key, V value) {
        checkOpen();
        requireKey(key);
        requireValue(value);
        long start = statistics.start();
        byte[] kb = codec.encodeKey(key);
        try {
            byte[] vb = codec.encodeValue(value);
            writes.write(new KadCacheEntry<>(key, value));
            EventDispatcher<K, V>.Batch batch = events.newBatch();
            Previous<V> previous = putOne("getAndPut", key, kb, value, vb, batch, true);
            if (previous.existed()) {
                statistics.hits(1);
            } else {
                statistics.misses(1);
            }
            statistics.getTime(start);
            statistics.putTime(start);
            batch.dispatch();
            return previous.value();
        } finally {
            codec.unpinKey(kb);
        }
    }

    @Override
    public void putAll(Map<? extends K, ? extends V> map) {
        checkOpen();
        Objects.requireNonNull(map, "map");
        map.forEach((k, v) -> {
            requireKey(k);
            requireValue(v);
        });
        long start = statistics.start();
        List<K> keys = new ArrayList<>(map.size());
        List<V> values = new ArrayList<>(map.size());
        List<byte[]> kbs = new ArrayList<>(map.size());
        List<byte[]> vbs = new ArrayList<>(map.size());
        try {
            for (Map.Entry<? extends K, ? extends V> e : map.entrySet()) {
                keys.add(e.getKey());
                values.add(e.getValue());
                kbs.add(codec.encodeKey(e.getKey()));
                vbs.add(codec.encodeValue(e.getValue()));
            }
            WriteThrough.Partial<K> partial = null;
            if (!map.isEmpty()) {
                List<Cache.Entry<K, V>> entries = new ArrayList<>();
                map.forEach((k, v) -> entries.add(new KadCacheEntry<>(k, v)));
                partial = writes.writeAll(entries);
            }
            if (partial != null) {
                // the entries the writer did not write stay as they are
                for (int i = keys.size() - 1; i >= 0; i--) {
                    if (partial.failedKeys().contains(keys.get(i))) {
                        keys.remove(i);
                        values.remove(i);
                        vbs.remove(i);
                        codec.unpinKey(kbs.remove(i));
                    }
                }
            }
            EventDispatcher<K, V>.Batch batch = events.newBatch();
            RuntimeException failure = putMany("putAll", keys, kbs, values, vbs, batch);
            if (!map.isEmpty()) {
                statistics.putTime(start);
            }
            batch.dispatch();
            throwFirst(partial, failure);
        } finally {
            kbs.forEach(codec::unpinKey);
        }
    }

    /** Ends a bulk operation: the writer's failure first (the spec's exception), then the swarm's. */
    private static void throwFirst(WriteThrough.Partial<?> partial, RuntimeException failure) {
        if (partial != null) {
            if (failure != null) {
                partial.failure().addSuppressed(failure);
            }
            throw partial.failure();
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public boolean putIfAbsent(K key, V value) {
        checkOpen();
        requireKey(key);
        requireValue(value);
        long start = statistics.start();
        return onKey(key, (kb, batch) -> {
            byte[] vb = codec.encodeValue(value);
            WriterTurn<K, V> writer = writerTurn();
            return ops.update("putIfAbsent", key, kb, batch, u -> u.run(cur -> {
                if (cur != null) {
                    statistics.hits(1);
                    writer.resync(key, kb, cur);
                    return Decision.leave(false);
                }
                writer.writeOnce(key, value);
                long exp = expiry.forCreation();
                return putDecision(value, vb, exp, exp, w -> {
                    statistics.misses(1);
                    afterPut(key, kb, value, vb, w, exp, batch, OldValue.FOR_EVENTS);
                    statistics.putTime(start);
                    return true;
                });
            }));
        });
    }

    /**
     * Runs a compound operation on one key: its key bytes (unpinned after), and its batch of events,
     * dispatched after, whether it completed or failed.
     */
    private <T> T onKey(K key, BiFunction<byte[], EventDispatcher<K, V>.Batch, T> operation) {
        byte[] kb = codec.encodeKey(key);
        try {
            EventDispatcher<K, V>.Batch batch = events.newBatch();
            try {
                return operation.apply(kb, batch);
            } finally {
                batch.dispatch();
            }
        } finally {
            codec.unpinKey(kb);
        }
    }

    /**
     * Whether the entry as it is holds the value a conditional operation expects; if not, accounts for
     * the operation ending without a change: a miss, or a hit with its access expiry and, if the writer
     * was told of the change, the writer's resync.
     */
    private boolean holds(K key, byte[] kb, StoredRecord cur, V expected, WriterTurn<K, V> writer,
                          EventDispatcher<K, V>.Batch batch) {
        if (cur == null) {
            statistics.misses(1);
            return false;
        }
        if (!codec.decodeValue(key, kb, cur).equals(expected)) {
            statistics.hits(1);
            touch(key, kb, cur, batch);
            writer.resync(key, kb, cur);
            return false;
        }
        return true;
    }

    @Override
    public boolean remove(K key) {
        checkOpen();
        requireKey(key);
        long start = statistics.start();
        byte[] kb = codec.encodeKey(key);
        try {
            writes.delete(key);
            EventDispatcher<K, V>.Batch batch = events.newBatch();
            boolean removed = removeOne(key, kb, batch) != null;
            if (removed) {
                statistics.removeTime(start);
            }
            batch.dispatch();
            return removed;
        } finally {
            codec.unpinKey(kb);
        }
    }

    /** Removes unconditionally; returns the removed record or null. Writer not called. */
    private StoredRecord removeOne(K key, byte[] kb, EventDispatcher<K, V>.Batch batch) {
        OldValue old = forEvents(EventType.REMOVED);
        WriteResult w = ops.write(key, kb, EntryOperations.removal().withPreviousValue(old.sent()), batch);
        if (!w.applied() || w.previous() == null) {
            return null;
        }
        afterRemove(key, kb, w.previous(), batch, old);
        return w.previous();
    }

    /** Accounts for an applied removal: statistics, identity, the event. */
    void afterRemove(K key, byte[] kb, StoredRecord previous, EventDispatcher<K, V>.Batch batch,
                     OldValue wanted) {
        V old = wanted == OldValue.FOR_EVENTS && events.hasListenerFor(EventType.REMOVED)
                ? decodeValueQuietly(key, kb, previous) : null;
        codec.removed(kb);
        statistics.removals(1);
        batch.add(new KadCacheEntryEvent<>(this, EventType.REMOVED, key, old, old, true));
    }

    /**
     * What an operation does with the value of the entry its write replaced, and so whether the owner
     * sends that value back ({@link WriteCommand.PreviousValue}).
     */
    enum OldValue {
        /** Returned to the caller ({@code getAndPut}, {@code getAndReplace}) and given to the event. */
        RETURNED,
        /** Given to the event, if a listener of its type wants it. */
        FOR_EVENTS,
        /** Not sent back: no listener wanted it when the write left. */
        NOT_SENT;

        WriteCommand.PreviousValue sent() {
            return this == NOT_SENT ? WriteCommand.PreviousValue.OMIT : WriteCommand.PreviousValue.RETURN;
        }
    }

    /** @return what an unconditional write does with the old value, given the listeners of {@code type} */
    private OldValue forEvents(EventType type) {
        return events.hasListenerFor(type) ? OldValue.FOR_EVENTS : OldValue.NOT_SENT;
    }

    @Override
    public boolean remove(K key, V oldValue) {
        checkOpen();
        requireKey(key);
        requireValue(oldValue);
        long start = statistics.start();
        return onKey(key, (kb, batch) -> {
            WriterTurn<K, V> writer = writerTurn();
            return ops.update("remove(key, value)", key, kb, batch, u -> u.run(cur -> {
                if (!holds(key, kb, cur, oldValue, writer, batch)) {
                    return Decision.leave(false);
                }
                writer.deleteOnce(key);
                return Decision.remove(w -> {
                    statistics.hits(1);
                    afterRemove(key, kb, w.previous(), batch, OldValue.FOR_EVENTS);
                    statistics.removeTime(start);
                    return true;
                });
            }));
        });
    }

    @Override
    public V getAndRemove(K key) {
        checkOpen();
        requireKey(key);
        long start = statistics.start();
        byte[] kb = codec.encodeKey(key);
        try {
            writes.delete(key);
            EventDispatcher<K, V>.Batch batch = events.newBatch();
            WriteResult w = ops.write(key, kb, EntryOperations.removal(), batch);
            V old = null;
            if (w.applied() && w.previous() != null) {
                old = codec.decodeValue(key, kb, w.previous());
                statistics.hits(1);
                afterRemove(key, kb, w.previous(), batch, OldValue.FOR_EVENTS);
                statistics.removeTime(start);
            } else {
                statistics.misses(1);
            }
            statistics.getTime(start);
            batch.dispatch();
            return old;
        } finally {
            codec.unpinKey(kb);
        }
    }

    @Override
    public boolean replace(K key, V oldValue, V newValue) {
        checkOpen();
        requireKey(key);
        requireValue(oldValue);
        requireValue(newValue);
        long start = statistics.start();
        return onKey(key, (kb, batch) -> {
            byte[] vb = codec.encodeValue(newValue);
            WriterTurn<K, V> writer = writerTurn();
            return ops.update("replace(key, old, new)", key, kb, batch, u -> u.run(cur -> {
                if (!holds(key, kb, cur, oldValue, writer, batch)) {
                    return Decision.leave(false);
                }
                writer.writeOnce(key, newValue);
                long exp = expiry.forUpdate();
                return putDecision(newValue, vb, exp, exp, w -> {
                    statistics.hits(1);
                    afterPut(key, kb, newValue, vb, w, exp, batch, OldValue.FOR_EVENTS);
                    statistics.putTime(start);
                    return true;
                });
            }));
        });
    }

    @Override
    public boolean replace(K key, V value) {
        checkOpen();
        requireKey(key);
        requireValue(value);
        return replaceExisting(key, value, "replace(key, value)") != null;
    }

    @Override
    public V getAndReplace(K key, V value) {
        checkOpen();
        requireKey(key);
        requireValue(value);
        long start = statistics.start();
        Previous<V> previous = replaceExisting(key, value, "getAndReplace");
        statistics.getTime(start);
        return previous == null ? null : previous.value();
    }

    /** @return the previous value if the key had one (and so was replaced), else null */
    private Previous<V> replaceExisting(K key, V value, String operation) {
        long start = statistics.start();
        return onKey(key, (kb, batch) -> {
            byte[] vb = codec.encodeValue(value);
            WriterTurn<K, V> writer = writerTurn();
            return ops.update(operation, key, kb, batch, u -> u.run(cur -> {
                if (cur == null) {
                    statistics.misses(1);
                    return Decision.leave(null);
                }
                writer.writeOnce(key, value);
                long exp = expiry.forUpdate();
                return putDecision(value, vb, exp, exp, w -> {
                    statistics.hits(1);
                    V old = afterPut(key, kb, value, vb, w, exp, batch, OldValue.RETURNED);
                    statistics.putTime(start);
                    return new Previous<>(true, old);
                });
            }));
        });
    }

    @Override
    public void removeAll(Set<? extends K> keys) {
        checkOpen();
        Objects.requireNonNull(keys, "keys");
        keys.forEach(this::requireKey);
        removeKeys(new ArrayList<>(keys), true);
    }

    @Override
    public void removeAll() {
        checkOpen();
        removeKeys(allKeys(), true);
    }

    private void removeKeys(List<K> keys, boolean writeThrough) {
        long start = statistics.start();
        List<K> toRemove = new ArrayList<>(keys);
        List<byte[]> kbs = new ArrayList<>(keys.size());
        try {
            keys.forEach(k -> kbs.add(codec.encodeKey(k)));
            WriteThrough.Partial<K> partial = null;
            if (writeThrough && !keys.isEmpty()) {
                partial = writes.deleteAll(keys);
            }
            if (partial != null) {
                // the keys the writer did not delete stay as they are
                for (int i = toRemove.size() - 1; i >= 0; i--) {
                    if (partial.failedKeys().contains(toRemove.get(i))) {
                        toRemove.remove(i);
                        codec.unpinKey(kbs.remove(i));
                    }
                }
            }
            EventDispatcher<K, V>.Batch batch = events.newBatch();
            OldValue old = forEvents(EventType.REMOVED);
            WriteCommand[] commands = new WriteCommand[toRemove.size()];
            Arrays.fill(commands, EntryOperations.removal().withPreviousValue(old.sent()));
            List<CompletableFuture<WriteResult>> removals = ops.startWrites(kbs, commands);
            RuntimeException failure = null;
            for (int i = 0; i < toRemove.size(); i++) {
                K key = toRemove.get(i);
                byte[] kb = kbs.get(i);
                try {
                    WriteResult w = ops.awaitWrite(removals.get(i), key, kb, batch);
                    if (w.applied() && w.previous() != null) {
                        afterRemove(key, kb, w.previous(), batch, old);
                    }
                } catch (RuntimeException e) {
                    failure = failure == null ? e : failure;
                }
            }
            if (!keys.isEmpty()) {
                statistics.removeTime(start);
            }
            batch.dispatch();
            throwFirst(partial, failure);
        } finally {
            kbs.forEach(codec::unpinKey);
        }
    }

    @Override
    public void clear() {
        checkOpen();
        ops.clear().forEach(codec::cleared);
    }

    // ---------------------------------------------------------------- entry processors

    @Override
    public <T> T invoke(K key, EntryProcessor<K, V, T> entryProcessor, Object... arguments) {
        checkOpen();
        requireKey(key);
        Objects.requireNonNull(entryProcessor, "entryProcessor");
        return onKey(key, (kb, batch) -> processing.invoke(key, kb, entryProcessor, arguments, batch));
    }

    @Override
    public <T> Map<K, EntryProcessorResult<T>> invokeAll(Set<? extends K> keys, EntryProcessor<K, V, T> entryProcessor,
                                                         Object... arguments) {
        checkOpen();
        Objects.requireNonNull(keys, "keys");
        keys.forEach(this::requireKey);
        Objects.requireNonNull(entryProcessor, "entryProcessor");
        return processing.invokeAll(keys, entryProcessor, arguments);
    }

    // -------------------------------------------- write paths, shared with EntryProcessing and LoadAll

    /** The value a key had before an operation replaced it. */
    private record Previous<V>(boolean existed, V value) {
    }

    /**
     * Puts a value; the writer is not called. With a built-in expiry policy, one unconditional write
     * carrying both the creation and the update expiry; with a custom one, a conditional update (so the
     * policy is asked only the question the spec counts).
     */
    private Previous<V> putOne(String operation, K key, byte[] kb, V value, byte[] vb,
                               EventDispatcher<K, V>.Batch batch, boolean wantOld) {
        if (expiryKnownWithoutRead) {
            long ifCreated = expiry.forCreation();
            long ifUpdated = expiry.forUpdate();
            OldValue wanted = wantOld ? OldValue.RETURNED : forEvents(EventType.UPDATED);
            WriteResult w = ops.writeValue(key, kb, value, EntryOperations.put(vb, WriteCommand.ANY_VERSION,
                    ifCreated, ifUpdated).withPreviousValue(wanted.sent()), batch);
            V old = afterPut(key, kb, value, vb, w, ifCreated, batch, wanted);
            return new Previous<>(w.previous() != null, old);
        }
        return ops.update(operation, key, kb, batch, u -> u.run(cur -> putOver(cur, key, kb, value, vb, batch, wantOld)));
    }

    /**
     * A put of a value over the entry as it is, for a custom expiry policy: asks the policy the one
     * question the entry's state calls for.
     */
    private ConditionalUpdate.Write<Previous<V>> putOver(StoredRecord cur, K key, byte[] kb, V value, byte[] vb,
                                                         EventDispatcher<K, V>.Batch batch, boolean wantOld) {
        long exp = cur == null ? expiry.forCreation() : expiry.forUpdate();
        return putDecision(value, vb, exp, exp,
                w -> new Previous<>(w.previous() != null, afterPut(key, kb, value, vb, w, exp, batch,
                        wantOld ? OldValue.RETURNED : OldValue.FOR_EVENTS)));
    }

    /**
     * Puts many values with their record requests in flight together ({@link InFlight}), as
     * {@link #putOne} would one by one: statistics, events and references per entry, in order. A write
     * that loses a race continues alone from the record its refusal returned. The writer is not called.
     *
     * @return the first failure, after every other entry was put, or null
     */
    RuntimeException putMany(String operation, List<K> keys, List<byte[]> kbs, List<V> values,
                             List<byte[]> vbs, EventDispatcher<K, V>.Batch batch) {
        int n = keys.size();
        RuntimeException failure = null;
        long[] ifCreated = new long[n];
        WriteCommand[] commands = new WriteCommand[n];
        List<ConditionalUpdate.Write<Previous<V>>> firsts = new ArrayList<>(n);
        StoredRecord[] decidedFrom = new StoredRecord[n];
        OldValue old = forEvents(EventType.UPDATED);
        if (expiryKnownWithoutRead) {
            for (int i = 0; i < n; i++) {
                ifCreated[i] = expiry.forCreation();
                commands[i] = EntryOperations.put(vbs.get(i), WriteCommand.ANY_VERSION, ifCreated[i],
                        expiry.forUpdate()).withPreviousValue(old.sent());
                codec.beforeWrite(values.get(i), vbs.get(i));
                firsts.add(null);
            }
        } else {
            List<CompletableFuture<ReadResult>> reads = ops.startReads(kbs);
            for (int i = 0; i < n; i++) {
                ConditionalUpdate.Write<Previous<V>> first = null;
                try {
                    ReadResult r = ops.awaitRead(reads.get(i), keys.get(i), kbs.get(i), batch);
                    first = putOver(r.record(), keys.get(i), kbs.get(i), values.get(i), vbs.get(i), batch, false);
                    decidedFrom[i] = r.record();
                    commands[i] = first.command(r.record());
                } catch (RuntimeException e) {
                    failure = failure == null ? e : failure;
                }
                firsts.add(first);
            }
        }
        List<CompletableFuture<WriteResult>> writes = ops.startWrites(kbs, commands);
        for (int i = 0; i < n; i++) {
            if (commands[i] == null) {
                continue;
            }
            K key = keys.get(i);
            byte[] kb = kbs.get(i);
            WriteResult w = null;
            try {
                w = ops.awaitWrite(writes.get(i), key, kb, batch);
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
                continue;
            } finally {
                codec.afterWrite(kb, commands[i], w);
            }
            try {
                ConditionalUpdate.Write<Previous<V>> first = firsts.get(i);
                if (first != null) {
                    V value = values.get(i);
                    byte[] vb = vbs.get(i);
                    StoredRecord from = decidedFrom[i];
                    WriteResult outcome = w;
                    ops.update(operation, key, kb, batch, u -> u.resume(first, from, outcome,
                            cur -> putOver(cur, key, kb, value, vb, batch, false)));
                } else if (w.applied()) {
                    afterPut(key, kb, values.get(i), vbs.get(i), w, ifCreated[i], batch, old);
                } else {
                    putOne(operation, key, kb, values.get(i), vbs.get(i), batch, false);
                }
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        return failure;
    }

    /** Accounts for an applied put: statistics, identity, events. Returns the old value if asked. */
    V afterPut(K key, byte[] kb, V value, byte[] vb, WriteResult w, long createdExpiry,
               EventDispatcher<K, V>.Batch batch, OldValue wanted) {
        StoredRecord previous = w.previous();
        V old = null;
        try {
            // decoded before the references move on: the old value may be an object held here
            if (previous != null && wanted == OldValue.RETURNED) {
                old = codec.decodeValue(key, kb, previous);
            } else if (previous != null && wanted == OldValue.FOR_EVENTS && events.hasListenerFor(EventType.UPDATED)) {
                old = decodeValueQuietly(key, kb, previous);
            }
        } finally {
            codec.stored(kb, key, value, vb, w);
        }
        if (previous == null) {
            if (w.current() != null) {
                statistics.puts(1);
                batch.add(new KadCacheEntryEvent<>(this, EventType.CREATED, key, value, null, false));
            } else if (createdExpiry != ExpiryTimes.AT_ONCE) {
                // written with a positive lifetime that ran out before it reached the owner: it was put,
                // though no one can see it any more
                statistics.puts(1);
            }
        } else {
            statistics.puts(1);
            batch.add(new KadCacheEntryEvent<>(this, EventType.UPDATED, key, value, old, true));
        }
        return old;
    }

    /** Stores a value the loader produced, only if the key is still absent; the writer is not called. */
    void storeLoaded(K key, byte[] kb, V value, EventDispatcher<K, V>.Batch batch) {
        byte[] vb = codec.encodeValue(value);
        long exp = expiry.forCreation();
        WriteResult w = ops.writeValue(key, kb, value,
                EntryOperations.put(vb, WriteCommand.ABSENT, exp, exp), batch);
        if (w.applied()) {
            afterPut(key, kb, value, vb, w, exp, batch, OldValue.FOR_EVENTS);
        }
    }

    /**
     * Stores values a loader produced for keys found absent, each only if still absent, with the writes
     * in flight together; the writer is not called. Entries the loader gave no value for are skipped.
     *
     * @param absent the keys found absent, with their bytes
     * @param loaded what the loader produced
     * @return the loaded entries of those keys (stored, or lost to a concurrent write, as one by one)
     */
    Map<K, V> storeLoadedMany(Map<K, byte[]> absent, Map<K, V> loaded, EventDispatcher<K, V>.Batch batch) {
        List<K> keys = new ArrayList<>();
        List<V> values = new ArrayList<>();
        for (Map.Entry<K, V> e : loaded.entrySet()) {
            if (absent.containsKey(e.getKey()) && e.getValue() != null) {
                keys.add(e.getKey());
                values.add(e.getValue());
            }
        }
        int n = keys.size();
        List<byte[]> kbs = new ArrayList<>(n);
        List<byte[]> vbs = new ArrayList<>(n);
        WriteCommand[] commands = new WriteCommand[n];
        long[] exp = new long[n];
        for (int i = 0; i < n; i++) {
            kbs.add(absent.get(keys.get(i)));
            vbs.add(codec.encodeValue(values.get(i)));
            exp[i] = expiry.forCreation();
            commands[i] = EntryOperations.put(vbs.get(i), WriteCommand.ABSENT, exp[i], exp[i]);
            codec.beforeWrite(values.get(i), vbs.get(i));
        }
        List<CompletableFuture<WriteResult>> writes = ops.startWrites(kbs, commands);
        Map<K, V> out = new LinkedHashMap<>();
        RuntimeException failure = null;
        for (int i = 0; i < n; i++) {
            K key = keys.get(i);
            byte[] kb = kbs.get(i);
            WriteResult w = null;
            try {
                w = ops.awaitWrite(writes.get(i), key, kb, batch);
                if (w.applied()) {
                    afterPut(key, kb, values.get(i), vbs.get(i), w, exp[i], batch, OldValue.FOR_EVENTS);
                }
                out.put(key, values.get(i));
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            } finally {
                codec.afterWrite(kb, commands[i], w);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return out;
    }

    /** Applies the access expiry to an entry just read, if the policy changes it. */
    void touch(K key, byte[] kb, StoredRecord rec, EventDispatcher<K, V>.Batch batch) {
        long exp = expiry.forAccess();
        if (exp == WriteCommand.KEEP_EXPIRY || exp == rec.expiresAtMillis()) {
            return;
        }
        ops.write(key, kb, EntryOperations.touch(rec.version(), exp), batch);
    }

    /** @return the writer's part in one compound operation, to make per operation */
    WriterTurn<K, V> writerTurn() {
        return new WriterTurn<>(writes, codec);
    }

    /**
     * A decision to put a value. A value that travels as a token (store-by-reference) is held from now:
     * the write follows at once, and its outcome settles the token ({@link EntryCodec#afterWrite}).
     */
    <T> ConditionalUpdate.Write<T> putDecision(V value, byte[] vb, long ifCreated, long ifUpdated,
                                               Function<WriteResult, T> onApplied) {
        codec.beforeWrite(value, vb);
        return Decision.put(vb, false, ifCreated, ifUpdated, onApplied);
    }

    // ------------------------------------------------- expiry, other nodes' changes, references

    /**
     * Accounts for a record found expired (by a read or write of this cache): its event, with the old
     * value if a listener wants it, and the release of what the entry held.
     */
    void expired(K key, byte[] kb, StoredRecord record, EventDispatcher<K, V>.Batch batch) {
        V old = events.hasListenerFor(EventType.EXPIRED) ? decodeValueQuietly(key, kb, record) : null;
        codec.expired(kb, record.version());
        batch.add(new KadCacheEntryEvent<>(this, EventType.EXPIRED, key, old, old, true));
    }

    private List<K> allKeys() {
        List<byte[]> raw = ops.keys();
        List<K> keys = new ArrayList<>(raw.size());
        for (byte[] kb : raw) {
            if (!codec.releasedSinceListing(kb)) {
                keys.add(codec.decodeKey(kb));
            }
        }
        return keys;
    }

    private void onRemoteEvent(RecordEvent event) {
        if (closed) {
            return;
        }
        EventType type = switch (event.kind()) {
            case CREATED -> EventType.CREATED;
            case UPDATED -> EventType.UPDATED;
            case REMOVED -> EventType.REMOVED;
            case EXPIRED -> EventType.EXPIRED;
        };
        // objects this manager holds for the event's key and old value, looked up before they are released
        Object heldKey = codec.held(event.key());
        Object heldOld = codec.held(event.oldValue());
        codec.changedElsewhere(event.key(), event.version());
        // decoded on this cache's event thread, not the node's: a value that fails to decode costs
        // this one event, which the dispatcher drops and counts
        events.dispatchRemote(type, () -> {
            @SuppressWarnings("unchecked")
            K key = heldKey != null ? (K) heldKey : codec.decodeKey(event.key());
            @SuppressWarnings("unchecked")
            V oldValue = heldOld != null ? (V) heldOld : event.oldValue() == null ? null
                    : codec.decodeBytes(event.oldValue(), () -> "old value of key " + key + " of cache " + name);
            V newValue = event.newValue() == null ? null
                    : codec.decodeBytes(event.newValue(), () -> "value of key " + key + " of cache " + name);
            V value = type == EventType.REMOVED || type == EventType.EXPIRED ? oldValue : newValue;
            return new KadCacheEntryEvent<>(this, type, key, value, oldValue, type != EventType.CREATED);
        });
    }

    /**
     * @return how many objects this store-by-reference cache holds in this JVM (entries' keys and values
     *     written through it, and objects that could not be encoded); 0 for a store-by-value cache
     */
    int heldReferences() {
        return codec.heldCount();
    }

    /**
     * @return how many events from other nodes this cache dropped because their key or value could not
     *     be decoded (a class outside the allowlist, a stream past a limit); delivery goes on after each
     */
    public long droppedEvents() {
        return events.droppedRemoteEvents();
    }

    // ---------------------------------------------------------------- arguments, decoding for events

    private V decodeValueQuietly(K key, byte[] kb, StoredRecord record) {
        try {
            return codec.decodeValue(key, kb, record);
        } catch (CacheException e) {
            LOG.debug("cache {}: cannot decode the old value of key {} for an event", name, key, e);
            return null;
        }
    }

    private void requireKey(Object key) {
        Objects.requireNonNull(key, "key");
        Class<K> type = configuration.getKeyType();
        if (type != Object.class && !type.isInstance(key)) {
            throw new ClassCastException("key " + key + " of " + key.getClass().getName() + " is not a "
                    + type.getName() + " as cache " + name + " requires");
        }
    }

    /** @throws NullPointerException or ClassCastException if the value is not one this cache takes */
    void requireValue(Object value) {
        Objects.requireNonNull(value, "value");
        Class<V> type = configuration.getValueType();
        if (type != Object.class && !type.isInstance(value)) {
            throw new ClassCastException("value of " + value.getClass().getName() + " is not a "
                    + type.getName() + " as cache " + name + " requires");
        }
    }

    // ---------------------------------------------------------------- configuration, lifecycle

    @Override
    public <C extends Configuration<K, V>> C getConfiguration(Class<C> clazz) {
        MutableConfiguration<K, V> copy = configuration();
        if (clazz.isInstance(copy)) {
            return clazz.cast(copy);
        }
        throw new IllegalArgumentException("the configuration of cache " + name + " is not a " + clazz.getName());
    }

    /** @return a copy of the current configuration, listeners included */
    MutableConfiguration<K, V> configuration() {
        MutableConfiguration<K, V> copy = new MutableConfiguration<>(configuration);
        events.configurations().forEach(copy::addCacheEntryListenerConfiguration);
        return copy;
    }

    @Override
    public void registerCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
        checkOpen();
        Objects.requireNonNull(listenerConfiguration, "listenerConfiguration");
        events.register(listenerConfiguration);
        updateSubscription();
    }

    @Override
    public void deregisterCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
        checkOpen();
        Objects.requireNonNull(listenerConfiguration, "listenerConfiguration");
        events.deregister(listenerConfiguration);
        updateSubscription();
    }

    /** Subscribes to remote events while they are wanted: listeners, or references to invalidate. */
    private synchronized void updateSubscription() {
        boolean wanted = !closed && (codec.needsRemoteEvents() || events.hasListeners());
        if (wanted && subscription == null) {
            subscription = ops.subscribe(this::onRemoteEvent);
        } else if (!wanted && subscription != null) {
            try {
                subscription.close();
            } catch (Exception e) {
                LOG.warn("cache {}: closing the event subscription failed", name, e);
            }
            subscription = null;
        }
    }

    @Override
    public Iterator<Cache.Entry<K, V>> iterator() {
        checkOpen();
        return new EntryIterator<>(this, ops, codec, events, statistics, ops.keys());
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public CacheManager getCacheManager() {
        return manager;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        manager.release(this);
        MBeans.unregister(MBeans.Kind.CacheStatistics, manager.getURI(), name);
        MBeans.unregister(MBeans.Kind.CacheConfiguration, manager.getURI(), name);
        try {
            synchronized (this) {
                if (subscription != null) {
                    subscription.close();
                    subscription = null;
                }
            }
            evictionWatch.close();
        } catch (Exception e) {
            LOG.warn("cache {}: closing the event subscription failed", name, e);
        }
        events.close();
        codec.close();
        closeQuietly(loader);
        closeQuietly(writes.writer());
        closeQuietly(expiry.policy());
    }

    private void closeQuietly(Object o) {
        if (o instanceof Closeable || o instanceof AutoCloseable) {
            try {
                ((AutoCloseable) o).close();
            } catch (Exception e) {
                LOG.warn("cache {}: closing {} failed", name, o, e);
            }
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public <T> T unwrap(Class<T> clazz) {
        if (clazz.isAssignableFrom(getClass())) {
            return clazz.cast(this);
        }
        throw new IllegalArgumentException("cannot unwrap cache " + name + " to " + clazz.getName());
    }

    void setStatisticsEnabled(boolean enabled) {
        configuration.setStatisticsEnabled(enabled);
        statistics.setEnabled(enabled);
        if (enabled) {
            MBeans.register(statistics, MBeans.Kind.CacheStatistics, manager.getURI(), name);
        } else {
            MBeans.unregister(MBeans.Kind.CacheStatistics, manager.getURI(), name);
        }
    }

    void setManagementEnabled(boolean enabled) {
        configuration.setManagementEnabled(enabled);
        if (enabled) {
            MBeans.register(new KadCacheMXBean(this), MBeans.Kind.CacheConfiguration, manager.getURI(), name);
        } else {
            MBeans.unregister(MBeans.Kind.CacheConfiguration, manager.getURI(), name);
        }
    }

    /** @return this cache's statistics, counted while statistics are enabled */
    public KadCacheStatistics statistics() {
        return statistics;
    }

    /** @throws IllegalStateException if the cache is closed */
    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("cache " + name + " is closed");
        }
    }

    @Override
    public String toString() {
        return "KadCache[" + namespace + "]";
    }
}

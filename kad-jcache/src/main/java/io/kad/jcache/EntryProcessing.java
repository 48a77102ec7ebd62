package io.kad.jcache;

import io.kad.core.record.ConditionalUpdate;
import io.kad.core.record.ConditionalUpdate.Decision;
import io.kad.core.record.ReadResult;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.jcache.event.EventDispatcher;
import io.kad.jcache.expiry.ExpiryTimes;
import io.kad.jcache.management.KadCacheStatistics;
import io.kad.jcache.processor.KadEntryProcessorResult;
import io.kad.jcache.processor.KadMutableEntry;
import io.kad.spi.StoredRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import javax.cache.CacheException;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;

/**
 * Runs entry processors for one cache ({@code invoke}, {@code invokeAll}): each run on a key is the
 * decider of one {@link ConditionalUpdate}, so a processor's change applies only to the entry it saw,
 * and runs again on the current entry if another writer got there first.
 *
 * <p>Contract:
 * <ul>
 *   <li>the cache checks the arguments; this class runs the processors on the calling thread, in key
 *       order, and keeps the spec's books through the cache's shared write paths (statistics, events,
 *       write-through, expiry);</li>
 *   <li>a failure of the processor, or of applying its change, is an {@link EntryProcessorException}:
 *       thrown by {@code invoke}, reported per key by {@code invokeAll}, which goes on with the other
 *       keys;</li>
 *   <li>{@code invokeAll} overlaps the keys' reads, then their first writes; events are dispatched once
 *       every key is done;</li>
 *   <li>it holds no state of its own between calls: one instance serves every thread of the cache.</li>
 * </ul>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class EntryProcessing<K, V> {

    private final KadCache<K, V> cache;
    private final String name;
    private final EntryOperations<K, V> ops;
    private final EntryCodec<K, V> codec;
    private final EventDispatcher<K, V> events;
    private final KadCacheStatistics statistics;
    private final ExpiryTimes expiry;
    /** What a processor's {@code getValue()} loads a missing value with: null unless the cache reads through. */
    private final Function<K, V> loader;

    /**
     * @param cache the cache, for its shared write paths
     * @param name its name, as failures name it
     * @param ops its record calls
     * @param codec its entry codec
     * @param events its event dispatcher
     * @param statistics its statistics
     * @param expiry its expiry times
     * @param loader loads a missing value for a processor, or null if the cache does not read through
     */
    EntryProcessing(KadCache<K, V> cache, String name, EntryOperations<K, V> ops, EntryCodec<K, V> codec,
                    EventDispatcher<K, V> events, KadCacheStatistics statistics, ExpiryTimes expiry,
                    Function<K, V> loader) {
        this.cache = cache;
        this.name = name;
        this.ops = ops;
        this.codec = codec;
        this.events = events;
        this.statistics = statistics;
        this.expiry = expiry;
        this.loader = loader;
    }

    /**
     * Runs a processor on one key.
     *
     * @param key the key, checked
     * @param kb its bytes
     * @param batch the operation's events
     * @return the processor's result
     * @throws EntryProcessorException if the processor, or applying its change, failed
     */
    <T> T invoke(K key, byte[] kb, EntryProcessor<K, V, T> entryProcessor, Object[] arguments,
                 EventDispatcher<K, V>.Batch batch) {
        Processing<T> processing = new Processing<>(key, kb, entryProcessor, arguments, batch);
        return processing.complete(u -> u.run(processing));
    }

    /**
     * Runs a processor on many keys.
     *
     * @param keys the keys, checked
     * @return the results by key: non-null results and failures only
     */
    <T> Map<K, EntryProcessorResult<T>> invokeAll(Set<? extends K> keys, EntryProcessor<K, V, T> entryProcessor,
                                                  Object[] arguments) {
        Map<K, EntryProcessorResult<T>> results = new HashMap<>();
        List<K> keyList = new ArrayList<>(keys);
        List<byte[]> kbs = new ArrayList<>(keyList.size());
        EventDispatcher<K, V>.Batch batch = events.newBatch();
        try {
            for (K key : keyList) {
                kbs.add(codec.encodeKey(key));
            }
            int n = keyList.size();
            // the reads overlap, then the processors run here in order, then their first writes overlap;
            // a write another writer beat continues alone from the record its refusal returned
            List<CompletableFuture<ReadResult>> reads = ops.startReads(kbs);
            List<Processing<T>> processings = new ArrayList<>(n);
            List<ConditionalUpdate.Write<T>> firsts = new ArrayList<>(n);
            StoredRecord[] decidedFrom = new StoredRecord[n];
            WriteCommand[] commands = new WriteCommand[n];
            for (int i = 0; i < n; i++) {
                K key = keyList.get(i);
                Processing<T> processing = new Processing<>(key, kbs.get(i), entryProcessor, arguments, batch);
                ConditionalUpdate.Write<T> first = null;
                try {
                    ReadResult r = ops.awaitRead(reads.get(i), key, kbs.get(i), batch);
                    Decision<T> decision = processing.decide(r.record());
                    if (decision instanceof ConditionalUpdate.Leave<T> leave) {
                        succeeded(results, key, leave.result());
                    } else {
                        first = (ConditionalUpdate.Write<T>) decision;
                        decidedFrom[i] = r.record();
                        commands[i] = first.command(r.record());
                    }
                } catch (RuntimeException e) {
                    failed(results, key, e);
                }
                processings.add(processing);
                firsts.add(first);
            }
            List<CompletableFuture<WriteResult>> writes = ops.startWrites(kbs, commands);
            for (int i = 0; i < n; i++) {
                if (commands[i] == null) {
                    continue;
                }
                K key = keyList.get(i);
                WriteResult w = null;
                try {
                    w = ops.awaitWrite(writes.get(i), key, kbs.get(i), batch);
                } catch (RuntimeException e) {
                    failed(results, key, e);
                    continue;
                } finally {
                    codec.afterWrite(kbs.get(i), commands[i], w);
                }
                Processing<T> processing = processings.get(i);
                ConditionalUpdate.Write<T> first = firsts.get(i);
                StoredRecord from = decidedFrom[i];
                WriteResult outcome = w;
                try {
                    succeeded(results, key, processing.complete(u -> u.resume(first, from, outcome, processing)));
                } catch (RuntimeException e) {
                    failed(results, key, e);
                }
            }
        } finally {
            kbs.forEach(codec::unpinKey);
            batch.dispatch();
        }
        return results;
    }

    private static <K, T> void succeeded(Map<K, EntryProcessorResult<T>> results, K key, T result) {
        if (result != null) {
            results.put(key, KadEntryProcessorResult.of(result));
        }
    }

    private static <K, T> void failed(Map<K, EntryProcessorResult<T>> results, K key, RuntimeException e) {
        results.put(key, KadEntryProcessorResult.failed(e instanceof EntryProcessorException epe ? epe
                : new EntryProcessorException(e)));
    }

    /**
     * An entry processor's run on one key, as the decider of its conditional update: each decision runs
     * the processor on the entry as it is now; an access, a load or nothing completes there; a change
     * tells the writer and becomes a write conditional on the entry processed, decided again (the
     * processor run again) from the current entry if another writer got there first.
     */
    private final class Processing<T> implements ConditionalUpdate.Decider<T> {
        private final K key;
        private final byte[] kb;
        private final EntryProcessor<K, V, T> processor;
        private final Object[] arguments;
        private final EventDispatcher<K, V>.Batch batch;
        private final WriterTurn<K, V> writer = cache.writerTurn();
        private final long start = statistics.start();
        /** Whether the last decision was a write: a failure then is the failure of applying the change. */
        private boolean writing;

        Processing(K key, byte[] kb, EntryProcessor<K, V, T> processor, Object[] arguments,
                   EventDispatcher<K, V>.Batch batch) {
            this.key = key;
            this.kb = kb;
            this.processor = processor;
            this.arguments = arguments;
            this.batch = batch;
        }

        /**
         * @throws EntryProcessorException if the processor, or applying its decision, fails
         */
        @Override
        public Decision<T> decide(StoredRecord cur) {
            writing = false;
            V original = cur == null ? null : codec.decodeValue(key, kb, cur);
            KadMutableEntry<K, V> entry = new KadMutableEntry<>(key, original, loader);
            T result;
            try {
                result = processor.process(entry, arguments);
            } catch (EntryProcessorException e) {
                throw e;
            } catch (Exception e) {
                throw new EntryProcessorException("entry processor failed on key " + key + " of cache " + name
                        + ": " + e, e);
            }
            try {
                Decision<T> decision = decision(cur, entry, result);
                writing = decision instanceof ConditionalUpdate.Write;
                return decision;
            } catch (EntryProcessorException e) {
                throw e;
            } catch (RuntimeException e) {
                throw failedToApply(e);
            }
        }

        private Decision<T> decision(StoredRecord cur, KadMutableEntry<K, V> entry, T result) {
            switch (entry.operation()) {
                case NONE -> {
                    if (cur != null) {
                        statistics.hits(1);
                        if (entry.accessed()) {
                            cache.touch(key, kb, cur, batch);
                        }
                    } else {
                        statistics.misses(1);
                    }
                    writer.resync(key, kb, cur);
                    return Decision.leave(result);
                }
                case LOAD -> {
                    statistics.misses(1);
                    cache.storeLoaded(key, kb, entry.getValue(), batch);
                    if (writer.told()) {
                        writer.resync(key, kb, ops.read(key, kb, batch).record());
                    }
                    return Decision.leave(result);
                }
                case CREATE, UPDATE -> {
                    V value = entry.getValue();
                    cache.requireValue(value);
                    byte[] vb = codec.encodeValue(value);
                    writer.write(key, value);
                    long exp = cur == null ? expiry.forCreation() : expiry.forUpdate();
                    return cache.putDecision(value, vb, exp, exp, w -> applied(cur, result, () -> {
                        cache.afterPut(key, kb, value, vb, w, exp, batch, KadCache.OldValue.FOR_EVENTS);
                        statistics.putTime(start);
                    }));
                }
                case REMOVE -> {
                    writer.delete(key);
                    if (cur == null) {
                        statistics.misses(1);
                        return Decision.leave(result);
                    }
                    return Decision.remove(w -> applied(cur, result, () -> {
                        cache.afterRemove(key, kb, w.previous(), batch, KadCache.OldValue.FOR_EVENTS);
                        statistics.removeTime(start);
                    }));
                }
                default -> throw new IllegalStateException("unknown operation " + entry.operation());
            }
        }

        /** Accounts for the processor's applied change. */
        private T applied(StoredRecord decidedFrom, T result, Runnable books) {
            try {
                if (decidedFrom == null) {
                    statistics.misses(1);
                } else {
                    statistics.hits(1);
                }
                books.run();
                return result;
            } catch (RuntimeException e) {
                throw failedToApply(e);
            }
        }

        /**
         * Runs this processing's conditional update.
         *
         * @throws EntryProcessorException if the processor, or applying its change, fails
         */
        T complete(Function<ConditionalUpdate, T> run) {
            try {
                return ops.update("invoke", key, kb, batch, run);
            } catch (EntryProcessorException e) {
                throw e;
            } catch (CacheException e) {
                if (!writing) {
                    throw e;
                }
                throw failedToApply(e);
            }
        }

        private EntryProcessorException failedToApply(RuntimeException e) {
            return new EntryProcessorException("applying the entry processor's change to key " + key
                    + " of cache " + name + " failed: " + e, e);
        }
    }
}

package io.kad.jcache;

import io.kad.core.record.ConditionalUpdate;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordClient;
import io.kad.core.record.RecordEvent;
import io.kad.core.record.RecordException;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.jcache.event.EventDispatcher;
import io.kad.spi.StoredRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.cache.CacheException;

/**
 * The record protocol calls of one cache: every read, write, listing and subscription of its namespace
 * goes through here, to the node's {@link RecordClient}, and comes back as a result or a
 * {@link CacheException} naming the action, the key and the cache.
 *
 * <p>Contract:
 * <ul>
 *   <li>one deadline rule: every call waits at most the node's operation timeout
 *       ({@code kad.operation-timeout-ms}, {@link RecordClient#operationTimeout()}), plus a short grace so
 *       that the node's own failure, naming the key's owner, is the one reported; a compound operation
 *       ({@link #update}) is one {@link ConditionalUpdate}, whose attempts share one such deadline;</li>
 *   <li>a record found expired by a read or write is handed to the cache's {@link Expirations} (its
 *       event and releases) before the result is returned;</li>
 *   <li>a put's value is held by the {@link EntryCodec} from just before its write and settled after it
 *       ({@link EntryCodec#beforeWrite}, {@link EntryCodec#afterWrite});</li>
 *   <li>bulk calls start their requests with a bounded number in flight ({@link InFlight}) and return
 *       the futures by index; the caller awaits them in order;</li>
 *   <li>no user code runs here; methods run on the calling thread and block only in the awaits. The
 *       fields never change, so one instance serves every thread that uses the cache.</li>
 * </ul>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class EntryOperations<K, V> {

    /** The value bytes of a write that carries none: a removal, a touch, a clear. */
    static final byte[] EMPTY = new byte[0];
    /** Extra time granted past the operation timeout, so the node's own timeout (naming the owner) wins. */
    private static final long GRACE_MILLIS = 500;

    private final RecordClient records;
    /**
     * The most key and value bytes a bulk write keeps under way: one largest message. A node's transfers
     * take four largest messages outbound and two per peer inbound at once, and refuse the rest (which then
     * wait out an RPC timeout); one leaves room for the owners' copies and every other operation.
     */
    private final long bulkBytes;
    private final String namespace;
    private final String cacheName;
    private final EntryCodec<K, V> codec;
    private final Expirations<K, V> expirations;

    /**
     * @param records the node's record client
     * @param namespace the cache's namespace
     * @param cacheName the cache's name, as failures name it
     * @param codec settles the values that writes carry
     * @param expirations told of each record a read or write found expired
     */
    EntryOperations(RecordClient records, String namespace, String cacheName, EntryCodec<K, V> codec,
                    Expirations<K, V> expirations, long bulkBytes) {
        this.records = records;
        this.bulkBytes = bulkBytes;
        this.namespace = namespace;
        this.cacheName = cacheName;
        this.codec = codec;
        this.expirations = expirations;
    }

    /**
     * What the cache does with a record a read or write found expired: its event, its releases.
     *
     * @param <K> the key type
     * @param <V> the value type
     */
    @FunctionalInterface
    interface Expirations<K, V> {

        /**
         * @param key the key
         * @param kb its bytes
         * @param record the expired record
         * @param batch the events of the operation that found it
         */
        void expired(K key, byte[] kb, StoredRecord record, EventDispatcher<K, V>.Batch batch);
    }

    /** @return the node's clock, in milliseconds (expiry times are on it) */
    long nowMillis() {
        return records.nowMillis();
    }

    /** @return a write of codec bytes (never JSON text) */
    private static WriteCommand command(WriteCommand.Op op, byte[] value, long expectedVersion, long ifCreated,
                                long ifUpdated) {
        return new WriteCommand(op, value, false, expectedVersion, ifCreated, ifUpdated);
    }

    /**
     * @param value the value bytes
     * @param expectedVersion the version the record must have, {@link WriteCommand#ANY_VERSION} or
     *     {@link WriteCommand#ABSENT}
     * @param ifCreated the expiry if the write creates the entry
     * @param ifUpdated the expiry if it replaces one
     * @return a put (its reply carries the replaced record's value unless told not to)
     */
    static WriteCommand put(byte[] value, long expectedVersion, long ifCreated, long ifUpdated) {
        return command(WriteCommand.Op.PUT, value, expectedVersion, ifCreated, ifUpdated);
    }

    /** @return an unconditional removal (its reply carries the removed record's value unless told not to) */
    static WriteCommand removal() {
        return command(WriteCommand.Op.REMOVE, EMPTY, WriteCommand.ANY_VERSION, 0, WriteCommand.KEEP_EXPIRY);
    }

    /**
     * @param version the version of the record read
     * @param expiresAt its new expiry
     * @return a change of that record's expiry only, if it is still that version; the reply omits the value
     */
    static WriteCommand touch(long version, long expiresAt) {
        return command(WriteCommand.Op.TOUCH, EMPTY, version, expiresAt, expiresAt)
                .withPreviousValue(WriteCommand.PreviousValue.OMIT);
    }

    // ---------------------------------------------------------------- one key

    /**
     * @return the key's record, read and awaited
     * @throws CacheException if the read failed or timed out
     */
    ReadResult read(K key, byte[] kb, EventDispatcher<K, V>.Batch batch) {
        return awaitRead(records.read(namespace, kb), key, kb, batch);
    }

    /**
     * @return the outcome of a read started by {@link #startReads}, with an expired record handed on
     * @throws CacheException if the read failed or timed out
     */
    ReadResult awaitRead(CompletableFuture<ReadResult> read, K key, byte[] kb, EventDispatcher<K, V>.Batch batch) {
        ReadResult r = await(read, "reading", key);
        if (r.expired() != null) {
            expirations.expired(key, kb, r.expired(), batch);
        }
        return r;
    }

    /**
     * @return the outcome of a write started by {@link #startWrites}, with an expired record handed on
     * @throws CacheException if the write failed or timed out
     */
    WriteResult awaitWrite(CompletableFuture<WriteResult> write, K key, byte[] kb, EventDispatcher<K, V>.Batch batch) {
        WriteResult w = await(write, "writing", key);
        if (w.expired() != null) {
            expirations.expired(key, kb, w.expired(), batch);
        }
        return w;
    }

    /**
     * Writes without a value to hold (a removal, a touch, or a put whose value the caller holds).
     *
     * @return the write's outcome
     * @throws CacheException if the write failed or timed out
     */
    WriteResult write(K key, byte[] kb, WriteCommand command, EventDispatcher<K, V>.Batch batch) {
        return awaitWrite(records.write(namespace, kb, command), key, kb, batch);
    }

    /**
     * Writes a value. In a store-by-reference cache, a value held under a token is held from just before
     * the write, and released after it unless the write stored it (the cache then records it as stored).
     *
     * @return the write's outcome
     * @throws CacheException if the write failed or timed out
     */
    WriteResult writeValue(K key, byte[] kb, V value, WriteCommand command, EventDispatcher<K, V>.Batch batch) {
        codec.beforeWrite(value, command.value());
        WriteResult w = null;
        try {
            w = write(key, kb, command, batch);
            return w;
        } finally {
            codec.afterWrite(kb, command, w);
        }
    }

    /**
     * Runs one compound operation on a key as a {@link ConditionalUpdate}: an expired record it meets is
     * handed to the cache's {@link Expirations}, and a value it writes is settled after each write.
     *
     * @param operation the operation, as a failure names it
     * @param run runs the update (from a read, or from a record already known)
     * @return the update's result
     * @throws CacheException naming the operation, the key and the cache, if the swarm failed or the
     *     operation timeout passed
     */
    <T> T update(String operation, K key, byte[] kb, EventDispatcher<K, V>.Batch batch,
                 Function<ConditionalUpdate, T> run) {
        ConditionalUpdate update = ConditionalUpdate.of(records, namespace, kb, operation)
                .observedBy(new ConditionalUpdate.Observer() {
                    @Override
                    public void expired(StoredRecord record) {
                        expirations.expired(key, kb, record, batch);
                    }

                    @Override
                    public void afterWrite(WriteCommand command, WriteResult outcome) {
                        codec.afterWrite(kb, command, outcome);
                    }
                });
        try {
            return run.apply(update);
        } catch (RecordException e) {
            throw new CacheException(operation + " of key " + key + " of cache " + cacheName + " failed: "
                    + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- many keys

    /** @return the reads of these keys, started with a bounded number in flight, by index */
    List<CompletableFuture<ReadResult>> startReads(List<byte[]> kbs) {
        return InFlight.start(kbs.size(), i -> records.read(namespace, kbs.get(i)), records.operationTimeout());
    }

    /**
     * @param kbs the key bytes
     * @param commands the write of each key, by index; {@code null} for none (its future gives null)
     * @return the writes, started with a bounded number, and bounded key and value bytes, in flight, by index
     */
    List<CompletableFuture<WriteResult>> startWrites(List<byte[]> kbs, WriteCommand[] commands) {
        return InFlight.start(kbs.size(), i -> commands[i] == null ? CompletableFuture.completedFuture(null)
                : records.write(namespace, kbs.get(i), commands[i]),
                i -> commands[i] == null ? 0 : kbs.get(i).length + commands[i].value().length, bulkBytes,
                records.operationTimeout());
    }

    /**
     * @return the outcome of a request started here
     * @throws CacheException naming the action, the key and the cache, if it failed or timed out
     */
    <T> T await(CompletableFuture<T> future, String action, Object key) {
        return await(records, cacheName, future, action, key);
    }

    // ---------------------------------------------------------------- the whole namespace

    /**
     * @return the key bytes of the namespace now
     * @throws CacheException if the listing failed or timed out
     */
    List<byte[]> keys() {
        return await(records.keys(namespace), "listing the keys", "(all)");
    }

    /**
     * @param listener told of other nodes' changes, on the node's event thread
     * @return the subscription, to close when no longer wanted
     * @throws CacheException if subscribing failed or timed out
     */
    AutoCloseable subscribe(Consumer<RecordEvent> listener) {
        return await(records.subscribe(namespace, listener), "subscribing to events", "(all)");
    }

    /**
     * Removes every entry of the namespace, without events, statistics or write-through.
     *
     * @return the outcome of each removal, by the key bytes removed
     */
    Map<byte[], WriteResult> clear() {
        return clear(records, namespace, cacheName);
    }

    /**
     * Removes every entry of a cache's namespace, without events, statistics or write-through: also for a
     * cache not open here.
     *
     * @return the outcome of each removal, by the key bytes removed
     */
    static Map<byte[], WriteResult> clear(RecordClient records, String namespace, String cacheName) {
        List<byte[]> keys = await(records, cacheName, records.keys(namespace), "listing the keys", "(all)");
        List<CompletableFuture<WriteResult>> removals = new ArrayList<>(keys.size());
        for (byte[] kb : keys) {
            // only the removed record's version is used: its value need not come back
            removals.add(records.write(namespace, kb, command(WriteCommand.Op.CLEAR, EMPTY,
                    WriteCommand.ANY_VERSION, 0, WriteCommand.KEEP_EXPIRY)
                    .withPreviousValue(WriteCommand.PreviousValue.OMIT)));
        }
        Map<byte[], WriteResult> outcomes = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            outcomes.put(keys.get(i), await(records, cacheName, removals.get(i), "clearing",
                    "(one of " + keys.size() + " keys)"));
        }
        return outcomes;
    }

    private static <T> T await(RecordClient records, String cacheName, CompletableFuture<T> future, String action,
                               Object key) {
        Duration timeout = records.operationTimeout();
        try {
            return records.await(future, timeout.toMillis() + GRACE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException("interrupted while " + action + " key " + key + " of cache " + cacheName, e);
        } catch (TimeoutException e) {
            throw new CacheException(action + " key " + key + " of cache " + cacheName + " timed out after "
                    + timeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new CacheException(action + " key " + key + " of cache " + cacheName + " failed: "
                    + (cause == null ? e.getMessage() : cause.getMessage()), cause == null ? e : cause);
        }
    }
}

package io.kad.jcache;

import javax.cache.CacheException;

import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.jcache.codec.KadCodec;
import io.kad.spi.StoredRecord;
import java.util.function.Supplier;

/**
 * How one cache's keys and values become record bytes and back, and what the cache holds in this JVM
 * while entries stand for it: {@link ByValueCodec} for a store-by-value cache (bytes only, nothing held),
 * {@link ByReferenceCodec} for a store-by-reference one (the objects put, held in {@link LocalReferences}).
 *
 * <p>Contract:
 * <ul>
 *   <li>every operation that encoded a key calls {@link #unpinKey} when done with its bytes;</li>
 *   <li>a put calls {@link #beforeWrite} just before its write is sent and {@link #afterWrite} once it
 *       ended, and {@link #stored} when the write applied; what the entry held before is then
 *       released;</li>
 *   <li>a removal ({@link #removed}), an expiry ({@link #expired}), an eviction ({@link #evicted}),
 *       another node's change ({@link #changedElsewhere}), {@link #cleared clear} and {@link #close}
 *       release what the entry held;</li>
 *   <li>methods are called from any thread that runs an operation of the cache, and from the node's
 *       event thread ({@link #held}, {@link #evicted}, {@link #changedElsewhere}): the store-by-reference
 *       codec keeps its state in {@link LocalReferences}, which is synchronized; the store-by-value codec
 *       has none.</li>
 * </ul>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
sealed interface EntryCodec<K, V> permits ByValueCodec, ByReferenceCodec {

    /**
     * @param storeByValue whether the cache stores by value
     * @param codec the codec of keys and values
     * @param cacheName the cache's name, as failures name it
     * @param maxValueBytes the largest encoded value a record may carry ({@code kad.max-value-bytes})
     * @param <K> the key type
     * @param <V> the value type
     * @return the codec of a cache that stores by value or by reference
     */
    static <K, V> EntryCodec<K, V> of(boolean storeByValue, KadCodec codec, String cacheName, int maxValueBytes) {
        return storeByValue ? new ByValueCodec<>(codec, cacheName, maxValueBytes)
                : new ByReferenceCodec<>(codec, cacheName, new LocalReferences(), maxValueBytes);
    }

    /**
     * Refuses an encoded value over the record bound as soon as it is encoded, so that an operation
     * fails before anything happens on its behalf: no writer call, no event, nothing written.
     *
     * @return the bytes, if within the bound
     * @throws CacheException naming the cache, the size and the bound
     */
    static byte[] withinBound(byte[] encoded, int maxValueBytes, String cacheName) {
        if (encoded.length > maxValueBytes) {
            throw new CacheException("value too large for cache " + cacheName + ": " + encoded.length
                    + " bytes encoded, kad.max-value-bytes is " + maxValueBytes);
        }
        return encoded;
    }

    /**
     * @param key a key
     * @return its bytes (a pinned token, by reference, for a key no codec can encode)
     * @throws javax.cache.CacheException if the key cannot be encoded (by value)
     */
    byte[] encodeKey(K key);

    /**
     * Ends an operation's use of key bytes from {@link #encodeKey}: a key token no entry stands for is
     * released.
     *
     * @param kb the key bytes
     */
    void unpinKey(byte[] kb);

    /**
     * @param value a value
     * @return its bytes (a fresh token, by reference, for a value no codec can encode: held only from
     *     {@link #beforeWrite} on)
     * @throws javax.cache.CacheException if the value cannot be encoded (by value)
     */
    byte[] encodeValue(V value);

    /**
     * @param kb key bytes, as listed or carried by an event
     * @return the key
     * @throws javax.cache.CacheException if they cannot be decoded, or are a token this cache does not hold
     */
    K decodeKey(byte[] kb);

    /**
     * @param key the record's key
     * @param kb its bytes
     * @param record a record of that key
     * @return its value: by reference, the very object put if this cache wrote that version
     * @throws javax.cache.CacheException if it cannot be decoded
     */
    V decodeValue(K key, byte[] kb, StoredRecord record);

    /**
     * @param bytes value bytes
     * @param what names the value in a failure
     * @return the value
     * @throws javax.cache.CacheException if they cannot be decoded, or are a token this cache does not hold
     */
    V decodeBytes(byte[] bytes, Supplier<String> what);

    /**
     * Before a put's write: holds a value that travels as a token.
     *
     * @param value the value
     * @param vb its bytes from {@link #encodeValue}
     */
    void beforeWrite(V value, byte[] vb);

    /**
     * After a write: releases a value held as a token unless the write stored it.
     *
     * @param kb the key bytes
     * @param command the write
     * @param outcome its outcome, or {@code null} if it failed
     */
    void afterWrite(byte[] kb, WriteCommand command, WriteResult outcome);

    /**
     * A put applied: the entry now holds {@code value} (or, if it expired at once, nothing), and what it
     * held before is released.
     *
     * @param kb the key bytes
     * @param key the key
     * @param value the value put
     * @param vb its bytes
     * @param outcome the applied write's outcome
     */
    void stored(byte[] kb, K key, V value, byte[] vb, WriteResult outcome);

    /**
     * The entry was removed through this cache: what it held is released.
     *
     * @param kb the key bytes
     */
    void removed(byte[] kb);

    /**
     * The entry was found expired at {@code version}: what it held up to that version is released.
     *
     * @param kb the key bytes
     * @param version the expired record's version
     */
    void expired(byte[] kb, long version);

    /**
     * The node's bounded tier dropped the entry at {@code version}: what it held up to that version is
     * released.
     *
     * @param kb the key bytes
     * @param version the evicted record's version
     */
    void evicted(byte[] kb, long version);

    /**
     * Another node changed or removed the entry, making {@code version}: what it held up to that version
     * is released.
     *
     * @param kb the key bytes
     * @param version the version of the change
     */
    void changedElsewhere(byte[] kb, long version);

    /**
     * The entry was cleared.
     *
     * @param kb the key bytes
     * @param outcome the clearing write's outcome
     */
    void cleared(byte[] kb, WriteResult outcome);

    /**
     * @param kb listed key bytes
     * @return whether they are a token of this cache whose entry was removed since the listing: there is
     *     nothing left to read under them
     */
    boolean releasedSinceListing(byte[] kb);

    /**
     * @param bytes key or value bytes, or {@code null}
     * @return the object this cache holds for them if they are a token, else {@code null}
     */
    Object held(byte[] bytes);

    /**
     * @return whether the cache must hear other nodes' changes even with no listener: it holds objects
     *     that those changes release
     */
    boolean needsRemoteEvents();

    /** @return how many objects this cache holds in this JVM (0 by value) */
    int heldCount();

    /** Releases everything held: the cache was closed. */
    void close();
}

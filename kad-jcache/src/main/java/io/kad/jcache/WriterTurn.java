package io.kad.jcache;

import io.kad.jcache.integration.WriteThrough;
import io.kad.spi.StoredRecord;

/**
 * The writer's part in one compound operation, which may decide more than once: whether the writer
 * was told of a change, and the value the cache holds after all when that change then lost its race.
 * Made per operation and used by its calling thread only.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class WriterTurn<K, V> {

    private final WriteThrough<K, V> writes;
    private final EntryCodec<K, V> codec;
    private boolean told;

    /**
     * @param writes the cache's writer calls ({@link WriteThrough#none()} if it does not write through)
     * @param codec decodes the value to resync the writer with
     */
    WriterTurn(WriteThrough<K, V> writes, EntryCodec<K, V> codec) {
        this.writes = writes;
        this.codec = codec;
    }

    /** Tells the writer of a put (again, if an earlier decision told it of another). */
    void write(K key, V value) {
        told |= writes.write(new KadCacheEntry<>(key, value));
    }

    /** Tells the writer of a removal (again, if an earlier decision told it of another). */
    void delete(K key) {
        told |= writes.delete(key);
    }

    /** Tells the writer of a put unless an earlier decision of this operation did. */
    void writeOnce(K key, V value) {
        if (!told) {
            write(key, value);
        }
    }

    /** Tells the writer of a removal unless an earlier decision of this operation did. */
    void deleteOnce(K key) {
        if (!told) {
            delete(key);
        }
    }

    /** @return whether the writer was told of a change */
    boolean told() {
        return told;
    }

    /**
     * The operation told the writer of its change, then lost its conditional write to another node's and
     * ends without changing the entry: tells the writer the value the cache holds now, so that the
     * external store and the cache agree again instead of keeping the losing change. The winner told the
     * writer of its own change before its write applied, so before this call. Does nothing if the writer
     * was not told.
     *
     * <p>When the entry is gone instead, the writer is not told anything: the record may have expired or
     * been evicted, which JCache never reports to a writer, and a delete would then lose the store's row.
     * The store keeps the losing value; a read-through cache reloads it.
     *
     * @param current the live record now, or {@code null} if the key has none
     */
    void resync(K key, byte[] kb, StoredRecord current) {
        if (told && current != null) {
            writes.write(new KadCacheEntry<>(key, codec.decodeValue(key, kb, current)));
        }
    }
}

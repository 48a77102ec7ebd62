package io.kad.jcache.integration;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * Calls a cache's {@link CacheWriter}, wrapping what it throws in a {@link CacheWriterException}. A cache
 * that does not write through has {@link #none()}, which tells no one.
 *
 * <p>For the {@code *All} methods the writer removes from the collection it is given each entry it
 * wrote; whatever is left when it throws was not written, and the cache must leave those keys alone
 * while applying the rest. {@link Partial} carries that split.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class WriteThrough<K, V> {

    private static final WriteThrough<?, ?> NONE = new WriteThrough<Object, Object>(new DisabledWriter(), false);

    private final CacheWriter<? super K, ? super V> writer;
    /** Whether a writer is told: false for {@link #none()}. */
    private final boolean tells;

    /** @param writer the writer */
    public WriteThrough(CacheWriter<? super K, ? super V> writer) {
        this(writer, true);
    }

    private WriteThrough(CacheWriter<? super K, ? super V> writer, boolean tells) {
        this.writer = writer;
        this.tells = tells;
    }

    /**
     * @param <K> the key type
     * @param <V> the value type
     * @return the write-through of a cache without a writer: every call does nothing and tells no one
     */
    @SuppressWarnings("unchecked")
    public static <K, V> WriteThrough<K, V> none() {
        return (WriteThrough<K, V>) NONE;
    }

    /**
     * @return the writer: for {@link #none()}, one that writes nothing (and needs no closing)
     */
    public CacheWriter<? super K, ? super V> writer() {
        return writer;
    }

    /**
     * @param entry the entry to write
     * @return whether a writer was told (false for {@link #none()})
     */
    public boolean write(Cache.Entry<K, V> entry) {
        try {
            writer.write(entry);
            return tells;
        } catch (CacheWriterException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CacheWriterException("writer failed for key " + entry.getKey() + ": " + e, e);
        }
    }

    /**
     * @param key the key to delete
     * @return whether a writer was told (false for {@link #none()})
     */
    public boolean delete(K key) {
        try {
            writer.delete(key);
            return tells;
        } catch (CacheWriterException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CacheWriterException("writer failed to delete key " + key + ": " + e, e);
        }
    }

    /**
     * @param entries the entries to write
     * @return the keys that were not written, and the failure, or null if all were
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Partial<K> writeAll(Collection<Cache.Entry<K, V>> entries) {
        List<Cache.Entry<K, V>> remaining = new ArrayList<>(entries);
        try {
            writer.writeAll((Collection) remaining);
            return null;
        } catch (RuntimeException e) {
            Set<K> failed = new LinkedHashSet<>();
            remaining.forEach(en -> failed.add(en.getKey()));
            return new Partial<>(failed, wrap(e, "writer failed to write " + failed.size() + " entries"));
        }
    }

    /**
     * @param keys the keys to delete
     * @return the keys that were not deleted, and the failure, or null if all were
     */
    public Partial<K> deleteAll(Collection<K> keys) {
        List<K> remaining = new ArrayList<>(keys);
        try {
            writer.deleteAll(remaining);
            return null;
        } catch (RuntimeException e) {
            return new Partial<>(new LinkedHashSet<>(remaining),
                    wrap(e, "writer failed to delete " + remaining.size() + " keys"));
        }
    }

    private static CacheWriterException wrap(RuntimeException e, String message) {
        return e instanceof CacheWriterException cwe ? cwe : new CacheWriterException(message + ": " + e, e);
    }

    /** The writer of a cache that does not write through: writes nothing. */
    private static final class DisabledWriter implements CacheWriter<Object, Object> {
        @Override
        public void write(Cache.Entry<? extends Object, ? extends Object> entry) {
        }

        @Override
        public void writeAll(Collection<Cache.Entry<? extends Object, ? extends Object>> entries) {
            entries.clear();
        }

        @Override
        public void delete(Object key) {
        }

        @Override
        public void deleteAll(Collection<?> keys) {
            keys.clear();
        }
    }

    /**
     * The outcome of a failed {@code *All} call.
     *
     * @param failedKeys the keys the writer did not handle
     * @param failure what to throw once the others are applied
     * @param <K> the key type
     */
    public record Partial<K>(Set<K> failedKeys, CacheWriterException failure) {
    }
}

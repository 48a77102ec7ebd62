package io.kad.jcache.processor;

import java.util.Objects;
import java.util.function.Function;
import javax.cache.processor.MutableEntry;

/**
 * The entry an entry processor sees: a snapshot of the record read at the caller, and the change
 * the processor asks for. Nothing is written while the processor runs; the cache applies
 * {@link #operation()} afterwards, conditionally on the version it read.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class KadMutableEntry<K, V> implements MutableEntry<K, V> {

    /** What the processor did to the entry, as far as the cache must act on it. */
    public enum Operation {
        /** Nothing changed. */
        NONE,
        /** The value was read through the loader and should be stored as a creation. */
        LOAD,
        /** A value where there was none. */
        CREATE,
        /** A new value for an existing entry. */
        UPDATE,
        /** The existing entry removed. */
        REMOVE
    }

    private final K key;
    private final V original;
    private final Function<K, V> loader;
    private V value;
    private Operation operation = Operation.NONE;
    private boolean accessed;

    /**
     * @param key the key
     * @param original the value read, or null if there was no entry
     * @param loader loads a missing value on {@link #getValue()} (read-through), or null
     */
    public KadMutableEntry(K key, V original, Function<K, V> loader) {
        this.key = key;
        this.original = original;
        this.value = original;
        this.loader = loader;
    }

    @Override
    public K getKey() {
        return key;
    }

    @Override
    public V getValue() {
        if (value == null && operation == Operation.NONE && original == null && loader != null) {
            V loaded = loader.apply(key);
            if (loaded != null) {
                value = loaded;
                operation = Operation.LOAD;
            }
        }
        if (operation == Operation.NONE) {
            accessed = true;
        }
        return value;
    }

    @Override
    public boolean exists() {
        return value != null;
    }

    @Override
    public void remove() {
        value = null;
        // removing what this processor created or loaded undoes it; anything else is a removal
        // (the writer deletes the key even if the cache had no entry for it)
        operation = operation == Operation.CREATE || operation == Operation.LOAD ? Operation.NONE : Operation.REMOVE;
    }

    @Override
    public void setValue(V newValue) {
        Objects.requireNonNull(newValue, "value");
        value = newValue;
        operation = original == null ? Operation.CREATE : Operation.UPDATE;
    }

    /** @return what the cache must do */
    public Operation operation() {
        return operation;
    }

    /** @return whether the processor read the existing value without changing it */
    public boolean accessed() {
        return accessed;
    }

    /** @return the value the entry had when read, or null */
    public V original() {
        return original;
    }

    @Override
    public <T> T unwrap(Class<T> clazz) {
        if (clazz.isInstance(this)) {
            return clazz.cast(this);
        }
        throw new IllegalArgumentException("cannot unwrap a mutable entry to " + clazz.getName());
    }
}

package io.kad.core.storage;

import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A {@link StorageTier} over a map the caller supplies: the Java form of kad.py's {@code storage=}
 * parameter.
 *
 * <p>Contract:
 * <ul>
 *   <li>a {@link ConcurrentMap} is used through its own operations, and {@link #compute} is its
 *       {@link ConcurrentMap#compute}: atomic per id. ({@code ConcurrentHashMap} calls the update once;
 *       a map relying on the interface's default {@code compute} retries, so the update may run more
 *       than once. Updates are pure functions of the current record, so that is harmless.)</li>
 *   <li>any other map is guarded by its own monitor: every operation of this tier runs in
 *       {@code synchronized (map)}. Other code that touches the same map must synchronize on it too,
 *       as with {@link java.util.Collections#synchronizedMap}; {@link #forEach} copies the records
 *       under the lock and visits the copy outside it;</li>
 *   <li>the tier is as bounded as the map: it never drops records itself, so it reports no evictions,
 *       and records a self-evicting map drops go unreported;</li>
 *   <li>{@link #close()} leaves the map and its records alone: the map belongs to the caller.</li>
 * </ul>
 */
public final class MapStorageTier implements StorageTier {

    private final Map<BigInteger, StoredRecord> map;
    private final ConcurrentMap<BigInteger, StoredRecord> concurrent;

    /**
     * @param map where the records live; not copied. Must not hold {@code null} values.
     */
    public MapStorageTier(Map<BigInteger, StoredRecord> map) {
        this.map = Objects.requireNonNull(map, "map");
        this.concurrent = map instanceof ConcurrentMap<BigInteger, StoredRecord> c ? c : null;
    }

    @Override
    public StoredRecord get(BigInteger id) {
        Objects.requireNonNull(id, "id");
        if (concurrent != null) {
            return concurrent.get(id);
        }
        synchronized (map) {
            return map.get(id);
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code update} returns a record with another id; nothing is
     *     stored then
     */
    @Override
    public StoredRecord compute(BigInteger id, UnaryOperator<StoredRecord> update) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(update, "update");
        if (concurrent != null) {
            return concurrent.compute(id, (key, current) -> Records.checkId(key, update.apply(current)));
        }
        synchronized (map) {
            return map.compute(id, (key, current) -> Records.checkId(key, update.apply(current)));
        }
    }

    @Override
    public void remove(BigInteger id) {
        Objects.requireNonNull(id, "id");
        if (concurrent != null) {
            concurrent.remove(id);
            return;
        }
        synchronized (map) {
            map.remove(id);
        }
    }

    @Override
    public void forEach(Consumer<StoredRecord> action) {
        Objects.requireNonNull(action, "action");
        if (concurrent != null) {
            concurrent.values().forEach(action);
            return;
        }
        List<StoredRecord> copy;
        synchronized (map) {
            copy = List.copyOf(map.values());
        }
        copy.forEach(action);
    }

    @Override
    public long size() {
        if (concurrent != null) {
            return concurrent.size();
        }
        synchronized (map) {
            return map.size();
        }
    }

    /** Does nothing: the map and its records belong to the caller. */
    @Override
    public void close() {
    }
}

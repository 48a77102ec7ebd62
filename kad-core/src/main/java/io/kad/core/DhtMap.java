package io.kad.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kad.core.record.ConditionalUpdate.Decision;
import io.kad.core.record.ConditionalUpdate;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordClient;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.spi.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;

/**
 * The swarm's JSON values as a {@link ConcurrentMap} (the Map provider). Keys are strings; values are
 * JSON-shaped Java values as {@link Dht} returns them. Each method is one or more record operations at
 * the key's owner:
 *
 * <ul>
 *   <li>{@code get}, {@code containsKey}: one read;</li>
 *   <li>{@code put}, {@code remove(k)}: one unconditional write, returning the previous value;</li>
 *   <li>{@code putIfAbsent}: one write that applies only if the key has no value; atomic;</li>
 *   <li>{@code replace(k, v)}: a read of the version, then a write that applies only if that version is
 *       still current; atomic. If another writer came between, the refused write returns the current
 *       record and the decision is taken again from it ({@link ConditionalUpdate}), all within one
 *       operation timeout;</li>
 *   <li>{@code replace(k, old, new)}, {@code remove(k, v)}: the same, applying only if the current value
 *       equals {@code old}/{@code v} as JSON; atomic;</li>
 *   <li>{@code compute}, {@code computeIfAbsent}, {@code computeIfPresent}, {@code merge}: the
 *       {@code ConcurrentMap} defaults, loops over the atomic methods above, so atomic per key across the
 *       swarm; the function runs in the caller's JVM and may run more than once under contention;</li>
 *   <li>{@code size}, {@code entrySet}, {@code keySet}, {@code values}, {@code clear}: a scan of every
 *       node of this project in the swarm (weakly consistent; costs one round trip per node), then one read
 *       or removal per key;</li>
 *   <li>a {@code null} key or value: {@link NullPointerException}. A key holding JSON {@code null}
 *       (stored with {@link Dht#put}) has no value for this view: {@code get} returns {@code null},
 *       {@code containsKey} {@code false}, and {@code putIfAbsent} replaces it.</li>
 * </ul>
 * Failures surface as {@link io.kad.core.record.RecordException} after the node's operation timeout.
 */
public final class DhtMap extends AbstractMap<String, Object> implements ConcurrentMap<String, Object> {

    private static final String NAMESPACE = "";

    private final KadNode node;
    private final RecordClient records;
    private final ObjectMapper json;

    DhtMap(KadNode node, ObjectMapper json) {
        this.node = node;
        this.records = node.records();
        this.json = json;
    }

    private <T> T await(java.util.concurrent.CompletableFuture<T> f, String what) {
        return node.await(f, node.config().operationTimeout(), what);
    }

    private static byte[] keyBytes(Object key) {
        Objects.requireNonNull(key, "key");
        if (!(key instanceof String s)) {
            throw new ClassCastException("keys are strings, not " + key.getClass().getName());
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private StoredRecord read(Object key) {
        ReadResult r = await(records.read(NAMESPACE, keyBytes(key)), "read of '" + key + "'");
        return isJsonNull(r.record()) ? null : r.record();
    }

    /** A key holding JSON {@code null} (stored with {@link Dht#put}) has no value for a {@code Map}. */
    private static boolean isJsonNull(StoredRecord r) {
        // values are written by Jackson, which writes JSON null as exactly these four bytes
        return r != null && java.util.Arrays.equals(r.value(), JSON_NULL);
    }

    private static final byte[] JSON_NULL = {'n', 'u', 'l', 'l'};

    private Object value(StoredRecord r) {
        return r == null ? null : Dht.toJava(JsonValues.parse(r.value()));
    }

    private WriteResult write(String key, WriteCommand command) {
        return await(records.write(NAMESPACE, keyBytes(key), command), "write of '" + key + "'");
    }

    private static byte[] encode(Object value) {
        Objects.requireNonNull(value, "value");
        return JsonValues.write(Dht.toJson(value));
    }

    @Override
    public Object get(Object key) {
        return value(read(key));
    }

    @Override
    public boolean containsKey(Object key) {
        return read(key) != null;
    }

    @Override
    public Object put(String key, Object value) {
        WriteResult r = write(key, WriteCommand.put(encode(value), true, StoredRecord.NEVER));
        return value(r.previous());
    }

    @Override
    public Object remove(Object key) {
        WriteResult r = write((String) checkKey(key), WriteCommand.remove());
        return r.applied() ? value(r.previous()) : null;
    }

    private static Object checkKey(Object key) {
        keyBytes(key);
        return key;
    }

    /**
     * @param key the key (a string)
     * @param operation the operation, as a failure names it
     * @return an atomic update of the key's record
     */
    private ConditionalUpdate update(Object key, String operation) {
        return ConditionalUpdate.of(records, NAMESPACE, keyBytes(key), "Map." + operation);
    }

    /** @return the record as this view sees it: none for JSON {@code null} */
    private static StoredRecord mapped(StoredRecord r) {
        return isJsonNull(r) ? null : r;
    }

    @Override
    public Object putIfAbsent(String key, Object value) {
        byte[] bytes = encode(value);
        // the key is expected absent: no read first; a refused write returns the value that is there
        return update(key, "putIfAbsent").runFrom(null, cur -> {
            StoredRecord current = mapped(cur);
            if (current != null) {
                return Decision.leave(value(current));
            }
            // no value for the map (none, or JSON null): write over exactly what is there
            return Decision.put(bytes, true, StoredRecord.NEVER, StoredRecord.NEVER, w -> null);
        });
    }

    @Override
    public boolean remove(Object key, Object value) {
        if (value == null) {
            return false;
        }
        JsonNode expected = Dht.toJson(value);
        return update(key, "remove(key, value)").run(cur -> {
            StoredRecord current = mapped(cur);
            if (current == null || !JsonValues.parse(current.value()).equals(expected)) {
                return Decision.leave(false);
            }
            return Decision.remove(w -> true);
        });
    }

    @Override
    public boolean replace(String key, Object oldValue, Object newValue) {
        Objects.requireNonNull(oldValue, "oldValue");
        byte[] bytes = encode(newValue);
        JsonNode expected = Dht.toJson(oldValue);
        return update(key, "replace(key, old, new)").run(cur -> {
            StoredRecord current = mapped(cur);
            if (current == null || !JsonValues.parse(current.value()).equals(expected)) {
                return Decision.leave(false);
            }
            return Decision.put(bytes, true, StoredRecord.NEVER, WriteCommand.KEEP_EXPIRY, w -> true);
        });
    }

    @Override
    public Object replace(String key, Object value) {
        byte[] bytes = encode(value);
        return update(key, "replace(key, value)").run(cur -> {
            StoredRecord current = mapped(cur);
            if (current == null) {
                return Decision.leave(null);
            }
            return Decision.put(bytes, true, StoredRecord.NEVER, WriteCommand.KEEP_EXPIRY, w -> value(current));
        });
    }

    private List<String> keys() {
        List<String> keys = new ArrayList<>();
        for (byte[] k : await(records.keys(NAMESPACE), "scan of the swarm's keys")) {
            if (k.length > 0) {
                keys.add(new String(k, StandardCharsets.UTF_8));
            }
        }
        return keys;
    }

    @Override
    public int size() {
        return keys().size();
    }

    @Override
    public void clear() {
        for (String k : keys()) {
            write(k, WriteCommand.remove().withPreviousValue(WriteCommand.PreviousValue.OMIT));
        }
    }

    @Override
    public Set<Map.Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<String, Object>> iterator() {
                Iterator<String> keys = keys().iterator();
                return new Iterator<>() {
                    private Map.Entry<String, Object> next;
                    private String last;

                    @Override
                    public boolean hasNext() {
                        while (next == null && keys.hasNext()) {
                            String k = keys.next();
                            StoredRecord r = read(k);
                            if (r != null) {
                                next = new SimpleImmutableEntry<>(k, value(r));
                            }
                        }
                        return next != null;
                    }

                    @Override
                    public Map.Entry<String, Object> next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        Map.Entry<String, Object> e = next;
                        next = null;
                        last = e.getKey();
                        return e;
                    }

                    @Override
                    public void remove() {
                        if (last == null) {
                            throw new IllegalStateException("next() has not been called");
                        }
                        DhtMap.this.remove(last);
                        last = null;
                    }
                };
            }

            @Override
            public int size() {
                return DhtMap.this.size();
            }
        };
    }

    /** @return the JSON mapper values are converted with */
    ObjectMapper json() {
        return json;
    }
}

package io.kad.spi;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;

/**
 * One record as a storage tier holds it: opaque bytes plus the metadata the record protocol needs.
 * A storage node never interprets the key or the value.
 *
 * @param id the record id (hash of namespace and key), unsigned
 * @param namespace the namespace (a cache); empty for records written in kad.py's dialect
 * @param key the key bytes; empty when only the id is known (kad.py's {@code store})
 * @param value the value bytes; empty for a tombstone
 * @param json whether {@code value} is UTF-8 JSON text (kad.py's values are); such a value can be
 *     served to kad.py nodes in {@code found_value}
 * @param version the record's version, assigned by the key's owner; 1 for the first write, and each
 *     later write (removal included) takes the next number
 * @param expiresAtMillis when the record expires, in epoch milliseconds; {@link #NEVER} for never
 * @param tombstone whether this record marks a removal (kept until it expires so versions stay ordered)
 */
public record StoredRecord(
        BigInteger id,
        String namespace,
        byte[] key,
        byte[] value,
        boolean json,
        long version,
        long expiresAtMillis,
        boolean tombstone) {

    /** The expiry of a record that never expires. */
    public static final long NEVER = Long.MAX_VALUE;

    /** Checks the fields. */
    public StoredRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (id.signum() < 0) {
            throw new IllegalArgumentException("id must not be negative: " + id);
        }
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative: " + version);
        }
    }

    /**
     * @param nowMillis the current time in epoch milliseconds
     * @return whether the record has expired at that time
     */
    public boolean isExpiredAt(long nowMillis) {
        return expiresAtMillis != NEVER && expiresAtMillis <= nowMillis;
    }

    /**
     * @param nowMillis the current time in epoch milliseconds
     * @return whether the record holds a value at that time: neither a tombstone nor expired
     */
    public boolean isLiveAt(long nowMillis) {
        return !tombstone && !isExpiredAt(nowMillis);
    }

    /** @return the weight of this record for a weight-bounded tier: an estimate of its bytes */
    public int weight() {
        return 64 + namespace.length() + key.length + value.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredRecord r
                && id.equals(r.id)
                && namespace.equals(r.namespace)
                && Arrays.equals(key, r.key)
                && Arrays.equals(value, r.value)
                && json == r.json
                && version == r.version
                && expiresAtMillis == r.expiresAtMillis
                && tombstone == r.tombstone;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, namespace, Arrays.hashCode(key), Arrays.hashCode(value), version);
    }

    @Override
    public String toString() {
        return "StoredRecord[id=" + id + ", namespace=" + namespace + ", key=" + key.length + " bytes, value="
                + value.length + " bytes, version=" + version + ", expiresAt=" + expiresAtMillis
                + (tombstone ? ", tombstone" : "") + "]";
    }
}

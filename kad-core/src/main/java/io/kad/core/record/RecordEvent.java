package io.kad.core.record;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A change to one record, as its owner applied it.
 *
 * @param kind what happened
 * @param namespace the record's namespace
 * @param key the key bytes
 * @param oldValue the value before, or {@code null}
 * @param newValue the value after, or {@code null}
 * @param version the record's version after the change
 * @param origin the id of the node whose request made the change (events return to it only if it
 *     subscribed from another node)
 */
public record RecordEvent(Kind kind, String namespace, byte[] key, byte[] oldValue, byte[] newValue, long version,
                          BigInteger origin) {

    /** The kinds of change. */
    public enum Kind {
        /** A value where there was none. */
        CREATED,
        /** A value replaced by another. */
        UPDATED,
        /** A value removed. */
        REMOVED,
        /** A value found expired. */
        EXPIRED
    }

    /** Checks the fields. */
    public RecordEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(origin, "origin");
    }
}

package io.kad.core.wire;

import java.util.Objects;

/**
 * What a conditional write asks the key's owner to do. The owner applies it atomically: it checks
 * {@link #expectedVersion()} against the current live record and, only if it matches, writes.
 *
 * @param op what to write
 * @param value the new value bytes for {@link Op#PUT}; ignored otherwise (use an empty array)
 * @param json whether {@code value} is UTF-8 JSON text (served to kad.py nodes as such)
 * @param expectedVersion {@link #ANY_VERSION} (no condition), {@link #ABSENT} (only if there is no live
 *     record) or the version the live record must have
 * @param expiresAtIfCreated the expiry, in epoch milliseconds, if the write creates the entry
 *     ({@link io.kad.spi.StoredRecord#NEVER} for never; a time not after now means "do not create")
 * @param expiresAtIfUpdated the expiry if the entry existed, or {@link #KEEP_EXPIRY} to keep its expiry
 */
public record WriteCommand(Op op, byte[] value, boolean json, long expectedVersion, long expiresAtIfCreated,
                           long expiresAtIfUpdated) {

    /** No condition on the version. */
    public static final long ANY_VERSION = -1;
    /** Only if no live record exists. */
    public static final long ABSENT = 0;
    /** Keep the existing entry's expiry. */
    public static final long KEEP_EXPIRY = -2;

    /** The kinds of write. */
    public enum Op {
        /** Store {@code value}, creating or replacing. */
        PUT,
        /** Remove the live record (a tombstone takes its place). */
        REMOVE,
        /** Change only the expiry of the live record ({@code expiresAtIfUpdated}); the version stays. */
        TOUCH,
        /**
         * Remove like {@link #REMOVE}, but publish no event: JCache's {@code clear()} notifies no
         * listener.
         */
        CLEAR
    }

    /** Checks the fields. */
    public WriteCommand {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(value, "value");
        if (expectedVersion < ANY_VERSION) {
            throw new IllegalArgumentException("expectedVersion must be >= -1: " + expectedVersion);
        }
    }

    /**
     * @param value the value bytes
     * @param json whether they are JSON text
     * @param expiresAt the expiry, whether created or updated
     * @return an unconditional put
     */
    public static WriteCommand put(byte[] value, boolean json, long expiresAt) {
        return new WriteCommand(Op.PUT, value, json, ANY_VERSION, expiresAt, expiresAt);
    }

    /** @return an unconditional removal */
    public static WriteCommand remove() {
        return new WriteCommand(Op.REMOVE, new byte[0], false, ANY_VERSION, 0, KEEP_EXPIRY);
    }
}

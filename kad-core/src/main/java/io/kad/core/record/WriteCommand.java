package io.kad.core.record;

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
 * @param previousValue whether the reply of an applied write carries the value of the record it replaced
 *     (a refused write's reply always carries the current record whole: the caller decides from it)
 */
public record WriteCommand(Op op, byte[] value, boolean json, long expectedVersion, long expiresAtIfCreated,
                           long expiresAtIfUpdated, PreviousValue previousValue) {

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

    /**
     * What the reply of an applied write carries of the record the write replaced. Only a caller that
     * needs the old value (a {@code getAndPut}, an event with the old value) has it sent back; the others
     * learn whether there was a record, and its version, without its value crossing the network again.
     */
    public enum PreviousValue {
        /** The whole record, value included: the default, and what a node that predates the choice sends. */
        RETURN,
        /** The record without its value ({@link WriteResult#withoutPreviousValue()}). */
        OMIT
    }

    /**
     * A command whose applied reply carries the previous record whole ({@link PreviousValue#RETURN}).
     *
     * @param op what to write
     * @param value the new value bytes
     * @param json whether they are JSON text
     * @param expectedVersion the condition on the version
     * @param expiresAtIfCreated the expiry if the write creates the entry
     * @param expiresAtIfUpdated the expiry if the entry existed
     */
    public WriteCommand(Op op, byte[] value, boolean json, long expectedVersion, long expiresAtIfCreated,
                        long expiresAtIfUpdated) {
        this(op, value, json, expectedVersion, expiresAtIfCreated, expiresAtIfUpdated, PreviousValue.RETURN);
    }

    /** Checks the fields. */
    public WriteCommand {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(previousValue, "previousValue");
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

    /**
     * @param previous what an applied write's reply carries of the record it replaced
     * @return this command with that choice
     */
    public WriteCommand withPreviousValue(PreviousValue previous) {
        return previous == previousValue ? this
                : new WriteCommand(op, value, json, expectedVersion, expiresAtIfCreated, expiresAtIfUpdated, previous);
    }

    /** @return an unconditional removal */
    public static WriteCommand remove() {
        return new WriteCommand(Op.REMOVE, new byte[0], false, ANY_VERSION, 0, KEEP_EXPIRY);
    }
}

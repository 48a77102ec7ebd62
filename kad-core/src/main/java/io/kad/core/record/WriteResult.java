package io.kad.core.record;

import io.kad.spi.StoredRecord;

/**
 * The outcome of a {@link WriteCommand} at the key's owner.
 *
 * @param applied whether the write happened (its condition held)
 * @param previous the live record before the write, or {@code null} if there was none; when the write
 *     was not applied, the current live record. An applied write whose command asked to omit the previous
 *     value ({@link WriteCommand.PreviousValue#OMIT}) has the record without its value: an empty value,
 *     the version, expiry and flags as they were
 * @param current the live record after the write, or {@code null} if there is none
 * @param expired a record that this write found expired (and so treated as absent), or {@code null}
 */
public record WriteResult(boolean applied, StoredRecord previous, StoredRecord current, StoredRecord expired) {

    private static final byte[] NO_VALUE = new byte[0];

    /**
     * @return this outcome with the previous record's value left out, as the reply to a command that
     *     asked to omit it; a refused write's outcome is returned whole (its previous record is the
     *     current one, which the caller decides from)
     */
    public WriteResult withoutPreviousValue() {
        if (!applied || previous == null || previous.value().length == 0) {
            return this;
        }
        StoredRecord p = previous;
        return new WriteResult(true, new StoredRecord(p.id(), p.namespace(), p.key(), NO_VALUE, p.json(), p.version(),
                p.expiresAtMillis(), p.tombstone()), current, expired);
    }
}

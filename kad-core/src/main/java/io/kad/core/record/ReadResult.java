package io.kad.core.record;

import io.kad.spi.StoredRecord;

/**
 * The outcome of reading one record at its owner.
 *
 * @param record the live record, or {@code null} if there is none
 * @param expired the record this read found expired (reported once, then removed), or {@code null}
 */
public record ReadResult(StoredRecord record, StoredRecord expired) {

    /** A read that found nothing. */
    public static final ReadResult ABSENT = new ReadResult(null, null);

    /** @return whether a live record was found */
    public boolean found() {
        return record != null;
    }
}

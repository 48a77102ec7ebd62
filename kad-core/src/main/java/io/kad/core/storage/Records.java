package io.kad.core.storage;

import io.kad.spi.StoredRecord;
import java.math.BigInteger;

/** Checks shared by the tiers. */
final class Records {

    private Records() {
    }

    /**
     * @return {@code record}, after checking that it belongs under {@code id}
     * @throws IllegalArgumentException if the record's id is another
     */
    static StoredRecord checkId(BigInteger id, StoredRecord record) {
        if (record != null && !record.id().equals(id)) {
            throw new IllegalArgumentException("a record with id " + record.id() + " cannot be stored under id " + id);
        }
        return record;
    }
}

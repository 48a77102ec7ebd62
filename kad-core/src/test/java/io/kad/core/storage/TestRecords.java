package io.kad.core.storage;

import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/** Records for tests. */
final class TestRecords {

    private TestRecords() {
    }

    static StoredRecord live(long id, long version) {
        return new StoredRecord(BigInteger.valueOf(id), "cache", ("k" + id).getBytes(StandardCharsets.UTF_8),
                ("v" + version).getBytes(StandardCharsets.UTF_8), false, version, StoredRecord.NEVER, false);
    }

    static StoredRecord expiringAt(long id, long expiresAtMillis) {
        return new StoredRecord(BigInteger.valueOf(id), "cache", new byte[] {1}, new byte[] {2}, false, 1,
                expiresAtMillis, false);
    }

    static StoredRecord tombstone(long id, long version, long expiresAtMillis) {
        return new StoredRecord(BigInteger.valueOf(id), "cache", new byte[] {1}, new byte[0], false, version,
                expiresAtMillis, true);
    }

    /** A record whose {@link StoredRecord#weight()} is exactly {@code weight} (at least 64). */
    static StoredRecord weighing(long id, int weight) {
        StoredRecord record = new StoredRecord(BigInteger.valueOf(id), "", new byte[0], new byte[weight - 64], false,
                1, StoredRecord.NEVER, false);
        if (record.weight() != weight) {
            throw new AssertionError("weight formula changed: " + record.weight());
        }
        return record;
    }

    static StoredRecord withVersion(StoredRecord record, long version) {
        return new StoredRecord(record.id(), record.namespace(), record.key(), record.value(), record.json(), version,
                record.expiresAtMillis(), record.tombstone());
    }
}

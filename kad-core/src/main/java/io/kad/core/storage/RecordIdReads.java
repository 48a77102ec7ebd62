package io.kad.core.storage;

import io.kad.core.id.RecordId;
import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.util.Objects;

/**
 * Reads of a storage tier by fixed-width record id, the id every operation computes. A tier keyed by
 * {@link RecordId} itself ({@link CaffeineStorageTier}, the default) looks the id up as it is; any other
 * {@link StorageTier} is read through {@link #of}, by the id's {@code BigInteger}.
 *
 * <p>Contract: {@code get(id)} returns what {@link StorageTier#get} returns for {@code id.toBigInteger()};
 * thread-safe as the tier is.
 */
@FunctionalInterface
public interface RecordIdReads {

    /**
     * @param id a record id
     * @return the record stored under the id, or {@code null}
     */
    StoredRecord get(RecordId id);

    /**
     * @param tier a storage tier
     * @return the tier itself if it reads by {@link RecordId}, else reads of it by the id's number
     */
    static RecordIdReads of(StorageTier tier) {
        Objects.requireNonNull(tier, "tier");
        if (tier instanceof RecordIdReads reads) {
            return reads;
        }
        return id -> tier.get(id.toBigInteger());
    }
}

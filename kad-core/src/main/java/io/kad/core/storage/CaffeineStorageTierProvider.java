package io.kad.core.storage;

import io.kad.spi.StorageTier;
import io.kad.spi.StorageTierProvider;
import io.kad.spi.StoredRecord;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Provides {@link CaffeineStorageTier}s under the name {@code caffeine}, the default tier.
 *
 * <p>Settings (shown with their {@code kad.} prefix):
 * <ul>
 *   <li>{@code kad.storage.max-records}: the most records held, default
 *       {@value CaffeineStorageTier#DEFAULT_MAX_RECORDS};</li>
 *   <li>{@code kad.storage.max-bytes}: the most total {@link StoredRecord#weight()} (an estimate of
 *       bytes) held, default a quarter of the heap; both bounds apply.</li>
 * </ul>
 * ({@code kad.storage.expiry-grace-ms} is read by the node, which reclaims expired records from every
 * tier: see {@code NodeConfig.EXPIRY_GRACE_SETTING}.)
 * Each is validated when the tier is created; a bad value fails with an
 * {@link IllegalArgumentException} that names the key and the value.
 */
public final class CaffeineStorageTierProvider implements StorageTierProvider {

    /** The name this provider is selected by. */
    public static final String NAME = "caffeine";

    /** Creates the provider; it is stateless. */
    public CaffeineStorageTierProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StorageTier create(Map<String, String> settings, Consumer<StoredRecord> evictions) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(evictions, "evictions");
        OptionalLong maxRecords = StorageSettings.longInRange(settings, StorageSettings.MAX_RECORDS, 1, Long.MAX_VALUE);
        OptionalLong maxBytes = StorageSettings.longInRange(settings, StorageSettings.MAX_BYTES, 1, Long.MAX_VALUE);
        // maintenance runs on the writing thread: handing it to the common pool wakes another thread on
        // every write, which costs more than the work itself at this tier's sizes
        CaffeineStorageTier.Builder builder = CaffeineStorageTier.builder().evictionListener(evictions)
                .executor(Runnable::run);
        builder.maximumSize(maxRecords.orElse(CaffeineStorageTier.DEFAULT_MAX_RECORDS));
        builder.maximumWeight(maxBytes.orElse(CaffeineStorageTier.defaultMaxBytes()));
        return builder.build();
    }
}

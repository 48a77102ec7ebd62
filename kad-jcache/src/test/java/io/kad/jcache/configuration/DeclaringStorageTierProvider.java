package io.kad.jcache.configuration;

import io.kad.core.storage.CaffeineStorageTierProvider;
import io.kad.spi.StorageTier;
import io.kad.spi.StorageTierProvider;
import io.kad.spi.StoredRecord;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** A storage tier of its own name that declares one setting of its own, for the configuration tests. */
public final class DeclaringStorageTierProvider implements StorageTierProvider {

    /** The name it is selected by. */
    public static final String NAME = "declaring-test-tier";

    /** Creates the provider. */
    public DeclaringStorageTierProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> settingKeys() {
        return Set.of("storage.colour", "storage.max-records");
    }

    @Override
    public StorageTier create(Map<String, String> settings, Consumer<StoredRecord> evictions) {
        return new CaffeineStorageTierProvider().create(Map.of(), evictions);
    }
}

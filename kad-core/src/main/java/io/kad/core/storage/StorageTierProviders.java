package io.kad.core.storage;

import io.kad.core.ServiceDiscovery;
import io.kad.spi.StorageTier;
import io.kad.spi.StorageTierProvider;
import io.kad.spi.StoredRecord;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Finds {@link StorageTierProvider}s by name through {@link java.util.ServiceLoader}, and creates the tier a
 * node's settings select.
 *
 * <p>Contract:
 * <ul>
 *   <li>providers are looked up with the thread context class loader first, then with the loader of
 *       this class (so the built-in {@code caffeine} and {@code mvstore} are always found); the first
 *       provider of a name wins;</li>
 *   <li>a provider that fails to load is logged and skipped;</li>
 *   <li>each call loads afresh: the result follows the calling thread's context class loader.</li>
 * </ul>
 */
public final class StorageTierProviders {

    /** The setting that selects the tier, without the {@code kad.} prefix. */
    public static final String SETTING = "storage";

    /** The tier used when {@link #SETTING} is not set. */
    public static final String DEFAULT_NAME = CaffeineStorageTierProvider.NAME;


    private StorageTierProviders() {
    }

    /**
     * @param name the provider's name, e.g. {@code "mvstore"}
     * @return a provider of that name
     * @throws IllegalArgumentException if none has that name; the message names it and lists the
     *     available names
     */
    public static StorageTierProvider byName(String name) {
        Objects.requireNonNull(name, "name");
        Map<String, StorageTierProvider> all = loadAll();
        StorageTierProvider provider = all.get(name);
        if (provider == null) {
            throw new IllegalArgumentException("unknown storage tier '" + name + "' (kad." + SETTING
                    + "); available: " + String.join(", ", all.keySet()));
        }
        return provider;
    }

    /** @return the names of every provider found, in discovery order */
    public static List<String> availableNames() {
        return List.copyOf(loadAll().keySet());
    }

    /**
     * Creates the tier that {@code settings} select: the provider named by {@value #SETTING}, or
     * {@value #DEFAULT_NAME} if that is absent or blank.
     *
     * @param settings the node's settings without the {@code kad.} prefix
     * @param evictions told of each record the tier drops to stay within its bound
     * @return a new tier
     * @throws IllegalArgumentException if the name is unknown or a setting has a bad value; the message
     *     names it
     */
    public static StorageTier create(Map<String, String> settings, Consumer<StoredRecord> evictions) {
        Objects.requireNonNull(settings, "settings");
        String name = StorageSettings.optional(settings, SETTING);
        return byName(name == null ? DEFAULT_NAME : name).create(settings, evictions);
    }

    private static Map<String, StorageTierProvider> loadAll() {
        return ServiceDiscovery.load(StorageTierProvider.class, StorageTierProvider::name);
    }
}

package io.kad.spi;

import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Creates {@link StorageTier}s; found with {@link java.util.ServiceLoader} and selected by
 * {@link #name()} (setting {@code kad.storage}).
 */
public interface StorageTierProvider {

    /** @return the name this tier is selected by, e.g. {@code "caffeine"} or {@code "mvstore"} */
    String name();

    /**
     * The settings this tier reads, so that a configuration naming another {@code kad.storage.*} key
     * fails when it is read instead of being ignored (a misspelt bound would otherwise go unapplied).
     *
     * @return the keys without the {@code kad.} prefix (e.g. {@code storage.path}); by default none. The
     *     node's own {@code storage.expiry-grace-ms} applies to every tier and need not be named
     */
    default Set<String> settingKeys() {
        return Set.of();
    }

    /**
     * Creates a tier.
     *
     * @param settings the node's settings with the {@code kad.} prefix removed (e.g.
     *     {@code storage.path}, {@code storage.max-records}); a tier reads the ones it knows
     * @param evictions told of each record the tier drops to stay within its bound
     * @return a new tier
     * @throws IllegalArgumentException if a setting has a bad value; the message names it
     */
    StorageTier create(Map<String, String> settings, Consumer<StoredRecord> evictions);
}

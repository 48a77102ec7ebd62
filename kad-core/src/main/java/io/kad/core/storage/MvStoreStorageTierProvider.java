package io.kad.core.storage;

import io.kad.spi.StorageTier;
import io.kad.spi.StorageTierProvider;
import io.kad.spi.StoredRecord;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Provides {@link MvStoreStorageTier}s under the name {@code mvstore}: records persisted in one file,
 * so that a node restarts with them.
 *
 * <p>Settings (shown with their {@code kad.} prefix):
 * <ul>
 *   <li>{@code kad.storage.path}: the store file, required; its directory must exist;</li>
 *   <li>{@code kad.storage.sync}: {@code every-write} (default: each write committed before it
 *       returns) or {@code periodic} (committed in the background);</li>
 *   <li>{@code kad.storage.sync-interval-ms}: the interval of {@code periodic}, default 1000.</li>
 * </ul>
 * The tier is unbounded (bounded by the disk): {@code kad.storage.max-records} and
 * {@code kad.storage.max-bytes} do not apply to it, and it never reports evictions. A bad or missing
 * setting fails with an {@link IllegalArgumentException} naming the key.
 */
public final class MvStoreStorageTierProvider implements StorageTierProvider {

    /** The name this provider is selected by. */
    public static final String NAME = "mvstore";

    /**
     * The library the tier stores its records with: an optional dependency of kad-core, which an
     * application that selects this tier adds ({@code com.h2database:h2}, which contains it, does too).
     */
    public static final String DEPENDENCY = "com.h2database:h2-mvstore";

    /** The commit interval of {@code kad.storage.sync=periodic} when none is set. */
    public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(1);

    /** Creates the provider; it is stateless. */
    public MvStoreStorageTierProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StorageTier create(Map<String, String> settings, Consumer<StoredRecord> evictions) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(evictions, "evictions");
        requireMvStore();
        String pathValue = StorageSettings.required(settings, StorageSettings.PATH,
                "the file the " + NAME + " storage tier keeps its records in");
        Path path;
        try {
            path = Path.of(pathValue);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(StorageSettings.fullName(StorageSettings.PATH)
                    + " is not a valid path: '" + pathValue + "'", e);
        }
        MvStoreStorageTier.Sync sync = MvStoreStorageTier.Sync.EVERY_WRITE;
        String syncValue = StorageSettings.optional(settings, StorageSettings.SYNC);
        if (syncValue != null) {
            try {
                sync = MvStoreStorageTier.Sync.fromSetting(syncValue);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(StorageSettings.fullName(StorageSettings.SYNC)
                        + " must be every-write or periodic, was '" + settings.get(StorageSettings.SYNC) + "'", e);
            }
        }
        long intervalMillis = StorageSettings.longInRange(settings, StorageSettings.SYNC_INTERVAL_MS, 1, Integer.MAX_VALUE)
                .orElse(DEFAULT_SYNC_INTERVAL.toMillis());
        return MvStoreStorageTier.open(path, sync, Duration.ofMillis(intervalMillis));
    }

    /** Fails naming the missing dependency, before any class of the tier that needs it is loaded. */
    private static void requireMvStore() {
        try {
            Class.forName("org.h2.mvstore.MVStore", false, MvStoreStorageTierProvider.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("the " + NAME + " storage tier needs H2's MVStore on the class path: add the"
                    + " dependency " + DEPENDENCY + " (" + e + ")", e);
        }
    }
}

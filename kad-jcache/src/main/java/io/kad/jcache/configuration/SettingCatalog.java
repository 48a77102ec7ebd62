package io.kad.jcache.configuration;

import io.kad.core.DnsSeeds;
import io.kad.core.NodeConfig;
import io.kad.core.storage.CaffeineStorageTier;
import io.kad.core.storage.CaffeineStorageTierProvider;
import io.kad.core.storage.MvStoreStorageTierProvider;
import io.kad.jcache.codec.SerializationLimits;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Every {@code kad.*} key a cache manager reads, in one place: its default, its range and one line of
 * documentation. {@link KadSettings} checks values against it, and a test checks that
 * {@code CONFIGURATION.md} lists each key with its default.
 *
 * <p>Three families of key:
 * <ul>
 *   <li>node keys, {@code kad.<key>};</li>
 *   <li>storage keys, {@code kad.storage.<key>}: each read by the named built-in tiers (or by the node
 *       for every tier). A tier of another name, found through {@link io.kad.spi.StorageTierProvider},
 *       declares its own keys with {@link io.kad.spi.StorageTierProvider#settingKeys()}. The built-in
 *       tiers' keys are listed here because their providers predate that method; any key a provider
 *       declares counts as well;</li>
 *   <li>cache keys, {@code kad.cache.<name>.<suffix>}, for a declared cache or for {@code default}.</li>
 * </ul>
 */
public final class SettingCatalog {

    /** Tier names meaning "read by the node, whatever the tier". */
    static final Set<String> EVERY_TIER = Set.of();

    /** The node keys, by full name. */
    public static final Map<String, Setting> NODE;
    /** The storage keys of the built-in tiers and the node, by full name. */
    public static final Map<String, Setting> STORAGE;
    /** The per-cache keys, by suffix ({@code kad.cache.<name>.<suffix>}). */
    public static final Map<String, Setting> CACHE;

    static {
        NodeConfig d = NodeConfig.builder().build();
        NODE = byName(List.of(
                Setting.of("kad.host", d.host(), Range.TEXT, "address the node binds (0.0.0.0: every interface)"),
                Setting.of("kad.port", Integer.toString(d.port()), Range.whole(0, 65535),
                        "UDP port; 0 picks an ephemeral port"),
                Setting.of("kad.seeds", null, Range.TEXT,
                        "nodes to join through: host:port or dns:<name>:<port> (every A/AAAA record), comma-separated"),
                Setting.of("kad.seeds.interval-ms", Long.toString(DnsSeeds.DEFAULT_INTERVAL.toMillis()),
                        Range.whole(100, Integer.MAX_VALUE),
                        "how often dns: seeds are looked up again (and joined when new), in milliseconds"),
                Setting.of("kad.hash", d.hashName(), Range.NAME,
                        "key hash function: sha256, sha1, md5 or a KeyHashFunction SPI name"),
                Setting.of("kad.k", Integer.toString(d.k()), Range.whole(1, 1024),
                        "K of the Kademlia paper: bucket size and bound of the replication factor"),
                Setting.of("kad.alpha", Integer.toString(d.alpha()), Range.whole(1, 64),
                        "ALPHA of the paper: parallel requests of a lookup"),
                Setting.of("kad.replication", Integer.toString(d.replication()), Range.whole(1, 1024),
                        "how many nodes hold each record, the owner included (at most kad.k)"),
                Setting.of("kad.rpc-timeout-ms", Long.toString(d.rpcTimeout().toMillis()),
                        Range.whole(1, Integer.MAX_VALUE), "how long to wait for one reply, in milliseconds"),
                Setting.of("kad.operation-timeout-ms", Long.toString(d.operationTimeout().toMillis()),
                        Range.whole(1, Integer.MAX_VALUE), "how long one cache operation may wait on the swarm"),
                Setting.of("kad.max-value-bytes", Integer.toString(d.maxValueBytes()),
                        Range.whole(1, NodeConfig.MAX_VALUE_BYTES_LIMIT),
                        "largest value of one entry, in bytes; a larger put fails naming this bound"),
                Setting.of("kad.storage", d.storageName(), Range.NAME,
                        "local storage tier: caffeine, mvstore or a StorageTierProvider SPI name"),
                Setting.of("kad.secret", null, Range.TEXT,
                        "secret shared by the swarm (16 characters or more): datagrams are tagged with HMAC-SHA256"),
                Setting.of("kad.serialization.allow", null, Range.TEXT,
                        "further classes Java deserialization may create: names, patterns, presets"),
                Setting.of("kad.serialization.max-depth", Integer.toString(SerializationLimits.DEFAULT_MAX_DEPTH),
                        Range.whole(1, 10_000), "deepest nesting of objects in one serialized key or value"),
                Setting.of("kad.serialization.max-array-length",
                        Integer.toString(SerializationLimits.DEFAULT_MAX_ARRAY_LENGTH),
                        Range.whole(1, Integer.MAX_VALUE - 8),
                        "most elements of one array in a serialized key or value"),
                Setting.of("kad.serialization.max-references",
                        Long.toString(SerializationLimits.DEFAULT_MAX_REFERENCES), Range.whole(1, Long.MAX_VALUE),
                        "most objects and back-references in one serialized key or value"),
                Setting.of("kad.serialization.max-bytes", Long.toString(SerializationLimits.DEFAULT_MAX_BYTES),
                        Range.whole(1, Long.MAX_VALUE), "longest serialized key or value read, in bytes")));
        String caffeine = CaffeineStorageTierProvider.NAME;
        String mvstore = MvStoreStorageTierProvider.NAME;
        STORAGE = byName(List.of(
                Setting.of("kad.storage.path", null, Range.TEXT, "file of the mvstore tier (required with it)")
                        .readBy(mvstore),
                Setting.of("kad.storage.max-records", Long.toString(CaffeineStorageTier.DEFAULT_MAX_RECORDS),
                        Range.whole(1, Long.MAX_VALUE), "bound on the number of records the caffeine tier keeps")
                        .readBy(caffeine),
                Setting.of("kad.storage.max-bytes", "a quarter of the heap", Range.whole(1, Long.MAX_VALUE),
                        "bound on the estimated bytes the caffeine tier keeps, as well as max-records")
                        .readBy(caffeine),
                Setting.of("kad.storage.expiry-grace-ms", Long.toString(NodeConfig.DEFAULT_EXPIRY_GRACE.toMillis()),
                        Range.whole(0, Long.MAX_VALUE),
                        "how long an expired record or a tombstone stays in the tier before it is reclaimed"),
                Setting.of("kad.storage.sync", "every-write", Range.oneOf("every-write", "periodic"),
                        "when the mvstore tier commits").readBy(mvstore),
                Setting.of("kad.storage.sync-interval-ms",
                        Long.toString(MvStoreStorageTierProvider.DEFAULT_SYNC_INTERVAL.toMillis()),
                        Range.whole(1, Integer.MAX_VALUE), "commit interval of the mvstore tier's periodic sync")
                        .readBy(mvstore)));
        CACHE = byName(List.of(
                Setting.of("expiry", "eternal", Range.EXPIRY,
                        "expiry policy: eternal, or created|accessed|modified|updated|touched:<n>ms|s|m|h|d"),
                Setting.of("store-by-value", "true", Range.BOOLEAN, "whether reads return copies"),
                Setting.of("statistics", "false", Range.BOOLEAN, "whether the statistics MXBean is registered"),
                Setting.of("management", "false", Range.BOOLEAN, "whether the configuration MXBean is registered"),
                Setting.of("key-type", Object.class.getName(), Range.CLASS_NAME, "key class"),
                Setting.of("value-type", Object.class.getName(), Range.CLASS_NAME, "value class")));
    }

    private SettingCatalog() {
    }

    private static Map<String, Setting> byName(List<Setting> settings) {
        Map<String, Setting> out = new LinkedHashMap<>();
        settings.forEach(s -> out.put(s.key(), s));
        return java.util.Collections.unmodifiableMap(out);
    }

    /**
     * @param key a full key such as {@code kad.port}
     * @return its node or storage setting, if the catalog has it
     */
    public static Optional<Setting> nodeOrStorage(String key) {
        Setting s = NODE.get(key);
        return Optional.ofNullable(s != null ? s : STORAGE.get(key));
    }

    /**
     * One key of the catalog.
     *
     * @param key the full key ({@code kad.port}), or the suffix of a per-cache key ({@code expiry})
     * @param defaultValue the value when unset, as documented; null if there is none
     * @param range what a value may be
     * @param doc one line of documentation
     * @param tiers for a storage key, the built-in tiers that read it; empty: the node reads it for every tier
     */
    public record Setting(String key, String defaultValue, Range range, String doc, Set<String> tiers) {

        /** Checks the fields. */
        public Setting {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(range, "range");
            Objects.requireNonNull(doc, "doc");
            tiers = Set.copyOf(tiers);
        }

        static Setting of(String key, String defaultValue, Range range, String doc) {
            return new Setting(key, defaultValue, range, doc, EVERY_TIER);
        }

        Setting readBy(String... tierNames) {
            return new Setting(key, defaultValue, range, doc, Set.of(tierNames));
        }

        /**
         * @param tier a storage tier's name
         * @return whether that tier (or the node, for every tier) reads this storage key
         */
        public boolean appliesTo(String tier) {
            return tiers.isEmpty() || tiers.contains(tier);
        }
    }

    /**
     * What a value may be. Whole numbers are checked here, overflow included; the other kinds have
     * their own parser in {@link KadSettings}.
     *
     * @param kind the kind of value
     * @param min the least whole number (whole numbers only)
     * @param max the greatest whole number (whole numbers only)
     * @param choices the allowed words ({@link Kind#CHOICE} only)
     */
    public record Range(Kind kind, long min, long max, List<String> choices) {

        /** Any non-empty text, checked by its own parser where it has a form. */
        public static final Range TEXT = new Range(Kind.TEXT, 0, 0, List.of());
        /** A name of letters, digits, {@code _ . -}. */
        public static final Range NAME = new Range(Kind.NAME, 0, 0, List.of());
        /** {@code true} or {@code false}. */
        public static final Range BOOLEAN = new Range(Kind.CHOICE, 0, 0, List.of("true", "false"));
        /** A fully qualified class name. */
        public static final Range CLASS_NAME = new Range(Kind.CLASS_NAME, 0, 0, List.of());
        /** {@code eternal} or {@code <kind>:<amount><unit>}. */
        public static final Range EXPIRY = new Range(Kind.EXPIRY, 0, 0, List.of());

        /** Checks the fields. */
        public Range {
            Objects.requireNonNull(kind, "kind");
            choices = List.copyOf(choices);
        }

        static Range whole(long min, long max) {
            return new Range(Kind.WHOLE_NUMBER, min, max, List.of());
        }

        static Range oneOf(String... choices) {
            return new Range(Kind.CHOICE, 0, 0, List.of(choices));
        }

        /**
         * Checks a whole number or a choice (the other kinds are checked by their parsers).
         *
         * @param value the trimmed value
         * @return what is wrong with it, or empty
         */
        public Optional<String> problemWith(String value) {
            switch (kind) {
                case WHOLE_NUMBER -> {
                    long n;
                    try {
                        n = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        return Optional.of("expected " + this);
                    }
                    return n < min || n > max ? Optional.of("expected " + this) : Optional.empty();
                }
                case CHOICE -> {
                    // true and false in any case, as Boolean reads them; other words exactly, as the tiers do
                    boolean anyCase = this.equals(BOOLEAN);
                    return choices.stream().anyMatch(c -> anyCase ? c.equalsIgnoreCase(value) : c.equals(value))
                            ? Optional.empty()
                            : Optional.of("expected " + this);
                }
                default -> {
                    return value.isEmpty() ? Optional.of("must not be empty") : Optional.empty();
                }
            }
        }

        @Override
        public String toString() {
            return switch (kind) {
                case WHOLE_NUMBER -> "a whole number in " + min + ".." + max;
                case CHOICE -> String.join(" or ", choices);
                case NAME -> "a name";
                case CLASS_NAME -> "a fully qualified class name";
                case EXPIRY -> "eternal or <kind>:<amount><unit>";
                case TEXT -> "text";
            };
        }
    }

    /** The kinds of value. */
    public enum Kind {
        /** A whole number in a range. */
        WHOLE_NUMBER,
        /** One of a few words. */
        CHOICE,
        /** A name. */
        NAME,
        /** A class name. */
        CLASS_NAME,
        /** An expiry policy. */
        EXPIRY,
        /** Text of a form its parser checks. */
        TEXT
    }
}

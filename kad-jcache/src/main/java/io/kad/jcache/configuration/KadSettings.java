package io.kad.jcache.configuration;

import io.kad.core.DnsSeeds;
import io.kad.core.NodeConfig;
import io.kad.core.storage.StorageTierProviders;
import io.kad.jcache.codec.AllowlistFilter;
import io.kad.jcache.codec.SerializationLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.cache.CacheException;

/**
 * The resolved and checked {@code kad.*} settings of one cache manager.
 *
 * <p>Sources, later ones winning: {@code kad.properties} at the root of the manager's class loader,
 * the manager's URI when it is {@code classpath:} or {@code file:}, the {@code Properties} given to
 * {@code getCacheManager}, then {@code -Dkad.*} system properties. Only {@code kad.*} keys are read;
 * every one must be known and well formed, or resolution fails with a {@link CacheException} naming
 * the key, the value and where it came from.
 */
public final class KadSettings {

    /** The name of the file read from the class path root. */
    public static final String FILE_NAME = "kad.properties";

    static final String PREFIX = "kad.";
    static final String CACHE_PREFIX = "kad.cache.";

    /** Node-level keys, the built-in storage tiers' included (see {@link SettingCatalog}). */
    public static final Set<String> NODE_KEYS = nodeKeys();

    /** The key whose value never appears in a message. */
    static final String SECRET = "kad.secret";

    /** Per-cache key suffixes: {@code kad.cache.<name>.<suffix>} (see {@link SettingCatalog#CACHE}). */
    public static final List<String> CACHE_SUFFIXES = List.copyOf(SettingCatalog.CACHE.keySet());

    /**
     * The reserved cache name whose settings, {@code kad.cache.default.<suffix>}, apply to every cache
     * created without a configuration of its own.
     */
    public static final String DEFAULT_CACHE = "default";

    /**
     * Prefix of storage-tier settings: checked against the keys the selected tier reads, then passed to
     * the tier without {@code kad.}.
     */
    static final String STORAGE_PREFIX = "kad.storage.";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    private final Map<String, String> values;
    private final Map<String, String> origins;
    private final NodeConfig nodeConfig;
    private final List<String> serializationAllow;
    private final SerializationLimits serializationLimits;
    private final Map<String, CacheSettings> caches;
    private final CacheSettings cacheDefaults;
    private final List<DnsSeeds.Name> dnsSeeds = new ArrayList<>();
    private Duration dnsSeedInterval = DnsSeeds.DEFAULT_INTERVAL;

    private KadSettings(Map<String, String> values, Map<String, String> origins) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        this.origins = origins;
        for (String key : values.keySet()) {
            if (!SettingCatalog.NODE.containsKey(key) && !key.startsWith(STORAGE_PREFIX) && cacheKey(key) == null) {
                throw bad(key, "unknown key (see CONFIGURATION.md for the known ones)");
            }
        }
        this.nodeConfig = buildNodeConfig();
        this.serializationAllow = splitList(values.getOrDefault("kad.serialization.allow", ""), "[;,\\s]+");
        for (String entry : serializationAllow) {
            String problem = AllowlistFilter.problemWith(entry);
            if (problem != null) {
                throw bad("kad.serialization.allow", problem);
            }
        }
        this.serializationLimits = buildSerializationLimits();
        Map<String, CacheSettings> all = buildCaches();
        this.cacheDefaults = all.get(DEFAULT_CACHE);
        Map<String, CacheSettings> named = new LinkedHashMap<>(all);
        named.remove(DEFAULT_CACHE);
        this.caches = Collections.unmodifiableMap(named);
    }

    /**
     * Resolves the settings of a cache manager.
     *
     * @param loader the manager's class loader
     * @param uri the manager's URI
     * @param properties the properties given to {@code getCacheManager}, may be empty
     * @return the checked settings
     * @throws CacheException naming the key and value of the first bad setting
     */
    public static KadSettings resolve(ClassLoader loader, URI uri, Properties properties) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        URL root = loader.getResource(FILE_NAME);
        if (root != null) {
            merge(values, origins, load(root, "classpath:" + FILE_NAME), "classpath:" + FILE_NAME);
        }
        Properties fromUri = fromUri(loader, uri);
        if (fromUri != null) {
            merge(values, origins, fromUri, uri.toString());
        }
        if (properties != null) {
            merge(values, origins, properties, "the getCacheManager properties");
        }
        merge(values, origins, System.getProperties(), "a -D system property");
        return new KadSettings(values, origins);
    }

    /**
     * @param settings the {@code kad.*} settings
     * @return the checked settings
     */
    public static KadSettings of(Map<String, String> settings) {
        Map<String, String> origins = new LinkedHashMap<>();
        settings.keySet().forEach(k -> origins.put(k, "settings"));
        return new KadSettings(new LinkedHashMap<>(settings), origins);
    }

    /**
     * Checks settings read by a program of its own (the standalone node reads a file and its flags).
     *
     * @param settings the {@code kad.*} settings
     * @param origins where each setting came from, named in error messages ({@code --port},
     *                {@code node.properties}); a key without one is shown without a source
     * @return the checked settings
     * @throws CacheException naming the key, the value and its source of the first bad setting
     */
    public static KadSettings of(Map<String, String> settings, Map<String, String> origins) {
        return new KadSettings(new LinkedHashMap<>(settings), new LinkedHashMap<>(origins));
    }

    /** @return the resolved {@code kad.*} settings, sorted by key */
    public Map<String, String> values() {
        return values;
    }

    /** @return the configuration of the manager's node */
    public NodeConfig nodeConfig() {
        return nodeConfig;
    }

    /** @return the seeds given by name ({@code dns:<name>:<port>} in {@code kad.seeds}), in order */
    public List<DnsSeeds.Name> dnsSeeds() {
        return List.copyOf(dnsSeeds);
    }

    /** @return how often the {@link #dnsSeeds()} are looked up again ({@code kad.seeds.interval-ms}) */
    public Duration dnsSeedInterval() {
        return dnsSeedInterval;
    }

    /** @return extra patterns of classes that may be deserialized */
    public List<String> serializationAllow() {
        return serializationAllow;
    }

    /** @return the bounds of one Java serialization stream a cache reads */
    public SerializationLimits serializationLimits() {
        return serializationLimits;
    }

    private SerializationLimits buildSerializationLimits() {
        int[] depth = {SerializationLimits.DEFAULT_MAX_DEPTH};
        int[] array = {SerializationLimits.DEFAULT_MAX_ARRAY_LENGTH};
        long[] references = {SerializationLimits.DEFAULT_MAX_REFERENCES};
        long[] bytes = {SerializationLimits.DEFAULT_MAX_BYTES};
        whole("kad.serialization.max-depth", v -> depth[0] = (int) v);
        whole("kad.serialization.max-array-length", v -> array[0] = (int) v);
        whole("kad.serialization.max-references", v -> references[0] = v);
        whole("kad.serialization.max-bytes", v -> bytes[0] = v);
        return new SerializationLimits(depth[0], array[0], references[0], bytes[0]);
    }

    /** @return the caches named in the settings, by name ({@code kad.cache.default.*} not among them) */
    public Map<String, CacheSettings> caches() {
        return caches;
    }

    /** @return the {@code kad.cache.default.*} settings, or null if none is set */
    public CacheSettings cacheDefaults() {
        return cacheDefaults;
    }

    /**
     * The settings a cache opened by name alone gets: its own {@code kad.cache.<name>.*} settings, each
     * unset one taken from {@code kad.cache.default.*}. With defaults set, every name has settings, so
     * any cache can be opened by name (as Hibernate's regions and Spring's caches are).
     *
     * @param name a cache name
     * @return its settings, or null if the cache is not declared and no default is set
     */
    public CacheSettings cacheSettings(String name) {
        CacheSettings own = caches.get(name);
        if (cacheDefaults == null) {
            return own;
        }
        if (own == null) {
            return cacheDefaults.named(name);
        }
        return own.orElse(cacheDefaults);
    }

    private static void merge(Map<String, String> values, Map<String, String> origins, Properties props,
                              String origin) {
        for (String name : props.stringPropertyNames()) {
            if (name.startsWith(PREFIX)) {
                values.put(name, props.getProperty(name).trim());
                origins.put(name, origin);
            }
        }
    }

    private static Properties fromUri(ClassLoader loader, URI uri) {
        if (uri == null || uri.getScheme() == null) {
            return null;
        }
        switch (uri.getScheme()) {
            case "classpath" -> {
                String path = uri.getSchemeSpecificPart();
                while (path.startsWith("/")) {
                    path = path.substring(1);
                }
                URL url = loader.getResource(path);
                if (url == null) {
                    throw new CacheException("cache manager URI " + uri + ": no resource " + path
                            + " on the class path");
                }
                return load(url, uri.toString());
            }
            case "file" -> {
                Path file = Path.of(uri);
                Properties p = new Properties();
                try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    p.load(in);
                } catch (NoSuchFileException e) {
                    throw new CacheException("cache manager URI " + uri + ": no such file " + file, e);
                } catch (IOException e) {
                    throw new CacheException("cache manager URI " + uri + ": cannot read " + file + ": " + e, e);
                }
                return p;
            }
            case "jar" -> {
                // what Spring Boot passes for spring.cache.jcache.config once the application is packaged
                try {
                    return load(uri.toURL(), uri.toString());
                } catch (java.net.MalformedURLException | IllegalArgumentException e) {
                    throw new CacheException("cache manager URI " + uri + ": not a readable location: " + e, e);
                }
            }
            default -> {
                return null;
            }
        }
    }

    private static Properties load(URL url, String origin) {
        Properties p = new Properties();
        try (InputStream in = url.openStream()) {
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CacheException("cannot read " + origin + " (" + url + "): " + e, e);
        }
        return p;
    }

    private static Set<String> nodeKeys() {
        Set<String> keys = new java.util.LinkedHashSet<>(SettingCatalog.NODE.keySet());
        keys.addAll(SettingCatalog.STORAGE.keySet());
        return Collections.unmodifiableSet(keys);
    }

    private CacheException bad(String key, String why) {
        String origin = origins.get(key);
        return new CacheException("bad setting " + key + "=" + (SECRET.equals(key) ? "(hidden)" : values.get(key))
                + ": " + why
                + (origin != null ? " (from " + origin + ")" : ""));
    }

    /** @return {name, suffix} of a per-cache key, or null if it is not one */
    private static String[] cacheKey(String key) {
        if (!key.startsWith(CACHE_PREFIX)) {
            return null;
        }
        String rest = key.substring(CACHE_PREFIX.length());
        for (String suffix : CACHE_SUFFIXES) {
            if (rest.endsWith("." + suffix) && rest.length() > suffix.length() + 1) {
                return new String[] {rest.substring(0, rest.length() - suffix.length() - 1), suffix};
            }
        }
        return null;
    }

    private NodeConfig buildNodeConfig() {
        NodeConfig.Builder b = NodeConfig.builder();
        try {
            str("kad.host", b::host);
            whole("kad.port", v -> b.port((int) v));
            str("kad.seeds", v -> b.seeds(seeds("kad.seeds", v)));
            whole("kad.seeds.interval-ms", v -> dnsSeedInterval = Duration.ofMillis(v));
            str("kad.hash", v -> {
                if (!NAME.matcher(v).matches()) {
                    throw bad("kad.hash", "expected a hash function name such as sha256, sha1 or md5");
                }
                b.hashName(v);
            });
            whole("kad.k", v -> b.k((int) v));
            whole("kad.alpha", v -> b.alpha((int) v));
            whole("kad.replication", v -> b.replication((int) v));
            whole("kad.rpc-timeout-ms", v -> b.rpcTimeout(Duration.ofMillis(v)));
            whole("kad.operation-timeout-ms", v -> b.operationTimeout(Duration.ofMillis(v)));
            whole("kad.max-value-bytes", v -> b.maxValueBytes((int) v));
            str("kad.storage", v -> {
                if (!NAME.matcher(v).matches()) {
                    throw bad("kad.storage", "expected a storage tier name: caffeine, mvstore or a registered one");
                }
                declaredKeys(v); // fails naming an unknown tier
                b.storageName(v);
            });
            storageSettings().forEach(b::storageSetting);
            str(SECRET, v -> {
                if (v.length() < 16) {
                    throw bad(SECRET, "must have at least 16 characters, had " + v.length());
                }
                b.sharedSecret(v);
            });
            if ("mvstore".equals(values.get("kad.storage")) && !values.containsKey("kad.storage.path")) {
                throw bad("kad.storage", "the mvstore tier needs kad.storage.path");
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            Map<String, String> shown = new java.util.TreeMap<>(values);
            shown.computeIfPresent(SECRET, (k, v) -> "(hidden)");
            throw new CacheException("bad node settings " + shown + ": " + e.getMessage(), e);
        }
    }

    private void str(String key, java.util.function.Consumer<String> to) {
        String v = values.get(key);
        if (v != null) {
            if (v.isEmpty()) {
                throw bad(key, "must not be empty");
            }
            to.accept(v);
        }
    }

    /** Reads a whole-number key, checked against its range in the catalog (overflow included). */
    private void whole(String key, java.util.function.LongConsumer to) {
        String v = values.get(key);
        if (v == null) {
            return;
        }
        SettingCatalog.Setting setting = SettingCatalog.nodeOrStorage(key)
                .orElseThrow(() -> new IllegalStateException("not in the catalog: " + key));
        setting.range().problemWith(v).ifPresent(problem -> {
            throw bad(key, problem);
        });
        to.accept(Long.parseLong(v));
    }

    /**
     * Checks every {@code kad.storage.*} key against the keys the selected tier reads: the catalog's for
     * the built-in tiers and the node's own, and those the tier's provider declares.
     *
     * @return the settings for the tier, without {@code kad.}
     */
    private Map<String, String> storageSettings() {
        String tier = values.getOrDefault("kad.storage", StorageTierProviders.DEFAULT_NAME);
        Set<String> declared = null;
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(STORAGE_PREFIX)) {
                continue;
            }
            String tierKey = key.substring(PREFIX.length());
            SettingCatalog.Setting known = SettingCatalog.STORAGE.get(key);
            if (known != null && known.appliesTo(tier)) {
                known.range().problemWith(e.getValue()).ifPresent(problem -> {
                    throw bad(key, problem);
                });
            } else {
                if (declared == null) {
                    declared = declaredKeys(tier);
                }
                if (!declared.contains(tierKey)) {
                    throw bad(key, known != null
                            ? "read by the " + String.join(" and ", new java.util.TreeSet<>(known.tiers()))
                                    + " storage tier only, and kad.storage is " + tier
                            : "unknown key: the " + tier + " storage tier reads " + readBy(tier, declared));
                }
            }
            out.put(tierKey, e.getValue());
        }
        return out;
    }

    /** @return the keys the named tier's provider declares (none for a provider that declares none) */
    private Set<String> declaredKeys(String tier) {
        try {
            return StorageTierProviders.byName(tier).settingKeys();
        } catch (IllegalArgumentException e) {
            throw bad("kad.storage", e.getMessage());
        }
    }

    /** @return the full keys the named tier reads, for a message */
    private static String readBy(String tier, Set<String> declared) {
        java.util.SortedSet<String> keys = new java.util.TreeSet<>();
        SettingCatalog.STORAGE.values().stream().filter(s -> s.appliesTo(tier)).forEach(s -> keys.add(s.key()));
        declared.forEach(k -> keys.add(PREFIX + k));
        return String.join(", ", keys);
    }

    private List<InetSocketAddress> seeds(String key, String v) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String s : splitList(v, "\\s*,\\s*")) {
            if (s.regionMatches(true, 0, DnsSeeds.PREFIX, 0, DnsSeeds.PREFIX.length())) {
                try {
                    dnsSeeds.add(DnsSeeds.Name.parse(s));
                } catch (IllegalArgumentException e) {
                    throw bad(key, e.getMessage());
                }
                continue;
            }
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw bad(key, "expected host:port or dns:<name>:<port>[,...], got '" + s + "'");
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw bad(key, "bad port in '" + s + "'");
            }
            if (port < 1 || port > 65535) {
                throw bad(key, "port out of range 1..65535 in '" + s + "'");
            }
            out.add(new InetSocketAddress(host, port));
        }
        return out;
    }

    private static List<String> splitList(String v, String separator) {
        List<String> out = new ArrayList<>();
        for (String part : v.trim().split(separator)) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return List.copyOf(out);
    }

    private Map<String, CacheSettings> buildCaches() {
        Map<String, Map<String, String>> byName = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String[] parts = cacheKey(e.getKey());
            if (parts != null) {
                byName.computeIfAbsent(parts[0], n -> new LinkedHashMap<>()).put(parts[1], e.getValue());
            }
        }
        Map<String, CacheSettings> out = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, String>> e : byName.entrySet()) {
            String name = e.getKey();
            Map<String, String> s = e.getValue();
            String prefix = CACHE_PREFIX + name + ".";
            ExpirySetting expiry = null;
            if (s.containsKey("expiry")) {
                try {
                    expiry = ExpirySetting.parse(s.get("expiry"));
                } catch (IllegalArgumentException ex) {
                    throw bad(prefix + "expiry", ex.getMessage());
                }
            }
            out.put(name, new CacheSettings(name, expiry,
                    bool(prefix + "store-by-value"), bool(prefix + "statistics"), bool(prefix + "management"),
                    className(prefix + "key-type"), className(prefix + "value-type")));
        }
        return Collections.unmodifiableMap(out);
    }

    private Boolean bool(String key) {
        String v = values.get(key);
        if (v == null) {
            return null;
        }
        if (v.equalsIgnoreCase("true")) {
            return Boolean.TRUE;
        }
        if (v.equalsIgnoreCase("false")) {
            return Boolean.FALSE;
        }
        throw bad(key, "expected true or false");
    }

    private String className(String key) {
        String v = values.get(key);
        if (v == null) {
            return null;
        }
        if (!v.matches("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*")) {
            throw bad(key, "expected a fully qualified class name");
        }
        return v;
    }

    /**
     * Fails with the standard message for a per-cache setting that could not be applied.
     *
     * @param cache the cache name
     * @param suffix the key suffix
     * @param why what is wrong
     * @return the exception to throw
     */
    public CacheException badCacheSetting(String cache, String suffix, String why) {
        return bad(CACHE_PREFIX + cache + "." + suffix, why);
    }

    /** Parsed {@code kad.cache.<name>.expiry}: {@code eternal} or {@code <kind>:<duration>}. */
    public record ExpirySetting(String kind, Duration duration) {

        private static final Pattern FORM = Pattern.compile("(created|accessed|touched|modified|updated):(\\d+)(ms|s|m|h|d)");

        /**
         * @param text the setting
         * @return the parsed form
         * @throws IllegalArgumentException if it is malformed
         */
        public static ExpirySetting parse(String text) {
            String t = text.trim();
            if (t.equals("eternal")) {
                return new ExpirySetting("eternal", null);
            }
            Matcher m = FORM.matcher(t);
            if (!m.matches()) {
                throw new IllegalArgumentException("expected eternal or created|accessed|touched|modified:<n>ms|s|m|h|d,"
                        + " such as created:10s");
            }
            long unitMillis = switch (m.group(3)) {
                case "ms" -> 1L;
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                default -> 86_400_000L;
            };
            long millis;
            try {
                // the policy's duration is counted in milliseconds: it must fit a long of them
                millis = Math.multiplyExact(Long.parseLong(m.group(2)), unitMillis);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("duration too long: at most " + Long.MAX_VALUE / unitMillis
                        + m.group(3) + " (" + Long.MAX_VALUE + " ms)");
            }
            String kind = m.group(1).equals("updated") ? "modified" : m.group(1);
            return new ExpirySetting(kind, Duration.ofMillis(millis));
        }
    }

    /**
     * The settings of one cache named in the configuration; a null field was not set.
     *
     * @param name the cache name
     * @param expiry the expiry policy
     * @param storeByValue whether to store by value
     * @param statistics whether statistics are enabled
     * @param management whether the configuration MXBean is registered
     * @param keyType the key class name
     * @param valueType the value class name
     */
    public record CacheSettings(String name, ExpirySetting expiry, Boolean storeByValue, Boolean statistics,
                                Boolean management, String keyType, String valueType) {

        /**
         * @param other a cache name
         * @return these settings for the cache of that name
         */
        public CacheSettings named(String other) {
            return new CacheSettings(other, expiry, storeByValue, statistics, management, keyType, valueType);
        }

        /**
         * @param defaults settings to take what these leave unset from
         * @return these settings, each unset one taken from {@code defaults}
         */
        public CacheSettings orElse(CacheSettings defaults) {
            return new CacheSettings(name, expiry != null ? expiry : defaults.expiry(),
                    storeByValue != null ? storeByValue : defaults.storeByValue(),
                    statistics != null ? statistics : defaults.statistics(),
                    management != null ? management : defaults.management(),
                    keyType != null ? keyType : defaults.keyType(),
                    valueType != null ? valueType : defaults.valueType());
        }
    }
}

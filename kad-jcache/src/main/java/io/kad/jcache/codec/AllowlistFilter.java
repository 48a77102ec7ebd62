package io.kad.jcache.codec;

import java.io.ObjectInputFilter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which classes a Java serialization stream read by a {@link KadCodec} may contain, and how large and
 * deep the stream may be.
 *
 * <p>Always allowed, the plain value types: primitives; {@code String}, the boxed primitives,
 * {@code BigInteger}, {@code BigDecimal}; every class of {@code java.time} (and sub-packages);
 * {@code java.util}'s {@code Date}, {@code UUID}, {@code Locale}, {@code Currency}, {@code BitSet},
 * {@code EnumMap}, {@code EnumSet}, the lists {@code ArrayList}, {@code LinkedList},
 * {@code ArrayDeque}, {@code Vector}, {@code Arrays.asList}, {@code CopyOnWriteArrayList} and
 * {@code CopyOnWriteArraySet}, and the empty, singleton and unmodifiable wrappers of
 * {@code Collections}. None of them runs a user-controlled {@code hashCode}, {@code equals} or
 * {@code compareTo} while it is read.
 *
 * <p>Not allowed unless the user says so: collections that hash or compare their elements while they
 * are read ({@code HashMap}, {@code HashSet}, {@code LinkedHashMap}, {@code TreeMap},
 * {@code PriorityQueue}, {@code ConcurrentHashMap}, {@code Set.of}/{@code Map.of}/{@code List.of},
 * which travel as {@code java.util.CollSer}...), the usual first link of a gadget chain; the preset
 * {@code preset:collections} admits them. {@code java.lang.invoke.SerializedLambda} and dynamic proxies
 * ({@code java.lang.reflect.Proxy}) are admitted only by their exact names, never by a pattern.
 *
 * <p>Entries given by the user: exact class names, {@code com.example.*} (that package),
 * {@code com.example.**} (and its sub-packages), {@code com.example.Prefix*}, or a named preset
 * {@code preset:<name>} (see {@link #PRESETS}). A cache's configured key and value types are allowed,
 * with their subclasses when the type is an application class (not one of {@code java.*} or
 * {@code javax.*}, which would let in anything). An array is allowed when its component type is, or is
 * an interface or {@code Object} (such as Hibernate's {@code java.io.Serializable[]}): creating an array
 * creates none of its elements, and each element is checked by itself.
 */
public final class AllowlistFilter {

    /** The plain value types allowed without configuration, by exact name. */
    static final Set<String> BASE_CLASSES = Set.of(
            "java.lang.String", "java.lang.Boolean", "java.lang.Byte", "java.lang.Character", "java.lang.Short",
            "java.lang.Integer", "java.lang.Long", "java.lang.Float", "java.lang.Double", "java.lang.Number",
            "java.lang.Enum",
            "java.math.BigInteger", "java.math.BigDecimal",
            "java.util.Date", "java.util.UUID", "java.util.Locale", "java.util.Currency", "java.util.BitSet",
            "java.util.EnumMap", "java.util.EnumSet$SerializationProxy", "java.util.RegularEnumSet",
            "java.util.JumboEnumSet",
            "java.util.ArrayList", "java.util.LinkedList", "java.util.ArrayDeque", "java.util.Vector",
            "java.util.Arrays$ArrayList",
            "java.util.concurrent.CopyOnWriteArrayList", "java.util.concurrent.CopyOnWriteArraySet",
            "java.util.Collections$EmptyList", "java.util.Collections$EmptySet", "java.util.Collections$EmptyMap",
            "java.util.Collections$SingletonList", "java.util.Collections$SingletonSet",
            "java.util.Collections$SingletonMap",
            "java.util.Collections$UnmodifiableCollection", "java.util.Collections$UnmodifiableList",
            "java.util.Collections$UnmodifiableRandomAccessList", "java.util.Collections$UnmodifiableSet",
            "java.util.Collections$UnmodifiableSortedSet", "java.util.Collections$UnmodifiableNavigableSet",
            "java.util.Collections$UnmodifiableMap", "java.util.Collections$UnmodifiableSortedMap",
            "java.util.Collections$UnmodifiableNavigableMap");

    /** Package patterns allowed without configuration. */
    static final List<String> BASE_PATTERNS = List.of("java.time.**");

    /** Classes a pattern never admits: only an entry with the exact name does. */
    static final Set<String> EXACT_ONLY = Set.of("java.lang.invoke.SerializedLambda", "java.lang.reflect.Proxy");

    /**
     * Named sets of entries, admitted with {@code preset:<name>}:
     * <ul>
     *   <li>{@code collections}: the JDK collections that hash or compare their elements while they are
     *       read, and {@code java.util.CollSer} ({@code List.of}, {@code Set.of}, {@code Map.of});</li>
     *   <li>{@code hibernate}: the classes Hibernate ORM 6's second-level cache stores through
     *       {@code hibernate-jcache}: cache keys (entity, collection, natural-id and query keys), entity,
     *       collection and query cache entries, the read-write access wrappers and their soft locks,
     *       and the JDBC date and time types. The entity state inside is checked as usual (basic values
     *       are plain types; an application's own enum or {@code Serializable} attribute types need
     *       their own entry). The disassembled state is a {@code java.io.Serializable[]}, an array of an
     *       interface, which is allowed as any such array is.</li>
     * </ul>
     */
    public static final Map<String, List<String>> PRESETS = presets();

    private static Map<String, List<String>> presets() {
        Map<String, List<String>> p = new LinkedHashMap<>();
        p.put("collections", List.of(
                "java.util.HashMap", "java.util.HashSet", "java.util.LinkedHashMap", "java.util.LinkedHashSet",
                "java.util.TreeMap", "java.util.TreeSet", "java.util.Hashtable", "java.util.IdentityHashMap",
                "java.util.PriorityQueue", "java.util.CollSer", "java.util.ImmutableCollections$*",
                "java.util.Collections$ReverseComparator",
                "java.util.concurrent.ConcurrentHashMap", "java.util.concurrent.ConcurrentHashMap$Segment",
                "java.util.concurrent.locks.ReentrantLock", "java.util.concurrent.locks.ReentrantLock$Sync",
                "java.util.concurrent.locks.ReentrantLock$NonfairSync",
                "java.util.concurrent.locks.AbstractQueuedSynchronizer",
                "java.util.concurrent.locks.AbstractOwnableSynchronizer",
                "java.util.concurrent.ConcurrentSkipListMap", "java.util.concurrent.ConcurrentSkipListSet",
                "java.util.Collections$SynchronizedMap", "java.util.Collections$SynchronizedSet",
                "java.util.Collections$SynchronizedCollection", "java.util.Collections$SetFromMap"));
        p.put("hibernate", List.of(
                "org.hibernate.cache.internal.CacheKeyImplementation",
                "org.hibernate.cache.internal.BasicCacheKeyImplementation",
                "org.hibernate.cache.internal.NaturalIdCacheKey",
                "org.hibernate.cache.spi.QueryKey",
                "org.hibernate.query.internal.QueryParameterBindingsImpl$ParameterBindingsMementoImpl",
                "org.hibernate.cache.internal.QueryResultsCacheImpl$CacheItem",
                "org.hibernate.cache.spi.support.AbstractReadWriteAccess$Item",
                "org.hibernate.cache.spi.support.AbstractReadWriteAccess$SoftLockImpl",
                "org.hibernate.cache.spi.entry.StandardCacheEntryImpl",
                "org.hibernate.cache.spi.entry.CollectionCacheEntry",
                // JDBC date and time values, as an entity's disassembled state holds them
                "java.sql.Timestamp", "java.sql.Date", "java.sql.Time"));
        return java.util.Collections.unmodifiableMap(p);
    }

    private static final Pattern ENTRY = Pattern.compile(
            "[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*(\\.\\*\\*?|\\*)?");
    private static final String PRESET = "preset:";

    private final List<String> patterns;
    private final Set<String> exactOnly;
    private final List<Class<?>> supertypes;
    private final SerializationLimits limits;

    private AllowlistFilter(List<String> patterns, Set<String> exactOnly, List<Class<?>> supertypes,
                            SerializationLimits limits) {
        this.patterns = List.copyOf(patterns);
        this.exactOnly = Set.copyOf(exactOnly);
        this.supertypes = List.copyOf(supertypes);
        this.limits = limits;
    }

    /**
     * A filter with the default {@link SerializationLimits}.
     *
     * @param types the cache's configured key and value types
     * @param entries further entries, such as {@code org.example.**} or {@code preset:hibernate}
     * @return the filter
     * @throws IllegalArgumentException if an entry is malformed or names an unknown preset
     */
    public static AllowlistFilter of(Collection<Class<?>> types, Collection<String> entries) {
        return of(types, entries, SerializationLimits.DEFAULTS);
    }

    /**
     * @param types the cache's configured key and value types
     * @param entries further entries, such as {@code org.example.**} or {@code preset:hibernate}
     * @param limits the bounds of one stream
     * @return the filter
     * @throws IllegalArgumentException if an entry is malformed or names an unknown preset
     */
    public static AllowlistFilter of(Collection<Class<?>> types, Collection<String> entries,
                                     SerializationLimits limits) {
        Objects.requireNonNull(limits, "limits");
        List<String> all = new ArrayList<>(BASE_PATTERNS);
        List<Class<?>> supertypes = new ArrayList<>();
        for (Class<?> type : types) {
            String name = type.getName();
            all.add(name);
            if (!name.startsWith("java.") && !name.startsWith("javax.") && !type.isPrimitive()) {
                supertypes.add(type);
            }
        }
        java.util.Set<String> exact = new java.util.HashSet<>();
        for (String e : entries) {
            String t = e.trim();
            if (t.isEmpty()) {
                continue;
            }
            String problem = problemWith(t);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            if (t.startsWith(PRESET)) {
                all.addAll(PRESETS.get(t.substring(PRESET.length())));
            } else {
                all.add(t);
                if (EXACT_ONLY.contains(t)) {
                    exact.add(t);
                }
            }
        }
        return new AllowlistFilter(all, exact, supertypes, limits);
    }

    /**
     * Checks one entry of {@code kad.serialization.allow}.
     *
     * @param entry a class name, a package pattern or {@code preset:<name>}
     * @return what is wrong with it, or {@code null} if it is well formed
     */
    public static String problemWith(String entry) {
        if (entry.startsWith(PRESET)) {
            String name = entry.substring(PRESET.length());
            return PRESETS.containsKey(name) ? null
                    : "unknown preset '" + name + "' (known: " + String.join(", ", PRESETS.keySet()) + ")";
        }
        return ENTRY.matcher(entry).matches() ? null
                : "'" + entry + "' is neither a class name, a package pattern (com.example.* or com.example.**)"
                        + " nor preset:<name>";
    }

    /** @return the entries added to the plain value types (patterns, class names, preset contents) */
    public List<String> patterns() {
        return patterns;
    }

    /** @return the bounds of one stream */
    public SerializationLimits limits() {
        return limits;
    }

    /**
     * @param className a class name (not an array)
     * @return whether it may be deserialized
     */
    public boolean allows(String className) {
        if (EXACT_ONLY.contains(className)) {
            return exactOnly.contains(className);
        }
        if (BASE_CLASSES.contains(className)) {
            return true;
        }
        for (String p : patterns) {
            if (matches(p, className)) {
                return true;
            }
        }
        return false;
    }

    /** @return whether dynamic proxies may be deserialized (their interfaces are checked as classes) */
    boolean allowsProxies() {
        return exactOnly.contains("java.lang.reflect.Proxy");
    }

    private boolean isSubtypeOfConfigured(Class<?> type) {
        for (Class<?> s : supertypes) {
            if (s.isAssignableFrom(type)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String pattern, String name) {
        if (pattern.endsWith(".**")) {
            String pkg = pattern.substring(0, pattern.length() - 2);
            return name.startsWith(pkg);
        }
        if (pattern.endsWith(".*")) {
            String pkg = pattern.substring(0, pattern.length() - 1);
            return name.startsWith(pkg) && name.indexOf('.', pkg.length()) < 0;
        }
        if (pattern.endsWith("*")) {
            return name.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.equals(name);
    }

    /**
     * @param streamLength the length of the stream about to be read
     * @return a filter for that one stream, remembering why it rejected something
     */
    Check newCheck(long streamLength) {
        return new Check(streamLength);
    }

    /** The filter of one stream. */
    final class Check implements ObjectInputFilter {
        /** Slack for object arrays: hash tables are sized above their element count (HashMap up to 8x). */
        private static final int TABLE_SLACK = 4;
        private static final int SMALL_ARRAY = 64;

        private final long streamLength;
        private String rejected;
        private String reason;

        private Check(long streamLength) {
            this.streamLength = streamLength;
        }

        @Override
        public Status checkInput(FilterInfo info) {
            if (info.depth() > limits.maxDepth()) {
                return reject(null, "objects nested " + info.depth() + " deep exceed kad.serialization.max-depth="
                        + limits.maxDepth());
            }
            if (info.references() > limits.maxReferences()) {
                return reject(null, info.references() + " objects and references exceed"
                        + " kad.serialization.max-references=" + limits.maxReferences());
            }
            if (info.streamBytes() > limits.maxBytes()) {
                return reject(null, "a stream of " + info.streamBytes() + " bytes exceeds kad.serialization.max-bytes="
                        + limits.maxBytes());
            }
            Class<?> type = info.serialClass();
            if (type == null) {
                return Status.UNDECIDED;
            }
            if (type.isArray() && info.arrayLength() >= 0) {
                Status s = checkArrayLength(type.getComponentType(), info.arrayLength());
                if (s != null) {
                    return s;
                }
            }
            Class<?> element = type;
            while (element.isArray()) {
                element = element.getComponentType();
            }
            if (element.isPrimitive() || allows(element.getName()) || isSubtypeOfConfigured(element)) {
                return Status.ALLOWED;
            }
            if (type.isArray() && (element.isInterface() || element == Object.class)) {
                return Status.ALLOWED; // no element is created with the array
            }
            if (java.lang.reflect.Proxy.isProxyClass(element)) {
                return allowsProxies() ? Status.ALLOWED : reject(element.getName(), null);
            }
            return reject(element.getName(), null);
        }

        private Status checkArrayLength(Class<?> component, long length) {
            if (length > limits.maxArrayLength()) {
                return reject(null, "an array of " + length + " elements exceeds kad.serialization.max-array-length="
                        + limits.maxArrayLength());
            }
            long minBytes = minBytesOf(component);
            long budget = component.isPrimitive() ? streamLength : streamLength * TABLE_SLACK + SMALL_ARRAY;
            if (length * minBytes > budget) {
                return reject(null, "an array of " + length + " " + component.getName() + " elements cannot be in a "
                        + streamLength + "-byte stream");
            }
            return null;
        }

        private static long minBytesOf(Class<?> component) {
            if (component == long.class || component == double.class) {
                return 8;
            }
            if (component == int.class || component == float.class) {
                return 4;
            }
            if (component == short.class || component == char.class) {
                return 2;
            }
            return 1;
        }

        private Status reject(String className, String why) {
            if (rejected == null && reason == null) {
                rejected = className;
                reason = why;
            }
            return Status.REJECTED;
        }

        /** @param interfaces the interfaces of a dynamic proxy the stream declares */
        void rejectProxy(String[] interfaces) {
            reject(null, "a dynamic proxy of " + String.join(", ", interfaces) + " is not allowed"
                    + " (only an exact java.lang.reflect.Proxy entry in kad.serialization.allow admits proxies)");
        }

        /** @return the first class rejected for its name, or null */
        String rejected() {
            return rejected;
        }

        /** @return why the stream was rejected, or null if nothing was */
        String reason() {
            if (reason != null) {
                return reason;
            }
            if (rejected != null) {
                return "class " + rejected + " is not allowed (add it to kad.serialization.allow)";
            }
            return null;
        }
    }
}

package io.kad.examples.demo;

import io.kad.jcache.KadCacheManager;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;

/**
 * The main job in one screen: a swarm of three JCache cache managers on loopback, values put through
 * one and read through the others, with the time each step took.
 *
 * <p>Each manager runs its own node. They share the cache's entries because they have the same URI
 * ({@link #MANAGER_URI}): a cache is the record namespace {@code <manager URI>|<cache name>}. The provider
 * keeps one manager per (URI, class loader), so three managers of one URI in one JVM need three class
 * loaders; each is an empty {@link URLClassLoader} over this class's loader (in production each node is
 * its own JVM and uses the default one). Managers 2 and 3 join through manager 1's node:
 * {@code kad.seeds} in the {@link Properties} given to {@code getCacheManager}. One of the values is a
 * {@code Map.of} of a {@code List.of}, so the managers also get
 * {@code kad.serialization.allow=preset:collections}.
 *
 * <p>Run it with {@code mvn -q -pl src-examples exec:java} (after {@code mvn -q install -DskipTests}).
 */
public final class SwarmDemo {

    /** How many nodes the swarm has. */
    static final int NODES = 3;

    /** What manager 1 puts, in order. */
    static final Map<String, Object> VALUES = values();

    /** The URI of every manager of the demo. */
    static final URI MANAGER_URI = URI.create("kad:swarm-demo");

    /** The cache the demo uses. */
    static final String CACHE = "demo";

    private static final String HOST = "127.0.0.1";

    /**
     * One timed step.
     *
     * @param description what happened
     * @param millis how long it took, in milliseconds
     */
    public record Step(String description, double millis) {
        /** @return the step as printed: its duration with two decimals, then what happened */
        public String line() {
            return String.format(Locale.ROOT, "%10.2f ms  %s", millis, description);
        }
    }

    /**
     * What the demo did.
     *
     * @param steps every step, in order
     * @param reads for each reading manager (2, 3...), the value it read for each key
     */
    public record Report(List<Step> steps, Map<Integer, Map<String, Object>> reads) {
    }

    private SwarmDemo() {
    }

    /**
     * Runs the demo and prints each step.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        run(System.out);
    }

    /**
     * Runs the demo.
     *
     * @param out where each step is printed as it completes
     * @return the steps and what each node read
     */
    public static Report run(PrintStream out) {
        Timeline timeline = new Timeline(out);
        out.println("kad swarm demo: " + NODES + " JCache cache managers (" + MANAGER_URI + ") on " + HOST);
        CachingProvider provider = Caching.getCachingProvider();
        List<URLClassLoader> loaders = new ArrayList<>();
        List<CacheManager> managers = new ArrayList<>();
        Map<Integer, Map<String, Object>> reads = new LinkedHashMap<>();
        try {
            List<Cache<String, Object>> caches = new ArrayList<>();
            InetSocketAddress seed = null;
            for (int i = 1; i <= NODES; i++) {
                int number = i;
                Properties properties = new Properties();
                properties.setProperty("kad.host", HOST);
                properties.setProperty("kad.port", "0");
                // one value is a Map.of(..., List.of(...)): those rebuild their hash table while they are
                // read, which Java deserialization allows only where the application says so
                properties.setProperty("kad.serialization.allow", "preset:collections");
                if (seed != null) {
                    properties.setProperty("kad.seeds", seed.getHostString() + ":" + seed.getPort());
                }
                URLClassLoader loader = new URLClassLoader(new URL[0], SwarmDemo.class.getClassLoader());
                loaders.add(loader);
                CacheManager manager = timeline.step(() -> {
                    CacheManager m = provider.getCacheManager(MANAGER_URI, loader, properties);
                    managers.add(m);
                    caches.add(m.createCache(CACHE, new MutableConfiguration<String, Object>()
                            .setTypes(String.class, Object.class)));
                    return m;
                }, m -> describeStart(number, m));
                if (seed == null) {
                    seed = node(manager).address();
                }
            }

            Cache<String, Object> first = caches.get(0);
            for (Map.Entry<String, Object> e : VALUES.entrySet()) {
                timeline.step(() -> {
                    first.put(e.getKey(), e.getValue());
                    return null;
                }, ignored -> "manager 1 put " + e.getKey() + " = " + e.getValue());
            }

            for (int i = 2; i <= NODES; i++) {
                Cache<String, Object> cache = caches.get(i - 1);
                int number = i;
                Map<String, Object> read = new LinkedHashMap<>();
                for (String key : VALUES.keySet()) {
                    Object value = timeline.step(() -> cache.get(key),
                            v -> "manager " + number + " get " + key + " -> " + v);
                    read.put(key, value);
                }
                reads.put(number, read);
            }
        } finally {
            int count = managers.size();
            timeline.step(() -> {
                for (int i = managers.size() - 1; i >= 0; i--) {
                    managers.get(i).close();
                }
                for (URLClassLoader loader : loaders) {
                    try {
                        loader.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return null;
            }, ignored -> "closed " + count + " cache manager(s) and their nodes");
        }
        out.println(String.format(Locale.ROOT, "%10.2f ms  total", timeline.totalMillis()));
        return new Report(timeline.steps(), reads);
    }

    private static io.kad.core.KadNode node(CacheManager manager) {
        return manager.unwrap(KadCacheManager.class).node();
    }

    private static String describeStart(int number, CacheManager manager) {
        io.kad.core.KadNode node = node(manager);
        String text = "manager " + number + " started its node on " + text(node.address()) + " (id "
                + node.id().shortHex() + ") and opened cache " + CACHE;
        return number == 1 ? text : text + ", joined through manager 1, knows " + node.peers().size() + " peer(s)";
    }

    private static Map<String, Object> values() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("greeting", "hello, swarm");
        v.put("answer", 42);
        v.put("user:1", Map.of("name", "Ada", "languages", List.of("en", "fr")));
        return java.util.Collections.unmodifiableMap(v);
    }

    private static String text(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** Times steps and prints each as it completes. */
    private static final class Timeline {
        private final PrintStream out;
        private final List<Step> steps = new ArrayList<>();

        Timeline(PrintStream out) {
            this.out = out;
        }

        <T> T step(Supplier<T> action, Function<? super T, String> describe) {
            long start = System.nanoTime();
            T result = action.get();
            Step step = new Step(describe.apply(result), (System.nanoTime() - start) / 1_000_000.0);
            steps.add(step);
            out.println(step.line());
            return result;
        }

        List<Step> steps() {
            return List.copyOf(steps);
        }

        double totalMillis() {
            return steps.stream().mapToDouble(Step::millis).sum();
        }
    }
}

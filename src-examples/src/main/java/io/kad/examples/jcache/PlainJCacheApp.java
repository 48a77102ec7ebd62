package io.kad.examples.jcache;

import java.io.PrintStream;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.expiry.Duration;
import javax.cache.spi.CachingProvider;

/**
 * A JCache application that knows nothing of kad-jcache: it asks {@link Caching#getCachingProvider()}
 * for the provider on its class path and uses the default cache manager and the cache
 * {@code greetings}. Everything kad-specific comes from {@code kad.properties} at the root of the class
 * path ({@code src/main/resources/kad.properties}), which every kad-jcache cache manager reads first:
 * there the cache is declared ({@code kad.cache.greetings.*}: expiry 10 minutes after creation, String
 * keys and values), so {@code getCache("greetings", String.class, String.class)} finds it without any
 * {@code createCache} call.
 *
 * <p>A classpath-root {@code kad.properties} applies to every cache manager whose class loader sees
 * it, including those of this module's other examples and tests. That is why the file sets no port
 * (the node takes an ephemeral port on 127.0.0.1), no seeds and no statistics: those would change
 * the other managers' behavior. A real application would set {@code kad.port} and {@code kad.seeds}
 * there to join its swarm. For settings that must concern one manager only, pass a
 * {@code classpath:} or {@code file:} URI to {@code getCacheManager} instead (see
 * {@code kad-jcache/CONFIGURATION.md}).
 *
 * <p>The application greets people, computing each greeting once: the second request for a name is
 * served from the cache.
 */
public final class PlainJCacheApp {

    /**
     * What the application did.
     *
     * @param managerUri the URI of the cache manager it got
     * @param greetings the greetings it answered, in order
     * @param computed how many greetings it had to compute (the others came from the cache)
     * @param expiryAfterCreationMillis the cache's expiry after creation, from {@code kad.properties}
     * @param keyType the cache's key type, from {@code kad.properties}
     */
    public record Result(URI managerUri, java.util.List<String> greetings, int computed,
                         long expiryAfterCreationMillis, Class<?> keyType) {
    }

    private PlainJCacheApp() {
    }

    /**
     * Runs the application.
     *
     * @param args names to greet (default: Ada, Grace, Ada)
     */
    public static void main(String[] args) {
        run(System.out, args.length == 0 ? new String[] {"Ada", "Grace", "Ada"} : args);
    }

    /**
     * Greets each name, printing each greeting and where it came from.
     *
     * @param out where to print
     * @param names the names, in order
     * @return what happened
     */
    public static Result run(PrintStream out, String... names) {
        CachingProvider provider = Caching.getCachingProvider();
        // the provider is shared by the JVM: close only this application's manager
        try (CacheManager manager = provider.getCacheManager()) {
            Cache<String, String> greetings = manager.getCache("greetings", String.class, String.class);
            @SuppressWarnings("unchecked")
            CompleteConfiguration<String, String> configuration = greetings.getConfiguration(CompleteConfiguration.class);
            Duration expiry = configuration.getExpiryPolicyFactory().create().getExpiryForCreation();
            long expiryMillis = expiry.getTimeUnit().toMillis(expiry.getDurationAmount());
            out.println("cache manager " + manager.getURI() + " from " + provider.getClass().getName()
                    + "; cache greetings expires " + TimeUnit.MILLISECONDS.toMinutes(expiryMillis)
                    + " min after creation");

            AtomicInteger computed = new AtomicInteger();
            java.util.List<String> answered = new java.util.ArrayList<>();
            for (String name : names) {
                String greeting = greetings.get(name);
                String from = "from the cache";
                if (greeting == null) {
                    greeting = "Hello, " + name + "!";
                    computed.incrementAndGet();
                    greetings.put(name, greeting);
                    from = "computed and cached";
                }
                answered.add(greeting);
                out.println(greeting + " (" + from + ")");
            }
            return new Result(manager.getURI(), java.util.List.copyOf(answered), computed.get(), expiryMillis,
                    configuration.getKeyType());
        }
    }
}

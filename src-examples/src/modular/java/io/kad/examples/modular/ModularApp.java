package io.kad.examples.modular;

import io.kad.jcache.KadCacheManager;
import java.net.URI;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;

/**
 * Finds the kad-jcache provider through the service loader on the module path, starts a node on
 * loopback, caches a greeting, reads it back and prints what it did.
 *
 * <p>Built and run by {@code ModulePathIT} with the reactor's jars:
 * <pre>
 * javac --module-path &lt;jars&gt; -d out src/modular/java/module-info.java src/modular/java/io/kad/examples/modular/ModularApp.java
 * java --module-path &lt;jars&gt;:out --add-modules org.slf4j,com.fasterxml.jackson.databind,com.github.benmanes.caffeine \
 *      -m io.kad.examples.modular/io.kad.examples.modular.ModularApp
 * </pre>
 * The kad jars are automatic modules: they read every module, but the explicit modules of their
 * dependencies (SLF4J, Jackson, Caffeine) resolve only when something requires them or
 * {@code --add-modules} names them.
 */
public final class ModularApp {

    private ModularApp() {
    }

    /**
     * @param args none
     */
    public static void main(String[] args) {
        CachingProvider provider = Caching.getCachingProvider();
        System.out.println("provider " + provider.getClass().getName() + " in module "
                + provider.getClass().getModule().getName());
        Properties settings = new Properties();
        settings.setProperty("kad.host", "127.0.0.1");
        settings.setProperty("kad.port", "0");
        try (CacheManager manager = provider.getCacheManager(URI.create("kad:modular"),
                ModularApp.class.getClassLoader(), settings)) {
            Cache<String, String> greetings = manager.createCache("greetings",
                    new MutableConfiguration<String, String>().setTypes(String.class, String.class));
            greetings.put("Ada", "Hello, Ada!");
            System.out.println("node in module " + manager.unwrap(KadCacheManager.class).node().getClass().getModule()
                    .getName());
            System.out.println("cached: " + greetings.get("Ada"));
        }
    }
}

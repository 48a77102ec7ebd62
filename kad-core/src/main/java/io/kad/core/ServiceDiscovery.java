package io.kad.core;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the implementations of an extension point with {@link ServiceLoader}, for the hash functions,
 * storage tiers and request interceptors. Internal to kad-core.
 *
 * <ul>
 *   <li>looks in the thread's context class loader, then in kad-core's own (so a library used from a
 *       container's or framework's loader still finds the built-in implementations);</li>
 *   <li>an implementation found twice (through both loaders) counts once, by its key;</li>
 *   <li>a registration that fails to load is skipped with a warning: one broken jar must not stop
 *       every node of the JVM from starting.</li>
 * </ul>
 */
public final class ServiceDiscovery {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceDiscovery.class);

    private ServiceDiscovery() {
    }

    /**
     * @param type the extension point
     * @param key what makes two implementations the same one (a name, a class name)
     * @param <T> the extension point
     * @param <K> the key
     * @return the implementations by key, in discovery order
     */
    public static <T, K> Map<K, T> load(Class<T> type, Function<T, K> key) {
        Map<K, T> found = new LinkedHashMap<>();
        for (ClassLoader loader : loaders()) {
            Iterator<T> it = ServiceLoader.load(type, loader).iterator();
            while (true) {
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    T implementation = it.next();
                    found.putIfAbsent(key.apply(implementation), implementation);
                } catch (ServiceConfigurationError e) {
                    LOG.warn("skipping a {} that failed to load: {}", type.getSimpleName(), e.getMessage());
                }
            }
        }
        return found;
    }

    private static List<ClassLoader> loaders() {
        List<ClassLoader> loaders = new ArrayList<>(2);
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            loaders.add(context);
        }
        ClassLoader own = ServiceDiscovery.class.getClassLoader();
        if (own != null && own != context) {
            loaders.add(own);
        }
        return loaders;
    }
}

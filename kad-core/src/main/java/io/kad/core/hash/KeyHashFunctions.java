package io.kad.core.hash;

import io.kad.spi.KeyHashFunction;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds {@link KeyHashFunction}s by name through {@link ServiceLoader}.
 *
 * <p>Contract:
 * <ul>
 *   <li>implementations are looked up with the thread context class loader first, then with the
 *       loader of this class (so the built-in {@code sha1}, {@code sha256} and {@code md5} are found
 *       even when the context loader cannot see kad-core); the first implementation of a name wins;</li>
 *   <li>names are matched exactly (they are lower case by the SPI's contract);</li>
 *   <li>a provider that fails to load is logged and skipped, so one broken jar cannot hide the
 *       others;</li>
 *   <li>each call loads afresh: the result follows the calling thread's context class loader.</li>
 * </ul>
 */
public final class KeyHashFunctions {

    private static final Logger LOG = LoggerFactory.getLogger(KeyHashFunctions.class);

    private KeyHashFunctions() {
    }

    /**
     * @param name the function's name, e.g. {@code "sha256"}
     * @return a function of that name
     * @throws IllegalArgumentException if none has that name; the message names it and lists the
     *     available names
     */
    public static KeyHashFunction byName(String name) {
        Objects.requireNonNull(name, "name");
        Map<String, KeyHashFunction> all = loadAll();
        KeyHashFunction function = all.get(name);
        if (function == null) {
            throw new IllegalArgumentException("unknown key hash function '" + name + "'; available: "
                    + String.join(", ", all.keySet()));
        }
        return function;
    }

    /** @return the names of every function found, in discovery order */
    public static List<String> availableNames() {
        return List.copyOf(loadAll().keySet());
    }

    private static Map<String, KeyHashFunction> loadAll() {
        Map<String, KeyHashFunction> byName = new LinkedHashMap<>();
        for (ClassLoader loader : loaders()) {
            Iterator<KeyHashFunction> it = ServiceLoader.load(KeyHashFunction.class, loader).iterator();
            while (true) {
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    KeyHashFunction function = it.next();
                    byName.putIfAbsent(function.name(), function);
                } catch (ServiceConfigurationError e) {
                    LOG.warn("skipping a key hash function that failed to load", e);
                }
            }
        }
        return byName;
    }

    private static List<ClassLoader> loaders() {
        List<ClassLoader> loaders = new ArrayList<>(2);
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            loaders.add(context);
        }
        ClassLoader own = KeyHashFunctions.class.getClassLoader();
        if (own != null && own != context) {
            loaders.add(own);
        }
        return loaders;
    }
}

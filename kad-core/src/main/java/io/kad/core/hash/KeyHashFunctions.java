package io.kad.core.hash;

import io.kad.core.ServiceDiscovery;
import io.kad.spi.KeyHashFunction;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds {@link KeyHashFunction}s by name through {@link java.util.ServiceLoader}.
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
        return ServiceDiscovery.load(KeyHashFunction.class, KeyHashFunction::name);
    }
}

package io.kad.spring.boot;

import io.kad.jcache.configuration.KadSettings;
import java.util.Arrays;
import java.util.Properties;
import java.util.TreeSet;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;

/**
 * The {@code kad.*} settings of a Spring environment, as the {@link Properties} a kad-jcache cache
 * manager takes.
 *
 * <ul>
 *   <li>Every property whose name starts with {@code kad.} in an enumerable source (application
 *       properties and YAML, profiles, command line, system properties, test properties) is passed
 *       under that exact name, with the value the environment resolves (placeholders included, the
 *       source of highest precedence winning).</li>
 *   <li>The node keys ({@link KadSettings#NODE_KEYS}) are also looked up by name, so that an
 *       environment variable such as {@code KAD_SEEDS} or {@code KAD_OPERATION_TIMEOUT_MS} sets
 *       {@code kad.seeds} or {@code kad.operation-timeout-ms}. Cache keys cannot be spelled as
 *       variables unambiguously and are not looked up that way.</li>
 * </ul>
 * Keys are not checked here: the cache manager rejects an unknown key or a bad value, naming it.
 */
final class EnvironmentKadProperties {

    private static final String PREFIX = "kad.";

    private EnvironmentKadProperties() {
    }

    /**
     * @param environment the Spring environment
     * @return the {@code kad.*} properties it holds
     */
    static Properties of(Environment environment) {
        TreeSet<String> names = new TreeSet<>();
        if (environment instanceof ConfigurableEnvironment configurable) {
            configurable.getPropertySources().stream()
                    .filter(EnumerablePropertySource.class::isInstance)
                    .flatMap(s -> Arrays.stream(((EnumerablePropertySource<?>) s).getPropertyNames()))
                    .filter(name -> name.startsWith(PREFIX))
                    .forEach(names::add);
        }
        KadSettings.NODE_KEYS.stream().filter(environment::containsProperty).forEach(names::add);
        Properties properties = new Properties();
        for (String name : names) {
            String value = environment.getProperty(name);
            if (value != null) {
                properties.setProperty(name, value);
            }
        }
        return properties;
    }
}

package io.kad.spring.boot;

import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The {@code kad.*} settings of a Spring environment, as the {@link Properties} a kad-jcache cache
 * manager takes.
 *
 * <ul>
 *   <li>Every property whose name starts with {@code kad.} in a property source of the environment
 *       (application properties and YAML, profiles, command line, system properties, test properties)
 *       is passed under that exact name. Where several sources hold a name, the one of highest
 *       precedence wins, as for any Spring property. Placeholders in the value are resolved against
 *       the whole environment; one that cannot be resolved fails the start.</li>
 *   <li>An empty value counts as unset, so that {@code kad.seeds=${KAD_SEEDS:}} passes the variable
 *       only when it is set, and {@code --kad.seeds=} clears seeds set by a file.</li>
 *   <li>Operating-system environment variables never become settings by themselves, not even by
 *       Spring's relaxed names: Kubernetes defines {@code <SERVICE>_PORT=udp://...} in every pod for
 *       every Service, so a Service named {@code kad} would set {@code kad.port} to a URL and stop the
 *       application. Name a variable in a placeholder instead.</li>
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
     * @throws IllegalArgumentException if a value holds a placeholder that cannot be resolved
     */
    static Properties of(Environment environment) {
        Properties properties = new Properties();
        if (!(environment instanceof ConfigurableEnvironment configurable)) {
            return properties;
        }
        Set<String> seen = new HashSet<>();
        // in order of precedence: the first source holding a name decides its value
        for (PropertySource<?> source : configurable.getPropertySources()) {
            if (!(source instanceof EnumerablePropertySource<?> enumerable)
                    || source instanceof SystemEnvironmentPropertySource) {
                continue;
            }
            for (String name : enumerable.getPropertyNames()) {
                if (!name.startsWith(PREFIX) || !seen.add(name)) {
                    continue;
                }
                Object raw = enumerable.getProperty(name);
                String value = raw == null ? "" : configurable.resolveRequiredPlaceholders(raw.toString());
                if (!value.isEmpty()) {
                    properties.setProperty(name, value);
                }
            }
        }
        return properties;
    }
}

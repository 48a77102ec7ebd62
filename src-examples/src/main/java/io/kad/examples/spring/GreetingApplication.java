package io.kad.examples.spring;

import java.util.Arrays;
import java.util.Properties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.cache.JCachePropertiesCustomizer;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;

/**
 * A Spring Boot application whose {@code @Cacheable} methods are cached in a Kademlia swarm.
 *
 * <p>{@code application.properties} selects Spring's JCache support with kad-jcache as the provider
 * and {@code kad-spring.properties} as its configuration:
 * <pre>
 * spring.cache.type=jcache
 * spring.cache.jcache.provider=io.kad.jcache.KadCachingProvider
 * spring.cache.jcache.config=classpath:kad-spring.properties
 * </pre>
 * Spring Boot resolves the config resource and calls
 * {@code getCacheManager(resource.getURI(), beanClassLoader, properties)}; the URI is the resource's
 * URL ({@code file:/.../kad-spring.properties} when the classes are in a directory), which kad-jcache
 * reads as a {@code file:} URI. The {@code properties} come from the {@link JCachePropertiesCustomizer}
 * beans: {@link #kadSettingsFromEnvironment} passes every {@code kad.*} property of the Spring
 * environment under their exact {@code kad.*} names, so {@code --kad.seeds=host:port} on the command
 * line joins a swarm (environment variables such as {@code KAD_SEEDS} are not translated).
 */
@SpringBootApplication
@EnableCaching
public class GreetingApplication {

    /**
     * Starts the application, greets the names given (default: Ada twice) and stops.
     *
     * @param args Spring Boot arguments ({@code --kad.seeds=...}) and names
     */
    public static void main(String[] args) {
        String[] names = Arrays.stream(args).filter(a -> !a.startsWith("--")).toArray(String[]::new);
        try (var context = SpringApplication.run(GreetingApplication.class, args)) {
            GreetingService service = context.getBean(GreetingService.class);
            for (String name : names.length == 0 ? new String[] {"Ada", "Ada"} : names) {
                System.out.println(service.greet(name));
            }
            System.out.println("greetings computed: " + service.invocations());
        }
    }

    /**
     * Passes the {@code kad.*} properties of the Spring environment (application properties, command
     * line, system properties...) to the kad-jcache cache manager; they win over
     * {@code kad-spring.properties}.
     *
     * @param environment the Spring environment
     * @return the customizer
     */
    @Bean
    JCachePropertiesCustomizer kadSettingsFromEnvironment(ConfigurableEnvironment environment) {
        return (Properties properties) -> environment.getPropertySources().stream()
                .filter(EnumerablePropertySource.class::isInstance)
                .flatMap(s -> Arrays.stream(((EnumerablePropertySource<?>) s).getPropertyNames()))
                .filter(name -> name.startsWith("kad."))
                .distinct()
                .forEach(name -> properties.setProperty(name, environment.getProperty(name)));
    }
}

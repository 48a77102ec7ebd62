package io.kad.examples.spring;

import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;

/**
 * A Spring Boot application whose {@code @Cacheable} methods are cached in a Kademlia swarm.
 *
 * <p>{@code kad-spring-boot-starter} on the class path makes kad-jcache the application's JCache
 * cache manager; {@code application.properties} only names the provider's settings file:
 * <pre>
 * spring.cache.jcache.config=classpath:kad-spring.properties
 * </pre>
 * The starter resolves that resource and creates the cache manager with its URI (the resource's URL,
 * {@code file:/.../kad-spring.properties} when the classes are in a directory), the application's class
 * loader and every {@code kad.*} property of the Spring environment, which win over the file: so
 * {@code --kad.seeds=host:port} on the command line joins a swarm (an environment variable counts only
 * when a property names it in a placeholder, such as {@code kad.seeds=${KAD_SEEDS:}}).
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
}

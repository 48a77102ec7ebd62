package io.kad.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.jcache.KadCacheManager;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import javax.cache.Cache;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.DefaultResourceLoader;

/**
 * Two instances of the application joined into one swarm. In production they run in two JVMs; here
 * they share one, so each context gets its own class loader: the provider keeps one cache manager
 * (one node) per (URI, class loader), and both contexts pass the same URI (that of
 * {@code kad-spring.properties}), which is also what makes their caches one namespace.
 */
class TwoApplicationsOneSwarmTest {

    private static ConfigurableApplicationContext start(URLClassLoader loader, String... args) {
        return new SpringApplicationBuilder(GreetingApplication.class)
                .resourceLoader(new DefaultResourceLoader(loader))
                .run(args);
    }

    private static KadCacheManager kad(ConfigurableApplicationContext context) {
        return context.getBean(javax.cache.CacheManager.class).unwrap(KadCacheManager.class);
    }

    @Test
    void whatOneInstanceCachedTheOtherReadsWithoutCallingItsService() throws Exception {
        ClassLoader parent = getClass().getClassLoader();
        try (URLClassLoader firstLoader = new URLClassLoader(new URL[0], parent);
             URLClassLoader secondLoader = new URLClassLoader(new URL[0], parent);
             ConfigurableApplicationContext first = start(firstLoader)) {
            InetSocketAddress seed = kad(first).node().address();
            try (ConfigurableApplicationContext second = start(secondLoader,
                    "--kad.seeds=" + seed.getHostString() + ":" + seed.getPort())) {
                KadCacheManager firstKad = kad(first);
                KadCacheManager secondKad = kad(second);
                assertThat(secondKad).isNotSameAs(firstKad);
                assertThat(secondKad.getURI()).isEqualTo(firstKad.getURI());
                assertThat(secondKad.node().address().getPort()).isNotEqualTo(seed.getPort());
                await().atMost(Duration.ofSeconds(10)).until(() -> !secondKad.node().peers().isEmpty());

                GreetingService one = first.getBean(GreetingService.class);
                GreetingService two = second.getBean(GreetingService.class);
                Cache<Object, Object> secondCache = secondKad.getCache("greetings");

                assertThat(one.greet("Ada")).isEqualTo("Hello, Ada!");
                await().atMost(Duration.ofSeconds(10)).until(() -> secondCache.containsKey("Ada"));
                assertThat(two.greet("Ada")).isEqualTo("Hello, Ada!");
                assertThat(one.invocations()).isEqualTo(1);
                assertThat(two.invocations()).isZero();

                assertThat(two.greet("Grace")).isEqualTo("Hello, Grace!");
                Cache<Object, Object> firstCache = firstKad.getCache("greetings");
                await().atMost(Duration.ofSeconds(10)).until(() -> firstCache.containsKey("Grace"));
                assertThat(one.greet("Grace")).isEqualTo("Hello, Grace!");
                assertThat(one.invocations()).isEqualTo(1);
                assertThat(two.invocations()).isEqualTo(1);
            }
        }
    }
}

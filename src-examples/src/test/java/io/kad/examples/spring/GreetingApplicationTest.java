package io.kad.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.jcache.KadCacheManager;
import java.net.URI;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.expiry.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.cache.CacheManager;
import org.springframework.cache.jcache.JCacheCacheManager;
import org.springframework.test.annotation.DirtiesContext;

@SpringBootTest
@DirtiesContext // closes the context, and so its cache manager and node, after this class
class GreetingApplicationTest {

    @Autowired
    GreetingService service;

    @Autowired
    CacheManager springCacheManager;

    @Autowired
    javax.cache.CacheManager jcacheManager;

    @Test
    void theSecondCallIsServedFromTheCache() {
        assertThat(service.greet("Ada")).isEqualTo("Hello, Ada!");
        assertThat(service.greet("Ada")).isEqualTo("Hello, Ada!");
        assertThat(service.invocations()).isEqualTo(1);

        assertThat(service.greet("Grace")).isEqualTo("Hello, Grace!");
        assertThat(service.invocations()).isEqualTo(2);
        assertThat(jcacheManager.getCache("greetings").get("Grace")).isEqualTo("Hello, Grace!");
    }

    @Test
    void springUsesKadJCacheConfiguredByKadSpringProperties() {
        assertThat(springCacheManager).isInstanceOf(JCacheCacheManager.class);
        KadCacheManager kad = jcacheManager.unwrap(KadCacheManager.class);

        // Spring Boot passes the URL of classpath:kad-spring.properties as a URI: file: for target/classes
        URI uri = kad.getURI();
        assertThat(uri.getScheme()).isEqualTo("file");
        assertThat(uri.getPath()).endsWith("/target/classes/kad-spring.properties");
        assertThat(kad.node().address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");

        // kad.cache.greetings.expiry=accessed:30m from kad-spring.properties wins over kad.properties' created:10m
        @SuppressWarnings("unchecked")
        CompleteConfiguration<Object, Object> c = jcacheManager.getCache("greetings")
                .getConfiguration(CompleteConfiguration.class);
        assertThat(c.getExpiryPolicyFactory().create().getExpiryForAccess())
                .isEqualTo(new Duration(java.util.concurrent.TimeUnit.MILLISECONDS, 30 * 60 * 1000L));
    }
}

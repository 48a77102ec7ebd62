package io.kad.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.jcache.KadCacheManager;
import io.kad.jcache.KadCachingProvider;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.Properties;
import java.util.UUID;
import javax.cache.Cache;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.cache.jcache.JCacheCache;

class KadCacheMeterBinderProviderTest {

    private final KadCacheMeterBinderProvider provider = new KadCacheMeterBinderProvider();

    @Test
    void bindsKadCachesKeepingTheirManagerTag() {
        Properties p = new Properties();
        p.setProperty("kad.host", "127.0.0.1");
        URI uri = URI.create("kad:metrics-" + UUID.randomUUID());
        try (KadCacheManager manager = Caching.getCachingProvider(KadCachingProvider.class.getName())
                .getCacheManager(uri, getClass().getClassLoader(), p).unwrap(KadCacheManager.class)) {
            Cache<Object, Object> cache = manager.createCache("orders",
                    new MutableConfiguration<>().setStatisticsEnabled(true));
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            provider.getMeterBinder(new JCacheCache(cache),
                            Tags.of(Tag.of("cache.manager", "cache"), Tag.of("name", "orders")))
                    .bindTo(registry);
            cache.put("a", 1);
            assertThat(registry.get("cache.puts").tag("cache", "orders").tag("name", "orders")
                    .tag("cache.manager", uri.toString()).functionCounter().count()).isEqualTo(1.0);
            assertThat(registry.find("cache.puts").tag("cache.manager", "cache").functionCounter()).isNull();
        }
    }

    @Test
    void leavesOtherProvidersCachesToSpringBoot() {
        @SuppressWarnings("unchecked")
        Cache<Object, Object> other = (Cache<Object, Object>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Cache.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getName" -> "other";
                    case "unwrap" -> throw new IllegalArgumentException("not unwrappable");
                    default -> null;
                });
        assertThat(provider.getMeterBinder(new JCacheCache(other), Tags.empty())).isNull();
    }
}

package io.kad.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.jcache.KadCacheManager;
import io.kad.jcache.KadCachingProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

class KadHealthIndicatorTest {

    private static KadCacheManager manager(Properties properties) {
        return Caching.getCachingProvider(KadCachingProvider.class.getName())
                .getCacheManager(URI.create("kad:health-" + UUID.randomUUID()), KadHealthIndicatorTest.class.getClassLoader(),
                        properties)
                .unwrap(KadCacheManager.class);
    }

    @Test
    void aRunningNodeIsUpAndReportsItsStorage() {
        Properties p = new Properties();
        p.setProperty("kad.host", "127.0.0.1");
        p.setProperty("kad.storage.max-records", "500");
        try (KadCacheManager manager = manager(p)) {
            manager.createCache("c", new MutableConfiguration<>()).put("k", "v");
            Health health = new KadHealthIndicator(manager).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("joined", true).containsEntry("peers", 0)
                    .containsEntry("seeds", 0);
            @SuppressWarnings("unchecked")
            Map<String, Object> storage = (Map<String, Object>) health.getDetails().get("storage");
            assertThat(storage).containsEntry("tier", "caffeine").containsEntry("max-records", 500L);
            assertThat((Long) storage.get("records")).isGreaterThanOrEqualTo(1L);
        }
    }

    @Test
    void aClosedManagerIsDown() {
        Properties p = new Properties();
        p.setProperty("kad.host", "127.0.0.1");
        KadCacheManager manager = manager(p);
        manager.close();
        Health health = new KadHealthIndicator(manager).health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("closed", true);
    }

    @Test
    void aNodeThatJoinedASeedCountsItAsAPeer() {
        Properties first = new Properties();
        first.setProperty("kad.host", "127.0.0.1");
        try (KadCacheManager seed = manager(first)) {
            Properties second = new Properties();
            second.setProperty("kad.host", "127.0.0.1");
            second.setProperty("kad.seeds", "127.0.0.1:" + seed.node().address().getPort());
            try (KadCacheManager joiner = manager(second)) {
                KadHealthIndicator indicator = new KadHealthIndicator(joiner);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    Health health = indicator.health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails()).containsEntry("joined", true).containsEntry("seeds", 1);
                    assertThat((Integer) health.getDetails().get("peers")).isGreaterThanOrEqualTo(1);
                });
            }
        }
    }
}

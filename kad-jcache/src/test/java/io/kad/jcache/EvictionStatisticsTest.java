package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;

/** A bounded local tier drops entries, and the cache's statistics count them as evictions. */
class EvictionStatisticsTest {

    @Test
    void entriesDroppedByTheBoundedTierAreCountedAsEvictions() {
        Properties p = new Properties();
        p.setProperty("kad.storage.max-records", "10");
        try (CacheManager manager = TestManagers.fresh(p)) {
            Cache<Integer, String> cache = manager.createCache("bounded",
                    new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class)
                            .setStatisticsEnabled(true));
            for (int i = 0; i < 200; i++) {
                cache.put(i, "v" + i);
            }
            KadCache<?, ?> kad = cache.unwrap(KadCache.class);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                long evictions = kad.statistics().getCacheEvictions();
                assertThat(evictions).isGreaterThanOrEqualTo(150);
                assertThat(manager.unwrap(KadCacheManager.class).node().storage().size())
                        .isLessThanOrEqualTo(10 + 200 - evictions);
            });
        }
    }
}

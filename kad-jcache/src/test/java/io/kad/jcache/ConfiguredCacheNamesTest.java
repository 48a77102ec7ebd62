package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;

class ConfiguredCacheNamesTest {

    @Test
    void configuredCacheNamesListsDeclaredCachesBeforeTheyAreOpened() {
        Properties p = new Properties();
        p.setProperty("kad.cache.orders.v1.expiry", "created:1h");
        p.setProperty("kad.cache.sessions.statistics", "true");
        CacheManager configured = TestManagers.fresh(p);
        try {
            KadCacheManager kad = configured.unwrap(KadCacheManager.class);
            assertThat(kad.configuredCacheNames()).containsExactly("orders.v1", "sessions");
            assertThat(configured.getCacheNames()).isEmpty();
            configured.createCache("made-in-code", new MutableConfiguration<>());
            assertThat(kad.configuredCacheNames()).containsExactly("orders.v1", "sessions");
        } finally {
            configured.close();
        }
    }
}

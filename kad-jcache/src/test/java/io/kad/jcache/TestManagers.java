package io.kad.jcache;

import java.net.URI;
import java.util.Properties;
import java.util.UUID;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;

/** Cache managers for tests, each with its own URI (and so its own node and namespaces). */
final class TestManagers {

    private TestManagers() {
    }

    static CachingProvider provider() {
        return Caching.getCachingProvider(KadCachingProvider.class.getName());
    }

    static CacheManager fresh() {
        return fresh(new Properties());
    }

    static CacheManager fresh(Properties properties) {
        return provider().getCacheManager(URI.create("kad:test-" + UUID.randomUUID()),
                TestManagers.class.getClassLoader(), properties);
    }
}

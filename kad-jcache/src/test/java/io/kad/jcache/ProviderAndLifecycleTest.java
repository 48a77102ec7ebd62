package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProviderAndLifecycleTest {

    private final CacheManager manager = TestManagers.fresh();

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void defaultProviderIsKadAndDefaultManagerIsSharedPerUriAndLoader() {
        assertThat(Caching.getCachingProvider()).isInstanceOf(KadCachingProvider.class);
        CacheManager a = Caching.getCachingProvider().getCacheManager();
        CacheManager b = Caching.getCachingProvider().getCacheManager();
        try {
            assertThat(a).isSameAs(b);
            assertThat(a.getURI()).isEqualTo(KadCachingProvider.DEFAULT_URI);
            assertThat(a.unwrap(KadCacheManager.class).node()).isNotNull();
        } finally {
            a.close();
        }
    }

    @Test
    void sameCacheNameUnderTwoManagersStaysApart() {
        CacheManager other = TestManagers.fresh();
        try {
            Cache<String, String> mine = manager.createCache("c", new MutableConfiguration<>());
            Cache<String, String> theirs = other.createCache("c", new MutableConfiguration<>());
            mine.put("k", "mine");
            assertThat(theirs.get("k")).isNull();
        } finally {
            other.close();
        }
    }

    @Test
    void nullKeysAndValuesAreRejectedWithNullPointerException() {
        Cache<String, String> cache = manager.createCache("nulls", new MutableConfiguration<>());
        assertThatThrownBy(() -> cache.get(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> cache.put(null, "v")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> cache.put("k", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> cache.putAll(java.util.Collections.singletonMap("k", null)))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> cache.getAll(java.util.Collections.singleton(null)))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> cache.invoke("k", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void closedCacheAndClosedManagerThrowIllegalStateException() {
        Cache<String, String> cache = manager.createCache("closing", new MutableConfiguration<>());
        cache.close();
        assertThat(cache.isClosed()).isTrue();
        assertThatThrownBy(() -> cache.get("k")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> cache.put("k", "v")).isInstanceOf(IllegalStateException.class);

        Cache<String, String> second = manager.createCache("second", new MutableConfiguration<>());
        manager.close();
        assertThat(second.isClosed()).isTrue();
        assertThatThrownBy(() -> manager.getCache("second")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void unencodableValueFailsWithCacheExceptionAndWritesNothing() {
        Cache<String, Object> cache = manager.createCache("bad", new MutableConfiguration<>());
        cache.put("k", "before");
        Object notSerializable = new Object();
        assertThatThrownBy(() -> cache.put("k", notSerializable))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("java.lang.Object");
        assertThatThrownBy(() -> cache.put("other", notSerializable)).isInstanceOf(CacheException.class);
        assertThat(cache.get("k")).isEqualTo("before");
        assertThat(cache.containsKey("other")).isFalse();
    }

    @Test
    void typedCacheRejectsValuesOfAnotherType() {
        Cache<String, Long> cache = manager.createCache("typed",
                new MutableConfiguration<String, Long>().setTypes(String.class, Long.class));
        @SuppressWarnings({"unchecked", "rawtypes"})
        Cache<Object, Object> raw = (Cache) cache;
        assertThatThrownBy(() -> raw.put("k", "not a long")).isInstanceOf(ClassCastException.class);
        assertThatThrownBy(() -> manager.getCache("typed", String.class, String.class))
                .isInstanceOf(ClassCastException.class);
    }

    @Test
    void everyOperationWorksOnOneNode() {
        Cache<String, Integer> cache = manager.createCache("ops", new MutableConfiguration<>());
        cache.putAll(Map.of("a", 1, "b", 2, "c", 3));
        assertThat(cache.getAll(Set.of("a", "b", "z"))).containsOnly(Map.entry("a", 1), Map.entry("b", 2));
        assertThat(cache.putIfAbsent("a", 9)).isFalse();
        assertThat(cache.getAndPut("a", 10)).isEqualTo(1);
        assertThat(cache.replace("a", 10, 11)).isTrue();
        assertThat(cache.replace("a", 10, 12)).isFalse();
        assertThat(cache.getAndReplace("b", 20)).isEqualTo(2);
        assertThat(cache.remove("b", 2)).isFalse();
        assertThat(cache.getAndRemove("b")).isEqualTo(20);
        int n = 0;
        for (Cache.Entry<String, Integer> e : cache) {
            n++;
        }
        assertThat(n).isEqualTo(2);
        cache.removeAll();
        assertThat(cache.iterator().hasNext()).isFalse();
    }

    @Test
    void managerWhoseSeedsDoNotAnswerFailsWithCacheExceptionInsteadOfHanging() throws Exception {
        int deadPort;
        try (java.net.DatagramSocket unused = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = unused.getLocalPort();
        }
        Properties p = new Properties();
        p.setProperty("kad.seeds", "127.0.0.1:" + deadPort);
        p.setProperty("kad.rpc-timeout-ms", "100");
        p.setProperty("kad.operation-timeout-ms", "300");
        long start = System.nanoTime();
        assertThatThrownBy(() -> TestManagers.fresh(p))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("127.0.0.1:" + deadPort);
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(30));
    }

    @Test
    void cacheNamedInPropertiesExistsOnFirstGetCache() {
        Properties p = new Properties();
        p.setProperty("kad.cache.orders.v1.expiry", "created:1h");
        p.setProperty("kad.cache.orders.v1.store-by-value", "false");
        p.setProperty("kad.cache.orders.v1.key-type", "java.lang.String");
        CacheManager configured = TestManagers.fresh(p);
        try {
            Cache<String, Object> cache = configured.getCache("orders.v1", String.class, Object.class);
            assertThat(cache).isNotNull();
            @SuppressWarnings("unchecked")
            MutableConfiguration<String, Object> c = cache.getConfiguration(MutableConfiguration.class);
            assertThat(c.isStoreByValue()).isFalse();
            assertThat(c.getExpiryPolicyFactory().create().getExpiryForCreation().getDurationAmount())
                    .isEqualTo(3_600_000L);
            assertThat(configured.getCache("not-configured")).isNull();
        } finally {
            configured.close();
        }
    }

    @Test
    void cacheDefaultsConfigureEveryCacheOpenedByNameAndFillWhatADeclaredCacheLeavesUnset() {
        Properties p = new Properties();
        p.setProperty("kad.cache.default.expiry", "accessed:10m");
        p.setProperty("kad.cache.default.statistics", "true");
        p.setProperty("kad.cache.orders.expiry", "created:1h");
        CacheManager configured = TestManagers.fresh(p);
        try {
            Cache<Object, Object> any = configured.getCache("io.example.Book");
            assertThat(any).isNotNull();
            assertThat(configured.getCache("io.example.Book")).isSameAs(any);
            @SuppressWarnings("unchecked")
            MutableConfiguration<Object, Object> c = any.getConfiguration(MutableConfiguration.class);
            assertThat(c.isStatisticsEnabled()).isTrue();
            assertThat(c.getExpiryPolicyFactory().create().getExpiryForAccess().getDurationAmount())
                    .isEqualTo(600_000L);
            any.put("k", "v");
            assertThat(any.get("k")).isEqualTo("v");

            @SuppressWarnings("unchecked")
            MutableConfiguration<Object, Object> orders = configured.getCache("orders")
                    .getConfiguration(MutableConfiguration.class);
            assertThat(orders.isStatisticsEnabled()).isTrue();
            assertThat(orders.getExpiryPolicyFactory().create().getExpiryForCreation().getDurationAmount())
                    .isEqualTo(3_600_000L);

            // an explicit configuration is used as given
            Cache<Object, Object> explicit = configured.createCache("explicit", new MutableConfiguration<>());
            @SuppressWarnings("unchecked")
            MutableConfiguration<Object, Object> e = explicit.getConfiguration(MutableConfiguration.class);
            assertThat(e.isStatisticsEnabled()).isFalse();
        } finally {
            configured.close();
        }
    }

    @Test
    void badCacheDefaultFailsNamingKeyValueAndSource() {
        Properties p = new Properties();
        p.setProperty("kad.cache.default.expiry", "sometimes");
        assertThatThrownBy(() -> TestManagers.fresh(p))
                .isInstanceOf(javax.cache.CacheException.class)
                .hasMessageContaining("kad.cache.default.expiry=sometimes")
                .hasMessageContaining("getCacheManager properties");
        Properties q = new Properties();
        q.setProperty("kad.cache.default.size", "100");
        assertThatThrownBy(() -> TestManagers.fresh(q))
                .isInstanceOf(javax.cache.CacheException.class)
                .hasMessageContaining("kad.cache.default.size=100")
                .hasMessageContaining("unknown key");
    }

    @Test
    void misspeltStorageBoundOrOverlongExpiryFailsGetCacheManagerNamingTheKey() {
        Properties typo = new Properties();
        typo.setProperty("kad.storage.max-recrods", "10");
        assertThatThrownBy(() -> TestManagers.fresh(typo))
                .isInstanceOf(javax.cache.CacheException.class)
                .hasMessageContaining("kad.storage.max-recrods=10")
                .hasMessageContaining("getCacheManager properties");
        Properties overlong = new Properties();
        overlong.setProperty("kad.cache.c.expiry", "created:9999999999999999d");
        assertThatThrownBy(() -> TestManagers.fresh(overlong))
                .isInstanceOf(javax.cache.CacheException.class)
                .hasMessageContaining("kad.cache.c.expiry=created:9999999999999999d")
                .hasMessageContaining("getCacheManager properties");
    }
}

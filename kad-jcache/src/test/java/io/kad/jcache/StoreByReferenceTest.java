package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A store-by-reference cache hands back the objects it was given, and holds them only while an entry
 * of this manager still stands for them: overwrites, removals, expiry, eviction, clear, close and other
 * nodes' changes release them.
 */
class StoreByReferenceTest {

    private final CacheManager manager = TestManagers.fresh();

    @AfterEach
    void close() {
        manager.close();
    }

    private Cache<Object, Object> byReference(String name) {
        return manager.createCache(name, new MutableConfiguration<>().setStoreByValue(false));
    }

    private static int held(Cache<?, ?> cache) {
        return cache.unwrap(KadCache.class).heldReferences();
    }

    /** An object no codec can encode: a store-by-reference cache keeps it in the manager. */
    private static Object opaque(int i) {
        return new Opaque(i);
    }

    @Test
    void overwritingOneKeyTenThousandTimesAndRemovingItReleasesEveryObject() {
        Cache<Object, Object> cache = byReference("overwrite");
        Object last = null;
        for (int i = 0; i < 10_000; i++) {
            last = opaque(i);
            cache.put("k", last);
        }
        assertThat(cache.get("k")).isSameAs(last);
        assertThat(held(cache)).isLessThanOrEqualTo(2);
        assertThat(cache.remove("k")).isTrue();
        assertThat(held(cache)).isZero();
    }

    @Test
    void encodableValuesAreHeldOncePerKey() {
        Cache<Object, Object> cache = byReference("encodable");
        for (int i = 0; i < 1_000; i++) {
            cache.put("k", "value " + i);
        }
        assertThat(held(cache)).isLessThanOrEqualTo(1);
        cache.getAndRemove("k");
        assertThat(held(cache)).isZero();
    }

    @Test
    void writesThatDoNotApplyHoldNothing() {
        Cache<Object, Object> cache = byReference("refused");
        cache.put("k", opaque(0));
        for (int i = 1; i <= 100; i++) {
            assertThat(cache.putIfAbsent("k", opaque(i))).isFalse();
            assertThat(cache.replace("k", opaque(-1), opaque(i))).isFalse();
            assertThat(cache.replace("absent" + i, opaque(i))).isFalse();
        }
        assertThat(held(cache)).isLessThanOrEqualTo(2);
    }

    @Test
    void keysThatCannotBeEncodedAreReleasedWithTheirEntry() {
        Cache<Object, Object> cache = byReference("opaqueKeys");
        for (int i = 0; i < 100; i++) {
            Object key = opaque(i);
            cache.put(key, opaque(i));
            assertThat(cache.get(key)).isEqualTo(opaque(i));
            cache.remove(key);
            assertThat(cache.get(opaque(1_000 + i))).isNull();
            assertThat(cache.containsKey(opaque(2_000 + i))).isFalse();
        }
        assertThat(held(cache)).isZero();
    }

    @Test
    void iteratingPastAnEntryRemovedSinceTheListingSkipsIt() {
        Cache<Object, Object> cache = byReference("iterated");
        Object first = opaque(1);
        Object second = opaque(2);
        cache.put(first, "one");
        cache.put(second, "two");
        java.util.Iterator<Cache.Entry<Object, Object>> it = cache.iterator();
        Cache.Entry<Object, Object> seen = it.next();
        cache.remove(seen.getKey().equals(first) ? second : first);
        assertThat(it.hasNext()).isFalse();
        cache.remove(seen.getKey());
        assertThat(held(cache)).isZero();
    }

    @Test
    void bulkOperationsReleaseWhatTheyReplaceAndRemove() {
        Cache<Object, Object> cache = byReference("bulk");
        Set<Object> keys = new HashSet<>();
        for (int round = 0; round < 20; round++) {
            Map<Object, Object> batch = new HashMap<>();
            for (int i = 0; i < 50; i++) {
                batch.put("k" + i, opaque(round * 100 + i));
                keys.add("k" + i);
            }
            cache.putAll(batch);
        }
        assertThat(held(cache)).isLessThanOrEqualTo(2 * 50);
        cache.removeAll(keys);
        assertThat(held(cache)).isZero();
    }

    @Test
    void clearAndCloseReleaseEverything() {
        Cache<Object, Object> cache = byReference("clear");
        for (int i = 0; i < 100; i++) {
            cache.put(opaque(i), opaque(i));
        }
        cache.clear();
        assertThat(held(cache)).isZero();
        for (int i = 0; i < 100; i++) {
            cache.put("k" + i, opaque(i));
        }
        cache.close();
        assertThat(held(cache)).isZero();
    }

    @Test
    void expiredEntriesAreReleasedWhenFoundExpired() {
        Cache<Object, Object> cache = manager.createCache("expiring", new MutableConfiguration<>()
                .setStoreByValue(false)
                .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(
                        new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 50))));
        for (int i = 0; i < 100; i++) {
            cache.put("k", opaque(i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> cache.get("k") == null);
        assertThat(held(cache)).isZero();
    }

    @Test
    void evictedEntriesReleaseTheirObjects() {
        Properties bounded = new Properties();
        bounded.setProperty("kad.storage.max-records", "10");
        try (CacheManager small = TestManagers.fresh(bounded)) {
            Cache<Object, Object> cache = small.createCache("evicted", new MutableConfiguration<>()
                    .setStoreByValue(false).setStatisticsEnabled(true));
            for (int i = 0; i < 200; i++) {
                cache.put("k" + i, opaque(i));
            }
            KadCache<?, ?> kad = cache.unwrap(KadCache.class);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                long evictions = kad.statistics().getCacheEvictions();
                assertThat(evictions).isGreaterThanOrEqualTo(150);
                // each entry still standing holds its value object and its token
                assertThat(held(cache)).isLessThanOrEqualTo(2 * (200 - (int) evictions));
            });
        }
    }

    @Test
    void anotherNodesChangeReleasesTheObjectThisManagerHeld() throws Exception {
        URI uri = URI.create("kad:shared-" + UUID.randomUUID());
        CacheManager first = TestManagers.provider().getCacheManager(uri, getClass().getClassLoader(),
                new Properties());
        try (URLClassLoader secondLoader = new URLClassLoader(new URL[0], getClass().getClassLoader())) {
            InetSocketAddress a = first.unwrap(KadCacheManager.class).node().address();
            Properties seeded = new Properties();
            seeded.setProperty("kad.seeds", a.getHostString() + ":" + a.getPort());
            CacheManager second = TestManagers.provider().getCacheManager(uri, secondLoader, seeded);
            try {
                Cache<Object, Object> mine = first.createCache("shared",
                        new MutableConfiguration<>().setStoreByValue(false));
                Cache<Object, Object> theirs = second.createCache("shared", new MutableConfiguration<>());
                for (int i = 0; i < 10; i++) {
                    mine.put("k" + i, opaque(i));
                }
                assertThat(held(mine)).isEqualTo(20);
                for (int i = 0; i < 5; i++) {
                    theirs.put("k" + i, "theirs");
                }
                for (int i = 5; i < 10; i++) {
                    theirs.remove("k" + i);
                }
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(held(mine)).isZero());
                assertThat(mine.get("k0")).isEqualTo("theirs");
            } finally {
                second.close();
            }
        } finally {
            first.close();
        }
    }

    /** Neither JSON nor {@code Serializable}: only a store-by-reference cache can hold it. */
    private record Opaque(int n) {
    }
}

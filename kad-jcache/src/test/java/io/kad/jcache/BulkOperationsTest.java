package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.jcache.ListenerTest.Recorder;
import java.io.Serializable;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code putAll} and {@code removeAll(keys)} overlap their record requests, and still account for each
 * entry as the spec says: one event and one statistic per entry, and a writer's failed entries left alone.
 */
class BulkOperationsTest {

    private final CacheManager manager = TestManagers.fresh();

    @AfterEach
    void close() {
        manager.close();
    }

    private static Map<String, String> entries(int n, String prefix) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            map.put("k" + i, prefix + i);
        }
        return map;
    }

    private static MutableCacheEntryListenerConfiguration<String, String> synchronous(Recorder recorder) {
        return new MutableCacheEntryListenerConfiguration<>(new FactoryBuilder.SingletonFactory<>(recorder), null,
                true, true);
    }

    @Test
    void putAllAndRemoveAllOfAThousandEntriesReportEachEntryOnce() {
        Recorder recorder = new Recorder();
        Cache<String, String> cache = manager.createCache("bulk", new MutableConfiguration<String, String>()
                .setStatisticsEnabled(true).addCacheEntryListenerConfiguration(synchronous(recorder)));
        KadCache<?, ?> kad = cache.unwrap(KadCache.class);

        cache.putAll(entries(1_000, "a"));
        assertThat(recorder.events).hasSize(1_000).allMatch(e -> e.startsWith("CREATED"));
        assertThat(recorder.events).contains("CREATED k999 a999 null");
        cache.putAll(entries(1_000, "b"));
        assertThat(recorder.events).hasSize(2_000);
        assertThat(recorder.events.subList(1_000, 2_000)).allMatch(e -> e.startsWith("UPDATED"))
                .contains("UPDATED k7 b7 a7");
        assertThat(kad.statistics().getCachePuts()).isEqualTo(2_000);
        assertThat(cache.getAll(entries(1_000, "").keySet())).isEqualTo(entries(1_000, "b"));

        Set<String> half = new HashSet<>();
        for (int i = 0; i < 1_000; i += 2) {
            half.add("k" + i);
        }
        half.add("never-put");
        cache.removeAll(half);
        assertThat(recorder.events).hasSize(2_500);
        assertThat(recorder.events.subList(2_000, 2_500)).allMatch(e -> e.startsWith("REMOVED"));
        assertThat(kad.statistics().getCacheRemovals()).isEqualTo(500);
        assertThat(cache.containsKey("k0")).isFalse();
        assertThat(cache.get("k1")).isEqualTo("b1");
    }

    @Test
    void putAllWithACustomExpiryPolicyAsksItOncePerEntry() {
        CountingPolicy.CREATIONS.clear();
        CountingPolicy.UPDATES.clear();
        Cache<String, String> cache = manager.createCache("custom", new MutableConfiguration<String, String>()
                .setExpiryPolicyFactory(FactoryBuilder.factoryOf(CountingPolicy.class)));
        cache.put("k0", "before");
        cache.putAll(entries(200, "v"));
        assertThat(CountingPolicy.CREATIONS.get("count")).isEqualTo(200);
        assertThat(CountingPolicy.UPDATES.get("count")).isEqualTo(1);
        assertThat(cache.get("k0")).isEqualTo("v0");
        assertThat(cache.get("k199")).isEqualTo("v199");
    }

    @Test
    void aBuiltInPolicyAppliesCreationAndUpdateExpiryWithoutARead() {
        Cache<String, String> cache = manager.createCache("created", new MutableConfiguration<String, String>()
                .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MINUTES, 10))));
        cache.putAll(entries(100, "v"));
        cache.putAll(entries(100, "w"));
        assertThat(cache.getAll(entries(100, "").keySet())).isEqualTo(entries(100, "w"));
    }

    @Test
    void entriesTheWriterFailedOnAreNeitherWrittenNorRemoved() {
        Cache<String, String> cache = manager.createCache("written", new MutableConfiguration<String, String>()
                .setWriteThrough(true).setCacheWriterFactory(FactoryBuilder.factoryOf(RefusingOddKeys.class)));
        Map<String, String> map = entries(100, "v");
        assertThatThrownBy(() -> cache.putAll(map)).isInstanceOf(CacheWriterException.class);
        for (int i = 0; i < 100; i++) {
            assertThat(cache.get("k" + i)).isEqualTo(i % 2 == 0 ? "v" + i : null);
        }
        for (int i = 1; i < 100; i += 2) {
            cache.put("k" + i, "direct");
        }
        Set<String> keys = new HashSet<>(map.keySet());
        assertThatThrownBy(() -> cache.removeAll(keys)).isInstanceOf(CacheWriterException.class);
        for (int i = 0; i < 100; i++) {
            assertThat(cache.get("k" + i)).isEqualTo(i % 2 == 0 ? null : "direct");
        }
    }

    @Test
    void invokeAllRunsTheProcessorOncePerKeyAndReportsEachOutcome() {
        Recorder recorder = new Recorder();
        Cache<String, String> cache = manager.createCache("invoked", new MutableConfiguration<String, String>()
                .setStatisticsEnabled(true).addCacheEntryListenerConfiguration(synchronous(recorder)));
        cache.putAll(entries(150, "v"));
        Set<String> keys = entries(300, "").keySet();
        Map<String, EntryProcessorResult<Integer>> results = cache.invokeAll(keys, (entry, args) -> {
            int n = Integer.parseInt(entry.getKey().substring(1));
            if (n % 50 == 49) {
                throw new IllegalStateException("refused " + entry.getKey());
            }
            if (n % 3 == 0) {
                entry.remove();
            } else {
                entry.setValue(entry.exists() ? entry.getValue() + "+" : "new");
            }
            return n;
        });
        assertThat(results).hasSize(300);
        for (int n = 0; n < 300; n++) {
            String key = "k" + n;
            if (n % 50 == 49) {
                assertThatThrownBy(() -> results.get(key).get()).isInstanceOf(EntryProcessorException.class)
                        .hasMessageContaining("refused " + key);
                assertThat(cache.get(key)).isEqualTo(n < 150 ? "v" + n : null);
            } else {
                assertThat(results.get(key).get()).isEqualTo(n);
                assertThat(cache.get(key)).isEqualTo(n % 3 == 0 ? null : n < 150 ? "v" + n + "+" : "new");
            }
        }
        int created = 150;
        int updated = 0;
        int removed = 0;
        for (int n = 0; n < 300; n++) {
            if (n % 50 != 49) {
                if (n % 3 == 0) {
                    removed += n < 150 ? 1 : 0;
                } else if (n < 150) {
                    updated++;
                } else {
                    created++;
                }
            }
        }
        assertThat(recorder.events.stream().filter(e -> e.startsWith("CREATED"))).hasSize(created);
        assertThat(recorder.events.stream().filter(e -> e.startsWith("UPDATED"))).hasSize(updated);
        assertThat(recorder.events.stream().filter(e -> e.startsWith("REMOVED"))).hasSize(removed);
    }

    @Test
    void concurrentPutAllsOfTheSameKeysUnderACustomPolicyEachLandWhole() throws Exception {
        Cache<String, String> cache = manager.createCache("raced", new MutableConfiguration<String, String>()
                .setExpiryPolicyFactory(FactoryBuilder.factoryOf(CountingPolicy.class)).setStatisticsEnabled(true));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                Map<String, String> first = entries(300, "first" + round + "-");
                Map<String, String> second = entries(300, "second" + round + "-");
                java.util.concurrent.Future<?> a = pool.submit(() -> cache.putAll(first));
                java.util.concurrent.Future<?> b = pool.submit(() -> cache.putAll(second));
                a.get(60, TimeUnit.SECONDS);
                b.get(60, TimeUnit.SECONDS);
                Map<String, String> now = cache.getAll(first.keySet());
                assertThat(now).hasSize(300);
                for (Map.Entry<String, String> e : now.entrySet()) {
                    assertThat(e.getValue()).isIn(first.get(e.getKey()), second.get(e.getKey()));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(cache.unwrap(KadCache.class).statistics().getCachePuts()).isEqualTo(5 * 2 * 300);
    }

    /** A writer that handles even-numbered keys and then fails on the first odd one of a batch. */
    public static final class RefusingOddKeys implements CacheWriter<String, String>, Serializable {
        private static final long serialVersionUID = 1L;

        private static boolean odd(Object key) {
            return Integer.parseInt(key.toString().substring(1)) % 2 == 1;
        }

        @Override
        public void write(Cache.Entry<? extends String, ? extends String> entry) {
            // direct puts in the test are of odd keys: accepted one by one
        }

        @Override
        public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
            entries.removeIf(e -> !odd(e.getKey()));
            if (!entries.isEmpty()) {
                throw new CacheWriterException("odd keys refused");
            }
        }

        @Override
        public void delete(Object key) {
        }

        @Override
        public void deleteAll(Collection<?> keys) {
            for (Iterator<?> it = keys.iterator(); it.hasNext(); ) {
                if (!odd(it.next())) {
                    it.remove();
                }
            }
            if (!keys.isEmpty()) {
                throw new CacheWriterException("odd keys refused");
            }
        }
    }

    /** A custom policy (so every question counts) that counts its creation and update questions. */
    public static final class CountingPolicy implements ExpiryPolicy, Serializable {
        private static final long serialVersionUID = 1L;
        static final Map<String, Integer> CREATIONS = new ConcurrentHashMap<>();
        static final Map<String, Integer> UPDATES = new ConcurrentHashMap<>();

        @Override
        public Duration getExpiryForCreation() {
            CREATIONS.merge("count", 1, Integer::sum);
            return Duration.ETERNAL;
        }

        @Override
        public Duration getExpiryForAccess() {
            return null;
        }

        @Override
        public Duration getExpiryForUpdate() {
            UPDATES.merge("count", 1, Integer::sum);
            return null;
        }
    }
}

package io.kad.jcache.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.jcache.KadCacheManager;
import io.kad.jcache.KadCachingProvider;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.processor.EntryProcessor;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three cache managers, each running its own node, joined into one loopback swarm in this JVM. They
 * share one URI (so one set of namespaces) and differ by class loader, as the spec keys managers by
 * (URI, ClassLoader).
 */
class SwarmCacheTest {

    private final CachingProvider provider = Caching.getCachingProvider(KadCachingProvider.class.getName());
    private final URI uri = URI.create("kad:swarm-test-" + UUID.randomUUID());
    private final List<CacheManager> managers = new ArrayList<>();
    private final List<URLClassLoader> loaders = new ArrayList<>();

    @BeforeEach
    void startSwarm() {
        for (int i = 0; i < 3; i++) {
            Properties p = new Properties();
            p.setProperty("kad.replication", "2");
            if (!managers.isEmpty()) {
                StringBuilder seeds = new StringBuilder();
                for (CacheManager m : managers) {
                    InetSocketAddress a = m.unwrap(KadCacheManager.class).node().address();
                    seeds.append(seeds.length() == 0 ? "" : ",").append("127.0.0.1:").append(a.getPort());
                }
                p.setProperty("kad.seeds", seeds.toString());
            }
            URLClassLoader loader = new URLClassLoader(new URL[0], getClass().getClassLoader());
            loaders.add(loader);
            managers.add(provider.getCacheManager(uri, loader, p));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> managers.stream()
                .allMatch(m -> m.unwrap(KadCacheManager.class).node().peers().size() == 2));
    }

    @AfterEach
    void stopSwarm() throws Exception {
        for (CacheManager m : managers) {
            m.close();
        }
        for (URLClassLoader l : loaders) {
            l.close();
        }
    }

    private Cache<String, Integer> cache(int manager, String name) {
        CacheManager m = managers.get(manager);
        Cache<String, Integer> c = m.getCache(name, String.class, Integer.class);
        if (c == null) {
            c = m.createCache(name, new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class));
        }
        return c;
    }

    @Test
    void aOneMebibyteValueWrittenOnOneNodeIsReadOnEveryNode() {
        List<Cache<String, byte[]>> caches = new ArrayList<>();
        for (CacheManager m : managers) {
            Cache<String, byte[]> c = m.getCache("large", String.class, byte[].class);
            caches.add(c != null ? c : m.createCache("large",
                    new MutableConfiguration<String, byte[]>().setTypes(String.class, byte[].class)));
        }
        byte[] value = new byte[1024 * 1024];
        new java.util.Random(7).nextBytes(value);
        caches.get(0).put("mebibyte", value);
        for (Cache<String, byte[]> c : caches) {
            assertThat(c.get("mebibyte")).isEqualTo(value);
        }
        byte[] other = value.clone();
        other[0]++;
        caches.get(2).put("mebibyte", other);
        for (Cache<String, byte[]> c : caches) {
            assertThat(c.get("mebibyte")).isEqualTo(other);
        }
        long fragments = managers.stream()
                .mapToLong(m -> m.unwrap(KadCacheManager.class).node().stats().fragmentsSent()).sum();
        assertThat(fragments).as("fragments sent").isPositive();
    }

    @Test
    void threeNodesRacingPutIfAbsentHaveExactlyOneWinner() throws Exception {
        List<Cache<String, Integer>> caches = List.of(cache(0, "race"), cache(1, "race"), cache(2, "race"));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 30; round++) {
                String key = "key-" + round;
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> wins = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Cache<String, Integer> c = caches.get(i);
                    int mine = i;
                    wins.add(pool.submit(() -> {
                        go.await();
                        return c.putIfAbsent(key, mine);
                    }));
                }
                go.countDown();
                int winners = 0;
                int winner = -1;
                for (int i = 0; i < 3; i++) {
                    if (wins.get(i).get(10, TimeUnit.SECONDS)) {
                        winners++;
                        winner = i;
                    }
                }
                assertThat(winners).as("winners of round %d", round).isEqualTo(1);
                for (Cache<String, Integer> c : caches) {
                    assertThat(c.get(key)).isEqualTo(winner);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A write-through target shared by the three managers, as one database behind three applications. */
    public static final class SharedStore implements javax.cache.integration.CacheWriter<String, Integer> {
        static final java.util.Map<String, Integer> ROWS = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void write(Cache.Entry<? extends String, ? extends Integer> entry) {
            ROWS.put(entry.getKey(), entry.getValue());
        }

        @Override
        public void writeAll(java.util.Collection<Cache.Entry<? extends String, ? extends Integer>> entries) {
            entries.forEach(this::write);
            entries.clear();
        }

        @Override
        public void delete(Object key) {
            ROWS.remove(key);
        }

        @Override
        public void deleteAll(java.util.Collection<?> keys) {
            keys.forEach(ROWS::remove);
            keys.clear();
        }
    }

    @Test
    void writeThroughStoreEndsWithTheWinnersValueWhenConditionalWritesRace() throws Exception {
        SharedStore.ROWS.clear();
        MutableConfiguration<String, Integer> config = new MutableConfiguration<String, Integer>()
                .setTypes(String.class, Integer.class).setWriteThrough(true)
                .setCacheWriterFactory(FactoryBuilder.factoryOf(SharedStore.class));
        List<Cache<String, Integer>> caches = new ArrayList<>();
        for (CacheManager m : managers) {
            caches.add(m.createCache("written", config));
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 30; round++) {
                String key = "key-" + round;
                int offset = round * 10;
                // every loser told the store of its value before its conditional write lost
                race(pool, caches, i -> caches.get(i).putIfAbsent(key, offset + i));
                assertThat(SharedStore.ROWS.get(key)).as("store after putIfAbsent race %d", round)
                        .isEqualTo(caches.get(0).get(key));
                int before = caches.get(0).get(key);
                race(pool, caches, i -> caches.get(i).replace(key, before, offset + 5 + i));
                assertThat(SharedStore.ROWS.get(key)).as("store after replace race %d", round)
                        .isEqualTo(caches.get(0).get(key)).isNotEqualTo(before);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Runs one call per node at once; exactly one must report a change. */
    private static void race(ExecutorService pool, List<Cache<String, Integer>> caches,
                             java.util.function.IntPredicate call) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < caches.size(); i++) {
            int node = i;
            results.add(pool.submit(() -> {
                go.await();
                return call.test(node);
            }));
        }
        go.countDown();
        int changed = 0;
        for (Future<Boolean> f : results) {
            if (f.get(10, TimeUnit.SECONDS)) {
                changed++;
            }
        }
        assertThat(changed).as("calls that changed the entry").isEqualTo(1);
    }

    /** Adds one to the entry's value; runs in the invoking JVM, never on the owner. */
    static final class Increment implements EntryProcessor<String, Integer, Void>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Void process(javax.cache.processor.MutableEntry<String, Integer> entry, Object... arguments) {
            entry.setValue(entry.exists() ? entry.getValue() + 1 : 1);
            return null;
        }
    }

    @Test
    void threeNodesIncrementingOneKeyAThousandTimesEachCountToThreeThousand() throws Exception {
        List<Cache<String, Integer>> caches = List.of(cache(0, "counter"), cache(1, "counter"), cache(2, "counter"));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (Cache<String, Integer> c : caches) {
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 1000; i++) {
                        c.invoke("hits", new Increment());
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (Cache<String, Integer> c : caches) {
            assertThat(c.get("hits")).isEqualTo(3000);
        }
    }

    /** Records the events it receives, in order. */
    static final class Recorder implements CacheEntryCreatedListener<String, Integer>,
            CacheEntryUpdatedListener<String, Integer>, CacheEntryRemovedListener<String, Integer>, Serializable {
        private static final long serialVersionUID = 1L;
        static final List<String> EVENTS = new CopyOnWriteArrayList<>();

        private void record(Iterable<CacheEntryEvent<? extends String, ? extends Integer>> events) {
            for (CacheEntryEvent<? extends String, ? extends Integer> e : events) {
                EVENTS.add(e.getEventType() + " " + e.getKey() + "=" + e.getValue());
            }
        }

        @Override
        public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends Integer>> events)
                throws CacheEntryListenerException {
            record(events);
        }

        @Override
        public void onUpdated(Iterable<CacheEntryEvent<? extends String, ? extends Integer>> events)
                throws CacheEntryListenerException {
            record(events);
        }

        @Override
        public void onRemoved(Iterable<CacheEntryEvent<? extends String, ? extends Integer>> events)
                throws CacheEntryListenerException {
            record(events);
        }
    }

    @Test
    void listenerOnOneNodeReceivesInOrderTheEventsOfMutationsMadeOnTheOthers() {
        Recorder.EVENTS.clear();
        Cache<String, Integer> a = cache(0, "events");
        Cache<String, Integer> b = cache(1, "events");
        Cache<String, Integer> c = cache(2, "events");
        a.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
                FactoryBuilder.factoryOf(new Recorder()), null, false, true));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            b.put("k", i);
            expected.add((i == 0 ? "CREATED" : "UPDATED") + " k=" + i);
            c.put("k", i + 100);
            expected.add("UPDATED k=" + (i + 100));
        }
        c.remove("k");
        expected.add("REMOVED k=109");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(Recorder.EVENTS).containsExactlyElementsOf(expected));
    }

    @Test
    void clearOnOneNodeNotifiesNoListenerOnAnother() {
        Recorder.EVENTS.clear();
        Cache<String, Integer> a = cache(0, "cleared");
        Cache<String, Integer> b = cache(1, "cleared");
        a.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
                FactoryBuilder.factoryOf(new Recorder()), null, false, true));
        b.put("before", 1);
        b.clear();
        b.put("after", 2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(Recorder.EVENTS).containsExactly("CREATED before=1", "CREATED after=2"));
        assertThat(a.get("before")).isNull();
    }

    @Test
    void expiryIsEnforcedWhicheverNodeReads() {
        MutableConfiguration<String, Integer> config = new MutableConfiguration<String, Integer>()
                .setTypes(String.class, Integer.class)
                .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(
                        TimeUnit.MILLISECONDS, 300)));
        Cache<String, Integer> a = managers.get(0).createCache("short", config);
        Cache<String, Integer> b = managers.get(1).createCache("short", config);
        Cache<String, Integer> c = managers.get(2).createCache("short", config);
        for (int i = 0; i < 20; i++) {
            a.put("k" + i, i);
        }
        assertThat(b.get("k7")).isEqualTo(7);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int i = 0; i < 20; i++) {
                assertThat(b.get("k" + i)).isNull();
                assertThat(c.get("k" + i)).isNull();
            }
        });
    }

    @Test
    void valueWrittenThroughOneManagerIsReadOnAnotherAfterTheWriterCloses() {
        Cache<String, Integer> a = cache(0, "survivors");
        for (int i = 0; i < 50; i++) {
            a.put("k" + i, i);
        }
        managers.get(0).close();
        Cache<String, Integer> b = cache(1, "survivors");
        for (int i = 0; i < 50; i++) {
            assertThat(b.get("k" + i)).as("k%d after its writer left", i).isEqualTo(i);
        }
    }
}

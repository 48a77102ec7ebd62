package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kad.core.KadNode;
import io.kad.core.record.WriteCommand;
import io.kad.jcache.codec.AllowlistFilter;
import io.kad.jcache.codec.HostileStreams;
import io.kad.jcache.codec.KadCodec;
import io.kad.jcache.metrics.KadCacheMetrics;
import io.kad.spi.StoredRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryUpdatedListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A value a hostile peer wrote into the swarm (raw record bytes, as any node can write them) costs the
 * caller the one operation that reads it: a {@link CacheException} naming the cache and the key, fast;
 * the cache goes on working. An event carrying such a value is dropped and counted, and later events
 * are delivered. The timeout only guards against a hang.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileValueTest {

    private static final KadCodec KEYS = new KadCodec(HostileValueTest.class.getClassLoader(),
            AllowlistFilter.of(List.of(), List.of()));

    private final URI uri = URI.create("kad:hostile-" + UUID.randomUUID());
    private final CacheManager manager = TestManagers.provider().getCacheManager(uri, getClass().getClassLoader(),
            new Properties());
    private CacheManager listening;
    private URLClassLoader listeningLoader;

    @AfterEach
    void close() throws Exception {
        if (listening != null) {
            listening.close();
            listeningLoader.close();
        }
        manager.close();
    }

    @Test
    void eachHostileValueFailsItsOwnGetFastAndTheCacheGoesOn() {
        Cache<String, Object> cache = manager.createCache("values", new MutableConfiguration<>());
        Map<String, Supplier<byte[]>> hostile = Map.of(
                "array-bomb", () -> HostileStreams.arrayBomb(400_000_000),
                "nested-set-bomb", () -> HostileStreams.nestedSetBomb(60),
                "lambda", HostileStreams::serializedLambda,
                "proxy", HostileStreams::dynamicProxy,
                "priority-queue", HostileStreams::priorityQueue);
        cache.put("fine", "before");
        for (Map.Entry<String, Supplier<byte[]>> e : hostile.entrySet()) {
            writeRaw(manager, "values", e.getKey(), e.getValue().get());
        }
        for (String key : hostile.keySet()) {
            assertThatThrownBy(() -> cache.get(key))
                    .as(key)
                    .isInstanceOf(CacheException.class)
                    .hasMessageContaining("key " + key)
                    .hasMessageContaining("cache values");
        }
        assertThat(cache.get("fine")).isEqualTo("before");
        cache.put("after", 42);
        assertThat(cache.get("after")).isEqualTo(42);
        // a plain put overwrites a hostile value without reading it
        cache.put("array-bomb", "clean");
        assertThat(cache.get("array-bomb")).isEqualTo("clean");
        assertThat(cache.remove("proxy")).isTrue();
        assertThat(cache.containsKey("proxy")).isFalse();
    }

    @Test
    void arrayBombFailsNamingTheLimitAndTheKey() {
        Cache<String, Object> cache = manager.createCache("bombs", new MutableConfiguration<>());
        writeRaw(manager, "bombs", "k", HostileStreams.arrayBomb(400_000_000));
        assertThatThrownBy(() -> cache.get("k"))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("value of key k of cache bombs")
                .hasMessageContaining("kad.serialization.max-array-length");
    }

    @Test
    void undecodableEventIsDroppedAndCountedAndLaterEventsAreDelivered() {
        listeningLoader = new URLClassLoader(new URL[0], getClass().getClassLoader());
        InetSocketAddress seed = manager.unwrap(KadCacheManager.class).node().address();
        Properties p = new Properties();
        p.setProperty("kad.seeds", seed.getHostString() + ":" + seed.getPort());
        listening = TestManagers.provider().getCacheManager(uri, listeningLoader, p);
        Cache<String, Object> writer = manager.createCache("events", new MutableConfiguration<>());
        Cache<String, Object> listened = listening.createCache("events", new MutableConfiguration<>());
        Recorder recorder = new Recorder();
        listened.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
                FactoryBuilder.factoryOf(recorder), null, true, false));
        KadCache<?, ?> listenedCache = listened.unwrap(KadCache.class);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KadCacheMetrics.monitor(registry, listened);

        writer.put("first", "one");
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.events.contains("CREATED first one"));

        writeRaw(manager, "events", "bomb", HostileStreams.arrayBomb(400_000_000));
        writeRaw(manager, "events", "set", HostileStreams.nestedSetBomb(60));
        await().atMost(Duration.ofSeconds(10)).until(() -> listenedCache.droppedEvents() == 2);

        // the keys may have different owners, whose events travel separately: one write at a time
        writer.put("second", "two");
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.events.contains("CREATED second two"));
        writer.put("first", "uno");
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.events.contains("UPDATED first uno"));
        assertThat(recorder.events).containsExactly("CREATED first one", "CREATED second two", "UPDATED first uno");
        assertThat(listenedCache.droppedEvents()).isEqualTo(2);
        assertThat(registry.get("cache.events.dropped").tag("cache", "events").functionCounter().count()).isEqualTo(2);
    }

    /** Writes value bytes under a string key as a peer would: straight through the record protocol. */
    private static void writeRaw(CacheManager manager, String cache, String key, byte[] value) {
        KadNode node = manager.unwrap(KadCacheManager.class).node();
        String namespace = manager.getURI() + "|" + cache;
        node.records().write(namespace, KEYS.encode(key, "key"), WriteCommand.put(value, false, StoredRecord.NEVER))
                .orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** Records the events it receives; the singleton factory hands the listener this very instance. */
    static final class Recorder implements CacheEntryCreatedListener<String, Object>,
            CacheEntryUpdatedListener<String, Object>, java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onCreated(Iterable<CacheEntryEvent<? extends String, ?>> batch) {
            batch.forEach(e -> events.add("CREATED " + e.getKey() + " " + e.getValue()));
        }

        @Override
        public void onUpdated(Iterable<CacheEntryEvent<? extends String, ?>> batch) {
            batch.forEach(e -> events.add("UPDATED " + e.getKey() + " " + e.getValue()));
        }
    }
}

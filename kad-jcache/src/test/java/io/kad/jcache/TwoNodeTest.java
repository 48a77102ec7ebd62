package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.processor.EntryProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two cache managers with the same URI, each on its own node of one swarm (different class loaders
 * make them distinct managers in one JVM): they share the caches' entries and see each other's changes.
 */
class TwoNodeTest {

    private final TwoNodeSwarm swarm = new TwoNodeSwarm("shared");
    private final CacheManager first = swarm.first;
    private final CacheManager second = swarm.second;

    @AfterEach
    void close() throws Exception {
        swarm.close();
    }

    @Test
    void entriesPutThroughOneNodeAreReadThroughTheOther() {
        Cache<String, Integer> a = first.createCache("c", new MutableConfiguration<>());
        Cache<String, Integer> b = second.createCache("c", new MutableConfiguration<>());
        for (int i = 0; i < 20; i++) {
            a.put("k" + i, i);
        }
        for (int i = 0; i < 20; i++) {
            assertThat(b.get("k" + i)).isEqualTo(i);
        }
        b.remove("k0");
        assertThat(a.containsKey("k0")).isFalse();
    }

    @Test
    void entryProcessorsOnBothNodesAreAtomicTogether() throws Exception {
        Cache<String, Integer> a = first.createCache("counter", new MutableConfiguration<>());
        Cache<String, Integer> b = second.createCache("counter", new MutableConfiguration<>());
        EntryProcessor<String, Integer, Void> increment = (entry, args) -> {
            entry.setValue(entry.exists() ? entry.getValue() + 1 : 1);
            return null;
        };
        Thread other = new Thread(() -> {
            for (int i = 0; i < 300; i++) {
                b.invoke("n", increment);
            }
        }, "two-node-test-increments");
        other.start();
        for (int i = 0; i < 300; i++) {
            a.invoke("n", increment);
        }
        other.join(60_000);
        assertThat(a.get("n")).isEqualTo(600);
    }

    @Test
    void destroyingACacheNotOpenOnThisNodeStillRemovesItsEntries() {
        Cache<String, Integer> a = first.createCache("doomed", new MutableConfiguration<>());
        a.put("k", 1);
        second.destroyCache("doomed");
        assertThat(a.get("k")).isNull();
    }

    @Test
    void listenerSeesChangesMadeThroughTheOtherNode() {
        Created created = new Created();
        Cache<String, String> a = first.createCache("events", new MutableConfiguration<String, String>()
                .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
                        new FactoryBuilder.SingletonFactory<>(created), null, true, false)));
        Cache<String, String> b = second.createCache("events", new MutableConfiguration<>());
        b.put("remote", "value");
        await().atMost(Duration.ofSeconds(10)).until(() -> created.keys.contains("remote=value"));
        assertThat(a.get("remote")).isEqualTo("value");
    }

    static final class Created implements CacheEntryCreatedListener<String, String>, Serializable {
        private static final long serialVersionUID = 1L;
        final List<String> keys = new CopyOnWriteArrayList<>();

        @Override
        public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
            events.forEach(e -> keys.add(e.getKey() + "=" + e.getValue()));
        }
    }
}

package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.core.KadNode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A compound operation whose conditional write another node's change beat decides again from the
 * record the refused write returned: it reads the entry once, whatever the race. Reads are counted by
 * the reads the other node of a two-node swarm serves (about half the keys are its own; a read of a key
 * this node owns is dispatched in-process and not counted).
 */
class LostRaceTest {

    private final URI uri = URI.create("kad:race-" + UUID.randomUUID());
    private final CacheManager other = TestManagers.provider().getCacheManager(uri, getClass().getClassLoader(),
            new Properties());
    private final URLClassLoader callerLoader = new URLClassLoader(new URL[0], getClass().getClassLoader());
    private final CacheManager caller = TestManagers.provider().getCacheManager(uri, callerLoader, seededBy(other));

    /** The system of record; {@link #duringWrite} runs inside each write, before the cache's own write. */
    public static final class Store implements CacheWriter<String, String> {
        static final List<String> CALLS = new CopyOnWriteArrayList<>();
        static volatile Runnable duringWrite = () -> { };

        @Override
        public void write(Cache.Entry<? extends String, ? extends String> entry) {
            CALLS.add("write " + entry.getKey() + "=" + entry.getValue());
            Runnable r = duringWrite;
            duringWrite = () -> { };
            r.run();
        }

        @Override
        public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
            entries.forEach(this::write);
            entries.clear();
        }

        @Override
        public void delete(Object key) {
            CALLS.add("delete " + key);
        }

        @Override
        public void deleteAll(Collection<?> keys) {
            keys.forEach(this::delete);
            keys.clear();
        }
    }

    private static Properties seededBy(CacheManager manager) {
        InetSocketAddress a = manager.unwrap(KadCacheManager.class).node().address();
        Properties p = new Properties();
        p.setProperty("kad.seeds", a.getHostString() + ":" + a.getPort());
        return p;
    }

    @AfterEach
    void close() throws Exception {
        caller.close();
        other.close();
        callerLoader.close();
        Store.CALLS.clear();
    }

    private long readsServed() {
        KadNode a = other.unwrap(KadCacheManager.class).node();
        KadNode b = caller.unwrap(KadCacheManager.class).node();
        return a.stats().recordReads() + b.stats().recordReads();
    }

    @Test
    void aReplaceThatLosesItsRaceReadsOnceAndResyncsTheWriterWithTheWinnersValue() {
        await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                !other.unwrap(KadCacheManager.class).node().peers().isEmpty()
                        && !caller.unwrap(KadCacheManager.class).node().peers().isEmpty());
        Cache<String, String> mine = caller.createCache("race", new MutableConfiguration<String, String>()
                .setTypes(String.class, String.class).setWriteThrough(true)
                .setCacheWriterFactory(FactoryBuilder.factoryOf(Store.class)));
        Cache<String, String> theirs = other.createCache("race", new MutableConfiguration<String, String>()
                .setTypes(String.class, String.class));
        List<Long> readsPerReplace = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String key = "k" + i;
            mine.put(key, "a");
            // another node changes the entry between this replace's read and its conditional write
            Store.duringWrite = () -> theirs.put(key, "c");
            long before = readsServed();

            boolean replaced = mine.replace(key, "a", "b");

            readsPerReplace.add(readsServed() - before);
            assertThat(replaced).isFalse();
            assertThat(Store.CALLS).as(key).endsWith("write " + key + "=b", "write " + key + "=c");
            assertThat(theirs.get(key)).isEqualTo("c");
        }
        assertThat(readsPerReplace).allMatch(n -> n <= 1).contains(1L);
    }
}

package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A compound operation tells the writer of its change before its conditional write; when that write
 * then fails because the entry expired meanwhile, the store must not lose its row: expiry never
 * reaches a writer.
 */
class WriteThroughRaceTest {

    /** The system of record; {@link #duringWrite} runs inside each write, to let time pass there. */
    public static final class Store implements CacheWriter<String, String> {
        static final Map<String, String> ROWS = new ConcurrentHashMap<>();
        static final List<String> CALLS = new CopyOnWriteArrayList<>();
        static volatile Runnable duringWrite = () -> { };

        @Override
        public void write(Cache.Entry<? extends String, ? extends String> entry) {
            CALLS.add("write " + entry.getKey() + "=" + entry.getValue());
            duringWrite.run();
            ROWS.put(entry.getKey(), entry.getValue());
        }

        @Override
        public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
            entries.forEach(this::write);
            entries.clear();
        }

        @Override
        public void delete(Object key) {
            CALLS.add("delete " + key);
            ROWS.remove(key);
        }

        @Override
        public void deleteAll(Collection<?> keys) {
            keys.forEach(this::delete);
            keys.clear();
        }
    }

    private final CacheManager manager = TestManagers.fresh();

    @AfterEach
    void close() {
        Store.duringWrite = () -> { };
        manager.close();
    }

    @Test
    void anEntryThatExpiresWhileTheWriterWritesKeepsItsRowInTheStore() {
        Store.ROWS.clear();
        Store.CALLS.clear();
        Cache<String, String> cache = manager.createCache("expiring-write-through",
                new MutableConfiguration<String, String>().setTypes(String.class, String.class)
                        .setWriteThrough(true).setCacheWriterFactory(FactoryBuilder.factoryOf(Store.class))
                        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(
                                new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 200))));
        cache.put("k", "old");
        // the replacement's write to the store takes until the entry has expired
        Store.duringWrite = () -> await().atMost(Duration.ofSeconds(5)).until(() -> !cache.containsKey("k"));

        assertThat(cache.replace("k", "old", "new")).isFalse();

        assertThat(Store.CALLS).containsExactly("write k=old", "write k=new");
        assertThat(Store.ROWS).containsEntry("k", "new");
    }
}

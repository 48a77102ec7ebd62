package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EntryProcessorTest {

    private static final EntryProcessor<String, Integer, Integer> INCREMENT = (entry, args) -> {
        int next = entry.exists() ? entry.getValue() + 1 : 1;
        entry.setValue(next);
        return next;
    };

    private final CacheManager manager = TestManagers.fresh();

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void concurrentIncrementsFromThreeThreadsAreNeverLost() throws Exception {
        Cache<String, Integer> cache = manager.createCache("counter", new MutableConfiguration<>());
        ExecutorService pool = Executors.newFixedThreadPool(3, r -> {
            Thread t = new Thread(r, "increment-test");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 1000; i++) {
                        cache.invoke("n", INCREMENT);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(cache.get("n")).isEqualTo(3000);
    }

    @Test
    void processorExceptionIsWrappedAndNothingIsWritten() {
        Cache<String, Integer> cache = manager.createCache("failing", new MutableConfiguration<>());
        cache.put("k", 1);
        assertThatThrownBy(() -> cache.invoke("k", (entry, args) -> {
            entry.setValue(2);
            throw new IllegalArgumentException("no");
        })).isInstanceOf(EntryProcessorException.class).hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(cache.get("k")).isEqualTo(1);
    }

    @Test
    void removeThenSetInOneInvocationIsAnUpdate() {
        Cache<String, Integer> cache = manager.createCache("removeThenSet", new MutableConfiguration<>());
        cache.put("k", 1);
        cache.invoke("k", (entry, args) -> {
            entry.remove();
            assertThat(entry.exists()).isFalse();
            entry.setValue(5);
            return null;
        });
        assertThat(cache.get("k")).isEqualTo(5);
    }
}

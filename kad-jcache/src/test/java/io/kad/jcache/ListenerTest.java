package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

public class ListenerTest {

    private final CacheManager manager = TestManagers.fresh();
    private final Cache<String, String> cache = manager.createCache("listened", new MutableConfiguration<>());

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void synchronousListenerSeesEventsInOrderBeforeEachCallReturns() {
        Recorder recorder = new Recorder();
        cache.registerCacheEntryListener(config(recorder, true, null));

        cache.put("k", "v1");
        assertThat(recorder.events).containsExactly("CREATED k v1 null");
        cache.put("k", "v2");
        assertThat(recorder.events).last().isEqualTo("UPDATED k v2 v1");
        cache.remove("k");
        assertThat(recorder.events).last().isEqualTo("REMOVED k v2 v2");
        cache.remove("k");
        assertThat(recorder.events).hasSize(3);
    }

    @Test
    void filterDropsEventsItRejects() {
        Recorder recorder = new Recorder();
        cache.registerCacheEntryListener(config(recorder, true, new OnlyKeysStartingWithA()));
        cache.put("apple", "1");
        cache.put("banana", "2");
        assertThat(recorder.events).containsExactly("CREATED apple 1 null");
    }

    @Test
    void asynchronousListenerReceivesEventsInOrder() {
        Recorder recorder = new Recorder();
        cache.registerCacheEntryListener(config(recorder, false, null));
        for (int i = 0; i < 50; i++) {
            cache.put("k", Integer.toString(i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.events.size() == 50);
        assertThat(recorder.events.get(0)).isEqualTo("CREATED k 0 null");
        for (int i = 1; i < 50; i++) {
            assertThat(recorder.events.get(i)).isEqualTo("UPDATED k " + i + " " + (i - 1));
        }
    }

    @Test
    void deregisteredListenerGetsNoMoreEvents() {
        Recorder recorder = new Recorder();
        MutableCacheEntryListenerConfiguration<String, String> c = config(recorder, true, null);
        cache.registerCacheEntryListener(c);
        cache.put("a", "1");
        cache.deregisterCacheEntryListener(c);
        cache.put("b", "2");
        assertThat(recorder.events).containsExactly("CREATED a 1 null");
        assertThat(cache.getConfiguration(MutableConfiguration.class).getCacheEntryListenerConfigurations())
                .isEmpty();
    }

    @Test
    void registeringTheSameConfigurationTwiceFails() {
        MutableCacheEntryListenerConfiguration<String, String> c = config(new Recorder(), true, null);
        cache.registerCacheEntryListener(c);
        assertThatThrownBy(() -> cache.registerCacheEntryListener(c)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void synchronousListenerFailureReachesTheCallerAsCacheEntryListenerException() {
        cache.registerCacheEntryListener(config(new Failing(), true, null));
        assertThatThrownBy(() -> cache.put("k", "v")).isInstanceOf(CacheEntryListenerException.class);
        assertThat(cache.get("k")).isEqualTo("v");
    }

    private static MutableCacheEntryListenerConfiguration<String, String> config(
            Object listener, boolean synchronous, javax.cache.event.CacheEntryEventFilter<String, String> filter) {
        @SuppressWarnings("unchecked")
        javax.cache.event.CacheEntryListener<String, String> l = (javax.cache.event.CacheEntryListener<String, String>) listener;
        return new MutableCacheEntryListenerConfiguration<>(new FactoryBuilder.SingletonFactory<>(l),
                filter == null ? null : new FactoryBuilder.SingletonFactory<>(filter), true, synchronous);
    }

    /** Records every event it hears as "TYPE key value oldValue"; also used by the swarm tests. */
    public static final class Recorder implements CacheEntryCreatedListener<String, String>,
            CacheEntryUpdatedListener<String, String>, CacheEntryRemovedListener<String, String>, Serializable {
        private static final long serialVersionUID = 1L;
        public final List<String> events = new CopyOnWriteArrayList<>();

        private void record(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
            for (CacheEntryEvent<? extends String, ? extends String> e : batch) {
                events.add(e.getEventType() + " " + e.getKey() + " " + e.getValue() + " " + e.getOldValue());
            }
        }

        @Override
        public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
            record(batch);
        }

        @Override
        public void onUpdated(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
            record(batch);
        }

        @Override
        public void onRemoved(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
            record(batch);
        }
    }

    static final class Failing implements CacheEntryCreatedListener<String, String>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
            throw new IllegalStateException("listener refuses");
        }
    }

    static final class OnlyKeysStartingWithA implements javax.cache.event.CacheEntryEventFilter<String, String>,
            Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean evaluate(CacheEntryEvent<? extends String, ? extends String> event) {
            return event.getKey().startsWith("a");
        }
    }
}

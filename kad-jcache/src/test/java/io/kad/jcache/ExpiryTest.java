package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Expiry with short durations; time passes for real, and Awaitility polls rather than sleeping. */
class ExpiryTest {

    private static final javax.cache.expiry.Duration SHORT = new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 150);

    private final CacheManager manager = TestManagers.fresh();

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void entryCreatedWithShortExpiryDisappearsAndFiresExpiredEvent() {
        Expired expired = new Expired();
        MutableConfiguration<String, String> c = new MutableConfiguration<String, String>()
                .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(SHORT))
                .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
                        FactoryBuilder.factoryOf(expired), null, true, true));
        Cache<String, String> cache = manager.createCache("created", c);
        cache.put("k", "v");
        assertThat(cache.get("k")).isEqualTo("v");
        await().atMost(Duration.ofSeconds(5)).until(() -> cache.get("k") == null);
        assertThat(Expired.keys).contains("k=v");
    }

    @Test
    void zeroCreationDurationMeansNothingIsStored() {
        Cache<String, String> cache = manager.createCache("zero", new MutableConfiguration<String, String>()
                .setExpiryPolicyFactory(FactoryBuilder.factoryOf(new ZeroOnCreate())));
        cache.put("k", "v");
        assertThat(cache.containsKey("k")).isFalse();
    }

    @Test
    void accessExtendsAnAccessedExpiry() {
        Cache<String, String> cache = manager.createCache("accessed", new MutableConfiguration<String, String>()
                .setExpiryPolicyFactory(AccessedExpiryPolicy.factoryOf(
                        new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 400))));
        cache.put("k", "v");
        long deadline = System.currentTimeMillis() + 1200;
        // keep reading well within the window: the entry must outlive its first 400 ms
        await().pollInterval(Duration.ofMillis(50)).atMost(Duration.ofSeconds(5))
                .until(() -> cache.get("k") != null && System.currentTimeMillis() > deadline);
        await().atMost(Duration.ofSeconds(5)).until(() -> !cache.containsKey("k"));
    }

    static final class Expired implements CacheEntryExpiredListener<String, String>, Serializable {
        private static final long serialVersionUID = 1L;
        static final List<String> keys = new CopyOnWriteArrayList<>();

        @Override
        public void onExpired(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
            events.forEach(e -> keys.add(e.getKey() + "=" + e.getValue()));
        }
    }

    static final class ZeroOnCreate implements ExpiryPolicy, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public javax.cache.expiry.Duration getExpiryForCreation() {
            return javax.cache.expiry.Duration.ZERO;
        }

        @Override
        public javax.cache.expiry.Duration getExpiryForAccess() {
            return null;
        }

        @Override
        public javax.cache.expiry.Duration getExpiryForUpdate() {
            return null;
        }
    }
}

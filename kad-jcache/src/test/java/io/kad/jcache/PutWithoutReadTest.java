package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.Factory;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A put under one of the spec's expiry policies reads nothing first: counted by the record reads the
 * other node of a two-node swarm serves (about half the keys are its own).
 */
class PutWithoutReadTest {

    private static final Duration TEN_MINUTES = new Duration(TimeUnit.MINUTES, 10);

    private final TwoNodeSwarm swarm = new TwoNodeSwarm("reads");
    private final CacheManager caller = swarm.second;

    @AfterEach
    void close() throws Exception {
        swarm.close();
    }

    private long readsOfPuts(String cacheName, Factory<? extends ExpiryPolicy> policy) {
        swarm.awaitPeers();
        Cache<String, Integer> cache = caller.createCache(cacheName,
                new MutableConfiguration<String, Integer>().setExpiryPolicyFactory(policy));
        long before = swarm.readsServed();
        Map<String, Integer> batch = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            cache.put("k" + i, i);
            cache.put("k" + i, i + 1);
            cache.getAndPut("k" + i, i + 2);
            batch.put("b" + i, i);
        }
        cache.putAll(batch);
        cache.putAll(batch);
        long reads = swarm.readsServed() - before;
        for (int i = 0; i < 40; i++) {
            assertThat(cache.get("k" + i)).isEqualTo(i + 2);
        }
        return reads;
    }

    @Test
    void builtInPoliciesPutWithoutReading() {
        assertThat(readsOfPuts("created", CreatedExpiryPolicy.factoryOf(TEN_MINUTES))).isZero();
        assertThat(readsOfPuts("modified", ModifiedExpiryPolicy.factoryOf(TEN_MINUTES))).isZero();
        assertThat(readsOfPuts("accessed", AccessedExpiryPolicy.factoryOf(TEN_MINUTES))).isZero();
        assertThat(readsOfPuts("touched", TouchedExpiryPolicy.factoryOf(TEN_MINUTES))).isZero();
        // the same swarm counts the reads a custom policy needs: the zeros above are not for want of a peer
        assertThat(readsOfPuts("custom", FactoryBuilder.factoryOf(TenMinutesFromCreation.class))).isPositive();
    }

    @Test
    void aCustomPolicyIsAskedAfterARead() {
        assertThat(readsOfPuts("custom", FactoryBuilder.factoryOf(TenMinutesFromCreation.class))).isPositive();
    }

    /** Answers like {@link CreatedExpiryPolicy}, but is not one of the spec's classes. */
    public static final class TenMinutesFromCreation implements ExpiryPolicy, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Duration getExpiryForCreation() {
            return TEN_MINUTES;
        }

        @Override
        public Duration getExpiryForAccess() {
            return null;
        }

        @Override
        public Duration getExpiryForUpdate() {
            return null;
        }
    }
}

package io.kad.jcache.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kad.jcache.KadCacheManager;
import io.kad.jcache.KadCachingProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.cache.JCacheMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KadCacheMetricsTest {

    private final CachingProvider provider = Caching.getCachingProvider(KadCachingProvider.class.getName());
    private final List<CacheManager> managers = new ArrayList<>();
    private final List<URLClassLoader> loaders = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = managers.size() - 1; i >= 0; i--) {
            managers.get(i).close();
        }
        for (URLClassLoader l : loaders) {
            l.close();
        }
    }

    /** A manager on its own node; managers given the same URI share their caches' entries. */
    private CacheManager manager(URI uri, Properties properties) {
        URLClassLoader loader = new URLClassLoader(new URL[0], getClass().getClassLoader());
        loaders.add(loader);
        CacheManager m = provider.getCacheManager(uri, loader, properties);
        managers.add(m);
        return m;
    }

    private static URI freshUri() {
        return URI.create("kad:metrics-" + UUID.randomUUID());
    }

    private static Cache<String, String> cache(CacheManager manager, boolean statistics) {
        return manager.createCache("items", new MutableConfiguration<String, String>()
                .setTypes(String.class, String.class).setStatisticsEnabled(statistics));
    }

    private static double count(MeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    private static double gauge(MeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    @Test
    void countsGetsPutsRemovalsAndSizeAfterRealOperations() {
        URI uri = freshUri();
        Cache<String, String> cache = cache(manager(uri, new Properties()), true);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new KadCacheMetrics(cache, Tags.of("app", "test"), Duration.ZERO).bindTo(registry);

        cache.put("a", "1");
        cache.put("b", "2");
        cache.put("c", "3");
        assertThat(cache.get("a")).isEqualTo("1");
        assertThat(cache.get("b")).isEqualTo("2");
        assertThat(cache.get("nope")).isNull();
        assertThat(cache.remove("c")).isTrue();
        assertThat(cache.remove("c")).isFalse();

        String[] tags = {"cache", "items", "cache.manager", uri.toString(), "app", "test"};
        assertThat(count(registry, "cache.gets", "result", "hit")).isEqualTo(2);
        assertThat(count(registry, "cache.gets", "result", "miss")).isEqualTo(1);
        assertThat(count(registry, "cache.puts", tags)).isEqualTo(3);
        assertThat(count(registry, "cache.removals", tags)).isEqualTo(1);
        assertThat(count(registry, "cache.evictions", tags)).isZero();
        assertThat(count(registry, "cache.events.dropped", tags)).isZero();
        assertThat(gauge(registry, "cache.size", tags)).isEqualTo(2);

        cache.putAll(java.util.Map.of("d", "4", "e", "5"));
        assertThat(count(registry, "cache.puts", tags)).isEqualTo(5);
        assertThat(gauge(registry, "cache.size", tags)).isEqualTo(4);
    }

    @Test
    void withStatisticsOffTheCountersStayAtZero() {
        Cache<String, String> cache = cache(manager(freshUri(), new Properties()), false);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KadCacheMetrics.monitor(registry, cache);

        cache.put("a", "1");
        cache.get("a");

        assertThat(count(registry, "cache.puts")).isZero();
        assertThat(count(registry, "cache.gets", "result", "hit")).isZero();
        assertThat(gauge(registry, "cache.size")).isEqualTo(1); // the size does not depend on statistics
    }

    @Test
    void sizeCountsTheWholeSwarmAndNodeMetersReadTheNode() {
        URI uri = freshUri();
        CacheManager first = manager(uri, new Properties());
        InetSocketAddress seed = first.unwrap(KadCacheManager.class).node().address();
        Properties joining = new Properties();
        joining.setProperty("kad.seeds", seed.getHostString() + ":" + seed.getPort());
        CacheManager second = manager(uri, joining);
        Cache<String, String> written = cache(first, true);
        Cache<String, String> observed = cache(second, true);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new KadCacheMetrics(observed, Tags.empty(), Duration.ZERO).bindTo(registry);
        for (int i = 0; i < 10; i++) {
            written.put("k" + i, "v" + i);
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(gauge(registry, "cache.size")).isEqualTo(10));
        // the puts went through the other manager: this one counted none
        assertThat(count(registry, "cache.puts")).isZero();
        assertThat(observed.get("k3")).isEqualTo("v3");
        assertThat(count(registry, "cache.gets", "result", "hit")).isEqualTo(1);

        InetSocketAddress address = second.unwrap(KadCacheManager.class).node().address();
        String[] nodeTags = {"cache.manager", uri.toString(), "node", "127.0.0.1:" + address.getPort()};
        assertThat(gauge(registry, "kad.node.peers", nodeTags)).isGreaterThanOrEqualTo(1);
        assertThat(count(registry, "kad.node.lookups", nodeTags)).isGreaterThanOrEqualTo(1); // the join's lookup
        assertThat(count(registry, "kad.node.lookup.rounds", nodeTags))
                .isGreaterThanOrEqualTo(count(registry, "kad.node.lookups", nodeTags));
        assertThat(count(registry, "kad.node.rpc.timeouts", nodeTags)).isZero();
        assertThat(count(registry, "kad.node.datagrams.dropped", nodeTags)).isZero();
    }

    @Test
    void whatTheNodeRefusesFromPeersIsCountedByReason() throws Exception {
        URI uri = freshUri();
        Properties secret = new Properties();
        secret.setProperty("kad.secret", "a secret of the swarm");
        CacheManager manager = manager(uri, secret);
        Cache<String, String> cache = cache(manager, true);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new KadCacheMetrics(cache, Tags.empty(), Duration.ZERO).bindTo(registry);
        InetSocketAddress address = manager.unwrap(KadCacheManager.class).node().address();
        String[] tags = {"cache.manager", uri.toString(), "node", "127.0.0.1:" + address.getPort(),
                "reason", "unauthenticated"};
        assertThat(registry.get("kad.node.refused").functionCounters()).hasSize(18);
        assertThat(count(registry, "kad.node.refused", tags)).isZero();

        // a ping from a node that does not know the secret: its datagram carries no valid tag
        byte[] ping = "{\"message_type\": \"ping\", \"peer_id\": 7, \"peer_info\": null, \"rpc_id\": 9}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (java.net.DatagramSocket outsider = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            outsider.send(new java.net.DatagramPacket(ping, ping.length, address));
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(count(registry, "kad.node.refused", tags)).isEqualTo(1));
        assertThat(count(registry, "kad.node.handler.failures", "cache.manager", uri.toString(), "node",
                "127.0.0.1:" + address.getPort())).isZero();
    }

    @Test
    void twoCachesOfOneManagerShareTheNodeMeters() {
        CacheManager manager = manager(freshUri(), new Properties());
        Cache<String, String> one = cache(manager, true);
        Cache<String, String> two = manager.createCache("others", new MutableConfiguration<String, String>()
                .setTypes(String.class, String.class).setStatisticsEnabled(true));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KadCacheMetrics.monitor(registry, one);
        KadCacheMetrics.monitor(registry, two);

        one.put("a", "1");
        two.put("a", "1");
        two.put("b", "2");

        assertThat(count(registry, "cache.puts", "cache", "items")).isEqualTo(1);
        assertThat(count(registry, "cache.puts", "cache", "others")).isEqualTo(2);
        assertThat(registry.get("kad.node.peers").gauges()).hasSize(1);
    }

    @Test
    void micrometersOwnJCacheMetricsReadsTheStatisticsMXBeanConsistently() {
        URI uri = freshUri();
        Cache<String, String> cache = cache(manager(uri, new Properties()), true);
        SimpleMeterRegistry ours = new SimpleMeterRegistry();
        SimpleMeterRegistry theirs = new SimpleMeterRegistry();
        KadCacheMetrics.monitor(ours, cache);
        JCacheMetrics.monitor(theirs, cache);

        cache.put("a", "1");
        cache.put("b", "2");
        cache.get("a");
        cache.get("a");
        cache.get("missing");
        cache.getAll(Set.of("b", "none"));
        cache.remove("b");

        assertThat(count(theirs, "cache.puts")).isEqualTo(2).isEqualTo(count(ours, "cache.puts"));
        assertThat(count(theirs, "cache.gets", "result", "hit")).isEqualTo(3)
                .isEqualTo(count(ours, "cache.gets", "result", "hit"));
        assertThat(count(theirs, "cache.gets", "result", "miss")).isEqualTo(2)
                .isEqualTo(count(ours, "cache.gets", "result", "miss"));
        // JCacheMetrics.monitor(registry, cache) registers its removals as a gauge (its legacy default)
        assertThat(gauge(theirs, "cache.removals")).isEqualTo(1).isEqualTo(count(ours, "cache.removals"));
        assertThat(count(theirs, "cache.evictions")).isZero();
    }

    @Test
    void aCacheOfAnotherProviderIsRefused() {
        Cache<?, ?> foreign = (Cache<?, ?>) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Cache.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getName" -> "foreign";
                    case "unwrap" -> throw new IllegalArgumentException("cannot unwrap");
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        assertThatThrownBy(() -> new KadCacheMetrics(foreign, Tags.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a kad-jcache cache: foreign");
    }

    @Test
    void theSizeIsCountedAgainOnlyAfterItsTtl() {
        AtomicLong counts = new AtomicLong();
        AtomicLong now = new AtomicLong();
        KadCacheMetrics.SizeCounter size = new KadCacheMetrics.SizeCounter(
                () -> counts.incrementAndGet() * 10, Duration.ofSeconds(5), now::get);

        assertThat(size.get()).isEqualTo(10);
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertThat(size.get()).isEqualTo(10);
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(size.get()).isEqualTo(20);
        assertThat(counts).hasValue(2);
    }

    @Test
    void aFailedCountKeepsTheLastValue() {
        AtomicLong now = new AtomicLong();
        boolean[] fail = {false};
        KadCacheMetrics.SizeCounter size = new KadCacheMetrics.SizeCounter(() -> {
            if (fail[0]) {
                throw new IllegalStateException("no answer");
            }
            return 7;
        }, Duration.ZERO, now::get);

        assertThat(size.get()).isEqualTo(7);
        fail[0] = true;
        assertThat(size.get()).isEqualTo(7);
        KadCacheMetrics.SizeCounter never = new KadCacheMetrics.SizeCounter(() -> {
            throw new IllegalStateException("no answer");
        }, Duration.ZERO, now::get);
        assertThat(never.get()).isNaN();
    }
}

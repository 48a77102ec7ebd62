package io.kad.jcache.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.sim.SimTransport;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.jcache.KadCachingProvider;
import io.kad.jcache.ListenerTest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * JCache on a simulated swarm of 24 nodes in virtual time: two cache managers whose nodes join a
 * simulated network through the provider's node factory, so blocking cache calls run the simulation
 * until they complete and an expiry of minutes passes in milliseconds.
 */
class SimulatedSwarmCacheTest {

    private static final URI APP = URI.create("kad:sim-app");

    private SimulatedNetwork net;
    private final List<KadNode> members = new ArrayList<>();
    private final List<CacheManager> managers = new ArrayList<>();
    private Random random;

    @BeforeEach
    void swarm() {
        net = new SimulatedNetwork(21).latency(1, 10);
        random = new Random(21);
        NodeConfig config = NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(300))
                .replication(3).build();
        for (int i = 0; i < 22; i++) {
            members.add(startNode(config));
        }
    }

    private KadNode startNode(NodeConfig config) {
        SimTransport t = net.newTransport();
        List<InetSocketAddress> seeds = members.isEmpty() ? List.of()
                : List.of(members.get(random.nextInt(members.size())).address());
        KadNode node = KadNode.start(config.toBuilder().seeds(seeds).build(), t, net.schedulerFor(t),
                new Random(random.nextLong()));
        net.runUntilDone(node.joined(), 60_000);
        return node;
    }

    /** A manager on its own provider (one manager per URI and provider) whose node joins the simulation. */
    private CacheManager manager() {
        Function<NodeConfig, KadNode> factory = this::startNode;
        CacheManager m = new KadCachingProvider().getCacheManager(APP, getClass().getClassLoader(), new Properties(),
                factory);
        managers.add(m);
        return m;
    }

    @AfterEach
    void close() {
        managers.forEach(CacheManager::close);
        members.forEach(KadNode::close);
    }

    @Test
    void cacheOperationsOfTwoManagersMeetOnTheSwarmInVirtualTime() {
        Cache<String, Integer> a = manager().createCache("scores",
                new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class));
        Cache<String, Integer> b = manager().createCache("scores",
                new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class));
        for (int i = 0; i < 50; i++) {
            a.put("k" + i, i);
        }
        for (int i = 0; i < 50; i++) {
            assertThat(b.get("k" + i)).isEqualTo(i);
        }
        assertThat(b.putIfAbsent("k1", 100)).isFalse();
        assertThat(a.replace("k1", 1, 101)).isTrue();
        assertThat(b.get("k1")).isEqualTo(101);
        assertThat(b.getAndRemove("k2")).isEqualTo(2);
        assertThat(a.containsKey("k2")).isFalse();
        assertThat(a.getAll(Set.of("k3", "k4", "nope"))).isEqualTo(Map.of("k3", 3, "k4", 4));

        Map<String, Integer> seen = new HashMap<>();
        for (Cache.Entry<String, Integer> e : b) {
            seen.put(e.getKey(), e.getValue());
        }
        assertThat(seen).hasSize(49).containsEntry("k1", 101).doesNotContainKey("k2");

        a.clear();
        assertThat(b.iterator().hasNext()).as("entries left after clear").isFalse();
    }

    @Test
    void anExpiryOfMinutesPassesInVirtualTime() {
        MutableConfiguration<String, String> config = new MutableConfiguration<String, String>()
                .setTypes(String.class, String.class)
                .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(
                        new javax.cache.expiry.Duration(TimeUnit.MINUTES, 10)));
        Cache<String, String> a = manager().createCache("sessions", config);
        Cache<String, String> b = manager().createCache("sessions", config);
        a.put("s1", "alice");
        net.runFor(Duration.ofMinutes(9).toMillis());
        assertThat(b.get("s1")).isEqualTo("alice");
        net.runFor(Duration.ofMinutes(2).toMillis());
        assertThat(b.get("s1")).as("ten minutes after its creation").isNull();
        assertThat(a.get("s1")).isNull();
    }

    @Test
    void aListenerHearsEveryChangeMadeByAnotherManagerAlsoAtNodesThatJoinedAfterIt() {
        MutableConfiguration<String, String> config = new MutableConfiguration<String, String>()
                .setTypes(String.class, String.class);
        Cache<String, String> a = manager().createCache("watched", config);
        Cache<String, String> b = manager().createCache("watched", config);
        ListenerTest.Recorder heard = new ListenerTest.Recorder();
        b.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
                new FactoryBuilder.SingletonFactory<>(heard), null, false, false));
        for (int i = 0; i < 30; i++) {
            a.put("k" + i, "v" + i);
        }
        for (int i = 0; i < 30; i++) {
            a.put("k" + i, "w" + i);
        }
        for (int i = 0; i < 30; i++) {
            a.remove("k" + i);
        }
        // members that join after the listener was registered own some of the keys written next
        NodeConfig memberConfig = NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(300))
                .replication(3).build();
        for (int j = 0; j < 5; j++) {
            members.add(startNode(memberConfig));
            net.runFor(1_000);
            for (int i = 0; i < 10; i++) {
                a.put("n" + j + "-" + i, "x");
            }
        }
        net.runFor(2_000);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            expected.add("CREATED k" + i + " v" + i);
            expected.add("UPDATED k" + i + " w" + i);
            expected.add("REMOVED k" + i + " w" + i);
        }
        for (int j = 0; j < 5; j++) {
            for (int i = 0; i < 10; i++) {
                expected.add("CREATED n" + j + "-" + i + " x");
            }
        }
        // listeners run on the event thread of b's node
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                // type, key and value of each event (the recorder adds the old value last)
                assertThat(heard.events.stream().map(e -> e.substring(0, e.lastIndexOf(' '))))
                        .containsExactlyInAnyOrderElementsOf(expected));
    }
}

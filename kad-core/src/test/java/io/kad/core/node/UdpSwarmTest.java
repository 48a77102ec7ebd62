package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.core.Dht;
import io.kad.core.NodeConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real UDP on loopback: swarms of Dht nodes in one JVM. */
class UdpSwarmTest {

    private final List<Dht> nodes = new ArrayList<>();

    @AfterEach
    void closeNodes() {
        nodes.forEach(Dht::close);
    }

    private Dht start(InetSocketAddress... seeds) {
        Dht dht = Dht.create(NodeConfig.builder().host("127.0.0.1").port(0).seeds(List.of(seeds))
                .loadInterceptors(false).build());
        nodes.add(dht);
        return dht;
    }

    @Test
    void twoNodesReadWhatTheOtherWrote() {
        Dht a = start();
        Dht b = start(a.address());
        a.put("greeting", "hello world");
        b.put("my_key", List.of("My", "json-serializable", "Object"));
        assertThat(b.get("greeting")).isEqualTo("hello world");
        assertThat(a.get("my_key")).isEqualTo(List.of("My", "json-serializable", "Object"));
        assertThat(a.peers()).extracting(c -> c.id()).containsExactly(b.id());
    }

    @Test
    void falsyValuesRoundTripAcrossNodes() {
        Dht a = start();
        Dht b = start(a.address());
        Object[] falsy = {0, "", List.of(), Map.of(), false};
        for (int i = 0; i < falsy.length; i++) {
            a.put("falsy-" + i, falsy[i]);
        }
        for (int i = 0; i < falsy.length; i++) {
            assertThat(b.get("falsy-" + i)).as("falsy value %s", falsy[i]).isEqualTo(falsy[i]);
        }
    }

    @Test
    void anyNodeOfThirtyReadsWhatAnyNodeWrote() {
        Dht first = start();
        for (int i = 1; i < 30; i++) {
            start(nodes.get(i - 1).address(), first.address());
        }
        for (int i = 0; i < 30; i++) {
            nodes.get(i).put("key-" + i, "value-" + i);
        }
        for (int reader = 0; reader < 30; reader++) {
            for (int i = 0; i < 30; i += 7) {
                assertThat(nodes.get(reader).get("key-" + i)).isEqualTo("value-" + i);
            }
        }
    }

    @Test
    void threeNodesRacingPutIfAbsentHaveExactlyOneWinner() throws Exception {
        Dht a = start();
        Dht b = start(a.address());
        Dht c = start(a.address(), b.address());
        await().atMost(Duration.ofSeconds(5)).until(() -> a.peers().size() == 2 && b.peers().size() == 2);
        List<Dht> racers = List.of(a, b, c);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 20; round++) {
                String key = "race-" + round;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Object>> results = new ArrayList<>();
                for (Dht racer : racers) {
                    String mine = "winner-" + racer.id();
                    Callable<Object> call = () -> {
                        start.await();
                        return racer.asMap().putIfAbsent(key, mine);
                    };
                    results.add(pool.submit(call));
                }
                start.countDown();
                int winners = 0;
                List<Object> previous = new ArrayList<>();
                for (Future<Object> f : results) {
                    Object prev = f.get();
                    previous.add(prev);
                    if (prev == null) {
                        winners++;
                    }
                }
                assertThat(winners).as("winners of round %d: %s", round, previous).isEqualTo(1);
                Object winner = a.asMap().get(key);
                for (Dht racer : racers) {
                    assertThat(racer.asMap().get(key)).isEqualTo(winner);
                }
                assertThat(previous).filteredOn(p -> p != null).allMatch(winner::equals);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void mapViewAtomicMethodsFollowTheirContract() {
        Dht a = start();
        Dht b = start(a.address());
        Map<String, Object> ma = a.asMap();
        Map<String, Object> mb = b.asMap();
        assertThat(ma.put("k", "v1")).isNull();
        assertThat(mb.replace("k", "other", "v2")).isFalse();
        assertThat(mb.replace("k", "v1", "v2")).isTrue();
        assertThat(ma.get("k")).isEqualTo("v2");
        assertThat(ma.remove("k", "v1")).isFalse();
        assertThat(mb.compute("n", (k, v) -> v == null ? 1 : ((Number) v).intValue() + 1)).isEqualTo(1);
        assertThat(ma.compute("n", (k, v) -> v == null ? 1 : ((Number) v).intValue() + 1)).isEqualTo(2);
        assertThat(ma.keySet()).contains("k", "n");
        assertThat(mb.remove("k", "v2")).isTrue();
        assertThat(ma.containsKey("k")).isFalse();
    }

    @Test
    void shortLivedNodesJoinAndLeaveAStableSwarmAgainAndAgain() {
        Dht b = start();
        Dht c = start(b.address());
        for (int i = 0; i < 60; i++) {
            try (Dht a = Dht.create(NodeConfig.builder().host("127.0.0.1").port(0)
                    .seeds(List.of(b.address(), c.address())).loadInterceptors(false).build())) {
                a.put("round-" + i, i);
                assertThat(b.get("round-" + i)).isEqualTo(i);
            }
        }
        // every node that left said so: the stable members only know each other
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(b.peers()).extracting(p -> p.id()).containsExactly(c.id());
            assertThat(c.peers()).extracting(p -> p.id()).containsExactly(b.id());
        });
    }

    @Test
    void keysOfANamespaceAreListedInFullEvenWhenThePagesAreLarge() throws Exception {
        Dht a = start();
        Dht b = start(a.address());
        java.util.Set<String> written = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            String key = i + "-" + "k".repeat(2000);
            written.add(key);
            a.node().records().write("big-keys", key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    io.kad.core.record.WriteCommand.put(new byte[] {1}, false, io.kad.spi.StoredRecord.NEVER))
                    .get(5, java.util.concurrent.TimeUnit.SECONDS);
        }
        List<byte[]> listed = b.node().records().keys("big-keys").get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(listed).extracting(k -> new String(k, java.nio.charset.StandardCharsets.UTF_8))
                .containsExactlyInAnyOrderElementsOf(written);
    }
}

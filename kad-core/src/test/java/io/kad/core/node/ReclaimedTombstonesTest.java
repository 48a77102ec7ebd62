package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Removed keys stay removed once their tombstones are reclaimed: a tombstone due for reclaim is not
 * republished, so holders that reclaimed it do not get it back, and the removal does not cycle round
 * the swarm republish after republish.
 */
class ReclaimedTombstonesTest {

    private static final String NS = "tombstones";
    private static final long TOMBSTONE_TTL = 2_000;
    private static final long GRACE = 2_000;

    private SwarmScaleTest.Swarm swarm;

    @BeforeEach
    void build() {
        SimulatedNetwork net = new SimulatedNetwork(77).latency(1, 10);
        Random random = new Random(77);
        NodeConfig base = NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(200))
                .operationTimeout(Duration.ofSeconds(20)).replication(3)
                .tombstoneTtl(Duration.ofMillis(TOMBSTONE_TTL))
                .storageSetting(NodeConfig.EXPIRY_GRACE_SETTING, Long.toString(GRACE))
                .republishInterval(Duration.ofSeconds(1)).build();
        List<KadNode> nodes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            nodes.add(SwarmScaleTest.join(net, nodes, base, random));
        }
        swarm = new SwarmScaleTest.Swarm(net, nodes, random);
        net.runFor(10_000);
    }

    @AfterEach
    void stop() {
        SwarmScaleTest.close(swarm);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private BigInteger recordId(String key) {
        return RecordIds.of(swarm.nodes().get(0).hashFunction(), NS, bytes(key));
    }

    private List<KadNode> holding(BigInteger id) {
        return swarm.nodes().stream().filter(n -> n.storage().get(id) != null).toList();
    }

    @Test
    void aRemovedKeyDoesNotComeBackAfterRepublish() {
        byte[] key = bytes("k");
        WriteResult put = swarm.run(swarm.any().records().write(NS, key,
                WriteCommand.put(bytes("v"), false, StoredRecord.NEVER)));
        assertThat(put.applied()).isTrue();
        WriteResult removed = swarm.run(swarm.any().records().write(NS, key, WriteCommand.remove()));
        assertThat(removed.applied()).isTrue();
        BigInteger id = recordId("k");
        assertThat(holding(id)).isNotEmpty();

        // well past the tombstone's life and the grace, with a republish every second
        swarm.net().runFor(TOMBSTONE_TTL + 3 * GRACE + 10_000);
        assertThat(holding(id)).as("nodes holding the removed key").isEmpty();
        swarm.net().runFor(10_000);
        assertThat(holding(id)).as("nodes holding the removed key").isEmpty();
        ReadResult r = swarm.run(swarm.any().records().read(NS, key));
        assertThat(r.record()).isNull();
    }

    @Test
    void aTombstoneDueForReclaimIsNotRepublished() {
        BigInteger id = recordId("old");
        List<KadNode> sorted = new ArrayList<>(swarm.nodes());
        sorted.sort(Comparator.comparing(n -> n.id().distance(id)));
        KadNode owner = sorted.get(0);
        long now = swarm.net().now();
        // a tombstone whose reclaim is due, still in the owner's tier until its next reclaim
        owner.storage().compute(id, cur -> new StoredRecord(id, NS, bytes("old"), new byte[0], false, now * 1000,
                now - GRACE - 10_000, true));

        swarm.net().runFor(3_000);

        assertThat(holding(id)).as("nodes holding the reclaimable tombstone").doesNotContainAnyElementsOf(
                sorted.subList(1, sorted.size()));
        long refusedAsExpired = swarm.nodes().stream().mapToLong(n -> n.stats().copiesExpired()).sum();
        assertThat(refusedAsExpired).as("copies of it sent and refused").isZero();
    }
}

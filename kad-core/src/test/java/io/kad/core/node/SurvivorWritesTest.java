package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.spi.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The last node of a small swarm goes on alone: once the others died (no {@code leave}: killed), its
 * writes succeed and read back, although a write's copies reach no other node. A node does not drop a
 * silent holder from its view for a copy round that no holder answered (it may be the one cut off, see
 * {@link LinearizabilityTest}), so this checks that the holders' silence still lets it go on.
 */
class SurvivorWritesTest {

    private SwarmScaleTest.Swarm swarm;

    @AfterEach
    void close() {
        if (swarm != null) {
            SwarmScaleTest.close(swarm);
        }
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {2, 3})
    void theLastNodesKeepWritingAfterTheOthersDie(int size) {
        NodeConfig config = NodeConfig.builder().loadInterceptors(false).replication(3)
                .rpcTimeout(Duration.ofMillis(200)).operationTimeout(Duration.ofSeconds(5)).build();
        swarm = SwarmScaleTest.build(11, size, config);
        SimulatedNetwork net = swarm.net();
        net.runFor(60_000);
        KadNode survivor = swarm.nodes().get(0);
        for (int i = 1; i < size; i++) {
            net.kill(swarm.nodes().get(i).address());
        }
        List<Integer> failedAt = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            CompletableFuture<?> w = survivor.records().write("s", ("k" + i).getBytes(StandardCharsets.UTF_8),
                    WriteCommand.put(new byte[10], false, StoredRecord.NEVER));
            net.runUntil(w::isDone, 60_000);
            if (!w.isDone() || w.isCompletedExceptionally()) {
                failedAt.add(i);
            }
            net.runFor(1_000);
        }
        assertThat(failedAt).as("writes that failed, in 200 s after the others died").isEmpty();
        for (int i = 0; i < 200; i++) {
            var read = survivor.records().read("s", ("k" + i).getBytes(StandardCharsets.UTF_8));
            net.runUntil(read::isDone, 60_000);
            assertThat(read.join().record()).as("k%d", i).isNotNull();
        }
    }

    /**
     * Two nodes left of three: each writes keys the other owns (the dead node owns none of them, so no
     * takeover finds it gone), so the owner's only copy target is the dead holder (the requester, a
     * holder, keeps its copy from the reply). The requester's acknowledged copy shows the owner that it
     * reaches the swarm, and the dead holder leaves its view.
     */
    @ParameterizedTest(name = "{0}-byte values")
    @ValueSource(ints = {10, 1024 * 1024})
    void theLastTwoOfThreeWriteEachOthersRecordsAfterTheThirdDies(int valueBytes) {
        NodeConfig config = NodeConfig.builder().loadInterceptors(false).replication(3)
                .rpcTimeout(Duration.ofMillis(200)).operationTimeout(Duration.ofSeconds(5)).build();
        swarm = SwarmScaleTest.build(12, 3, config);
        SimulatedNetwork net = swarm.net();
        net.runFor(60_000);
        List<KadNode> all = swarm.nodes();
        KadNode dead = all.get(2);
        // per key, the survivor that writes it: the one that does not own it
        List<byte[]> keys = new ArrayList<>();
        List<KadNode> writers = new ArrayList<>();
        for (int i = 0; keys.size() < (valueBytes > 1024 ? 10 : 60); i++) {
            byte[] key = ("k" + i).getBytes(StandardCharsets.UTF_8);
            java.math.BigInteger id = RecordIds.of(all.get(0).hashFunction(), "s", key);
            KadNode owner = all.stream().min(java.util.Comparator.comparing(n -> n.id().distance(id))).orElseThrow();
            if (owner != dead) {
                keys.add(key);
                writers.add(owner == all.get(0) ? all.get(1) : all.get(0));
            }
        }
        for (int i = 0; i < keys.size(); i++) {
            CompletableFuture<?> w = writers.get(i).records().write("s", keys.get(i),
                    WriteCommand.put(new byte[valueBytes], false, StoredRecord.NEVER));
            net.runUntil(w::isDone, 60_000);
            assertThat(w.isDone() && !w.isCompletedExceptionally()).as("write %d before the third died", i).isTrue();
        }
        net.kill(dead.address());
        List<Integer> failedAt = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            CompletableFuture<?> w = writers.get(i).records().write("s", keys.get(i),
                    WriteCommand.put(new byte[] {(byte) i}, false, StoredRecord.NEVER));
            net.runUntil(w::isDone, 60_000);
            if (!w.isDone() || w.isCompletedExceptionally()) {
                failedAt.add(i);
            }
        }
        assertThat(failedAt).as("writes that failed after the third node died").isEmpty();
        for (int i = 0; i < keys.size(); i++) {
            for (KadNode reader : all.subList(0, 2)) {
                var read = reader.records().read("s", keys.get(i));
                net.runUntil(read::isDone, 60_000);
                assertThat(read.join().record().value()).as("write %d read at %s", i, reader)
                        .containsExactly((byte) i);
            }
        }
    }
}

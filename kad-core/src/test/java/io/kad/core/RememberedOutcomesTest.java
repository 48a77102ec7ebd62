package io.kad.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.core.sim.SimTransport;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outcomes a node keeps so that a repeated write request gets its first answer are bounded by
 * bytes, not only by count: each weighs the records it holds, and they leave when no repeat can come.
 */
class RememberedOutcomesTest {

    private static final String NS = "outcomes";
    private static final int VALUE_BYTES = 100_000;

    private final List<KadNode> nodes = new ArrayList<>();
    private SimulatedNetwork net;

    @AfterEach
    void close() {
        nodes.forEach(KadNode::close);
    }

    @Test
    void anOutcomeWeighsItsRecordsAndLeavesOnceRepeatsCanNoLongerCome() {
        net = new SimulatedNetwork(7).latency(1, 3);
        NodeConfig config = NodeConfig.builder().loadInterceptors(false).replication(3)
                .rpcTimeout(Duration.ofMillis(200)).operationTimeout(Duration.ofSeconds(5)).build();
        Random random = new Random(7);
        for (int i = 0; i < 5; i++) {
            SimTransport t = net.newTransport();
            List<InetSocketAddress> seeds = nodes.isEmpty() ? List.of() : List.of(nodes.get(0).address());
            KadNode n = KadNode.start(config.toBuilder().seeds(seeds).build(), t, net.schedulerFor(t),
                    new Random(random.nextLong()));
            net.runUntilDone(n.joined(), 10_000);
            nodes.add(n);
        }
        net.runFor(60_000);
        byte[] key = "big".getBytes(StandardCharsets.UTF_8);
        BigInteger id = RecordIds.of(nodes.get(0).hashFunction(), NS, key);
        KadNode owner = nodes.stream().min(Comparator.comparing(n -> n.id().distance(id))).orElseThrow();
        KadNode writer = nodes.stream().max(Comparator.comparing(n -> n.id().distance(id))).orElseThrow();
        assertThat(owner.rememberedOutcomeBytes()).isZero();

        WriteResult written = net.runUntilDone(writer.records().write(NS, key,
                WriteCommand.put(new byte[VALUE_BYTES], false, StoredRecord.NEVER)), 10_000);

        assertThat(written.applied()).isTrue();
        // the owner's outcome holds the record it stored (its value included), not just an entry's overhead
        assertThat(owner.rememberedOutcomeBytes()).isGreaterThanOrEqualTo(VALUE_BYTES);
        // a repeat can come until the writer's operation deadline and two request timeouts after it
        net.runFor(config.operationTimeout().toMillis() + 3 * config.rpcTimeout().toMillis() + 1_000);
        for (KadNode n : nodes) {
            assertThat(n.rememberedOutcomeBytes()).as("outcomes remembered by %s", n.id().shortHex()).isZero();
        }
    }

    @Test
    void eachTableOfOutcomesHoldsASixteenthOfTheHeapAndAtLeastSixteenMebibytes() {
        assertThat(RecordServer.outcomeBytes(4L << 30)).isEqualTo(256L << 20);
        assertThat(RecordServer.outcomeBytes(64L << 20)).isEqualTo(16L << 20);
    }
}

package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.KadNode;
import io.kad.core.NodeStats;
import io.kad.core.record.ReadResult;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.spi.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * Replay-proof tags and the one-node-per-address rule above K: at 21 and 200 simulated nodes with a
 * shared secret, gets and puts cost the datagrams they cost without one, and no member's datagram is
 * refused as stale, replayed, misdirected or badly tagged (a recipient named wrongly would show here).
 */
class SharedSecretScaleTest {

    private static final String NS = "secret-scale";

    private static long sum(SwarmScaleTest.Swarm swarm, ToLongFunction<NodeStats> counter) {
        return swarm.nodes().stream().mapToLong(n -> counter.applyAsLong(n.stats())).sum();
    }

    private static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {21, 200})
    void membersCostTheSameDatagramsAndNoneOfTheirDatagramsIsRefused(int size) {
        SwarmScaleTest.Swarm swarm = SwarmScaleTest.build(size + 7, size,
                SwarmScaleTest.config().toBuilder().sharedSecret("correct horse battery staple").build());
        int keys = 200;
        List<CompletableFuture<WriteResult>> puts = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            puts.add(swarm.any().records().write(NS, key(i), WriteCommand.put(key(i), false, StoredRecord.NEVER)));
        }
        swarm.run(CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)));
        for (int i = 0; i < keys; i++) {
            swarm.run(swarm.any().records().read(NS, key(i)));
        }
        swarm.net().runFor(12 * SwarmScaleTest.MINUTE);

        long before = swarm.recordDatagrams();
        for (int i = 0; i < keys; i++) {
            KadNode reader = swarm.anyBut(swarm.owner(key(i)));
            ReadResult r = swarm.run(reader.records().read(NS, key(i)));
            assertThat(r.record()).as("key-%d", i).isNotNull();
        }
        double perGet = (swarm.recordDatagrams() - before) / (double) keys;
        before = swarm.recordDatagrams();
        for (int i = 0; i < keys; i++) {
            KadNode writer = swarm.anyBut(swarm.owner(key(i)));
            assertThat(swarm.run(writer.records().write(NS, key(i), WriteCommand.put(key(i), false,
                    StoredRecord.NEVER))).applied()).isTrue();
        }
        double perPut = (swarm.recordDatagrams() - before) / (double) keys;

        LoggerFactory.getLogger(SharedSecretScaleTest.class).info("{} nodes with a shared secret: {} datagrams per"
                + " remote get, {} per put", size, String.format("%.2f", perGet), String.format("%.2f", perPut));
        assertThat(perGet).as("record datagrams per remote get at %d nodes", size).isLessThanOrEqualTo(2.2);
        assertThat(perPut).as("record datagrams per put at %d nodes", size)
                .isLessThanOrEqualTo(2 + 2 * (SwarmScaleTest.REPLICATION - 1) + 0.5);
        assertThat(sum(swarm, NodeStats::unauthenticated)).isZero();
        assertThat(sum(swarm, NodeStats::misdirectedDatagrams)).isZero();
        assertThat(sum(swarm, NodeStats::staleDatagrams)).isZero();
        assertThat(sum(swarm, NodeStats::replayedDatagrams)).isZero();
        assertThat(sum(swarm, NodeStats::nonceMemoryFull)).isZero();
        SwarmScaleTest.close(swarm);
    }
}

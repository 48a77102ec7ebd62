package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.sim.SimTransport;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.core.storage.CaffeineStorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * One peer writes large records into a node until far past its byte bound: the node's tier stays
 * within the bound (older records are evicted, as from any full cache), and afterwards legitimate writes
 * and reads through that node still work (simulated network).
 */
class MemoryFloodTest {

    private static final String NS = "flood";
    private static final long MAX_BYTES = 1 << 20;

    @Test
    void aFloodOfLargeRecordsStopsAtTheByteBoundAndTheNodeKeepsServing() {
        SimulatedNetwork net = new SimulatedNetwork(11).latency(1, 3);
        NodeConfig base = NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(200))
                .operationTimeout(Duration.ofSeconds(10)).replication(1).build();
        SimTransport t1 = net.newTransport();
        KadNode target = KadNode.start(base.toBuilder().storageSetting("storage.max-bytes", Long.toString(MAX_BYTES))
                .build(), t1, net.schedulerFor(t1), new Random(1));
        net.runUntilDone(target.joined(), 10_000);
        SimTransport t2 = net.newTransport();
        KadNode flooder = KadNode.start(base.toBuilder().seeds(List.of(target.address())).build(), t2,
                net.schedulerFor(t2), new Random(2));
        net.runUntilDone(flooder.joined(), 10_000);

        byte[] big = new byte[15_000];
        new Random(3).nextBytes(big);
        int written = 0;
        for (int i = 0; written < 400; i++) {
            byte[] key = ("junk-" + i).getBytes(StandardCharsets.UTF_8);
            if (!ownedBy(target, flooder, key)) {
                continue;
            }
            net.runUntilDone(flooder.records().write(NS, key, WriteCommand.put(big, false, StoredRecord.NEVER)),
                    10_000);
            written++;
        }
        CaffeineStorageTier tier = (CaffeineStorageTier) target.storage();
        tier.cleanUp();
        assertThat(written * (long) big.length).as("written").isGreaterThan(5 * MAX_BYTES);
        assertThat(tier.weight()).isLessThanOrEqualTo(MAX_BYTES);

        // a legitimate client still writes and reads through the node
        for (int i = 0; i < 20; i++) {
            byte[] key = ("good-" + i).getBytes(StandardCharsets.UTF_8);
            net.runUntilDone(target.records().write(NS, key, WriteCommand.put(key, false, StoredRecord.NEVER)),
                    10_000);
            StoredRecord r = net.runUntilDone(flooder.records().read(NS, key), 10_000).record();
            assertThat(r).isNotNull();
            assertThat(r.value()).isEqualTo(key);
        }
    }

    private static boolean ownedBy(KadNode target, KadNode other, byte[] key) {
        BigInteger rid = RecordIds.of(target.hashFunction(), NS, key);
        return target.id().distance(rid).compareTo(other.id().distance(rid)) < 0;
    }
}

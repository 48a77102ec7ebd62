package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.WriteCommand;
import io.kad.core.sim.SimScheduler;
import io.kad.core.sim.SimTransport;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Large swarms over the simulated network: deterministic by seed, thousands of nodes in one JVM, no
 * sockets and no real time.
 */
class SimSwarmTest {

    private static final Logger LOG = LoggerFactory.getLogger(SimSwarmTest.class);
    private static final long MINUTE = 60_000;

    private record Swarm(SimulatedNetwork net, List<KadNode> nodes, Random random) {
    }

    private static Swarm build(long seed, int size, double loss, int replication) {
        SimulatedNetwork net = new SimulatedNetwork(seed).latency(5, 40);
        Random random = new Random(seed);
        List<KadNode> nodes = new ArrayList<>();
        NodeConfig base = NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(300))
                .operationTimeout(Duration.ofSeconds(20)).replication(replication).build();
        for (int i = 0; i < size; i++) {
            SimTransport t = net.newTransport();
            SimScheduler s = net.schedulerFor(t);
            List<InetSocketAddress> seeds = i == 0 ? List.of()
                    : List.of(nodes.get(random.nextInt(nodes.size())).address());
            KadNode node = KadNode.start(base.toBuilder().seeds(seeds).build(), t, s, new Random(random.nextLong()));
            nodes.add(node);
            net.runUntilDone(node.joined(), 10 * MINUTE);
        }
        net.lossProbability(loss);
        return new Swarm(net, nodes, random);
    }

    private static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static BigInteger keyId(KadNode node, int i) {
        return new BigInteger(1, node.hashFunction().hash(key(i)));
    }

    private static List<Integer> storeValues(Swarm swarm, int count) {
        List<CompletableFuture<Void>> stores = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            KadNode writer = swarm.nodes().get(swarm.random().nextInt(swarm.nodes().size()));
            stores.add(writer.storeValue(keyId(writer, i), key(i), TextNode.valueOf("value-" + i)));
        }
        swarm.net().runUntilDone(CompletableFuture.allOf(stores.toArray(CompletableFuture[]::new)), 30 * MINUTE);
        List<Integer> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(i);
        }
        return keys;
    }

    private static List<Integer> lookupAll(Swarm swarm, List<Integer> keys, List<KadNode> readers) {
        List<Integer> rounds = new ArrayList<>();
        List<CompletableFuture<KadNode.LookupResult>> lookups = new ArrayList<>();
        for (int i : keys) {
            KadNode reader = readers.get(swarm.random().nextInt(readers.size()));
            lookups.add(reader.lookupValue(keyId(reader, i)));
        }
        swarm.net().runUntilDone(CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)), 60 * MINUTE);
        for (int j = 0; j < keys.size(); j++) {
            KadNode.LookupResult r = lookups.get(j).join();
            assertThat(r.value()).as("value of key-%d", keys.get(j))
                    .isEqualTo(Optional.of(TextNode.valueOf("value-" + keys.get(j))));
            rounds.add(r.rounds());
        }
        return rounds;
    }

    private static int percentile(List<Integer> values, double p) {
        List<Integer> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
    }

    @Test
    void twoThousandNodeSwarmFindsEveryOneOfAThousandValues() {
        Swarm swarm = build(42, 2000, 0.0, 3);
        List<Integer> keys = storeValues(swarm, 1000);
        List<Integer> rounds = lookupAll(swarm, keys, swarm.nodes());
        int median = percentile(rounds, 0.5);
        int p99 = percentile(rounds, 0.99);
        LOG.info("2000 nodes, 1000 value lookups: median {} rounds, p99 {} rounds", median, p99);
        assertThat(p99).as("p99 rounds of a lookup in 2000 nodes").isLessThanOrEqualTo(8);
    }

    @Test
    void lookupsSucceedUnderTenPercentLoss() {
        Swarm swarm = build(7, 500, 0.0, 3);
        List<Integer> keys = storeValues(swarm, 200);
        swarm.net().lossProbability(0.10);
        lookupAll(swarm, keys, swarm.nodes());
    }

    @Test
    void lookupsSucceedAfterThirtyPercentOfNodesDieAtOnce() {
        Swarm swarm = build(11, 500, 0.0, 8);
        List<Integer> keys = storeValues(swarm, 200);
        List<KadNode> shuffled = new ArrayList<>(swarm.nodes());
        Collections.shuffle(shuffled, swarm.random());
        List<KadNode> dead = shuffled.subList(0, 150);
        List<KadNode> alive = shuffled.subList(150, shuffled.size());
        for (KadNode node : dead) {
            swarm.net().kill(node.address());
        }
        lookupAll(swarm, keys, alive);
    }

    @Test
    void everyHolderReclaimsExpiredRecordsAndTombstonesAfterTheGrace() {
        SimulatedNetwork net = new SimulatedNetwork(5).latency(5, 40);
        NodeConfig base = NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(300))
                .replication(3).tombstoneTtl(Duration.ofMinutes(1))
                .storageSetting(NodeConfig.EXPIRY_GRACE_SETTING, "30000").build();
        List<KadNode> nodes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            SimTransport t = net.newTransport();
            List<InetSocketAddress> seeds = i == 0 ? List.of() : List.of(nodes.get(0).address());
            KadNode node = KadNode.start(base.toBuilder().seeds(seeds).build(), t, net.schedulerFor(t), new Random(i));
            nodes.add(node);
            net.runUntilDone(node.joined(), 10 * MINUTE);
        }
        KadNode writer = nodes.get(1);
        long expiresAt = writer.records().nowMillis() + 5_000;
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            byte[] value = ("v" + i).getBytes(StandardCharsets.UTF_8);
            long expiry = i % 3 == 0 ? StoredRecord.NEVER : expiresAt;
            writes.add(writer.records().write("ns", key(i), new WriteCommand(
                    WriteCommand.Op.PUT, value, false, WriteCommand.ANY_VERSION,
                    expiry, expiry)));
        }
        net.runUntilDone(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)), MINUTE);
        List<CompletableFuture<?>> removals = new ArrayList<>();
        for (int i = 0; i < 30; i += 3) {
            removals.add(writer.records().write("ns", key(i), new WriteCommand(
                    WriteCommand.Op.REMOVE, new byte[0], false,
                    WriteCommand.ANY_VERSION, WriteCommand.KEEP_EXPIRY,
                    WriteCommand.KEEP_EXPIRY)));
        }
        net.runUntilDone(CompletableFuture.allOf(removals.toArray(CompletableFuture[]::new)), MINUTE);
        // and five records that never expire, which must outlive every reclaim
        List<CompletableFuture<?>> eternal = new ArrayList<>();
        for (int i = 100; i < 105; i++) {
            eternal.add(writer.records().write("ns", key(i), new WriteCommand(WriteCommand.Op.PUT,
                    ("kept" + i).getBytes(StandardCharsets.UTF_8), false, WriteCommand.ANY_VERSION,
                    StoredRecord.NEVER, StoredRecord.NEVER)));
        }
        net.runUntilDone(CompletableFuture.allOf(eternal.toArray(CompletableFuture[]::new)), MINUTE);
        assertThat(storedRecords(nodes)).as("records and replicas before expiry").isEqualTo(35 * 3);

        // expiry at +5 s and the tombstones at +1 min, each kept a 30 s grace, reclaimed within half a grace
        // and a maintenance tick after that
        net.runFor(2 * MINUTE);
        assertThat(storedRecords(nodes)).as("records left once every expiry and grace has passed")
                .isEqualTo(5 * 3);
        for (int i = 100; i < 105; i++) {
            CompletableFuture<io.kad.core.record.ReadResult> read = nodes.get(3).records().read("ns", key(i));
            net.runUntilDone(read, MINUTE);
            assertThat(read.join().record().value()).isEqualTo(("kept" + i).getBytes(StandardCharsets.UTF_8));
        }
        nodes.forEach(KadNode::close);
    }

    private static long storedRecords(List<KadNode> nodes) {
        long[] n = new long[1];
        for (KadNode node : nodes) {
            node.storage().forEach(r -> n[0]++);
        }
        return n[0];
    }
}

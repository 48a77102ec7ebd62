package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.id.NodeId;
import io.kad.core.sim.SimScheduler;
import io.kad.core.sim.SimTransport;
import io.kad.core.sim.SimulatedNetwork;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cold iterative lookups in a large simulated swarm: from random nodes, for random targets, every
 * lookup finds the swarm's true nearest nodes, in few rounds. Nodes join in waves, each through a
 * random node that joined before, as a swarm grows when many instances of an application start.
 *
 * <p>The build runs 1,000 nodes; {@code -Dkad.sim.lookup.nodes=10000} (and {@code .lookups},
 * {@code .seed}) runs the larger swarm of the figures in BENCHMARKS.md, and the test then logs the heap
 * each simulated node takes.
 */
class ColdLookupScaleTest {

    private static final Logger LOG = LoggerFactory.getLogger(ColdLookupScaleTest.class);
    private static final long MINUTE = 60_000;

    @Test
    void everyColdLookupFindsTheTrueNearestNodesInAMedianOfAtMostThreeRounds() {
        int size = Integer.getInteger("kad.sim.lookup.nodes", 1_000);
        int lookups = Integer.getInteger("kad.sim.lookup.lookups", 1_000);
        long seed = Long.getLong("kad.sim.lookup.seed", 10_000);
        NodeConfig base = NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(300))
                .operationTimeout(Duration.ofSeconds(20)).replication(SwarmScaleTest.REPLICATION)
                .republishInterval(Duration.ofHours(1)).build();
        SimulatedNetwork net = new SimulatedNetwork(seed).latency(1, 10);
        Random random = new Random(seed);

        Runtime rt = Runtime.getRuntime();
        long heapBefore = usedHeap(rt);
        long started = System.nanoTime();
        long virtualStart = net.now();
        List<KadNode> nodes = new ArrayList<>(size);
        nodes.add(start(net, List.of(), base, random));
        while (nodes.size() < size) {
            // a wave of up to a tenth of the swarm so far joins at once, each through an earlier node
            int wave = Math.min(size - nodes.size(), Math.max(1, nodes.size() / 10));
            List<KadNode> joining = new ArrayList<>(wave);
            for (int i = 0; i < wave; i++) {
                InetSocketAddress seedAddress = nodes.get(random.nextInt(nodes.size())).address();
                joining.add(start(net, List.of(seedAddress), base, random));
            }
            net.runUntilDone(CompletableFuture.allOf(joining.stream().map(KadNode::joined)
                    .toArray(CompletableFuture[]::new)), 10 * MINUTE);
            nodes.addAll(joining);
        }
        long heapAfter = usedHeap(rt);
        LOG.info("{} nodes joined in {} s of wall time, {} virtual s; heap {} MiB, {} KiB per node",
                size, (System.nanoTime() - started) / 1_000_000_000, (net.now() - virtualStart) / 1000,
                (heapAfter - heapBefore) >> 20, (heapAfter - heapBefore) / size >> 10);

        BigInteger[] ids = nodes.stream().map(n -> n.id().value()).toArray(BigInteger[]::new);
        int[] rounds = new int[lookups];
        int exact = 0;
        for (int i = 0; i < lookups; i++) {
            KadNode from = nodes.get(random.nextInt(size));
            BigInteger target = new BigInteger(NodeId.NODE_ID_BITS, random);
            KadNode.LookupResult result = net.runUntilDone(from.lookupValue(target), 10 * MINUTE);
            rounds[i] = result.rounds();
            List<BigInteger> expected = nearest(ids, target, SwarmScaleTest.REPLICATION, from.id().value());
            List<BigInteger> found = result.closest().stream().map(c -> c.id().value())
                    .limit(SwarmScaleTest.REPLICATION).toList();
            if (found.equals(expected)) {
                exact++;
            } else {
                LOG.info("lookup {} from {} for {}: found {} expected {}", i, from.id(), target, found, expected);
            }
        }
        Arrays.sort(rounds);
        int median = rounds[lookups / 2];
        LOG.info("{} cold lookups in {} nodes: {} found the true {} nearest; rounds median {}, p90 {}, max {}",
                lookups, size, exact, SwarmScaleTest.REPLICATION, median, rounds[lookups * 9 / 10],
                rounds[lookups - 1]);
        for (KadNode n : nodes) {
            n.close();
        }
        assertThat(exact).as("lookups that found the true nearest nodes").isEqualTo(lookups);
        assertThat(median).as("median rounds").isLessThanOrEqualTo(3);
    }

    private static KadNode start(SimulatedNetwork net, List<InetSocketAddress> seeds, NodeConfig base,
                                 Random random) {
        SimTransport t = net.newTransport();
        SimScheduler s = net.schedulerFor(t);
        return KadNode.start(base.toBuilder().seeds(seeds).build(), t, s, new Random(random.nextLong()));
    }

    /** The {@code n} ids nearest a target by XOR distance, the looking node left out (as lookups do). */
    private static List<BigInteger> nearest(BigInteger[] ids, BigInteger target, int n, BigInteger self) {
        return Arrays.stream(ids).filter(id -> !id.equals(self))
                .sorted((a, b) -> a.xor(target).compareTo(b.xor(target))).limit(n).toList();
    }

    private static long usedHeap(Runtime rt) {
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }
}

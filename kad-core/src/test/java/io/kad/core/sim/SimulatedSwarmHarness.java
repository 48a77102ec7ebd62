package io.kad.core.sim;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * Builds a large simulated swarm and measures cold lookups in it: how many find the node nearest a
 * random target, in how many rounds, and the heap each simulated node takes. A harness to run by hand,
 * not a test (a 10,000-node swarm takes minutes to build on two cores):
 *
 * <pre>
 * mvn -q -pl kad-core -am test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt \
 *     -Dmdep.includeScope=test
 * java -Xmx16g -cp kad-core/target/test-classes:kad-core/target/classes:kad-spi/target/classes:$(cat kad-core/cp.txt) \
 *     io.kad.core.sim.SimulatedSwarmHarness 10000 1000
 * </pre>
 *
 * Arguments: nodes (default 10,000), lookups (default 1,000), seed (default 1).
 */
public final class SimulatedSwarmHarness {

    private SimulatedSwarmHarness() {
    }

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int lookups = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1;
        Runtime rt = Runtime.getRuntime();
        long heapBefore = usedHeap(rt);
        long t0 = System.nanoTime();
        SimulatedNetwork net = new SimulatedNetwork(seed).latency(5, 40);
        Random random = new Random(seed);
        NodeConfig base = NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(500))
                .operationTimeout(Duration.ofSeconds(30)).build();
        List<KadNode> nodes = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            SimTransport t = net.newTransport();
            List<InetSocketAddress> seeds = nodes.isEmpty() ? List.of()
                    : List.of(nodes.get(random.nextInt(nodes.size())).address());
            KadNode node = KadNode.start(base.toBuilder().seeds(seeds).build(), t, net.schedulerFor(t),
                    new Random(random.nextLong()));
            net.runUntilDone(node.joined(), 600_000);
            nodes.add(node);
            if ((i + 1) % 1000 == 0) {
                System.out.printf("%,d nodes joined (%.0f s)%n", i + 1, (System.nanoTime() - t0) / 1e9);
            }
        }
        long heapPerNode = (usedHeap(rt) - heapBefore) / size;
        System.out.printf("built %,d nodes in %.0f s, %,d datagrams; heap per simulated node: %,d bytes%n", size,
                (System.nanoTime() - t0) / 1e9, net.datagramsSent(), heapPerNode);

        List<Integer> rounds = new ArrayList<>();
        int found = 0;
        for (int i = 0; i < lookups; i++) {
            BigInteger target = new BigInteger(128, random);
            KadNode from = nodes.get(random.nextInt(nodes.size()));
            CompletableFuture<KadNode.LookupResult> r = from.lookupValue(target);
            KadNode.LookupResult result = net.runUntilDone(r, 600_000);
            rounds.add(result.rounds());
            KadNode nearest = Collections.min(nodes, (a, b) -> a.id().distance(target).compareTo(b.id().distance(target)));
            if (result.closest().stream().anyMatch(c -> c.id().equals(nearest.id()))
                    || from.id().equals(nearest.id())) {
                found++;
            }
        }
        Collections.sort(rounds);
        System.out.printf("%,d cold lookups: %,d found the node nearest their target (%.1f%%); rounds median %d, "
                + "p99 %d%n", lookups, found, 100.0 * found / lookups, rounds.get(rounds.size() / 2),
                rounds.get(Math.min(rounds.size() - 1, (int) Math.ceil(rounds.size() * 0.99) - 1)));
        for (KadNode n : nodes) {
            n.close();
        }
    }

    private static long usedHeap(Runtime rt) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}

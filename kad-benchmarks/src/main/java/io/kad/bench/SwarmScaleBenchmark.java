package io.kad.bench;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * What a get and a put cost as a real loopback swarm grows: for swarms of 3, 21 and 100 UDP nodes in one
 * JVM (replication 3), the datagrams every node sent per remote get and per put, and get and put p50,
 * beside a raw UDP round trip measured in the same run. Each key is written from a random node and read
 * once before the measured pass; the measured reads come from a node that is not the key's owner. A
 * swarm of the first size runs once before, unreported, to warm the JIT up.
 *
 * <p>Run: {@code mvn -q -pl kad-benchmarks -am test-compile exec:java -Dexec.skip=true
 * -Dexec.mainClass=io.kad.bench.SwarmScaleBenchmark [-Dexec.args="3,21,100 400"]} (swarm sizes, keys).
 * Goal: get p50 at 100 nodes within 1.5x of get p50 at 3 nodes.
 */
public final class SwarmScaleBenchmark {

    private static final String NS = "bench";

    private SwarmScaleBenchmark() {
    }

    private record Figures(int nodes, double datagramsPerGet, double datagramsPerPut, double getP50, double putP50,
                           double rawP50) {
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = Arrays.stream((args.length > 0 ? args[0] : "3,21,100").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 400;
        List<Figures> all = new ArrayList<>();
        try (DhtLatencyBenchmark.RawPair raw = new DhtLatencyBenchmark.RawPair()) {
            // a first swarm warms the JIT up, so the first size measured is not also the coldest
            System.out.println("warm-up (not reported):");
            run(sizes[0], keys, raw);
            for (int size : sizes) {
                all.add(run(size, keys, raw));
            }
        }
        System.out.printf("%n%6s %12s %12s %12s %12s %12s %10s%n", "nodes", "dgrams/get", "dgrams/put",
                "get p50 us", "put p50 us", "raw p50 us", "get/raw");
        for (Figures f : all) {
            System.out.printf("%6d %12.2f %12.2f %12.1f %12.1f %12.1f %10.2f%n", f.nodes(), f.datagramsPerGet(),
                    f.datagramsPerPut(), f.getP50(), f.putP50(), f.rawP50(), f.getP50() / f.rawP50());
        }
        Figures first = all.get(0);
        Figures last = all.get(all.size() - 1);
        double ratio = last.getP50() / first.getP50();
        System.out.printf("get p50 at %d nodes / at %d nodes = %.2f (goal <= 1.50: %s)%n", last.nodes(),
                first.nodes(), ratio, ratio <= 1.5 ? "met" : "NOT met");
    }

    private static Figures run(int size, int keys, DhtLatencyBenchmark.RawPair raw) throws Exception {
        Random random = new Random(size);
        List<KadNode> nodes = new ArrayList<>();
        NodeConfig base = NodeConfig.builder().host("127.0.0.1").port(0).replication(3).loadInterceptors(false)
                .build();
        try {
            for (int i = 0; i < size; i++) {
                List<InetSocketAddress> seeds = nodes.isEmpty() ? List.of()
                        : List.of(nodes.get(random.nextInt(nodes.size())).address());
                nodes.add(KadNode.start(base.toBuilder().seeds(seeds).build()));
            }
            for (int i = 0; i < keys; i++) {
                any(nodes, random).records().write(NS, key(i), put("v" + i)).get(10, TimeUnit.SECONDS);
            }
            for (int i = 0; i < keys; i++) {
                any(nodes, random).records().read(NS, key(i)).get(10, TimeUnit.SECONDS);
            }
            long[] get = new long[keys];
            long[] rawRt = new long[keys];
            long before = recordDatagrams(nodes);
            for (int i = 0; i < keys; i++) {
                KadNode owner = owner(nodes, key(i));
                KadNode reader;
                do {
                    reader = any(nodes, random);
                } while (reader == owner && nodes.size() > 1);
                rawRt[i] = raw.roundTrip();
                long t0 = System.nanoTime();
                ReadResult r = reader.records().read(NS, key(i)).get(10, TimeUnit.SECONDS);
                get[i] = System.nanoTime() - t0;
                if (r.record() == null) {
                    throw new IllegalStateException("key-" + i + " not found at " + size + " nodes");
                }
            }
            double perGet = (recordDatagrams(nodes) - before) / (double) keys;
            long[] put = new long[keys];
            before = recordDatagrams(nodes);
            for (int i = 0; i < keys; i++) {
                KadNode writer = any(nodes, random);
                long t0 = System.nanoTime();
                writer.records().write(NS, key(i), put("w" + i)).get(10, TimeUnit.SECONDS);
                put[i] = System.nanoTime() - t0;
            }
            double perPut = (recordDatagrams(nodes) - before) / (double) keys;
            Figures f = new Figures(size, perGet, perPut, p50(get), p50(put), p50(rawRt));
            System.out.printf("%d nodes: %.2f datagrams per remote get, %.2f per put, get p50 %.1f us, put p50 %.1f us,"
                    + " raw p50 %.1f us%n", size, perGet, perPut, f.getP50(), f.putP50(), f.rawP50());
            return f;
        } finally {
            for (KadNode n : nodes) {
                n.close();
            }
        }
    }

    private static KadNode any(List<KadNode> nodes, Random random) {
        return nodes.get(random.nextInt(nodes.size()));
    }

    private static KadNode owner(List<KadNode> nodes, byte[] key) {
        BigInteger rid = RecordIds.of(nodes.get(0).hashFunction(), NS, key);
        KadNode best = nodes.get(0);
        for (KadNode n : nodes) {
            if (n.id().distance(rid).compareTo(best.id().distance(rid)) < 0) {
                best = n;
            }
        }
        return best;
    }

    private static long recordDatagrams(List<KadNode> nodes) {
        long sum = 0;
        for (KadNode n : nodes) {
            sum += n.stats().recordDatagramsSent();
        }
        return sum;
    }

    private static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static WriteCommand put(String v) {
        return WriteCommand.put(v.getBytes(StandardCharsets.UTF_8), false, StoredRecord.NEVER);
    }

    private static double p50(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1000.0;
    }
}

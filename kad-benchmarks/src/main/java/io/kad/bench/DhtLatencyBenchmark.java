package io.kad.bench;

import io.kad.core.Dht;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.RecordIds;
import io.kad.spi.KeyHashFunction;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * Latency of a 3-node loopback swarm against the floor set by a raw UDP round trip in the same JVM.
 *
 * <p>Measures, with {@link System#nanoTime()} around each call after a warm-up:
 * <ol>
 *   <li>raw: a datagram from socket A to socket B and back, each socket read by its own thread (the
 *       shape of a node: a receive thread hands the reply to the waiting caller);</li>
 *   <li>put: {@code Dht.put} of a 100-byte value from node A, keys spread over all three owners;</li>
 *   <li>remote get: {@code records().read("", key)} from node A for keys whose owner (the node whose
 *       id is nearest the record id by XOR) is not A. {@code Dht.get} would answer from A's own replica
 *       copy (replication 3 in a swarm of 3), which measures no network at all.</li>
 * </ol>
 * It also prints the put latency of the keys whose owner is not A (the puts that take two round trips
 * in sequence), and the datagrams the three nodes sent per measured put and per measured remote get,
 * from their {@link io.kad.core.NodeStats} counters (every datagram of an operation is received before it
 * returns, so the counters are read around each one; phased reads them around each phase): a put to a
 * remote owner is the request, one copy to the third node, its acknowledgement and the reply
 * (4); a put at A is two copies and their acknowledgements (4); a remote get is request and reply (2).
 * Last, the JIT compilation time spent during the measurement.
 *
 * <p>By default the three are measured in turn, one of each per iteration, so that they meet the same
 * conditions: with the default warm-up the JIT compiler is still busy, and on a machine of two cores
 * how busy the cores are also decides how long a sleeping receive thread takes to wake (a raw round trip
 * itself takes from about 20 to about 75 µs on the same machine depending on it). {@code phased}
 * measures as earlier versions did: every raw round trip, then every put, then every get, so the puts
 * met a busier compiler than the gets.
 *
 * <p>Usage: {@code DhtLatencyBenchmark [warmup] [iterations] [interleaved|phased]}, defaults 2000, 5000
 * and interleaved.
 */
public final class DhtLatencyBenchmark {

    private DhtLatencyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        boolean phased = args.length > 2 && args[2].equals("phased");
        if (!phased && args.length > 2 && !args[2].equals("interleaved")) {
            throw new IllegalArgumentException("third argument: interleaved (default) or phased, not " + args[2]);
        }

        long[] raw = new long[iterations];
        long[] put = new long[iterations];
        long[] putRemote = new long[iterations];
        int remotePuts = 0;
        long[] get = new long[iterations];
        long putSent = 0;
        long getSent = 0;
        long putJit = 0;
        long getJit = 0;
        NodeConfig base = NodeConfig.builder().host("127.0.0.1").port(0).loadInterceptors(false)
                .operationTimeout(Duration.ofSeconds(5)).build();
        int[] owners = new int[3];
        double[] switches;
        try (RawPair rawPair = new RawPair();
             Dht a = Dht.create(base);
             Dht b = Dht.create(base.toBuilder().seed(a.address()).build());
             Dht c = Dht.create(base.toBuilder().seed(a.address()).seed(b.address()).build())) {
            List<Dht> swarm = List.of(a, b, c);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!swarm.stream().allMatch(n -> n.peers().size() == 2)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("swarm did not form: " + swarm.stream()
                            .map(n -> n.peers().size()).toList());
                }
                Thread.onSpinWait();
            }
            KeyHashFunction hash = a.node().hashFunction();
            String value = "v".repeat(100);

            List<String> putKeys = new ArrayList<>();
            boolean[] putIsRemote = new boolean[warmup + iterations];
            for (int i = 0; i < warmup + iterations; i++) {
                String key = "put-" + i;
                putKeys.add(key);
                int owner = ownerIndex(swarm, RecordIds.of(hash, "", key.getBytes(StandardCharsets.UTF_8)));
                owners[owner]++;
                putIsRemote[i] = owner != 0;
            }
            List<byte[]> remoteKeys = new ArrayList<>();
            for (int i = 0; remoteKeys.size() < 200; i++) {
                byte[] key = ("get-" + i).getBytes(StandardCharsets.UTF_8);
                if (ownerIndex(swarm, RecordIds.of(hash, "", key)) != 0) {
                    remoteKeys.add(key);
                    b.put(new String(key, StandardCharsets.UTF_8), value);
                }
            }
            KadNode nodeA = a.node();
            settledDatagramsSent(swarm);
            if (phased) {
                // the order of earlier versions: every raw round trip, then every put, then every get
                for (int i = 0; i < warmup + iterations; i++) {
                    long t = rawPair.roundTrip();
                    if (i >= warmup) {
                        raw[i - warmup] = t;
                    }
                }
                long jit0 = 0;
                long sent0 = 0;
                for (int i = 0; i < warmup + iterations; i++) {
                    if (i == warmup) {
                        jit0 = jitMillis();
                        sent0 = datagramsSent(swarm);
                    }
                    long t = timePut(a, putKeys.get(i), value);
                    if (i >= warmup) {
                        put[i - warmup] = t;
                        if (putIsRemote[i]) {
                            putRemote[remotePuts++] = t;
                        }
                    }
                }
                putJit = jitMillis() - jit0;
                putSent = settledDatagramsSent(swarm) - sent0;
                for (int i = 0; i < warmup + iterations; i++) {
                    if (i == warmup) {
                        jit0 = jitMillis();
                        sent0 = datagramsSent(swarm);
                    }
                    long t = timeRemoteGet(nodeA, remoteKeys.get(i % remoteKeys.size()));
                    if (i >= warmup) {
                        get[i - warmup] = t;
                    }
                }
                getJit = jitMillis() - jit0;
                getSent = settledDatagramsSent(swarm) - sent0;
            } else {
                // one of each in turn, so that all three meet the same JIT, CPU and scheduling conditions
                long jit0 = 0;
                for (int i = 0; i < warmup + iterations; i++) {
                    if (i == warmup) {
                        jit0 = jitMillis();
                    }
                    long tRaw = rawPair.roundTrip();
                    // every datagram of a put or get is received before it returns (copies and their
                    // acknowledgements before the owner's reply), so the counters are settled around it
                    long sent0 = datagramsSent(swarm);
                    long tPut = timePut(a, putKeys.get(i), value);
                    long sent1 = datagramsSent(swarm);
                    long tGet = timeRemoteGet(nodeA, remoteKeys.get(i % remoteKeys.size()));
                    long sent2 = datagramsSent(swarm);
                    if (i >= warmup) {
                        int j = i - warmup;
                        raw[j] = tRaw;
                        put[j] = tPut;
                        get[j] = tGet;
                        if (putIsRemote[i]) {
                            putRemote[remotePuts++] = tPut;
                        }
                        putSent += sent1 - sent0;
                        getSent += sent2 - sent1;
                    }
                }
                putJit = jitMillis() - jit0;
            }
            switches = switchesPerOperation(rawPair, nodeA, remoteKeys);
        }
        System.out.printf("%s measurement%n", phased ? "phased (raw, then puts, then gets)"
                : "interleaved (a raw round trip, a put and a remote get in turn)");
        report(warmup, iterations, owners, raw, put, Arrays.copyOf(putRemote, remotePuts), get);
        double perPut = putSent / (double) iterations;
        System.out.printf("datagrams sent per put (all 3 nodes): %.2f; per remote get: %.2f%n",
                perPut, getSent / (double) iterations);
        // a round trip is a request and its reply: two datagrams
        System.out.printf("round trips per put = %.2f  (goal <= 2.00 on a warm swarm: %s)%n", perPut / 2,
                perPut / 2 <= 2 ? "met" : "NOT met");
        if (switches != null) {
            // a thread that waits for another gives up its CPU: a voluntary switch, the cost of each hand-off
            System.out.printf("thread switches (voluntary, whole process) per raw round trip: %.2f; per remote get:"
                    + " %.2f; ratio %.2f%n", switches[0], switches[1], switches[1] / switches[0]);
        } else {
            System.out.println("thread switches: not counted (no /proc/self/task on this system)");
        }
        // on a machine of few cores a compiler thread busy during the measurement competes with the nodes
        if (phased) {
            System.out.printf("JIT compilation during the measured puts: %d ms; during the measured gets: %d ms%n",
                    putJit, getJit);
        } else {
            System.out.printf("JIT compilation during the measurement: %d ms%n", putJit);
        }
    }

    /**
     * Thread hand-offs per operation: the voluntary context switches of every thread of this process
     * (Linux's {@code /proc/self/task/<tid>/status}) over 2,000 raw round trips, then over 2,000 remote
     * gets. The raw echo is the floor: its two sockets' reader threads each wake once per round trip,
     * and so does the caller. Background threads (timers, the JIT, GC) add a little to both.
     *
     * @return switches per raw round trip and per remote get, or {@code null} where the counters are
     *     not readable
     */
    private static double[] switchesPerOperation(RawPair rawPair, KadNode nodeA, List<byte[]> remoteKeys)
            throws Exception {
        int n = 2_000;
        long s0 = voluntarySwitches();
        if (s0 < 0) {
            return null;
        }
        for (int i = 0; i < n; i++) {
            rawPair.roundTrip();
        }
        long s1 = voluntarySwitches();
        for (int i = 0; i < n; i++) {
            timeRemoteGet(nodeA, remoteKeys.get(i % remoteKeys.size()));
        }
        long s2 = voluntarySwitches();
        return new double[] {(s1 - s0) / (double) n, (s2 - s1) / (double) n};
    }

    /** The sum of every live thread's voluntary context switches, or -1 if they cannot be read. */
    private static long voluntarySwitches() {
        java.nio.file.Path tasks = java.nio.file.Path.of("/proc/self/task");
        if (!java.nio.file.Files.isDirectory(tasks)) {
            return -1;
        }
        long sum = 0;
        try (java.nio.file.DirectoryStream<java.nio.file.Path> all = java.nio.file.Files.newDirectoryStream(tasks)) {
            for (java.nio.file.Path task : all) {
                try {
                    for (String line : java.nio.file.Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException ended) {
                    // the thread ended between the listing and the read: its switches are gone either way
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return sum;
    }

    private static long timePut(Dht a, String key, String value) {
        long t0 = System.nanoTime();
        a.put(key, value);
        return System.nanoTime() - t0;
    }

    private static long timeRemoteGet(KadNode a, byte[] key) throws Exception {
        long t0 = System.nanoTime();
        var r = a.records().read("", key).get(5, TimeUnit.SECONDS);
        long t = System.nanoTime() - t0;
        if (r.record() == null) {
            throw new IllegalStateException("remote get found nothing");
        }
        return t;
    }

    /** @return the JVM's total JIT compilation time so far, or 0 if it is not measured */
    static long jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** @return the datagrams the swarm's nodes sent so far */
    static long datagramsSent(List<Dht> swarm) {
        return swarm.stream().mapToLong(n -> n.node().stats().datagramsSent()).sum();
    }

    /**
     * @return the datagrams the swarm's nodes sent, once every datagram sent was also received (or a
     *     second passed): copies and acknowledgements still in flight after an operation returned count
     */
    static long settledDatagramsSent(List<Dht> swarm) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < deadline) {
            long sent = datagramsSent(swarm);
            long received = swarm.stream().mapToLong(n -> n.node().stats().datagramsReceived()).sum();
            if (sent == received) {
                return sent;
            }
            // a poll with a deadline, outside any timed operation: yield the cores to the nodes' threads
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return datagramsSent(swarm);
    }

    /** @return the index in the swarm of the node whose id is nearest the record id */
    static int ownerIndex(List<Dht> swarm, BigInteger recordId) {
        int best = 0;
        for (int i = 1; i < swarm.size(); i++) {
            if (swarm.get(i).id().value().xor(recordId).compareTo(swarm.get(best).id().value().xor(recordId)) < 0) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Socket A and socket B, each read by its own thread: B echoes, A's thread hands the echo to the
     * waiting caller (the shape of a node: a receive thread hands the reply to the waiting caller).
     */
    static final class RawPair implements AutoCloseable {
        private final DatagramSocket sa;
        private final DatagramSocket sb;
        private final SynchronousQueue<byte[]> replies = new SynchronousQueue<>();
        private final byte[] payload = ("{\"message_type\": \"ping\", \"peer_id\": 1, \"peer_info\": null, \"pad\": \""
                + "x".repeat(100) + "\"}").getBytes(StandardCharsets.US_ASCII);
        private final InetSocketAddress to;

        RawPair() throws SocketException {
            InetAddress lo = InetAddress.getLoopbackAddress();
            sa = new DatagramSocket(new InetSocketAddress(lo, 0));
            sb = new DatagramSocket(new InetSocketAddress(lo, 0));
            to = new InetSocketAddress(lo, sb.getLocalPort());
            Thread echo = new Thread(() -> receiveLoop(sb, (data, from) -> send(sb, data, from)), "raw-b");
            Thread back = new Thread(() -> receiveLoop(sa, (data, from) -> {
                try {
                    replies.put(data);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }), "raw-a");
            echo.setDaemon(true);
            back.setDaemon(true);
            echo.start();
            back.start();
        }

        /** @return the nanoseconds of one round trip */
        long roundTrip() throws InterruptedException {
            long t0 = System.nanoTime();
            send(sa, payload, to);
            if (replies.poll(5, TimeUnit.SECONDS) == null) {
                throw new IllegalStateException("raw round trip lost a datagram");
            }
            return System.nanoTime() - t0;
        }

        @Override
        public void close() {
            sa.close();
            sb.close();
        }
    }

    private interface Handler {
        void accept(byte[] data, InetSocketAddress from);
    }

    private static void receiveLoop(DatagramSocket s, Handler h) {
        byte[] buf = new byte[65_536];
        while (!s.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                continue;
            }
            h.accept(Arrays.copyOf(buf, p.getLength()), (InetSocketAddress) p.getSocketAddress());
        }
    }

    private static void send(DatagramSocket s, byte[] data, InetSocketAddress to) {
        try {
            s.send(new DatagramPacket(data, data.length, to));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double micros(long[] sorted, double q) {
        int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1000.0;
    }

    static void report(int warmup, int iterations, int[] owners, long[] raw, long[] put, long[] putRemote,
                       long[] get) {
        long[][] all = {raw, put, get, putRemote};
        String[] names = {"raw UDP round trip", "Dht put (100 B)", "remote get (owner != A)", "  put, owner != A"};
        for (long[] a : all) {
            Arrays.sort(a);
        }
        System.out.printf("warmup %d, iterations %d; put keys per owner (A, B, C): %s%n", warmup, iterations,
                Arrays.toString(owners));
        System.out.printf("%-26s %10s %10s %10s%n", "operation (us)", "p50", "p90", "p99");
        for (int i = 0; i < all.length; i++) {
            System.out.printf("%-26s %10.1f %10.1f %10.1f%n", names[i], micros(all[i], .5), micros(all[i], .9),
                    micros(all[i], .99));
        }
        double rawP50 = micros(raw, .5);
        double getRatio = micros(get, .5) / rawP50;
        double putRatio = micros(put, .5) / rawP50;
        System.out.printf("get p50 / raw p50 = %.2f  (goal <= 3.00: %s)%n", getRatio, getRatio <= 3 ? "met" : "NOT met");
        System.out.printf("put p50 / raw p50 = %.2f  (in time; the goal counts round trips, below)%n", putRatio);
        System.out.printf("put p50 / remote get p50 = %.2f  (a put is two round trips in sequence, a get one)%n",
                micros(put, .5) / micros(get, .5));
    }
}

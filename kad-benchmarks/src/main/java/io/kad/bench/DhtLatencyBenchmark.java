package io.kad.bench;

import io.kad.core.Dht;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.RecordIds;
import io.kad.spi.KeyHashFunction;
import java.io.IOException;
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
 * from their {@link io.kad.core.NodeStats} counters, counted once every datagram sent was received: a
 * put to a remote owner is the request, one copy to the third node, its acknowledgement and the reply
 * (4); a put at A is two copies and their acknowledgements (4); a remote get is request and reply (2).
 * Usage: {@code DhtLatencyBenchmark [warmup] [iterations]}, defaults 2000 and 5000.
 */
public final class DhtLatencyBenchmark {

    private DhtLatencyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 5000;

        long[] raw = rawRoundTrips(warmup, iterations);

        NodeConfig base = NodeConfig.builder().host("127.0.0.1").port(0).loadInterceptors(false)
                .operationTimeout(Duration.ofSeconds(5)).build();
        try (Dht a = Dht.create(base);
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

            List<byte[]> putKeys = new ArrayList<>();
            int[] owners = new int[3];
            for (int i = 0; i < warmup + iterations; i++) {
                byte[] key = ("put-" + i).getBytes(StandardCharsets.UTF_8);
                putKeys.add(key);
                owners[ownerIndex(swarm, RecordIds.of(hash, "", key))]++;
            }
            long[] put = new long[iterations];
            long[] putRemote = new long[iterations];
            int remotePuts = 0;
            long putSent0 = 0;
            for (int i = 0; i < warmup + iterations; i++) {
                if (i == warmup) {
                    putSent0 = datagramsSent(swarm);
                }
                String key = new String(putKeys.get(i), StandardCharsets.UTF_8);
                long t0 = System.nanoTime();
                a.put(key, value);
                long t = System.nanoTime() - t0;
                if (i >= warmup) {
                    put[i - warmup] = t;
                    if (ownerIndex(swarm, RecordIds.of(hash, "", putKeys.get(i))) != 0) {
                        putRemote[remotePuts++] = t;
                    }
                }
            }
            // replica acknowledgements are not waited for by every path: let the last ones land
            double putDatagrams = (settledDatagramsSent(swarm) - putSent0) / (double) iterations;

            List<byte[]> remoteKeys = new ArrayList<>();
            for (int i = 0; remoteKeys.size() < 200; i++) {
                byte[] key = ("get-" + i).getBytes(StandardCharsets.UTF_8);
                if (ownerIndex(swarm, RecordIds.of(hash, "", key)) != 0) {
                    remoteKeys.add(key);
                    b.put(new String(key, StandardCharsets.UTF_8), value);
                }
            }
            KadNode nodeA = a.node();
            long[] get = new long[iterations];
            long getSent0 = 0;
            for (int i = 0; i < warmup + iterations; i++) {
                if (i == warmup) {
                    getSent0 = settledDatagramsSent(swarm);
                }
                byte[] key = remoteKeys.get(i % remoteKeys.size());
                long t0 = System.nanoTime();
                var r = nodeA.records().read("", key).get(5, TimeUnit.SECONDS);
                long t = System.nanoTime() - t0;
                if (r.record() == null) {
                    throw new IllegalStateException("remote get found nothing");
                }
                if (i >= warmup) {
                    get[i - warmup] = t;
                }
            }
            double getDatagrams = (settledDatagramsSent(swarm) - getSent0) / (double) iterations;
            report(warmup, iterations, owners, raw, put, Arrays.copyOf(putRemote, remotePuts), get);
            System.out.printf("datagrams sent per put (all 3 nodes): %.2f; per remote get: %.2f%n", putDatagrams,
                    getDatagrams);
        }
    }

    /** @return the datagrams the swarm's nodes sent so far */
    static long datagramsSent(List<Dht> swarm) {
        return swarm.stream().mapToLong(n -> n.node().stats().datagramsSent()).sum();
    }

    /**
     * @return the datagrams the swarm's nodes sent, once every datagram sent was also received (or a
     *     second passed): copies and acknowledgements still in flight after an operation returned count
     */
    static long settledDatagramsSent(List<Dht> swarm) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < deadline) {
            long sent = datagramsSent(swarm);
            long received = swarm.stream().mapToLong(n -> n.node().stats().datagramsReceived()).sum();
            if (sent == received) {
                return sent;
            }
            Thread.sleep(1);
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

    static long[] rawRoundTrips(int warmup, int iterations) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (DatagramSocket sa = new DatagramSocket(new InetSocketAddress(lo, 0));
             DatagramSocket sb = new DatagramSocket(new InetSocketAddress(lo, 0))) {
            SynchronousQueue<byte[]> replies = new SynchronousQueue<>();
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
            byte[] payload = ("{\"message_type\": \"ping\", \"peer_id\": 1, \"peer_info\": null, \"pad\": \""
                    + "x".repeat(100) + "\"}").getBytes(StandardCharsets.US_ASCII);
            InetSocketAddress to = new InetSocketAddress(lo, sb.getLocalPort());
            long[] out = new long[iterations];
            for (int i = 0; i < warmup + iterations; i++) {
                long t0 = System.nanoTime();
                send(sa, payload, to);
                if (replies.poll(5, TimeUnit.SECONDS) == null) {
                    throw new IllegalStateException("raw round trip lost a datagram");
                }
                long t = System.nanoTime() - t0;
                if (i >= warmup) {
                    out[i - warmup] = t;
                }
            }
            return out;
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
        System.out.printf("put p50 / raw p50 = %.2f  (goal <= 2.00 round trips: %s)%n", putRatio,
                putRatio <= 2 ? "met" : "NOT met");
    }
}

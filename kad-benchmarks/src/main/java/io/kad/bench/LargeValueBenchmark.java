package io.kad.bench;

import io.kad.core.KadNode;
import io.kad.jcache.KadCacheManager;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;

/**
 * Large values and bulk writes, in one run:
 * <ol>
 *   <li><b>Caffeine's JCache provider in this JVM</b>: {@code Cache<Integer, byte[]>} get and put of 64 KiB
 *       and 1 MiB values, store-by-value: the in-process floor;</li>
 *   <li><b>3-process swarm</b> (this JVM's cache manager and two {@link SwarmMemberMain} processes,
 *       replication {@value JCacheBenchmark#REPLICATION}, as in {@link JCacheBenchmark}): get and put of the
 *       same values, split by whether this node owns the key, beside a raw transfer of the same size: the
 *       value cut into 8 KiB datagrams, at most 32 unanswered (the fragment size and window of kad-core's
 *       transfers), each echoed by a UDP echo socket in a member process, until every one came back;</li>
 *   <li><b>bulk writes on the same swarm</b>: {@code putAll} of 1,000 entries of 1 KiB, beside
 *       {@code getAll} of the same 1,000 keys and the same 1,000 entries put one {@code put} at a time.</li>
 * </ol>
 * Every operation is timed alone with {@link System#nanoTime()}, keys drawn uniformly by a seeded
 * {@link Random}; each measurement runs {@code rounds} times after its own warm-up, and the table shows
 * the median over the rounds of each percentile.
 *
 * <p>Usage: {@code LargeValueBenchmark [rounds] [scale]}, defaults 3 and 1; {@code scale} multiplies every
 * operation count (0.2 for a quick look).
 */
public final class LargeValueBenchmark {

    static final int KIB_64 = 64 * 1024;
    static final int MIB = 1024 * 1024;
    /** kad-core's fragment size and window, for the raw transfer. */
    static final int FRAGMENT_BYTES = 8192;
    static final int WINDOW = 32;
    static final int BULK_ENTRIES = 1000;
    static final long SEED = 7;
    /**
     * The members' heap. Larger than {@link JCacheBenchmark}'s 256 MiB: a node remembers the outcome of every
     * write it decided or copied, records included, for the operation timeout plus two RPC timeouts (so that
     * a retry gets the first outcome), and back-to-back 1 MiB puts kept more than 256 MiB of them alive.
     */
    static final String MEMBER_HEAP = "1g";

    /** One value size: how many keys, warm-up and timed operations per round. */
    record Size(String label, int bytes, int keys, int warmup, int iterations) {
        Size scaled(double scale) {
            return new Size(label, bytes, keys, Math.max(1, (int) (warmup * scale)),
                    Math.max(10, (int) (iterations * scale)));
        }
    }

    private LargeValueBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        double scale = args.length > 1 ? Double.parseDouble(args[1]) : 1;
        List<Size> sizes = List.of(new Size("64 KiB", KIB_64, 64, 200, 1000).scaled(scale),
                new Size("1 MiB", MIB, 16, 20, 150).scaled(scale));
        int bulkWarmup = Math.max(1, (int) (3 * scale));
        int bulkIterations = Math.max(3, (int) (10 * scale));
        System.out.printf("LargeValueBenchmark: rounds %d, scale %s; %s, %d CPUs%n", rounds, scale,
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        Map<String, JCacheBenchmark.Stats> caffeine = caffeine(sizes, rounds);
        swarm(sizes, rounds, bulkWarmup, bulkIterations, caffeine);
    }

    static byte[][] pool(int bytes, int count) {
        Random r = new Random(SEED + bytes);
        byte[][] pool = new byte[count][bytes];
        for (byte[] v : pool) {
            r.nextBytes(v);
        }
        return pool;
    }

    static void preload(Cache<Integer, byte[]> cache, int keys, byte[][] pool) {
        for (int k = 0; k < keys; k++) {
            cache.put(k, pool[k % pool.length]);
        }
    }

    // ------------------------------------------------------------------ Caffeine in this JVM

    static Map<String, JCacheBenchmark.Stats> caffeine(List<Size> sizes, int rounds) throws Exception {
        ClassLoader loader = LargeValueBenchmark.class.getClassLoader();
        CachingProvider provider = Caching.getCachingProvider(JCacheBenchmark.CAFFEINE_PROVIDER, loader);
        Map<String, JCacheBenchmark.Stats> out = new LinkedHashMap<>();
        try (CacheManager manager = provider.getCacheManager(provider.getDefaultURI(), loader, new Properties())) {
            for (Size size : sizes) {
                JCacheBenchmark.Stats stats = new JCacheBenchmark.Stats();
                byte[][] pool = pool(size.bytes(), 4);
                Cache<Integer, byte[]> cache = manager.createCache("large-" + size.bytes(),
                        JCacheBenchmark.configuration());
                preload(cache, size.keys(), pool);
                for (int r = 0; r < rounds; r++) {
                    stats.add("caffeine get", timeGets(cache, size, SEED + r, null)[0]);
                    stats.add("caffeine put", timePuts(cache, size, SEED + 100 + r, pool, null)[0]);
                }
                out.put(size.label(), stats);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ 3-process swarm

    static void swarm(List<Size> sizes, int rounds, int bulkWarmup, int bulkIterations,
                      Map<String, JCacheBenchmark.Stats> caffeine) throws Exception {
        List<JCacheBenchmark.Member> members = new ArrayList<>();
        Thread reaper = new Thread(() -> members.forEach(m -> m.process.destroyForcibly()), "member-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        Map<String, JCacheBenchmark.Stats> bySize = new LinkedHashMap<>();
        Map<String, String> ownership = new LinkedHashMap<>();
        JCacheBenchmark.Stats bulk = new JCacheBenchmark.Stats();
        String localStats;
        try {
            JCacheBenchmark.Member first = JCacheBenchmark.Member.start(0, List.of(), MEMBER_HEAP);
            members.add(first);
            members.add(JCacheBenchmark.Member.start(1, List.of(first.address), MEMBER_HEAP));
            ClassLoader loader = LargeValueBenchmark.class.getClassLoader();
            Properties settings = new Properties();
            settings.setProperty("kad.seeds", first.address + "," + members.get(1).address);
            settings.setProperty("kad.replication", Integer.toString(JCacheBenchmark.REPLICATION));
            CachingProvider provider = Caching.getCachingProvider(JCacheBenchmark.KAD_PROVIDER, loader);
            try (CacheManager manager = provider.getCacheManager(URI.create("kad:bench-large"), loader, settings)) {
                KadNode node = manager.unwrap(KadCacheManager.class).node();
                JCacheBenchmark.awaitPeers(node, 2, TimeUnit.SECONDS.toNanos(20));
                InetSocketAddress echo = new InetSocketAddress(InetAddress.getLoopbackAddress(), first.echoPort);
                for (Size size : sizes) {
                    JCacheBenchmark.Stats stats = new JCacheBenchmark.Stats();
                    byte[][] pool = pool(size.bytes(), 4);
                    String name = "large-" + size.bytes();
                    Cache<Integer, byte[]> cache = manager.createCache(name, JCacheBenchmark.configuration());
                    preload(cache, size.keys(), pool);
                    boolean[] local = new boolean[size.keys()];
                    ownership.put(size.label(), JCacheBenchmark.ownership(node, manager.getURI() + "|" + name, loader,
                            local));
                    for (int r = 0; r < rounds; r++) {
                        stats.add("raw transfer echo", rawTransfers(echo, size.bytes(), size.warmup(),
                                size.iterations()));
                        long[][] gets = timeGets(cache, size, SEED + 200 + r, local);
                        stats.add("get, all keys", gets[0]);
                        stats.add("get, owner = other process", gets[2]);
                        long[][] puts = timePuts(cache, size, SEED + 300 + r, pool, local);
                        stats.add("put, all keys", puts[0]);
                        stats.add("put, owner = other process", puts[2]);
                    }
                    bySize.put(size.label(), stats);
                    manager.destroyCache(name);
                }
                bulk(manager, rounds, bulkWarmup, bulkIterations, bulk);
                localStats = String.format("this node: peers=%d records=%d rpcTimeouts=%d fragments sent=%d"
                        + " retransmitted=%d", node.peers().size(), node.storage().size(), node.stats().rpcTimeouts(),
                        node.stats().fragmentsSent(), node.stats().fragmentsRetransmitted());
            }
        } finally {
            for (JCacheBenchmark.Member m : members) {
                m.endInput();
            }
            for (JCacheBenchmark.Member m : members) {
                m.stop(TimeUnit.SECONDS.toNanos(10));
            }
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
        }
        System.out.println();
        System.out.println("== 3-process loopback swarm (this JVM's cache manager + 2 member JVMs with -Xmx" + MEMBER_HEAP
                + "), replication "
                + JCacheBenchmark.REPLICATION + ", Cache<Integer, byte[]>, store-by-value, beside Caffeine's JCache"
                + " in this JVM");
        System.out.println("   " + localStats);
        for (JCacheBenchmark.Member m : members) {
            System.out.println("   member " + m.index + " at " + m.address + " on exit: " + m.stoppedLine);
        }
        System.out.println("   raw transfer: the value in " + FRAGMENT_BYTES + "-byte datagrams, at most " + WINDOW
                + " unanswered, to a UDP echo socket in member 0's process, until all came back");
        for (Size size : sizes) {
            JCacheBenchmark.Stats stats = bySize.get(size.label());
            JCacheBenchmark.Stats floor = caffeine.get(size.label());
            System.out.println();
            System.out.println("-- " + size.label() + " values, " + size.keys() + " keys; " + ownership.get(
                    size.label()));
            floor.print();
            stats.print();
            double raw = stats.median("raw transfer echo", 0);
            JCacheBenchmark.ratio("get p50 (owner = other process) / raw transfer p50",
                    stats.median("get, owner = other process", 0), raw, Double.NaN);
            JCacheBenchmark.ratio("put p50 (owner = other process) / raw transfer p50",
                    stats.median("put, owner = other process", 0), raw, Double.NaN);
            JCacheBenchmark.ratio("get p50 (owner = other process) / caffeine get p50",
                    stats.median("get, owner = other process", 0), floor.median("caffeine get", 0), Double.NaN);
            JCacheBenchmark.ratio("put p50 (owner = other process) / caffeine put p50",
                    stats.median("put, owner = other process", 0), floor.median("caffeine put", 0), Double.NaN);
        }
        System.out.println();
        System.out.println("-- bulk: " + BULK_ENTRIES + " entries of " + JCacheBenchmark.VALUE_BYTES
                + " bytes per call, the same keys each time (" + bulkIterations + " calls a round)");
        bulk.print();
        double putAll = bulk.median("putAll", 0);
        System.out.printf("   %-56s = %8.1f µs%n", "putAll p50 per entry", putAll / BULK_ENTRIES);
        System.out.printf("   %-56s = %8.1f µs%n", "getAll p50 per entry", bulk.median("getAll", 0) / BULK_ENTRIES);
        JCacheBenchmark.ratio("putAll p50 / getAll p50", putAll, bulk.median("getAll", 0), Double.NaN);
        JCacheBenchmark.ratio("1,000 puts one at a time p50 / putAll p50", bulk.median("put x 1,000, one at a time", 0),
                putAll, Double.NaN);
    }

    static void bulk(CacheManager manager, int rounds, int warmup, int iterations, JCacheBenchmark.Stats stats) {
        Cache<Integer, byte[]> cache = manager.createCache("bulk", JCacheBenchmark.configuration());
        byte[][] pool = pool(JCacheBenchmark.VALUE_BYTES, 16);
        Map<Integer, byte[]> entries = new LinkedHashMap<>();
        for (int k = 0; k < BULK_ENTRIES; k++) {
            entries.put(k, pool[k % pool.length]);
        }
        Set<Integer> keys = new TreeSet<>(entries.keySet());
        for (int r = 0; r < rounds; r++) {
            JCacheBenchmark.Samples putAll = new JCacheBenchmark.Samples(iterations);
            JCacheBenchmark.Samples getAll = new JCacheBenchmark.Samples(iterations);
            JCacheBenchmark.Samples oneByOne = new JCacheBenchmark.Samples(iterations);
            for (int i = 0; i < warmup + iterations; i++) {
                long t0 = System.nanoTime();
                cache.putAll(entries);
                long t1 = System.nanoTime();
                Map<Integer, byte[]> read = cache.getAll(keys);
                long t2 = System.nanoTime();
                if (read.size() != BULK_ENTRIES) {
                    throw new IllegalStateException("getAll found " + read.size() + " of " + BULK_ENTRIES);
                }
                if (i >= warmup) {
                    putAll.add(t1 - t0);
                    getAll.add(t2 - t1);
                }
            }
            // the baseline putAll replaces: a third as many calls, each 1,000 round trips in a row
            for (int i = 0; i < 1 + Math.max(1, iterations / 3); i++) {
                long t0 = System.nanoTime();
                entries.forEach(cache::put);
                if (i >= 1) {
                    oneByOne.add(System.nanoTime() - t0);
                }
            }
            stats.add("putAll", putAll.sorted());
            stats.add("getAll", getAll.sorted());
            stats.add("put x 1,000, one at a time", oneByOne.sorted());
        }
        manager.destroyCache("bulk");
    }

    // ------------------------------------------------------------------ timing

    /** @return all samples, then those of keys this node owns and of the others (empty when not split) */
    static long[][] timeGets(Cache<Integer, byte[]> cache, Size size, long seed, boolean[] local) {
        Random keys = new Random(seed);
        JCacheBenchmark.Samples all = new JCacheBenchmark.Samples(size.iterations());
        JCacheBenchmark.Samples mine = new JCacheBenchmark.Samples(size.iterations());
        JCacheBenchmark.Samples theirs = new JCacheBenchmark.Samples(size.iterations());
        long check = 0;
        for (int i = 0; i < size.warmup() + size.iterations(); i++) {
            int key = keys.nextInt(size.keys());
            long t0 = System.nanoTime();
            byte[] v = cache.get(key);
            long t = System.nanoTime() - t0;
            if (v == null || v.length != size.bytes()) {
                throw new IllegalStateException("get(" + key + ") returned " + (v == null ? "null" : v.length
                        + " bytes"));
            }
            check += v[i % v.length];
            if (i >= size.warmup()) {
                all.add(t);
                if (local != null) {
                    (local[key] ? mine : theirs).add(t);
                }
            }
        }
        if (check == Long.MIN_VALUE) {
            System.out.print("");
        }
        return new long[][] {all.sorted(), mine.sorted(), theirs.sorted()};
    }

    static long[][] timePuts(Cache<Integer, byte[]> cache, Size size, long seed, byte[][] pool, boolean[] local) {
        Random keys = new Random(seed);
        JCacheBenchmark.Samples all = new JCacheBenchmark.Samples(size.iterations());
        JCacheBenchmark.Samples mine = new JCacheBenchmark.Samples(size.iterations());
        JCacheBenchmark.Samples theirs = new JCacheBenchmark.Samples(size.iterations());
        for (int i = 0; i < size.warmup() + size.iterations(); i++) {
            int key = keys.nextInt(size.keys());
            byte[] value = pool[i % pool.length];
            long t0 = System.nanoTime();
            cache.put(key, value);
            long t = System.nanoTime() - t0;
            if (i >= size.warmup()) {
                all.add(t);
                if (local != null) {
                    (local[key] ? mine : theirs).add(t);
                }
            }
        }
        return new long[][] {all.sorted(), mine.sorted(), theirs.sorted()};
    }

    /**
     * Transfers of {@code size} bytes to an echo socket and back: {@value #FRAGMENT_BYTES}-byte datagrams
     * (each with the transfer's number and its index), at most {@value #WINDOW} sent and not yet echoed;
     * a receive thread counts the echoes of the current transfer and wakes the sending thread, as a node's
     * receive thread does. A transfer that loses a datagram is dropped after two seconds and counted.
     */
    static long[] rawTransfers(InetSocketAddress echo, int size, int warmup, int iterations) throws Exception {
        int fragments = (size + FRAGMENT_BYTES - 1) / FRAGMENT_BYTES;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setReceiveBufferSize(4 * MIB);
            socket.setSendBufferSize(4 * MIB);
            AtomicInteger current = new AtomicInteger(-1);
            AtomicInteger echoed = new AtomicInteger();
            Thread sender = Thread.currentThread();
            Thread receiver = new Thread(() -> {
                byte[] buf = new byte[65_536];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                while (!socket.isClosed()) {
                    p.setLength(buf.length);
                    try {
                        socket.receive(p);
                        if (ByteBuffer.wrap(buf).getInt(0) == current.get()) {
                            echoed.incrementAndGet();
                            LockSupport.unpark(sender);
                        }
                    } catch (SocketException e) {
                        return;
                    } catch (IOException e) {
                        // lost: the transfer times out
                    }
                }
            }, "raw-transfer-receive");
            receiver.setDaemon(true);
            receiver.start();
            byte[] payload = new byte[FRAGMENT_BYTES + 8];
            new Random(SEED).nextBytes(payload);
            JCacheBenchmark.Samples out = new JCacheBenchmark.Samples(iterations);
            int lost = 0;
            for (int t = 0; t < warmup + iterations; t++) {
                long t0 = System.nanoTime();
                echoed.set(0);
                current.set(t);
                ByteBuffer.wrap(payload).putInt(0, t);
                int sent = 0;
                long deadline = t0 + TimeUnit.SECONDS.toNanos(2);
                boolean complete = true;
                while (echoed.get() < fragments) {
                    while (sent < fragments && sent - echoed.get() < WINDOW) {
                        int length = Math.min(FRAGMENT_BYTES, size - sent * FRAGMENT_BYTES) + 8;
                        ByteBuffer.wrap(payload).putInt(4, sent);
                        socket.send(new DatagramPacket(payload, length, echo));
                        sent++;
                    }
                    if (echoed.get() < fragments) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    }
                    if (System.nanoTime() - deadline > 0) {
                        complete = false;
                        break;
                    }
                }
                long elapsed = System.nanoTime() - t0;
                current.set(-1);
                if (!complete) {
                    lost++;
                } else if (t >= warmup) {
                    out.add(elapsed);
                }
            }
            if (lost > 0) {
                System.out.printf("   raw transfer of %d bytes: %d of %d transfers lost a datagram (not timed)%n",
                        size, lost, warmup + iterations);
            }
            return out.sorted();
        }
    }
}

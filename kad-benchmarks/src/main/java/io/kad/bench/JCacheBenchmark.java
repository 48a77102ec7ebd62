package io.kad.bench;

import io.kad.core.KadNode;
import io.kad.core.id.Contact;
import io.kad.core.record.RecordIds;
import io.kad.jcache.KadCacheManager;
import io.kad.jcache.codec.AllowlistFilter;
import io.kad.jcache.codec.KadCodec;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;

/**
 * Per-operation latency of kad-jcache, in one run:
 * <ol>
 *   <li><b>single node</b>: {@code Cache<Integer, byte[]>} get and put of 1 KiB values over 10,000
 *       preloaded keys, store-by-value, on kad-jcache's default configuration (an embedded node on
 *       loopback) beside Caffeine's JCache provider with the same configuration;</li>
 *   <li><b>3-process swarm</b>: the benchmark's cache manager (replication 2) joined to two
 *       {@link SwarmMemberMain} processes; get and put over 10,000 keys, split by whether this node
 *       owns the key, beside a raw UDP round trip from this JVM to an echo socket in a member process.</li>
 * </ol>
 * Every operation is timed alone with {@link System#nanoTime()}; keys come from a seeded {@link Random}
 * (uniform over the key set, the same sequence for both providers). On one node each cache first runs
 * a second of gets and a second of puts, so that the JIT has compiled both paths; then each measurement
 * runs {@code rounds} times, each after its own warm-up; the table shows, per measurement, the median over the rounds of
 * each percentile and the p50 of every round.
 *
 * <p>On one node it also runs, per round, a second of back-to-back gets on each provider (no clock read
 * per operation) and prints the median gets per second: single-thread throughput.
 *
 * <p>Usage: {@code JCacheBenchmark [warmup] [iterations] [rounds]}, defaults 30000, 20000 and 3
 * (operations per round, per measurement).
 */
public final class JCacheBenchmark {

    static final String KAD_PROVIDER = "io.kad.jcache.KadCachingProvider";
    static final String CAFFEINE_PROVIDER = "com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider";
    static final int KEYS = 10_000;
    static final int VALUE_BYTES = 1024;
    static final int REPLICATION = 2;
    static final long SEED = 42;
    static final String CACHE = "bench";

    private JCacheBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.printf("JCacheBenchmark: %d keys, %d-byte values, store-by-value; warmup %d, iterations %d,"
                + " rounds %d; %s, %d CPUs%n", KEYS, VALUE_BYTES, warmup, iterations, rounds,
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        Random values = new Random(SEED);
        byte[][] pool = new byte[16][VALUE_BYTES];
        for (byte[] v : pool) {
            values.nextBytes(v);
        }
        double aloneGetP50 = singleNode(warmup, iterations, rounds, pool);
        swarm(warmup, iterations, rounds, pool, aloneGetP50);
    }

    // ------------------------------------------------------------------ single node

    /** @return kad-jcache's get p50 on the node alone, in microseconds */
    static double singleNode(int warmup, int iterations, int rounds, byte[][] pool) throws Exception {
        ClassLoader loader = JCacheBenchmark.class.getClassLoader();
        CachingProvider kadProvider = Caching.getCachingProvider(KAD_PROVIDER, loader);
        CachingProvider caffeineProvider = Caching.getCachingProvider(CAFFEINE_PROVIDER, loader);
        Stats stats = new Stats();
        Map<String, Double> allocated = new LinkedHashMap<>();
        Map<String, List<Double>> throughput = new LinkedHashMap<>();
        try (CacheManager kadManager = kadProvider.getCacheManager(URI.create("kad:bench-single"), loader,
                new Properties());
             CacheManager caffeineManager = caffeineProvider.getCacheManager(caffeineProvider.getDefaultURI(), loader,
                     new Properties())) {
            Cache<Integer, byte[]> kad = kadManager.createCache(CACHE, configuration());
            Cache<Integer, byte[]> caffeine = caffeineManager.createCache(CACHE, configuration());
            // Caffeine's provider is unbounded by default; our node's tier is bounded (100,000 records by
            // default), which costs every read some bookkeeping: a second baseline with the same bound
            Cache<Integer, byte[]> caffeineBounded = caffeineManager.createCache(CACHE + "-bounded",
                    boundedCaffeineConfiguration());
            preload(kad, pool);
            preload(caffeine, pool);
            preload(caffeineBounded, pool);
            // a second of gets and of puts on each before any round: a fixed count of warm-up operations
            // left the first round of the deeper kad-jcache path measuring code the JIT had not yet
            // finished compiling (its first round's p50 was 1.5-2x its later ones; Caffeine's was not)
            for (Cache<Integer, byte[]> c : List.of(kad, caffeine, caffeineBounded)) {
                warmUp(c, pool, JIT_WARMUP_NANOS);
            }
            for (int r = 0; r < rounds; r++) {
                // alternate which provider goes first, so neither always runs on the warmer machine
                List<Map.Entry<String, Cache<Integer, byte[]>>> order = new ArrayList<>(List.of(
                        Map.entry("kad-jcache", kad), Map.entry("caffeine", caffeine),
                        Map.entry("caffeine bounded", caffeineBounded)));
                if (r % 2 == 1) {
                    java.util.Collections.reverse(order);
                }
                for (Map.Entry<String, Cache<Integer, byte[]>> e : order) {
                    stats.add(e.getKey() + " get", timeGets(e.getValue(), warmup, iterations, SEED + r, null)[0]);
                }
                for (Map.Entry<String, Cache<Integer, byte[]>> e : order) {
                    stats.add(e.getKey() + " put", timePuts(e.getValue(), warmup, iterations, SEED + 100 + r, pool,
                            null)[0]);
                }
            }
            allocated.put("kad-jcache", allocatedPerGet(kad, iterations, null, true));
            allocated.put("caffeine", allocatedPerGet(caffeine, iterations, null, true));
            for (int r = 0; r < rounds; r++) {
                // back-to-back gets with no clock read between them: what one thread gets done
                boolean kadFirst = r % 2 == 0;
                double first = getsPerSecond(kadFirst ? kad : caffeine, SEED + 200 + r);
                double second = getsPerSecond(kadFirst ? caffeine : kad, SEED + 200 + r);
                throughput.computeIfAbsent("kad-jcache", k -> new ArrayList<>()).add(kadFirst ? first : second);
                throughput.computeIfAbsent("caffeine", k -> new ArrayList<>()).add(kadFirst ? second : first);
            }
        }
        System.out.println();
        System.out.println("== 1. single node, Cache<Integer, byte[]>, 1 KiB values, store-by-value"
                + " (kad-jcache default configuration vs Caffeine JCache)");
        stats.print();
        ratio("kad-jcache get p50 / caffeine get p50", stats.median("kad-jcache get", 0),
                stats.median("caffeine get", 0), 1.3);
        ratio("kad-jcache get p50 / caffeine bounded get p50", stats.median("kad-jcache get", 0),
                stats.median("caffeine bounded get", 0), Double.NaN);
        ratio("kad-jcache put p50 / caffeine put p50", stats.median("kad-jcache put", 0),
                stats.median("caffeine put", 0), Double.NaN);
        allocated.forEach((name, bytes) -> System.out.printf("   allocated per get, %-30s = %8.0f bytes%n", name,
                bytes));
        double kadGets = medianOf(throughput.get("kad-jcache"));
        double caffeineGets = medianOf(throughput.get("caffeine"));
        System.out.printf("   single-thread gets per second (median of %d one-second runs): kad-jcache %.0f,"
                + " caffeine %.0f%n", throughput.get("kad-jcache").size(), kadGets, caffeineGets);
        // the goal is stated as kad-jcache's rate at least 1/1.3 of Caffeine's: Caffeine's over ours <= 1.3
        ratio("caffeine gets/s / kad-jcache gets/s", caffeineGets, kadGets, 1.3);
        return stats.median("kad-jcache get", 0);
    }

    /** Gets of random preloaded keys, back to back on this thread, for one second: gets per second. */
    static double getsPerSecond(Cache<Integer, byte[]> cache, long seed) {
        Random keys = new Random(seed);
        int[] chosen = new int[1 << 16];
        for (int i = 0; i < chosen.length; i++) {
            chosen[i] = keys.nextInt(KEYS);
        }
        long check = 0;
        long count = 0;
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(1);
        long now;
        do {
            // a batch between clock reads, so the clock costs the loop nothing worth counting
            for (int i = 0; i < 1024; i++) {
                check += cache.get(chosen[(int) (count++ & (chosen.length - 1))]).length;
            }
            now = System.nanoTime();
        } while (now < end);
        if (check == Long.MIN_VALUE) {
            System.out.print("");
        }
        return count / ((now - start) / 1e9);
    }

    private static double medianOf(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /**
     * Bytes allocated per get, after the timed rounds: this thread's allocation only for a node alone
     * (nothing else runs per get), every thread of this JVM for a swarm (a remote get's reply is decoded
     * on the node's protocol thread). The other processes' side of a remote get is not counted.
     *
     * @param local which keys to read ({@code local[key] == mine}), or {@code null} for all
     */
    static double allocatedPerGet(Cache<Integer, byte[]> cache, int gets, boolean[] local, boolean mine) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Random keys = new Random(SEED - 2);
        int[] chosen = new int[gets];
        for (int i = 0; i < gets; ) {
            int key = keys.nextInt(KEYS);
            if (local == null || local[key] == mine) {
                chosen[i++] = key;
            }
        }
        boolean allThreads = local != null;
        long before = allocatedBytes(threads, allThreads);
        long check = 0;
        for (int key : chosen) {
            check += cache.get(key).length;
        }
        long after = allocatedBytes(threads, allThreads);
        if (check == Long.MIN_VALUE) {
            System.out.print("");
        }
        return (after - before) / (double) gets;
    }

    private static long allocatedBytes(com.sun.management.ThreadMXBean threads, boolean allThreads) {
        if (!allThreads) {
            return threads.getCurrentThreadAllocatedBytes();
        }
        long total = 0;
        for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            total += Math.max(0, b);
        }
        return total;
    }

    /** Caffeine's provider, store-by-value, bounded like kad-jcache's default storage tier. */
    static javax.cache.configuration.CompleteConfiguration<Integer, byte[]> boundedCaffeineConfiguration() {
        com.github.benmanes.caffeine.jcache.configuration.CaffeineConfiguration<Integer, byte[]> c =
                new com.github.benmanes.caffeine.jcache.configuration.CaffeineConfiguration<>(configuration());
        c.setMaximumSize(java.util.OptionalLong.of(io.kad.core.storage.CaffeineStorageTier.DEFAULT_MAX_RECORDS));
        return c;
    }

    /** How long each single-node cache is exercised (gets, then puts) before the measured rounds. */
    static final long JIT_WARMUP_NANOS = TimeUnit.SECONDS.toNanos(1);

    static void warmUp(Cache<Integer, byte[]> cache, byte[][] pool, long nanos) {
        Random keys = new Random(SEED - 1);
        long check = 0;
        for (long end = System.nanoTime() + nanos; System.nanoTime() < end; ) {
            for (int i = 0; i < 1000; i++) {
                check += cache.get(keys.nextInt(KEYS)).length;
            }
        }
        for (long end = System.nanoTime() + nanos; System.nanoTime() < end; ) {
            for (int i = 0; i < 1000; i++) {
                cache.put(keys.nextInt(KEYS), pool[i % pool.length]);
            }
        }
        if (check == Long.MIN_VALUE) {
            System.out.print("");
        }
    }

    static MutableConfiguration<Integer, byte[]> configuration() {
        return new MutableConfiguration<Integer, byte[]>().setTypes(Integer.class, byte[].class).setStoreByValue(true);
    }

    static void preload(Cache<Integer, byte[]> cache, byte[][] pool) {
        for (int k = 0; k < KEYS; k++) {
            cache.put(k, pool[k % pool.length]);
        }
    }

    /**
     * @param local per key, whether this node owns it; null when not split
     * @return the samples, then (when split) the samples of locally owned keys and of the others
     */
    static long[][] timeGets(Cache<Integer, byte[]> cache, int warmup, int iterations, long seed, boolean[] local) {
        Random keys = new Random(seed);
        Samples all = new Samples(iterations);
        Samples mine = new Samples(iterations);
        Samples theirs = new Samples(iterations);
        long check = 0;
        for (int i = 0; i < warmup + iterations; i++) {
            int key = keys.nextInt(KEYS);
            long t0 = System.nanoTime();
            byte[] v = cache.get(key);
            long t = System.nanoTime() - t0;
            if (v == null || v.length != VALUE_BYTES) {
                throw new IllegalStateException("get(" + key + ") returned " + (v == null ? "null" : v.length + " bytes"));
            }
            check += v[i & (VALUE_BYTES - 1)];
            if (i >= warmup) {
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

    /** Times gets of the keys {@code local} marks only. */
    static long[] timeOwnedGets(Cache<Integer, byte[]> cache, int warmup, int iterations, long seed, boolean[] local) {
        Random keys = new Random(seed);
        Samples mine = new Samples(iterations);
        long check = 0;
        for (int i = 0; i < warmup + iterations; ) {
            int key = keys.nextInt(KEYS);
            if (!local[key]) {
                continue;
            }
            long t0 = System.nanoTime();
            byte[] v = cache.get(key);
            long t = System.nanoTime() - t0;
            check += v[i & (VALUE_BYTES - 1)];
            if (i++ >= warmup) {
                mine.add(t);
            }
        }
        if (check == Long.MIN_VALUE) {
            System.out.print("");
        }
        return mine.sorted();
    }

    static long[][] timePuts(Cache<Integer, byte[]> cache, int warmup, int iterations, long seed, byte[][] pool,
                             boolean[] local) {
        Random keys = new Random(seed);
        Samples all = new Samples(iterations);
        Samples mine = new Samples(iterations);
        Samples theirs = new Samples(iterations);
        for (int i = 0; i < warmup + iterations; i++) {
            int key = keys.nextInt(KEYS);
            byte[] value = pool[i % pool.length];
            long t0 = System.nanoTime();
            cache.put(key, value);
            long t = System.nanoTime() - t0;
            if (i >= warmup) {
                all.add(t);
                if (local != null) {
                    (local[key] ? mine : theirs).add(t);
                }
            }
        }
        return new long[][] {all.sorted(), mine.sorted(), theirs.sorted()};
    }

    // ------------------------------------------------------------------ 3-process swarm

    static void swarm(int warmup, int iterations, int rounds, byte[][] pool, double aloneGetP50) throws Exception {
        Stats stats = new Stats();
        double allocatedOwned;
        double allocatedRemote;
        List<Member> members = new ArrayList<>();
        Thread reaper = new Thread(() -> members.forEach(m -> m.process.destroyForcibly()), "member-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        String ownership;
        String localStats;
        try {
            Member first = Member.start(0, List.of());
            members.add(first);
            Member second = Member.start(1, List.of(first.address));
            members.add(second);

            ClassLoader loader = JCacheBenchmark.class.getClassLoader();
            Properties settings = new Properties();
            settings.setProperty("kad.seeds", first.address + "," + second.address);
            settings.setProperty("kad.replication", Integer.toString(REPLICATION));
            CachingProvider provider = Caching.getCachingProvider(KAD_PROVIDER, loader);
            try (CacheManager manager = provider.getCacheManager(URI.create("kad:bench-swarm"), loader, settings)) {
                KadNode node = manager.unwrap(KadCacheManager.class).node();
                awaitPeers(node, 2, TimeUnit.SECONDS.toNanos(20));
                Cache<Integer, byte[]> cache = manager.createCache(CACHE, configuration());
                preload(cache, pool);

                boolean[] local = new boolean[KEYS];
                ownership = ownership(node, manager.getURI() + "|" + CACHE, loader, local);
                InetSocketAddress echo = new InetSocketAddress(InetAddress.getLoopbackAddress(), first.echoPort);
                for (int r = 0; r < rounds; r++) {
                    stats.add("raw UDP RTT, 1 KiB echo", rawRoundTrips(echo, VALUE_BYTES, warmup, iterations));
                    stats.add("raw UDP RTT, 100 B echo", rawRoundTrips(echo, 100, warmup, iterations));
                    long[][] gets = timeGets(cache, warmup, iterations, SEED + 200 + r, local);
                    stats.add("get, all keys", gets[0]);
                    stats.add("get, owner = this node", gets[1]);
                    stats.add("get, owner = other process", gets[2]);
                    // gets of owned keys only, one after another, as on a node alone: between remote gets each
                    // local one meets caches the wait for a reply has cooled
                    stats.add("get, owner = this node, in a row", timeOwnedGets(cache, warmup, iterations,
                            SEED + 250 + r, local));
                    long[][] puts = timePuts(cache, warmup, iterations, SEED + 300 + r, pool, local);
                    stats.add("put, all keys", puts[0]);
                    stats.add("put, owner = this node", puts[1]);
                    stats.add("put, owner = other process", puts[2]);
                }
                allocatedOwned = allocatedPerGet(cache, iterations, local, true);
                allocatedRemote = allocatedPerGet(cache, iterations, local, false);
                localStats = String.format("this node: peers=%d records=%d rpcTimeouts=%d lookups=%d datagrams sent=%d"
                        + " received=%d", node.peers().size(), node.storage().size(), node.stats().rpcTimeouts(),
                        node.stats().lookups(), node.stats().datagramsSent(), node.stats().datagramsReceived());
            }
        } finally {
            // end every member's input first, so that they stop together
            for (Member m : members) {
                m.endInput();
            }
            for (Member m : members) {
                m.stop(TimeUnit.SECONDS.toNanos(10));
            }
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
        }
        System.out.println();
        System.out.println("== 2. 3-process loopback swarm (this JVM's cache manager + 2 member JVMs), replication "
                + REPLICATION + ", Cache<Integer, byte[]>, 1 KiB values");
        System.out.println("   " + ownership);
        System.out.println("   " + localStats);
        for (Member m : members) {
            System.out.println("   member " + m.index + " at " + m.address + " on exit: " + m.stoppedLine);
        }
        System.out.println("   raw RTT: this JVM -> UDP echo socket in member 0's process -> this JVM; a receive"
                + " thread hands each reply to the timing thread, as a node's does");
        stats.print();
        double raw = stats.median("raw UDP RTT, 1 KiB echo", 0);
        double rawSmall = stats.median("raw UDP RTT, 100 B echo", 0);
        ratio("get p50 (all keys) / raw 1 KiB RTT p50", stats.median("get, all keys", 0), raw, 3.0);
        ratio("get p50 (owner = other process) / raw 1 KiB RTT p50", stats.median("get, owner = other process", 0),
                raw, 3.0);
        ratio("get p50 (owner = other process) / raw 100 B RTT p50", stats.median("get, owner = other process", 0),
                rawSmall, 3.0);
        ratio("put p50 (all keys) / raw 1 KiB RTT p50", stats.median("put, all keys", 0), raw, Double.NaN);
        ratio("put p50 (owner = other process) / raw 1 KiB RTT p50", stats.median("put, owner = other process", 0),
                raw, Double.NaN);
        ratio("get p50 (owner = this node, in a row) / get p50 alone", stats.median(
                "get, owner = this node, in a row", 0), aloneGetP50, 1.5);
        ratio("get p50 (owner = this node, among others) / get p50 alone", stats.median(
                "get, owner = this node", 0), aloneGetP50, Double.NaN);
        System.out.printf("   allocated per get, owner = this node     = %8.0f bytes (all threads of this JVM)%n",
                allocatedOwned);
        System.out.printf("   allocated per get, owner = other process = %8.0f bytes (all threads of this JVM)%n",
                allocatedRemote);
    }

    /**
     * Waits, up to a deadline, until the node's routing table holds {@code n} contacts known to speak the
     * record protocol (a contact first learned second-hand may not be marked so yet, and record operations
     * pass over it).
     */
    static void awaitPeers(KadNode node, int n, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (node.peers().stream().filter(Contact::speaksRecords).count() < n) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("swarm did not form within " + TimeUnit.NANOSECONDS.toSeconds(
                        timeoutNanos) + " s: this node knows " + node.peers());
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Marks the keys this node owns (keys {@code 0 .. local.length - 1}): the owner of a record is the record-speaking node whose id is nearest
     * (by XOR) the record id. The namespace ({@code <manager URI>|<cache name>}) and the key bytes (kad-jcache's
     * codec) are kad-jcache's; the result is checked against this node's storage, which must hold every key
     * it owns. (How many keys a node owns or copies depends on where the three random ids fall: a node
     * alone on its side of the top id bit owns half the keys and is nobody's replica.)
     *
     * @return a line describing the split and the check
     */
    static String ownership(KadNode node, String namespace, ClassLoader loader, boolean[] local) {
        KadCodec codec = new KadCodec(loader, AllowlistFilter.of(List.of(), List.of()));
        List<BigInteger> others = node.peers().stream().filter(Contact::speaksRecords).map(c -> c.id().value())
                .toList();
        BigInteger self = node.id().value();
        int owned = 0;
        int held = 0;
        int ownedMissing = 0;
        for (int k = 0; k < local.length; k++) {
            BigInteger recordId = RecordIds.of(node.hashFunction(), namespace, codec.encode(k, "key"));
            BigInteger mine = self.xor(recordId);
            boolean nearest = others.stream().allMatch(o -> o.xor(recordId).compareTo(mine) > 0);
            boolean stored = node.storage().get(recordId) != null;
            local[k] = nearest;
            owned += nearest ? 1 : 0;
            held += stored ? 1 : 0;
            ownedMissing += nearest && !stored ? 1 : 0;
        }
        boolean consistent = ownedMissing == 0 && held >= owned;
        if (!consistent) {
            throw new IllegalStateException("ownership computed from outside kad-jcache disagrees with this node's"
                    + " storage: owns " + owned + ", holds " + held + ", owned but not held " + ownedMissing);
        }
        return String.format("keys owned by this node: %d of %d; held here (owned or replica): %d; "
                + "every owned key found in local storage", owned, local.length, held);
    }

    /** Round trips of {@code size}-byte datagrams to an echo socket. */
    static long[] rawRoundTrips(InetSocketAddress echo, int size, int warmup, int iterations) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            SynchronousQueue<Integer> replies = new SynchronousQueue<>();
            Thread receiver = new Thread(() -> {
                byte[] buf = new byte[65_536];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                while (!socket.isClosed()) {
                    p.setLength(buf.length);
                    try {
                        socket.receive(p);
                        replies.put(p.getLength());
                    } catch (SocketException e) {
                        return;
                    } catch (IOException e) {
                        // lost: the caller times out
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "raw-receive");
            receiver.setDaemon(true);
            receiver.start();
            byte[] payload = new byte[size];
            new Random(SEED).nextBytes(payload);
            Samples out = new Samples(iterations);
            for (int i = 0; i < warmup + iterations; i++) {
                long t0 = System.nanoTime();
                socket.send(new DatagramPacket(payload, payload.length, echo));
                Integer n = replies.poll(5, TimeUnit.SECONDS);
                long t = System.nanoTime() - t0;
                if (n == null || n != size) {
                    throw new IllegalStateException("raw round trip lost a datagram");
                }
                if (i >= warmup) {
                    out.add(t);
                }
            }
            return out.sorted();
        }
    }

    /** A {@link SwarmMemberMain} process. */
    static final class Member {
        final int index;
        final Process process;
        final String address;
        final int echoPort;
        final Thread reader;
        volatile String stoppedLine = "(no report)";

        private Member(int index, Process process, String address, int echoPort, Thread reader) {
            this.index = index;
            this.process = process;
            this.address = address;
            this.echoPort = echoPort;
            this.reader = reader;
        }

        static Member start(int index, List<String> seeds) throws IOException, InterruptedException {
            return start(index, seeds, "256m");
        }

        /** @param heap the member's largest heap ({@code -Xmx}) */
        static Member start(int index, List<String> seeds, String heap) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + heap, "-cp", childClasspath(), SwarmMemberMain.class.getName(),
                    Integer.toString(REPLICATION)));
            command.addAll(seeds);
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BlockingQueue<String> ready = new ArrayBlockingQueue<>(1);
            Member[] self = new Member[1];
            String[] stopped = new String[1];
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith(SwarmMemberMain.READY)) {
                            ready.offer(line);
                        } else if (line.startsWith("STOPPED ")) {
                            synchronized (stopped) {
                                stopped[0] = line.substring("STOPPED ".length());
                            }
                        } else {
                            System.out.println("[member " + index + "] " + line);
                        }
                    }
                } catch (IOException e) {
                    // the process went away
                }
                synchronized (stopped) {
                    if (stopped[0] != null && self[0] != null) {
                        self[0].stoppedLine = stopped[0];
                    }
                }
            }, "member-" + index + "-out");
            reader.setDaemon(true);
            reader.start();
            String line = ready.poll(60, TimeUnit.SECONDS);
            if (line == null) {
                process.destroyForcibly();
                throw new IllegalStateException("member " + index + " did not report READY within 60 s"
                        + (process.isAlive() ? "" : " (exited with " + process.exitValue() + ")"));
            }
            String[] parts = line.substring(SwarmMemberMain.READY.length()).split(" ");
            int echo = Integer.parseInt(parts[2].substring("echo=".length()));
            Member m = new Member(index, process, parts[0], echo, reader);
            synchronized (stopped) {
                self[0] = m;
                if (stopped[0] != null) {
                    m.stoppedLine = stopped[0];
                }
            }
            return m;
        }

        /** Closes the member's standard input: its signal to stop. */
        void endInput() {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // already gone
            }
        }

        /** Closes the member's standard input, waits up to the deadline, then destroys it. */
        void stop(long timeoutNanos) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutNanos;
            endInput();
            if (!process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                System.out.println("[member " + index + "] did not stop on end of input; destroying it");
                process.destroy();
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
                }
            }
            reader.join(TimeUnit.SECONDS.toMillis(2));
        }
    }

    /**
     * The class path for member processes: {@code java.class.path}, unless this class was loaded by another
     * loader (as under {@code mvn exec:java}, whose JVM class path is Maven's own), then that loader's URLs.
     */
    static String childClasspath() {
        ClassLoader loader = JCacheBenchmark.class.getClassLoader();
        if (loader != ClassLoader.getSystemClassLoader() && loader instanceof URLClassLoader urls) {
            List<String> entries = new ArrayList<>();
            for (URL url : urls.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    throw new IllegalStateException("class path entry " + url + " is not a file", e);
                }
            }
            return String.join(File.pathSeparator, entries);
        }
        return System.getProperty("java.class.path");
    }

    // ------------------------------------------------------------------ statistics

    /** A growing array of nanosecond samples. */
    static final class Samples {
        private long[] values;
        private int size;

        Samples(int capacity) {
            values = new long[Math.max(16, capacity)];
        }

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long[] sorted() {
            long[] out = Arrays.copyOf(values, size);
            Arrays.sort(out);
            return out;
        }
    }

    static final double[] QUANTILES = {.5, .9, .99};

    /** Per measurement, the percentiles (microseconds) of each round. */
    static final class Stats {
        private final Map<String, List<double[]>> rounds = new LinkedHashMap<>();
        private final Map<String, List<Integer>> counts = new LinkedHashMap<>();

        void add(String name, long[] sorted) {
            double[] p = new double[QUANTILES.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = micros(sorted, QUANTILES[i]);
            }
            rounds.computeIfAbsent(name, n -> new ArrayList<>()).add(p);
            counts.computeIfAbsent(name, n -> new ArrayList<>()).add(sorted.length);
        }

        /** @return the median over the rounds of percentile {@code q} (an index into QUANTILES) */
        double median(String name, int q) {
            List<double[]> rs = rounds.get(name);
            double[] v = rs.stream().mapToDouble(p -> p[q]).sorted().toArray();
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        void print() {
            System.out.printf("   %-30s %7s %9s %9s %9s   %s%n", "operation (microseconds)", "n/round", "p50",
                    "p90", "p99", "p50 of each round");
            for (Map.Entry<String, List<double[]>> e : rounds.entrySet()) {
                String name = e.getKey();
                StringBuilder each = new StringBuilder();
                for (double[] p : e.getValue()) {
                    each.append(String.format(" %8.1f", p[0]));
                }
                List<Integer> n = counts.get(name);
                System.out.printf("   %-30s %7d %9.1f %9.1f %9.1f   %s%n", name, n.get(n.size() / 2), median(name, 0),
                        median(name, 1), median(name, 2), each);
            }
        }
    }

    static double micros(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1000.0;
    }

    static void ratio(String what, double numerator, double denominator, double goal) {
        double r = numerator / denominator;
        String verdict = Double.isNaN(goal) ? "" : String.format("  (goal <= %.1fx: %s)", goal, r <= goal ? "met" : "NOT met");
        System.out.printf("   %-56s = %6.2fx%s%n", what, r, verdict);
    }
}

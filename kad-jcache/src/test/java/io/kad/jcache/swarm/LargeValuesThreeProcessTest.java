package io.kad.jcache.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kad.core.Dht;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.id.Contact;
import io.kad.jcache.KadCacheManager;
import io.kad.jcache.KadCachingProvider;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentMap;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.Caching;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Values from one byte to the limit on a swarm of three processes over loopback UDP, replication 3: this
 * JVM's cache manager and two {@link CacheMemberMain} processes, each an application with its own cache
 * manager. What one process puts through JCache or the Map view, the others read and iterate; every
 * process holds a copy; a replica killed with SIGKILL loses nothing and does not stop writes; a process
 * that joins afterwards is handed every record; a value over the limit fails at the caller and is written
 * nowhere.
 *
 * <p>The largest JCache value is {@code kad.max-value-bytes} minus one byte: the limit bounds a record's
 * value, and kad-jcache's codec puts a one-byte type tag before a {@code byte[]}. Likewise a Map-view
 * string is stored as JSON text, two quotes more than the string.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "a replica is killed with SIGKILL")
class LargeValuesThreeProcessTest {

    private static final Logger LOG = LoggerFactory.getLogger(LargeValuesThreeProcessTest.class);
    private static final int LIMIT = NodeConfig.DEFAULT_MAX_VALUE_BYTES;
    private static final int[] SIZES = {1, 8 * 1024, 64 * 1024, 1024 * 1024, LIMIT};
    private static final int REPLICATION = 3;
    /** Generous: three JVMs share two cores while megabytes cross loopback. */
    private static final long OPERATION_TIMEOUT_MILLIS = 30_000;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private final URI uri = URI.create("kad:large-processes-" + UUID.randomUUID());
    private final List<Member> members = new ArrayList<>();
    private CacheManager manager;

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (Member m : members) {
            m.endInput();
        }
        for (Member m : members) {
            m.stop();
        }
        if (manager != null) {
            manager.close();
        }
    }

    /** The JCache value of a size: random bytes, one fewer at the limit (the codec's tag). */
    private static byte[] cacheValue(int size, long seed) {
        byte[] v = new byte[size == LIMIT ? size - 1 : size];
        new Random(seed).nextBytes(v);
        return v;
    }

    /** The Map-view value whose JSON form has the size: a string two shorter, or a one-digit number. */
    private static Object mapValue(int size, long seed) {
        if (size == 1) {
            return 7;
        }
        Random r = new Random(seed);
        char[] chars = new char[size - 2];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = (char) ('a' + r.nextInt(26));
        }
        return new String(chars);
    }

    @Test
    void valuesUpToTheLimitRoundTripThroughAReplicaKilledAndAHandOffToAJoiningProcess() throws Exception {
        Member a = Member.start("a", uri, List.of());
        members.add(a);
        Member b = Member.start("b", uri, List.of(a.address));
        members.add(b);
        manager = Caching.getCachingProvider(KadCachingProvider.class.getName()).getCacheManager(uri,
                getClass().getClassLoader(), CacheMemberMain.settings(REPLICATION, OPERATION_TIMEOUT_MILLIS,
                        List.of(a.address, b.address)));
        KadNode node = manager.unwrap(KadCacheManager.class).node();
        Cache<String, byte[]> cache = CacheMemberMain.createCache(manager);
        ConcurrentMap<String, Object> map = Dht.of(node).asMap(); // not closed: the manager owns the node
        await().atMost(DEADLINE).until(() -> node.peers().stream().filter(Contact::speaksRecords).count() == 2
                && a.ask("PEERS").equals("2") && b.ask("PEERS").equals("2"));

        // every size, through both APIs, from this process
        Map<String, String> cacheExpected = new TreeMap<>();
        Map<String, String> mapExpected = new TreeMap<>();
        for (int size : SIZES) {
            byte[] v = cacheValue(size, size);
            Object m = mapValue(size, size);
            long start = System.nanoTime();
            cache.put("v-" + size, v);
            long cached = System.nanoTime();
            map.put("m-" + size, m);
            LOG.info("{} bytes: JCache put {} ms, Map put {} ms", size, (cached - start) / 1_000_000,
                    (System.nanoTime() - cached) / 1_000_000);
            cacheExpected.put("v-" + size, CacheMemberMain.describe(v));
            mapExpected.put("m-" + size, CacheMemberMain.describe(m));
            assertThat(cache.get("v-" + size)).isEqualTo(v);
            assertThat(map.get("m-" + size)).isEqualTo(m);
        }
        // read and iterated in the other processes, each of which holds a copy of every record
        for (Member m : List.of(a, b)) {
            readsEverything(m, cacheExpected, mapExpected);
        }
        assertThat(a.ask("ITER")).isEqualTo(CacheMemberMain.listing(cacheExpected));
        assertThat(b.ask("MAPITER")).isEqualTo(CacheMemberMain.listing(mapExpected));
        String everything = CacheMemberMain.storedSummary(node);
        assertThat(everything).as("this node's tier").startsWith(SIZES.length * 2 + " ");
        assertThat(a.ask("STORED")).as("copies in a").isEqualTo(everything);
        assertThat(b.ask("STORED")).as("copies in b").isEqualTo(everything);

        // one byte over the limit fails at the caller, naming the limit, and nothing is written anywhere
        byte[] tooLarge = new byte[9 * 1024 * 1024];
        assertThatThrownBy(() -> cache.put("too-large", tooLarge))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.max-value-bytes is " + LIMIT);
        assertThatThrownBy(() -> map.put("too-large", "x".repeat(tooLarge.length)))
                .hasMessageContaining("kad.max-value-bytes is " + LIMIT);
        assertThat(cache.containsKey("too-large")).isFalse();
        assertThat(map.containsKey("too-large")).isFalse();
        assertThat(a.ask("GET too-large")).isEqualTo("null");
        assertThat(b.ask("MAPGET too-large")).isEqualTo("null");
        assertThat(CacheMemberMain.storedSummary(node)).isEqualTo(everything);
        assertThat(a.ask("STORED")).isEqualTo(everything);
        assertThat(b.ask("STORED")).isEqualTo(everything);

        // a replica killed: nothing is lost, and a write goes on to the replicas left
        b.kill();
        readsEverything(a, cacheExpected, mapExpected);
        byte[] rewritten = cacheValue(1024 * 1024, 99);
        cache.put("v-" + 1024 * 1024, rewritten);
        cacheExpected.put("v-" + 1024 * 1024, CacheMemberMain.describe(rewritten));
        assertThat(a.ask("GET v-" + 1024 * 1024)).isEqualTo(CacheMemberMain.describe(rewritten));
        everything = CacheMemberMain.storedSummary(node);
        assertThat(a.ask("STORED")).as("copies in a after the rewrite").isEqualTo(everything);

        // a process that joins takes the dead replica's place: the others hand it every record. Whoever
        // owned the rewritten key, this node finds b silent before c joins (a lookup of b's id waits out
        // b's timeout), so that it counts the newcomer, not b, among every record's three holders.
        node.lookupNodes(b.id).get(OPERATION_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        Member c = Member.start("c", uri, List.of(a.address, node.address().getHostString() + ":"
                + node.address().getPort()));
        members.add(c);
        String handedOff = everything;
        await().atMost(DEADLINE).until(() -> c.ask("STORED").equals(handedOff));
        readsEverything(c, cacheExpected, mapExpected);
        assertThat(c.ask("ITER")).isEqualTo(CacheMemberMain.listing(cacheExpected));
        assertThat(c.ask("MAPITER")).isEqualTo(CacheMemberMain.listing(mapExpected));
    }

    private static void readsEverything(Member m, Map<String, String> cacheExpected, Map<String, String> mapExpected)
            throws Exception {
        for (Map.Entry<String, String> e : cacheExpected.entrySet()) {
            assertThat(m.ask("GET " + e.getKey())).as("%s: JCache get of %s", m.name, e.getKey())
                    .isEqualTo(e.getValue());
        }
        for (Map.Entry<String, String> e : mapExpected.entrySet()) {
            assertThat(m.ask("MAPGET " + e.getKey())).as("%s: Map get of %s", m.name, e.getKey())
                    .isEqualTo(e.getValue());
        }
    }

    /** A {@link CacheMemberMain} process: one command at a time, each answered within the deadline. */
    private static final class Member {
        final String name;
        final Process process;
        final String address;
        final BigInteger id;
        private final Writer input;
        private final BlockingQueue<String> answers;
        /** The process's last lines of output besides its answers, for a failure's message. */
        private final Deque<String> log;

        private Member(String name, Process process, String address, BigInteger id, BlockingQueue<String> answers,
                       Deque<String> log) {
            this.name = name;
            this.process = process;
            this.address = address;
            this.id = id;
            this.input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            this.answers = answers;
            this.log = log;
        }

        static Member start(String name, URI uri, List<String> seeds) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // two 8 MiB records, a transfer of each in flight and a decoded copy fit well below this
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", testClassPath(), CacheMemberMain.class.getName(),
                    uri.toString(), Integer.toString(REPLICATION), Long.toString(OPERATION_TIMEOUT_MILLIS)));
            command.addAll(seeds);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            BlockingQueue<String> answers = new LinkedBlockingQueue<>();
            Deque<String> log = new ArrayDeque<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith(CacheMemberMain.ANSWER) || line.startsWith(CacheMemberMain.READY)) {
                            answers.add(line);
                        } else {
                            synchronized (log) {
                                log.addLast(line);
                                if (log.size() > 40) {
                                    log.removeFirst();
                                }
                            }
                        }
                    }
                } catch (IOException e) {
                    // the process went away
                }
            }, "member-" + name + "-out");
            reader.setDaemon(true);
            reader.start();
            String ready = answers.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            if (ready == null || !ready.startsWith(CacheMemberMain.READY)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                synchronized (log) {
                    throw new IllegalStateException("member " + name + " did not get ready: " + ready + "; output: "
                            + String.join("\n", log));
                }
            }
            String[] parts = ready.substring(CacheMemberMain.READY.length()).split(" ");
            return new Member(name, process, parts[0], new BigInteger(parts[1], 16), answers, log);
        }

        synchronized String ask(String command) throws IOException, InterruptedException {
            input.write(command + "\n");
            input.flush();
            String line = answers.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            if (line == null || line.startsWith(CacheMemberMain.ANSWER + "ERROR")) {
                synchronized (log) {
                    throw new AssertionError("member " + name + " answered " + line + " to " + command
                            + "; its output: " + String.join("\n", log));
                }
            }
            return line.substring(CacheMemberMain.ANSWER.length());
        }

        /** SIGKILL: the process has no chance to leave the swarm politely. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("%s killed", name).isTrue();
        }

        void endInput() {
            try {
                input.close();
            } catch (IOException e) {
                // already gone
            }
        }

        void stop() throws InterruptedException {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The real class path: surefire may run tests from a manifest-only jar. */
    private static String testClassPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        String cp = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
        assertThat(cp.split(File.pathSeparator)).anySatisfy(e -> assertThat(e).contains("cache-api"));
        return cp;
    }
}

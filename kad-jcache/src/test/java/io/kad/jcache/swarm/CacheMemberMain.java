package io.kad.jcache.swarm;

import io.kad.core.Dht;
import io.kad.core.KadNode;
import io.kad.core.id.Contact;
import io.kad.jcache.KadCacheManager;
import io.kad.jcache.KadCachingProvider;
import io.kad.spi.StoredRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentMap;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;

/**
 * An application process of a multi-process swarm test: a kad-jcache cache manager (its own node) with a
 * {@code Cache<String, byte[]>} and the swarm's {@code Map} view, driven one command a line on standard
 * input, each answered by one line {@code R <answer>} on standard output (or {@code R ERROR <message>}).
 * Values are never printed: a value is answered as its length and SHA-256, {@code null} when absent.
 *
 * <p>Usage: {@code CacheMemberMain <manager URI> <replication> <operation timeout ms> [host:port ...]}
 * (the seeds). Prints {@code READY <host>:<port> <node id, hex>} once the manager runs.
 *
 * <p>Commands:
 * <ul>
 *   <li>{@code PEERS}: how many record-speaking peers the node knows;</li>
 *   <li>{@code GET <key>}: the cache's value; {@code MAPGET <key>}: the Map view's value (as a string);</li>
 *   <li>{@code ITER}, {@code MAPITER}: every entry the cache's iterator (the Map view's entry set) gives,
 *       {@code key=length:sha} sorted by key, comma separated;</li>
 *   <li>{@code STORED}: what this node's own storage tier holds ({@link #storedSummary});</li>
 * </ul>
 * The process stops when its standard input ends.
 */
public final class CacheMemberMain {

    /** The prefix of the ready line. */
    static final String READY = "READY ";
    /** The prefix of an answer. */
    static final String ANSWER = "R ";
    /** The cache every process of the test uses. */
    static final String CACHE = "large";

    private CacheMemberMain() {
    }

    /**
     * @param args see the class comment
     * @throws Exception if the manager cannot start or standard input fails
     */
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Properties p = settings(Integer.parseInt(args[1]), Long.parseLong(args[2]),
                List.of(args).subList(3, args.length));
        KadCachingProvider provider = (KadCachingProvider) Caching.getCachingProvider(
                KadCachingProvider.class.getName());
        try (CacheManager manager = provider.getCacheManager(URI.create(args[0]),
                CacheMemberMain.class.getClassLoader(), p)) {
            Cache<String, byte[]> cache = createCache(manager);
            KadNode node = manager.unwrap(KadCacheManager.class).node();
            ConcurrentMap<String, Object> map = Dht.of(node).asMap(); // not closed: the manager owns the node
            out.println(READY + node.address().getHostString() + ":" + node.address().getPort() + " "
                    + node.id().value().toString(16));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                String answer;
                try {
                    answer = answer(line.trim(), cache, map, node);
                } catch (RuntimeException e) {
                    answer = "ERROR " + String.valueOf(e).replace('\n', ' ');
                }
                out.println(ANSWER + answer);
            }
        }
    }

    static Properties settings(int replication, long operationTimeoutMillis, List<String> seeds) {
        Properties p = new Properties();
        p.setProperty("kad.host", "127.0.0.1");
        p.setProperty("kad.port", "0");
        p.setProperty("kad.replication", Integer.toString(replication));
        p.setProperty("kad.operation-timeout-ms", Long.toString(operationTimeoutMillis));
        if (!seeds.isEmpty()) {
            p.setProperty("kad.seeds", String.join(",", seeds));
        }
        return p;
    }

    static Cache<String, byte[]> createCache(CacheManager manager) {
        return manager.createCache(CACHE, new MutableConfiguration<String, byte[]>()
                .setTypes(String.class, byte[].class));
    }

    private static String answer(String line, Cache<String, byte[]> cache, ConcurrentMap<String, Object> map,
                                 KadNode node) {
        String[] words = line.split(" ", 2);
        switch (words[0]) {
            case "PEERS":
                return Long.toString(node.peers().stream().filter(Contact::speaksRecords).count());
            case "GET":
                return describe(cache.get(words[1]));
            case "MAPGET":
                return describe(map.get(words[1]));
            case "ITER": {
                Map<String, String> seen = new TreeMap<>();
                for (Cache.Entry<String, byte[]> e : cache) {
                    seen.put(e.getKey(), describe(e.getValue()));
                }
                return listing(seen);
            }
            case "MAPITER": {
                Map<String, String> seen = new TreeMap<>();
                for (Map.Entry<String, Object> e : map.entrySet()) {
                    seen.put(e.getKey(), describe(e.getValue()));
                }
                return listing(seen);
            }
            case "STORED":
                return storedSummary(node);
            default:
                throw new IllegalArgumentException("unknown command: " + line);
        }
    }

    /** {@code length:sha} of a value ({@code byte[]} as is, anything else as its string's UTF-8), or null. */
    static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        byte[] bytes = value instanceof byte[] b ? b : String.valueOf(value).getBytes(StandardCharsets.UTF_8);
        return bytes.length + ":" + sha256(bytes);
    }

    static String listing(Map<String, String> entries) {
        List<String> parts = new ArrayList<>();
        entries.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(",", parts);
    }

    /**
     * What a node's tier holds of users' records (tombstones and the node's own empty-key record left
     * out): {@code <records> <value bytes> <sha of the sorted (namespace, key, value sha) list>}, equal on
     * two nodes exactly when they hold the same keys with the same values.
     */
    static String storedSummary(KadNode node) {
        TreeMap<String, String> held = new TreeMap<>();
        long[] bytes = new long[1];
        node.storage().forEach((StoredRecord r) -> {
            if (!r.tombstone() && r.key().length > 0) {
                held.put(r.namespace() + "|" + HexFormat.of().formatHex(r.key()), sha256(r.value()));
                bytes[0] += r.value().length;
            }
        });
        return held.size() + " " + bytes[0] + " " + sha256(listing(held).getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

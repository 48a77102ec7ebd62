package io.kad.examples.kadpy;

import io.kad.core.Dht;
import io.kad.core.NodeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * kad.py's {@code storage=} example with a persistent store: a node keeps its records in an MVStore file
 * ({@code kad.storage=mvstore}, {@code kad.storage.path=<file>}); after a restart on the same file the
 * records are still there.
 *
 * <pre>{@code
 * NodeConfig config = NodeConfig.builder()
 *         .host("127.0.0.1").port(0)
 *         .storageName("mvstore")
 *         .storageSetting("storage.path", dir.resolve("node.mv").toString())
 *         .build();
 * try (Dht node = Dht.create(config)) { node.put("greeting", "hello"); }
 * try (Dht node = Dht.create(config)) { node.get("greeting"); } // "hello", from the file
 * }</pre>
 */
public final class PersistentStorage {

    /** The store file's name inside the directory the example is given. */
    static final String STORE_FILE = "node.mv";

    /**
     * What the restarted node holds.
     *
     * @param storeFile the store file
     * @param keysAfterRestart the keys the restarted node holds, sorted
     * @param valuesAfterRestart each of those keys' value, read on the restarted node
     * @param lines what the example prints
     */
    public record Outcome(Path storeFile, List<String> keysAfterRestart, Map<String, Object> valuesAfterRestart,
                          List<String> lines) {
    }

    private PersistentStorage() {
    }

    /**
     * Runs the example in a directory given as the first argument, or in a temporary one it deletes.
     *
     * @param args {@code [directory]}
     * @throws IOException if the temporary directory cannot be made or removed
     */
    public static void main(String[] args) throws IOException {
        if (args.length > 0) {
            run(Path.of(args[0])).lines().forEach(System.out::println);
            return;
        }
        Path directory = Files.createTempDirectory("kad-persistent-");
        try {
            run(directory).lines().forEach(System.out::println);
        } finally {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * Stores two values on a node with the persistent tier, closes it, and starts a new node on the same
     * file.
     *
     * @param directory an existing directory for the store file
     * @return what the restarted node holds
     */
    public static Outcome run(Path directory) {
        Path storeFile = directory.resolve(STORE_FILE);
        NodeConfig config = NodeConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .storageName("mvstore")
                .storageSetting("storage.path", storeFile.toString())
                .build();
        List<String> lines = new ArrayList<>();

        try (Dht node = Dht.create(config)) {
            node.put("greeting", "hello");
            node.put("answer", 42);
            lines.add("node " + node.id() + " stored greeting and answer in " + storeFile);
        }
        lines.add("node closed (store flushed)");

        try (Dht restarted = Dht.create(config)) {
            List<String> keys = new ArrayList<>(restarted.localKeys());
            keys.sort(null);
            Map<String, Object> values = new LinkedHashMap<>();
            for (String key : keys) {
                values.put(key, restarted.get(key));
            }
            lines.add("restarted node " + restarted.id() + " on the same file holds " + values);
            return new Outcome(storeFile, List.copyOf(keys), values, List.copyOf(lines));
        }
    }
}

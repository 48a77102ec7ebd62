package io.kad.examples.kadpy;

import io.kad.core.Dht;
import java.util.ArrayList;
import java.util.List;

/**
 * kad.py's iteration example: a {@link Dht} is {@link Iterable} over the keys stored on this node
 * ({@link Dht#localKeys()}), as iterating over a kad.py node's storage is.
 *
 * <pre>{@code
 * for (String key : dht) {
 *     System.out.println(key + " = " + dht.get(key));
 * }
 * }</pre>
 */
public final class IterateKeys {

    /**
     * What the example saw.
     *
     * @param keys the keys the iteration gave, sorted
     * @param lines what the example prints
     */
    public record Outcome(List<String> keys, List<String> lines) {
    }

    private IterateKeys() {
    }

    /**
     * Runs the example and prints the keys.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        run().lines().forEach(System.out::println);
    }

    /**
     * Stores four values on a node, then iterates over the node's keys.
     *
     * @return the keys and the printed lines
     */
    public static Outcome run() {
        try (Dht dht = Dht.create("127.0.0.1", 0)) {
            dht.put("apple", 1);
            dht.put("banana", "yellow");
            dht.put("cherry", List.of("red", "dark"));
            dht.put("date", false);

            List<String> keys = new ArrayList<>();
            for (String key : dht) {
                keys.add(key);
            }
            keys.sort(null);
            List<String> lines = new ArrayList<>();
            for (String key : keys) {
                lines.add(key + " = " + dht.get(key));
            }
            return new Outcome(List.copyOf(keys), List.copyOf(lines));
        }
    }
}

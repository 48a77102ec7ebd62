package io.kad.examples.demo;

import io.kad.core.Dht;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The main job in one screen: a swarm of three nodes on loopback, values written from one node and read
 * from the others, with the time each step took.
 *
 * <p>Run it with {@code mvn -q -pl src-examples exec:java} (after {@code mvn -q install -DskipTests}).
 */
public final class SwarmDemo {

    /** How many nodes the swarm has. */
    static final int NODES = 3;

    /** What node 1 writes, in order. */
    static final Map<String, Object> VALUES = values();

    private static final String HOST = "127.0.0.1";

    /**
     * One timed step.
     *
     * @param description what happened
     * @param millis how long it took, in milliseconds
     */
    public record Step(String description, double millis) {
        /** @return the step as printed: its duration with two decimals, then what happened */
        public String line() {
            return String.format(Locale.ROOT, "%10.2f ms  %s", millis, description);
        }
    }

    /**
     * What the demo did.
     *
     * @param steps every step, in order
     * @param reads for each reading node (2, 3...), the value it read for each key
     */
    public record Report(List<Step> steps, Map<Integer, Map<String, Object>> reads) {
    }

    private SwarmDemo() {
    }

    /**
     * Runs the demo and prints each step.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        run(System.out);
    }

    /**
     * Runs the demo.
     *
     * @param out where each step is printed as it completes
     * @return the steps and what each node read
     */
    public static Report run(PrintStream out) {
        Timeline timeline = new Timeline(out);
        out.println("kad swarm demo: " + NODES + " nodes on " + HOST);
        List<Dht> nodes = new ArrayList<>();
        Map<Integer, Map<String, Object>> reads = new LinkedHashMap<>();
        try {
            Dht first = timeline.step(() -> Dht.create(HOST, 0),
                    n -> "node 1 started on " + text(n.address()) + " (id " + n.id().shortHex() + ")");
            nodes.add(first);
            for (int i = 2; i <= NODES; i++) {
                int number = i;
                Dht node = timeline.step(() -> Dht.create(HOST, 0, first.address()),
                        n -> "node " + number + " started on " + text(n.address()) + ", joined through node 1, knows "
                                + n.peers().size() + " peer(s)");
                nodes.add(node);
            }

            for (Map.Entry<String, Object> e : VALUES.entrySet()) {
                timeline.step(() -> {
                    first.put(e.getKey(), e.getValue());
                    return null;
                }, ignored -> "node 1 put " + e.getKey() + " = " + e.getValue());
            }

            for (int i = 2; i <= NODES; i++) {
                Dht node = nodes.get(i - 1);
                int number = i;
                Map<String, Object> read = new LinkedHashMap<>();
                for (String key : VALUES.keySet()) {
                    // with replication 3, every node of a 3-node swarm keeps a copy: reads are local
                    String from = node.localKeys().contains(key) ? "its own replica" : "the swarm";
                    Object value = timeline.step(() -> node.get(key),
                            v -> "node " + number + " get " + key + " -> " + v + " (from " + from + ")");
                    read.put(key, value);
                }
                reads.put(number, read);
            }
        } finally {
            int count = nodes.size();
            timeline.step(() -> {
                for (int i = nodes.size() - 1; i >= 0; i--) {
                    nodes.get(i).close();
                }
                return null;
            }, ignored -> "closed " + count + " node(s)");
        }
        out.println(String.format(Locale.ROOT, "%10.2f ms  total", timeline.totalMillis()));
        return new Report(timeline.steps(), reads);
    }

    private static Map<String, Object> values() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("greeting", "hello, swarm");
        v.put("answer", 42);
        v.put("user:1", Map.of("name", "Ada", "languages", List.of("en", "fr")));
        return java.util.Collections.unmodifiableMap(v);
    }

    private static String text(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** Times steps and prints each as it completes. */
    private static final class Timeline {
        private final PrintStream out;
        private final List<Step> steps = new ArrayList<>();

        Timeline(PrintStream out) {
            this.out = out;
        }

        <T> T step(Supplier<T> action, Function<? super T, String> describe) {
            long start = System.nanoTime();
            T result = action.get();
            Step step = new Step(describe.apply(result), (System.nanoTime() - start) / 1_000_000.0);
            steps.add(step);
            out.println(step.line());
            return result;
        }

        List<Step> steps() {
            return List.copyOf(steps);
        }

        double totalMillis() {
            return steps.stream().mapToDouble(Step::millis).sum();
        }
    }
}

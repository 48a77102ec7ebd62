package io.kad.examples.kadpy;

import io.kad.core.Dht;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The swarm as a {@link ConcurrentMap} ({@link Dht#asMap()}): the atomic operations hold across nodes,
 * because each is a conditional write at the key's owner.
 *
 * <pre>{@code
 * ConcurrentMap<String, Object> onA = nodeA.asMap(), onB = nodeB.asMap();
 * onA.putIfAbsent("counter", 1);               // null: it was absent
 * onB.putIfAbsent("counter", 99);              // 1: already there
 * onB.replace("counter", 1, 2);                // true
 * onA.compute("counter", (k, v) -> ((Number) v).intValue() + 1);  // 3
 * }</pre>
 */
public final class MapView {

    /** How many increments each node makes concurrently in the last step. */
    static final int INCREMENTS_PER_NODE = 10;

    /**
     * What the example saw.
     *
     * @param firstPutIfAbsent what node A's {@code putIfAbsent("counter", 1)} returned
     * @param secondPutIfAbsent what node B's {@code putIfAbsent("counter", 99)} returned
     * @param staleReplace what node A's {@code replace("counter", 99, 100)} returned
     * @param replace what node B's {@code replace("counter", 1, 2)} returned
     * @param computed what node A's increment with {@code compute} returned
     * @param afterConcurrentIncrements the counter read on node B after both nodes incremented it
     *     {@link #INCREMENTS_PER_NODE} times each, at the same time
     * @param lines what the example prints
     */
    public record Outcome(Object firstPutIfAbsent, Object secondPutIfAbsent, boolean staleReplace, boolean replace,
                          Object computed, Object afterConcurrentIncrements, List<String> lines) {
    }

    private MapView() {
    }

    /**
     * Runs the example and prints what happened.
     *
     * @param args ignored
     * @throws Exception if the swarm fails
     */
    public static void main(String[] args) throws Exception {
        run().lines().forEach(System.out::println);
    }

    /**
     * Runs the example on two loopback nodes.
     *
     * @return what it saw
     * @throws Exception if an operation fails or times out
     */
    public static Outcome run() throws Exception {
        List<String> lines = new ArrayList<>();
        try (Dht nodeA = Dht.create("127.0.0.1", 0);
             Dht nodeB = Dht.create("127.0.0.1", 0, nodeA.address())) {
            ConcurrentMap<String, Object> onA = nodeA.asMap();
            ConcurrentMap<String, Object> onB = nodeB.asMap();

            Object first = onA.putIfAbsent("counter", 1);
            lines.add("A putIfAbsent(counter, 1) -> " + first);
            Object second = onB.putIfAbsent("counter", 99);
            lines.add("B putIfAbsent(counter, 99) -> " + second);
            boolean stale = onA.replace("counter", 99, 100);
            lines.add("A replace(counter, 99, 100) -> " + stale);
            boolean replaced = onB.replace("counter", 1, 2);
            lines.add("B replace(counter, 1, 2) -> " + replaced);
            Object computed = onA.compute("counter", (k, v) -> increment(v));
            lines.add("A compute(counter, v + 1) -> " + computed);

            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<?> a = pool.submit(() -> incrementMany(onA));
                Future<?> b = pool.submit(() -> incrementMany(onB));
                a.get(60, TimeUnit.SECONDS);
                b.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("concurrent increments failed: " + e, e);
            } finally {
                pool.shutdownNow();
            }
            Object total = onB.get("counter");
            lines.add("A and B each compute(counter, v + 1) " + INCREMENTS_PER_NODE + " times at once; B get(counter) -> "
                    + total);
            return new Outcome(first, second, stale, replaced, computed, total, List.copyOf(lines));
        }
    }

    private static void incrementMany(ConcurrentMap<String, Object> map) {
        for (int i = 0; i < INCREMENTS_PER_NODE; i++) {
            map.compute("counter", (k, v) -> increment(v));
        }
    }

    private static Object increment(Object value) {
        return value == null ? 1 : ((Number) value).intValue() + 1;
    }
}

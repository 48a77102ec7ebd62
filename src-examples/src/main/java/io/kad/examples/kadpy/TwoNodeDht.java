package io.kad.examples.kadpy;

import com.fasterxml.jackson.databind.JsonNode;
import io.kad.core.Dht;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * kad.py's first example: two nodes, the second joining through the first; a value stored on one is
 * read on the other, blocking, as a {@link CompletableFuture}, and through a callback.
 *
 * <pre>{@code
 * try (Dht node1 = Dht.create("127.0.0.1", 0);
 *      Dht node2 = Dht.create("127.0.0.1", 0, node1.address())) {
 *     node1.put("my_key", List.of("My", "json-serializable", "Object"));
 *     node2.get("my_key");                       // blocking
 *     node2.getAsync("my_key");                  // CompletableFuture<Optional<JsonNode>> (Dht.toJava: a Java value)
 *     node2.get("my_key", (value, error) -> ...); // callback
 * }
 * }</pre>
 */
public final class TwoNodeDht {

    /** How long the example waits for an asynchronous answer. */
    private static final long WAIT_SECONDS = 10;

    /**
     * What the example saw.
     *
     * @param blocking the value {@code get} returned
     * @param async the value {@code getAsync} completed with
     * @param callback the value the callback received
     * @param missing whether {@code getAsync} of a key nobody stored completed empty
     * @param lines what the example prints
     */
    public record Outcome(Object blocking, Object async, Object callback, boolean missing, List<String> lines) {
    }

    private TwoNodeDht() {
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
     * Runs the example on loopback with ephemeral ports.
     *
     * @return what it saw
     * @throws Exception if a read fails or times out
     */
    public static Outcome run() throws Exception {
        List<String> lines = new ArrayList<>();
        try (Dht node1 = Dht.create("127.0.0.1", 0);
             Dht node2 = Dht.create("127.0.0.1", 0, node1.address())) {
            lines.add("node 1 on " + text(node1.address()) + ", id " + node1.id());
            lines.add("node 2 on " + text(node2.address()) + ", id " + node2.id() + ", joined through node 1");

            node1.put("my_key", List.of("My", "json-serializable", "Object"));
            lines.add("node 1 put my_key = [\"My\", \"json-serializable\", \"Object\"]");

            Object blocking = node2.get("my_key");
            lines.add("node 2 get(my_key) -> " + blocking);

            Object async = Dht.toJava(node2.getAsync("my_key")
                    .get(WAIT_SECONDS, TimeUnit.SECONDS)
                    .orElseThrow(() -> new NoSuchElementException("my_key")));
            lines.add("node 2 getAsync(my_key) -> " + async);

            CompletableFuture<Object> received = new CompletableFuture<>();
            node2.get("my_key", (value, error) -> {
                if (error != null) {
                    received.completeExceptionally(error);
                } else {
                    received.complete(value);
                }
            });
            Object callback = received.get(WAIT_SECONDS, TimeUnit.SECONDS);
            lines.add("node 2 get(my_key, callback) -> callback received " + callback);

            Optional<JsonNode> absent = node2.getAsync("nobody_stored_this").get(WAIT_SECONDS, TimeUnit.SECONDS);
            lines.add("node 2 getAsync(nobody_stored_this) -> " + (absent.isEmpty() ? "empty" : absent.get()));

            return new Outcome(blocking, async, callback, absent.isEmpty(), List.copyOf(lines));
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("reading my_key failed: " + e, e);
        }
    }

    static String text(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }
}

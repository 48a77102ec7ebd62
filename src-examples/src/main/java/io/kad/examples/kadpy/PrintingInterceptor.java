package io.kad.examples.kadpy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kad.core.Dht;
import io.kad.core.NodeConfig;
import io.kad.spi.InterceptedMessage;
import io.kad.spi.RequestInterceptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * kad.py's custom request handler example: a {@link RequestInterceptor} that prints every value a node
 * is asked to store.
 *
 * <p>It is registered with {@link java.util.ServiceLoader} in
 * {@code META-INF/services/io.kad.spi.RequestInterceptor}, so every node started in a JVM that has this
 * module on its class path loads it (the other examples and the tests; kad-node.jar leaves the examples out).
 * It therefore
 * does nothing until switched on:
 * <ul>
 *   <li>{@link #startCollecting(boolean)} (what {@link #run()} and {@link #main} do), or</li>
 *   <li>the system property {@value #PRINT_PROPERTY}{@code =true}, read once when the class loads
 *       (e.g. {@code mvn -pl src-examples exec:java -Dkad.examples.print-stores=true}).</li>
 * </ul>
 * While on, it keeps each stored value it sees in a static list ({@link #seen()}) and, if printing was
 * asked for, prints it to stdout.
 *
 * <p>Which messages carry a stored value, inbound:
 * <ul>
 *   <li>{@code store}: kad.py's store, the value is the JSON value itself;</li>
 *   <li>{@code put_record}: a write sent to the key's owner ({@code op} {@code put}; key and value are
 *       base64, the value UTF-8 JSON text when {@code json} is true);</li>
 *   <li>{@code replicate}: the owner's copies to the other replicas, records in the same encoding.</li>
 * </ul>
 * A write whose owner is the writing node itself is applied in-process and is seen by the other nodes
 * only as a {@code replicate}; that is why {@code replicate} is printed too.
 */
public final class PrintingInterceptor implements RequestInterceptor {

    /** The system property that switches collecting and printing on for the whole JVM. */
    public static final String PRINT_PROPERTY = "kad.examples.print-stores";

    /** How many values are kept at most; the oldest go first. */
    static final int MAX_KEPT = 1_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Object LOCK = new Object();
    private static final List<StoredValue> SEEN = new ArrayList<>();
    private static volatile boolean collecting = Boolean.getBoolean(PRINT_PROPERTY);
    private static volatile boolean printing = collecting;

    /**
     * One value a node was asked to store.
     *
     * @param messageType {@code store}, {@code put_record} or {@code replicate}
     * @param key the key (for kad.py's {@code store}, the record id in decimal)
     * @param value the JSON value as plain Java values
     * @param from the sender
     * @param receiver the id of the node that received it, in decimal
     */
    public record StoredValue(String messageType, String key, Object value, InetSocketAddress from, String receiver) {
    }

    /** Creates the interceptor; ServiceLoader needs this constructor. */
    public PrintingInterceptor() {
    }

    /**
     * Starts keeping (and optionally printing) stored values, forgetting the ones kept before.
     *
     * @param print whether to print each one to stdout as it arrives
     */
    public static void startCollecting(boolean print) {
        synchronized (LOCK) {
            SEEN.clear();
            printing = print;
            collecting = true;
        }
    }

    /** Stops keeping and printing values; {@link #seen()} still returns the ones kept. */
    public static void stopCollecting() {
        collecting = false;
        printing = false;
    }

    /** @return the values seen since {@link #startCollecting(boolean)}, oldest first */
    public static List<StoredValue> seen() {
        synchronized (LOCK) {
            return List.copyOf(SEEN);
        }
    }

    /**
     * Waits until the values seen satisfy a condition, at most a given time.
     *
     * @param condition tested on the values seen so far
     * @param timeout how long to wait at most
     * @return the values seen when the condition held or the time ran out
     * @throws InterruptedException if interrupted while waiting
     */
    public static List<StoredValue> awaitSeen(Predicate<? super List<StoredValue>> condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (LOCK) {
            while (!condition.test(List.copyOf(SEEN))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(LOCK, left);
            }
            return List.copyOf(SEEN);
        }
    }

    @Override
    public Verdict intercept(InterceptedMessage message) {
        if (!collecting || message.direction() != InterceptedMessage.Direction.INBOUND) {
            return Verdict.CONTINUE;
        }
        String type = message.messageType();
        Map<String, Object> fields = message.fields();
        String receiver = String.valueOf(message.localId());
        if ("store".equals(type)) {
            keep(new StoredValue(type, String.valueOf(fields.get("id")), message.value(), message.peerAddress(),
                    receiver));
        } else if ("put_record".equals(type) && "put".equals(fields.get("op")) && "".equals(fields.get("ns"))) {
            keep(new StoredValue(type, text(fields.get("key")), value(fields.get("value"), fields.get("json")),
                    message.peerAddress(), receiver));
        } else if ("replicate".equals(type) && fields.get("records") instanceof List<?> records) {
            for (Object r : records) {
                if (r instanceof Map<?, ?> rec && "".equals(rec.get("ns")) && !Boolean.TRUE.equals(rec.get("tombstone"))) {
                    keep(new StoredValue(type, text(rec.get("key")), value(rec.get("value"), rec.get("json")),
                            message.peerAddress(), receiver));
                }
            }
        }
        return Verdict.CONTINUE;
    }

    private static void keep(StoredValue seen) {
        if (printing) {
            System.out.println("node " + seen.receiver() + " asked to store " + seen.key() + " = " + seen.value()
                    + " (" + seen.messageType() + " from " + seen.from() + ")");
        }
        synchronized (LOCK) {
            if (SEEN.size() == MAX_KEPT) {
                SEEN.remove(0);
            }
            SEEN.add(seen);
            LOCK.notifyAll();
        }
    }

    /** @return base64 text decoded as UTF-8, or the text itself if it is not base64 */
    private static String text(Object base64) {
        if (!(base64 instanceof String s)) {
            return String.valueOf(base64);
        }
        try {
            return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    /** @return the value as plain Java values when it is JSON, else its length in bytes */
    private static Object value(Object base64, Object json) {
        if (!(base64 instanceof String s)) {
            return base64;
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            return s;
        }
        if (!Boolean.TRUE.equals(json)) {
            return "<" + bytes.length + " bytes>";
        }
        try {
            return JSON.readValue(bytes, Object.class);
        } catch (IOException e) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    // ------------------------------------------------------------------ the example

    /**
     * What the example saw.
     *
     * @param seen the stored values the interceptor saw, in the order they arrived
     * @param lines a summary of the run
     */
    public record Outcome(List<StoredValue> seen, List<String> lines) {
    }

    /**
     * Starts two nodes, stores two values and prints each one as a node receives it.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while waiting for the values
     */
    public static void main(String[] args) throws InterruptedException {
        run(true).lines().forEach(System.out::println);
    }

    /**
     * Runs the example without printing.
     *
     * @return what the interceptor saw
     * @throws InterruptedException if interrupted while waiting for the values
     */
    public static Outcome run() throws InterruptedException {
        return run(false);
    }

    static Outcome run(boolean print) throws InterruptedException {
        startCollecting(print);
        try (Dht node1 = Dht.create(NodeConfig.builder().host("127.0.0.1").port(0).build());
             Dht node2 = Dht.create(NodeConfig.builder().host("127.0.0.1").port(0).seed(node1.address()).build())) {
            node1.put("my_key", "my_value");
            node2.put("other_key", List.of(1, 2, 3));
            // a put returns once the owner and the replicas acknowledged, so the values have normally
            // been seen already; waiting (bounded) covers a replica that answered late
            List<StoredValue> seen = awaitSeen(s -> hasKey(s, "my_key") && hasKey(s, "other_key"),
                    Duration.ofSeconds(10));
            List<String> lines = new ArrayList<>();
            for (StoredValue s : seen) {
                lines.add(s.messageType() + ": " + s.key() + " = " + s.value());
            }
            return new Outcome(seen, List.copyOf(lines));
        } finally {
            stopCollecting();
        }
    }

    private static boolean hasKey(List<StoredValue> seen, String key) {
        return seen.stream().anyMatch(s -> s.key().equals(key));
    }
}

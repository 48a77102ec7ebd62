package io.kad.examples.kadpy;

import io.kad.core.Dht;
import io.kad.core.NodeConfig;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * kad.py's {@code hash_function=} example: two nodes select the custom {@link Sha3KeyHash} by name
 * (it is found through {@link java.util.ServiceLoader}) and exchange a value; the record is stored
 * under the SHA3-256 of its key.
 *
 * <pre>{@code
 * NodeConfig config = NodeConfig.builder().host("127.0.0.1").port(0).hashName("sha3-256").build();
 * try (Dht node1 = Dht.create(config);
 *      Dht node2 = Dht.create(config.toBuilder().seed(node1.address()).build())) {
 *     node1.put("my_key", "my_value");
 *     node2.get("my_key"); // "my_value"
 * }
 * }</pre>
 */
public final class CustomHashFunction {

    /**
     * What the example saw.
     *
     * @param hashNames the name of each node's hash function
     * @param value the value the second node read
     * @param storedUnderCustomId whether each node holds the record under the SHA3-256 of the key
     * @param lines what the example prints
     */
    public record Outcome(List<String> hashNames, Object value, boolean storedUnderCustomId, List<String> lines) {
    }

    private CustomHashFunction() {
    }

    /**
     * Runs the example and prints what happened.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        run().lines().forEach(System.out::println);
    }

    /**
     * Runs the example on loopback with ephemeral ports.
     *
     * @return what it saw
     */
    public static Outcome run() {
        NodeConfig config = NodeConfig.builder().host("127.0.0.1").port(0).hashName(Sha3KeyHash.NAME).build();
        List<String> lines = new ArrayList<>();
        try (Dht node1 = Dht.create(config);
             Dht node2 = Dht.create(config.toBuilder().seed(node1.address()).build())) {
            List<String> names = List.of(node1.node().hashFunction().name(), node2.node().hashFunction().name());
            lines.add("both nodes hash keys with " + names);

            node1.put("my_key", "my_value");
            Object value = node2.get("my_key");
            lines.add("node 1 put my_key = my_value; node 2 get(my_key) -> " + value);

            // with replication 3 and two nodes, each node keeps a copy: look it up by the custom id
            BigInteger id = new BigInteger(1, new Sha3KeyHash().hash("my_key".getBytes(StandardCharsets.UTF_8)));
            boolean underCustomId = node1.node().storage().get(id) != null && node2.node().storage().get(id) != null;
            lines.add("record id sha3-256(my_key) = " + id.toString(16) + (underCustomId ? " held" : " NOT held")
                    + " by both nodes");
            return new Outcome(names, value, underCustomId, List.copyOf(lines));
        }
    }
}

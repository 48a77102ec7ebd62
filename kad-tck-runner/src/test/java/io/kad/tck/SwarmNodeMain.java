package io.kad.tck;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import java.io.IOException;
import java.io.InputStream;

/**
 * One storage-only member of the TCK's multi-node swarm, run in its own JVM by
 * {@link SwarmLauncherSessionListener}: binds loopback, prints the ready line with its address, and
 * serves until its standard input closes.
 *
 * <p>Arguments: {@code --port P} (0 for ephemeral), {@code --replication R}, {@code --seeds h:p,...}.
 */
public final class SwarmNodeMain {

    private SwarmNodeMain() {
    }

    /**
     * @param args see the class comment
     * @throws IOException if standard input fails
     */
    public static void main(String[] args) throws IOException {
        NodeConfig.Builder config = NodeConfig.builder().host("127.0.0.1").loadInterceptors(false);
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--port" -> config.port(Integer.parseInt(require(args[i], value)));
                case "--replication" -> config.replication(Integer.parseInt(require(args[i], value)));
                case "--seeds" -> {
                    for (String seed : require(args[i], value).split(",")) {
                        config.seed(io.kad.core.Dht.parseAddress(seed.trim()));
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
            i++;
        }
        try (KadNode node = KadNode.start(config.build())) {
            System.out.println(SwarmLauncherSessionListener.READY_PREFIX
                    + node.address().getAddress().getHostAddress() + ":" + node.address().getPort());
            System.out.flush();
            InputStream in = System.in;
            while (in.read() != -1) {
                // serve until the launcher closes our standard input
            }
        }
    }

    private static String require(String flag, String value) {
        if (value == null) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return value;
    }
}

package io.kad.jcache.tools;

import io.kad.core.KadNode;
import io.kad.jcache.configuration.KadSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import javax.cache.CacheException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stand-alone storage node: holds records for the swarm's caches, runs no user code.
 *
 * <p>Usage: {@code java io.kad.jcache.tools.SwarmNodeMain [--<setting> <value>]...}, where each
 * {@code --name value} pair is the setting {@code kad.name} (for example {@code --port 0
 * --replication 2 --seeds host:port}). Settings are resolved as for a cache manager:
 * {@code kad.properties} on the class path, these arguments, then {@code -Dkad.*}. When the node runs,
 * the tool prints one line {@code KAD-NODE-READY host:port} on standard output (its machine-readable
 * contract with launchers) and runs until standard input ends, then closes the node and exits.
 */
public final class SwarmNodeMain {

    /** The prefix of the line printed once the node is up. */
    public static final String READY_PREFIX = "KAD-NODE-READY ";

    private static final Logger LOG = LoggerFactory.getLogger(SwarmNodeMain.class);

    private SwarmNodeMain() {
    }

    /**
     * @param args {@code --name value} pairs
     * @throws IOException if standard input fails
     */
    public static void main(String[] args) throws IOException {
        Properties settings = new Properties();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --<setting> <value> pairs, got '" + arg + "'");
            }
            settings.setProperty("kad." + arg.substring(2), args[++i]);
        }
        KadSettings resolved;
        try {
            resolved = KadSettings.resolve(SwarmNodeMain.class.getClassLoader(), null, settings);
        } catch (CacheException e) {
            LOG.error("bad settings: {}", e.getMessage());
            System.exit(2);
            return;
        }
        try (KadNode node = KadNode.start(resolved.nodeConfig())) {
            InetSocketAddress address = node.address();
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            out.println(READY_PREFIX + address.getHostString() + ":" + address.getPort());
            LOG.info("node {} ready at {}", node.id(), address);
            InputStream in = System.in;
            byte[] buffer = new byte[256];
            while (in.read(buffer) != -1) {
                // the launcher closes our stdin to stop us
            }
            LOG.info("node {} stopping: standard input closed", node.id());
        }
    }
}

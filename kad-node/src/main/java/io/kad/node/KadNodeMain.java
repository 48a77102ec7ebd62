package io.kad.node;

import io.kad.core.DnsSeeds;
import io.kad.core.KadNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A standalone Kademlia node: {@code java -jar kad-node.jar --host H --port P --seeds h:p,...}.
 *
 * <p>Behaviour:
 * <ul>
 *   <li>settings come from {@code --config FILE} (repeatable, later files winning), which takes every {@code kad.*} key the provider takes
 *       (the same {@code kad.properties} as the application's, see {@link NodeSettings}); flags override
 *       the file;</li>
 *   <li>{@code kad.seeds} may name seeds by DNS name ({@code dns:<name>:<port>}): they are looked up at
 *       start and again periodically, and each new address is joined ({@link DnsSeeds});</li>
 *   <li>a node with a store keeps its id in a file beside it and has the same id after a restart;</li>
 *   <li>with {@code --health-port}, it answers {@code GET /live} and {@code GET /ready} on that port of its
 *       host ({@link HealthServer}) and prints {@code KAD-NODE-HEALTH host:port};</li>
 *   <li>once serving, it logs its address and id and prints one line
 *       {@code KAD-NODE-READY host:port id} to stdout (logs go to stderr);</li>
 *   <li>it serves until SIGTERM or SIGINT: a shutdown hook closes the node (flushing a persistent
 *       store) and prints {@code KAD-NODE-STOPPED host:port id}. The process then ends with the status
 *       the JVM gives a signalled shutdown, 128 + the signal: 143 for SIGTERM, 130 for SIGINT;</li>
 *   <li>with {@code --exit-on-stdin-eof} it also stops when stdin reaches end of file, closes the node
 *       and exits 0;</li>
 *   <li>bad arguments or settings print one line {@code kad-node: error: ...} and the usage to stderr
 *       and exit 2; a node that cannot start (port in use, no fixed seed answered, store locked) prints one
 *       line and exits 1. No stack traces.</li>
 * </ul>
 */
@Command(name = "kad-node", sortOptions = false,
        description = "Runs one Kademlia node of a kad-jcache swarm (speaks kad.py's UDP/JSON dialect).",
        footer = {"", "Exit status: 0 after --exit-on-stdin-eof, 143 after SIGTERM (130 after SIGINT),",
                "1 if the node cannot start, 2 for bad arguments."})
public final class KadNodeMain {

    private static final Logger LOG = LoggerFactory.getLogger(KadNodeMain.class);

    /** Exit status: served and stopped normally. */
    static final int OK = 0;
    /** Exit status: the node could not start. */
    static final int FAILED = 1;
    /** Exit status: bad arguments or settings. */
    static final int USAGE = 2;

    @Option(names = "--host", paramLabel = "HOST", description = "address to bind, 0.0.0.0 for every interface (default 127.0.0.1)")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "UDP port, 0 for an ephemeral one (default 0)")
    String port;

    @Option(names = "--seeds", paramLabel = "SEED[,SEED...]",
            description = "nodes to join through: host:port, or dns:NAME:PORT for every address of a name")
    String seeds;

    @Option(names = "--config", paramLabel = "FILE",
            description = "properties file with kad.* settings (any key kad.properties takes); repeatable, "
                    + "later files win (e.g. kad.properties, then a secret's file with kad.secret)")
    List<Path> config = new ArrayList<>();

    @Option(names = "--hash", paramLabel = "NAME", description = "key hash function: sha256 (default), sha1, md5, "
            + "or a registered one")
    String hash;

    @Option(names = "--storage", paramLabel = "NAME", description = "storage tier: caffeine (default) or mvstore")
    String storage;

    @Option(names = "--storage-path", paramLabel = "PATH",
            description = "mvstore file, or a directory to keep " + NodeSettings.STORE_FILE + " and "
                    + NodeSettings.NODE_ID_FILE + " in")
    String storagePath;

    @Option(names = "--health-port", paramLabel = "PORT",
            description = "serve GET /live and /ready over HTTP on this port of the host (0: ephemeral)")
    Integer healthPort;

    @Option(names = "--exit-on-stdin-eof", description = "stop when stdin reaches end of file")
    boolean exitOnStdinEof;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "print this help and exit")
    boolean help;

    /** Set when the JVM is shutting down (a signal): then main must not call System.exit. */
    private volatile boolean shutdownInProgress;

    KadNodeMain() {
    }

    /**
     * Runs the node and exits with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        KadNodeMain main = new KadNodeMain();
        int status = main.execute(args, System.in, System.out, System.err);
        if (!main.shutdownInProgress) {
            System.exit(status);
        }
        // a signal started the JVM's shutdown: it ends the process itself once the hooks ran
    }

    /**
     * Runs the node; returns instead of exiting so that it can be called in-process.
     *
     * @param args the command line
     * @param stdin watched for end of file when {@code --exit-on-stdin-eof} is given
     * @param out where the ready line and the help go
     * @param err where errors and the usage after an error go
     * @return the exit status: {@link #OK}, {@link #FAILED} or {@link #USAGE}
     */
    static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err) {
        return new KadNodeMain().execute(args, stdin, out, err);
    }

    private int execute(String[] args, InputStream stdin, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(this);
        try {
            cli.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            return usageError(cli, err, e.getMessage());
        }
        if (cli.isUsageHelpRequested()) {
            cli.usage(out);
            return OK;
        }
        if (healthPort != null && (healthPort < 0 || healthPort > 65535)) {
            return usageError(cli, err, "--health-port must be a whole number from 0 to 65535, was '"
                    + healthPort + "'");
        }
        NodeSettings.Bound bound;
        try {
            bound = settings().bind();
        } catch (NodeSettings.SettingsException e) {
            return usageError(cli, err, e.getMessage());
        }

        KadNode node;
        try {
            node = KadNode.start(bound.config());
        } catch (IllegalArgumentException e) {
            return usageError(cli, err, oneLine(e));
        } catch (RuntimeException e) {
            err.println("kad-node: cannot start: " + oneLine(e));
            LOG.debug("start failed", e);
            return FAILED;
        }
        Running running = new Running(node);
        try {
            if (bound.nodeIdFile() != null && bound.config().nodeId() == null) {
                new NodeIdFile(bound.nodeIdFile()).write(node.id().value());
                LOG.info("node id {} kept in {}", node.id(), bound.nodeIdFile());
            }
            running.seeds = DnsSeeds.start(node, bound.dnsSeeds(), bound.dnsSeedInterval());
            if (healthPort != null) {
                running.health = HealthServer.start(new InetSocketAddress(bound.config().host(), healthPort),
                        running::live, running::ready);
            }
        } catch (IOException | UncheckedIOException e) {
            running.close();
            err.println("kad-node: cannot start: " + oneLine(e));
            LOG.debug("start failed", e);
            return FAILED;
        }
        return serve(running, stdin, out);
    }

    private NodeSettings settings() throws NodeSettings.SettingsException {
        NodeSettings s = new NodeSettings();
        for (Path file : config) {
            s.load(file);
        }
        return s.override(NodeSettings.HOST, host, "--host")
                .override(NodeSettings.PORT, port, "--port")
                .override(NodeSettings.SEEDS, seeds, "--seeds")
                .override(NodeSettings.HASH, hash, "--hash")
                .override(NodeSettings.STORAGE, storage, "--storage")
                .override(NodeSettings.STORAGE_PATH, storagePath, "--storage-path");
    }

    /** The node and what runs beside it; closed once, in reverse order of start. */
    private static final class Running {
        final KadNode node;
        DnsSeeds seeds = DnsSeeds.NONE;
        HealthServer health;
        private volatile boolean stopping;

        Running(KadNode node) {
            this.node = node;
        }

        boolean live() {
            return !stopping;
        }

        boolean ready() {
            return !stopping && node.joined().isDone() && !node.joined().isCompletedExceptionally();
        }

        synchronized void close() {
            stopping = true;
            if (health != null) {
                health.close();
            }
            seeds.close();
            node.close();
        }
    }

    private int serve(Running running, InputStream stdin, PrintStream out) {
        KadNode node = running.node;
        String address = text(node.address());
        String id = node.id().toString();
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            synchronized (running) {
                if (stopped.getCount() == 0) {
                    return;
                }
                running.close();
                LOG.info("kad node {} on {} stopped", id, address);
                out.println("KAD-NODE-STOPPED " + address + " " + id);
                out.flush();
                stopped.countDown();
            }
        };
        Thread hook = new Thread(() -> {
            shutdownInProgress = true;
            stop.run();
        }, "kad-node-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        LOG.info("kad node {} serving on {} (hash {}, storage {}, {} seed(s) and {} by name, {} peer(s) known)", id,
                address, node.hashFunction().name(), node.config().storageName(), node.config().seeds().size(),
                running.seeds.names().size(), node.peers().size());
        if (running.health != null) {
            out.println("KAD-NODE-HEALTH " + text(running.health.address()));
        }
        out.println("KAD-NODE-READY " + address + " " + id);
        out.flush();

        try {
            if (exitOnStdinEof) {
                drain(stdin);
            } else {
                stopped.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop.run();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            shutdownInProgress = true;
        }
        return OK;
    }

    /** Reads stdin until end of file (or until it fails, which counts as the end). */
    private static void drain(InputStream stdin) {
        byte[] buffer = new byte[1024];
        try {
            while (stdin.read(buffer) >= 0) {
                // input is ignored: only its end matters
            }
        } catch (IOException e) {
            LOG.debug("stdin failed; stopping as at end of file", e);
        }
    }

    private static int usageError(CommandLine cli, PrintStream err, String message) {
        err.println("kad-node: error: " + message);
        cli.usage(err);
        return USAGE;
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replace('\n', ' ').replace('\r', ' ');
    }

    private static String text(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }
}

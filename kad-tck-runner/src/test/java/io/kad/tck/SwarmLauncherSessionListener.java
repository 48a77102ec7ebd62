package io.kad.tck;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Starts the extra nodes of a multi-node TCK run before any test is discovered or executed.
 *
 * <p>Registered through {@code META-INF/services/org.junit.platform.launcher.LauncherSessionListener};
 * surefire (3.x, JUnit Platform provider) opens one launcher session per forked test JVM, so this runs
 * once per fork. It does nothing unless system property {@value #SWARM_SIZE} is set.
 *
 * <p>With {@code kad.tck.swarm=N} the test JVM itself is one node, so {@code N - 1} node JVMs are
 * started, each running main class {@value #NODE_MAIN} (default {@value #DEFAULT_NODE_MAIN}) on the
 * test class path with arguments {@code --port 0 --replication R} ({@code R} from
 * {@value #REPLICATION}, default 2). A node must print {@code KAD-NODE-READY host:port} on stdout
 * within {@value #READY_TIMEOUT_SECONDS} seconds. The addresses are then published as system property
 * {@value #SEEDS} (comma separated) for the provider under test to join. When the session closes
 * (or the test JVM shuts down) each node gets EOF on its stdin, is destroyed and waited for; a node
 * should also exit by itself on stdin EOF so that it never outlives a crashed test JVM.
 */
public final class SwarmLauncherSessionListener implements LauncherSessionListener {

    static final String SWARM_SIZE = "kad.tck.swarm";
    static final String NODE_MAIN = "kad.tck.node.main";
    static final String DEFAULT_NODE_MAIN = "io.kad.tck.SwarmNodeMain";
    static final String REPLICATION = "kad.replication";
    static final String SEEDS = "kad.seeds";
    static final String READY_PREFIX = "KAD-NODE-READY ";
    static final long READY_TIMEOUT_SECONDS = 30;
    private static final long STOP_TIMEOUT_SECONDS = 10;

    private final List<Process> nodes = new ArrayList<>();
    private Thread shutdownHook;

    @Override
    public synchronized void launcherSessionOpened(LauncherSession session) {
        String size = System.getProperty(SWARM_SIZE);
        if (size == null || size.isBlank()) {
            return;
        }
        int swarmSize;
        try {
            swarmSize = Integer.parseInt(size.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(SWARM_SIZE + " must be an integer, was '" + size + "'", e);
        }
        if (swarmSize < 1) {
            throw new IllegalStateException(SWARM_SIZE + " must be >= 1, was " + swarmSize);
        }
        String mainClass = System.getProperty(NODE_MAIN, DEFAULT_NODE_MAIN);
        String replication = System.getProperty(REPLICATION, "2");

        shutdownHook = new Thread(this::stopNodes, "kad-tck-swarm-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);

        List<String> seeds = new ArrayList<>();
        try {
            for (int i = 1; i < swarmSize; i++) {
                seeds.add(startNode(i, mainClass, replication, seeds));
            }
        } catch (RuntimeException e) {
            stopNodes();
            throw e;
        }
        if (!seeds.isEmpty()) {
            System.setProperty(SEEDS, String.join(",", seeds));
        }
        log("swarm of " + swarmSize + " (replication " + replication + "), extra nodes: " + seeds);
    }

    @Override
    public synchronized void launcherSessionClosed(LauncherSession session) {
        stopNodes();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // JVM already shutting down; the hook runs stopNodes() again, which is harmless
            }
            shutdownHook = null;
        }
    }

    private String startNode(int index, String mainClass, String replication, List<String> earlier) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", testClassPath(), mainClass,
                "--port", "0", "--replication", replication));
        if (!earlier.isEmpty()) {
            // each extra node joins the ones started before it, so the swarm is one swarm before the tests
            command.add("--seeds");
            command.add(String.join(",", earlier));
        }
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start swarm node " + index + ": " + command, e);
        }
        nodes.add(process);

        BlockingQueue<String> ready = new ArrayBlockingQueue<>(1);
        Thread pump = new Thread(() -> pumpOutput(index, process, ready), "kad-tck-node-" + index + "-out");
        pump.setDaemon(true);
        pump.start();

        String address;
        try {
            address = ready.poll(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for swarm node " + index, e);
        }
        if (address == null || address.isEmpty()) {
            String why;
            if (address == null) {
                why = "did not print '" + READY_PREFIX + "host:port' within " + READY_TIMEOUT_SECONDS + " s";
            } else {
                // its output ended: give it a moment to exit so the exit code can be reported
                String code = "unknown";
                try {
                    if (process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                        code = String.valueOf(process.exitValue());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                why = "closed its output (exit code " + code + ") before printing '" + READY_PREFIX + "host:port'";
            }
            throw new IllegalStateException("swarm node " + index + " (" + mainClass + ") " + why
                    + "; its output is above, prefixed [node-" + index + "]");
        }
        log("node " + index + " ready at " + address + " (pid " + process.pid() + ")");
        return address;
    }

    /** Forwards a node's output to stderr and reports its ready address ("" if it ends without one). */
    private static void pumpOutput(int index, Process process, BlockingQueue<String> ready) {
        boolean reported = false;
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                System.err.println("[node-" + index + "] " + line);
                if (!reported && line.startsWith(READY_PREFIX)) {
                    String address = line.substring(READY_PREFIX.length()).trim();
                    if (!address.isEmpty()) {
                        reported = ready.offer(address);
                    }
                }
            }
        } catch (IOException ignored) {
            // stream closed because the node was stopped
        } finally {
            if (!reported) {
                ready.offer("");
            }
        }
    }

    private synchronized void stopNodes() {
        for (Process process : nodes) {
            try {
                process.getOutputStream().close(); // EOF on the node's stdin
            } catch (IOException ignored) {
                // already gone
            }
        }
        for (Process process : nodes) {
            process.destroy();
            try {
                if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (!nodes.isEmpty()) {
            log("stopped " + nodes.size() + " extra node(s)");
        }
        nodes.clear();
    }

    /**
     * Surefire's forked JVM normally runs from a manifest-only jar, so {@code java.class.path} is that
     * jar alone; surefire publishes the real test class path as {@code surefire.test.class.path}.
     */
    private static String testClassPath() {
        String classPath = System.getProperty("surefire.test.class.path");
        if (classPath == null || classPath.isBlank()) {
            classPath = System.getProperty("java.class.path");
        }
        return classPath;
    }

    private static void log(String message) {
        System.err.println("[kad-tck] " + message);
    }
}

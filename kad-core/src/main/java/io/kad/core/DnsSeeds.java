package io.kad.core;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeds found by name: every A and AAAA record of a DNS name (a Kubernetes headless Service lists one
 * per ready pod), joined at start and looked up again periodically, so that a swarm forms with no
 * address known in advance.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #start} resolves at once and joins every address found (one join per address, so that one
 *       silent address does not hide the others); a name that does not resolve, or an address that does not
 *       answer, is logged and tried again on the next round: a node that starts first, alone behind its name,
 *       is not an error;</li>
 *   <li>every {@code interval} it resolves again and joins each address it has not joined yet; when the
 *       node has no peer at all it resolves on every check ({@link #checkPeriod}) and joins every address
 *       again, so a node cut off from the swarm finds its way back;</li>
 *   <li>the node's own address is never joined;</li>
 *   <li>all its state is touched by its one daemon thread, {@code kad-dns-seeds-<n>}, which {@link #close}
 *       stops. It never closes the node.</li>
 * </ul>
 */
public final class DnsSeeds implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DnsSeeds.class);

    /** The prefix of a seed given by name in {@code kad.seeds}: {@code dns:<name>:<port>}. */
    public static final String PREFIX = "dns:";

    /** How often the name is looked up again by default. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

    private static final Duration MAX_CHECK_PERIOD = Duration.ofSeconds(5);
    private static final Pattern HOST_NAME = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** A seed given by name: every address the name resolves to, at one port. */
    public record Name(String host, int port) {

        /**
         * @param host the DNS name
         * @param port the UDP port of every node behind the name
         */
        public Name {
            Objects.requireNonNull(host, "host");
            if (!HOST_NAME.matcher(host).matches() || host.length() > 253) {
                throw new IllegalArgumentException("not a DNS name: '" + host + "'");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range 1..65535: " + port);
            }
        }

        /**
         * Parses {@code dns:<name>:<port>}.
         *
         * @param text the seed
         * @return the name and port
         * @throws IllegalArgumentException saying what is wrong, if it is malformed
         */
        public static Name parse(String text) {
            String t = text.trim();
            if (!t.toLowerCase(Locale.ROOT).startsWith(PREFIX)) {
                throw new IllegalArgumentException("expected dns:<name>:<port>, got '" + text + "'");
            }
            String rest = t.substring(PREFIX.length());
            int colon = rest.lastIndexOf(':');
            if (colon <= 0 || colon == rest.length() - 1) {
                throw new IllegalArgumentException("expected dns:<name>:<port>, got '" + text + "'");
            }
            int port;
            try {
                port = Integer.parseInt(rest.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in '" + text + "'");
            }
            return new Name(rest.substring(0, colon), port);
        }

        @Override
        public String toString() {
            return PREFIX + host + ":" + port;
        }
    }

    /** Looks a name up: {@link InetAddress#getAllByName} in production. */
    @FunctionalInterface
    public interface Resolver {
        /**
         * @param host a DNS name
         * @return every address of the name
         * @throws UnknownHostException if the name has none
         */
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** Seeds that never resolve anything: for a node with no {@code dns:} seed. */
    public static final DnsSeeds NONE = new DnsSeeds();

    private final List<Name> names;
    private final Resolver resolver;
    private final Function<List<InetSocketAddress>, CompletableFuture<Void>> join;
    private final BooleanSupplier hasPeers;
    private final InetSocketAddress self;
    private final long intervalMillis;
    private final ScheduledExecutorService thread;

    // touched by `thread` only
    private final Set<InetSocketAddress> joined = new HashSet<>();
    private final Set<InetSocketAddress> joining = new HashSet<>();
    private long lastResolvedNanos;
    private boolean resolvedOnce;

    private DnsSeeds() {
        this.names = List.of();
        this.resolver = InetAddress::getAllByName;
        this.join = a -> CompletableFuture.completedFuture(null);
        this.hasPeers = () -> true;
        this.self = null;
        this.intervalMillis = DEFAULT_INTERVAL.toMillis();
        this.thread = null;
    }

    private DnsSeeds(List<Name> names, Duration interval, Resolver resolver,
                     Function<List<InetSocketAddress>, CompletableFuture<Void>> join, BooleanSupplier hasPeers,
                     InetSocketAddress self) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive: " + interval);
        }
        this.names = List.copyOf(names);
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.join = Objects.requireNonNull(join, "join");
        this.hasPeers = Objects.requireNonNull(hasPeers, "hasPeers");
        this.self = self;
        this.intervalMillis = interval.toMillis();
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "kad-dns-seeds-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        this.thread = executor;
    }

    /**
     * Starts looking up the names for a node, in the background.
     *
     * @param node the node that joins the addresses found
     * @param names the names, none for {@link #NONE}
     * @param interval how often to look the names up again
     * @return the running seeds, to close before the node
     */
    public static DnsSeeds start(KadNode node, List<Name> names, Duration interval) {
        return start(node, names, interval, InetAddress::getAllByName);
    }

    /**
     * Starts looking up the names for a node with a given resolver.
     *
     * @param node the node that joins the addresses found
     * @param names the names, none for {@link #NONE}
     * @param interval how often to look the names up again
     * @param resolver how a name is looked up
     * @return the running seeds, to close before the node
     */
    public static DnsSeeds start(KadNode node, List<Name> names, Duration interval, Resolver resolver) {
        if (names.isEmpty()) {
            return NONE;
        }
        return start(names, interval, resolver, node::join, () -> !node.peers().isEmpty(), node.address());
    }

    /**
     * Starts looking up the names for any joiner (a test's fake, or a node seen through its methods).
     *
     * @param names the names
     * @param interval how often to look the names up again
     * @param resolver how a name is looked up
     * @param join joins a list of addresses; its future fails if none answered
     * @param hasPeers whether the node knows any peer now
     * @param self the node's own address, never joined; may be null
     * @return the running seeds
     */
    public static DnsSeeds start(List<Name> names, Duration interval, Resolver resolver,
                                 Function<List<InetSocketAddress>, CompletableFuture<Void>> join,
                                 BooleanSupplier hasPeers, InetSocketAddress self) {
        DnsSeeds seeds = new DnsSeeds(names, interval, resolver, join, hasPeers, self);
        long period = Math.max(1, Math.min(seeds.intervalMillis, MAX_CHECK_PERIOD.toMillis()));
        seeds.thread.scheduleWithFixedDelay(seeds::check, 0, period, TimeUnit.MILLISECONDS);
        LOG.info("seeds {}: looked up now and every {} ms", names, seeds.intervalMillis);
        return seeds;
    }

    /** @return the names looked up */
    public List<Name> names() {
        return names;
    }

    /** @return how often the node checks whether to look the names up again */
    public Duration checkPeriod() {
        return Duration.ofMillis(Math.min(intervalMillis, MAX_CHECK_PERIOD.toMillis()));
    }

    /**
     * Resolves every name once, now, on the caller's thread.
     *
     * @param names the names
     * @param resolver how a name is looked up
     * @return every address found, in order, without duplicates; a name that does not resolve adds none
     */
    public static List<InetSocketAddress> resolve(List<Name> names, Resolver resolver) {
        Set<InetSocketAddress> out = new LinkedHashSet<>();
        for (Name name : names) {
            try {
                for (InetAddress a : resolver.resolve(name.host())) {
                    out.add(new InetSocketAddress(a, name.port()));
                }
            } catch (UnknownHostException e) {
                LOG.debug("seed name {} does not resolve: {}", name, e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    private void check() {
        try {
            boolean lonely = !hasPeers.getAsBoolean();
            long now = System.nanoTime();
            boolean due = !resolvedOnce || now - lastResolvedNanos >= TimeUnit.MILLISECONDS.toNanos(intervalMillis);
            if (!due && !lonely) {
                return;
            }
            resolvedOnce = true;
            lastResolvedNanos = now;
            if (lonely) {
                joined.clear(); // whatever was joined is gone: join everything again
            }
            List<InetSocketAddress> found = resolve(names, resolver);
            if (found.isEmpty()) {
                LOG.debug("seeds {} resolve to no address yet", names);
            }
            for (InetSocketAddress address : found) {
                if (address.equals(self) || joined.contains(address) || joining.contains(address)) {
                    continue;
                }
                joining.add(address);
                LOG.debug("joining seed {} found by name", address);
                CompletableFuture<Void> attempt;
                try {
                    attempt = join.apply(List.of(address));
                } catch (RuntimeException e) {
                    attempt = CompletableFuture.failedFuture(e);
                }
                attempt.whenComplete((v, e) -> onJoined(address, e));
            }
        } catch (RuntimeException e) {
            // a periodic task that throws is never run again: log and keep the schedule alive
            LOG.warn("seeds {}: check failed", names, e);
        }
    }

    private void onJoined(InetSocketAddress address, Throwable failure) {
        try {
            thread.execute(() -> {
                joining.remove(address);
                if (failure == null) {
                    joined.add(address);
                    LOG.info("joined seed {} found by name", address);
                } else {
                    LOG.debug("seed {} found by name did not answer: {}", address, failure.getMessage());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closed meanwhile: nothing to record
        }
    }

    /** @return the addresses joined so far, a copy taken on the seeds' thread (empty once closed) */
    public Set<InetSocketAddress> joined() {
        if (thread == null || thread.isShutdown()) {
            return Set.of();
        }
        try {
            return thread.submit(() -> Set.copyOf(new ArrayList<>(joined))).get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                 | java.util.concurrent.RejectedExecutionException e) {
            return Set.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Set.of();
        }
    }

    /** Stops looking the names up; the node is left as it is. */
    @Override
    public void close() {
        if (thread != null) {
            thread.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "DnsSeeds" + names;
    }
}

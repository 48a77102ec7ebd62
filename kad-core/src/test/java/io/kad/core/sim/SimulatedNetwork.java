package io.kad.core.sim;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A single-threaded discrete-event simulation of a datagram network with a virtual clock, so that
 * thousands of nodes run in one JVM and a run replays exactly from its seed.
 *
 * <p>Contract:
 * <ul>
 *   <li>Nothing happens between run calls: events (datagram deliveries and scheduler tasks) run only
 *       inside {@link #runFor}, {@link #runUntil}, {@link #runUntilDone} and {@link #runUntilIdle},
 *       on the calling thread, one at a time, ordered by virtual due time and then by the order in
 *       which they were enqueued. There are no threads and no sleeps.</li>
 *   <li>All randomness (latency, loss, and {@link #newRandom()}) comes from one
 *       {@link SplittableRandom} seeded at construction, so the same seed and the same calls give
 *       the same deliveries at the same virtual times.</li>
 *   <li>A datagram is dropped, and counted by {@link DropCause}, when it is lost at random, crosses a
 *       partition (at send or at delivery time), is too large, is sent from a closed endpoint, or is
 *       addressed to an endpoint that does not exist, is closed by the time it arrives, or has not
 *       started. Otherwise it is delivered once, after a latency drawn at send time. Every send is
 *       counted: {@code sent == delivered + dropped + in flight}.</li>
 *   <li>An exception thrown by a receiver or a task propagates out of the run call; the simulation
 *       stays usable.</li>
 *   <li>A run call that runs more than {@link #maxEventsPerRun(long) maxEventsPerRun} events fails
 *       with an {@link AssertionError}, to catch livelocks (for example a task that re-executes itself
 *       without delay and so never lets the clock advance).</li>
 *   <li>Not thread-safe: create, configure and run it from one thread; run calls are not re-entrant.</li>
 * </ul>
 */
public final class SimulatedNetwork {

    /** The virtual clock's start: a fixed instant (2023-11-14T22:13:20Z), so runs replay exactly. */
    public static final long DEFAULT_START_MILLIS = 1_700_000_000_000L;

    /** The largest datagram a simulated transport sends or accepts, like a UDP payload on loopback. */
    public static final int MAX_DATAGRAM_BYTES = 65_000;

    /** The port every simulated endpoint listens on (kad.py's default); endpoints differ by IP. */
    public static final int SIMULATED_PORT = 8468;

    /** The default bound on events in one run call. */
    public static final long DEFAULT_MAX_EVENTS_PER_RUN = 20_000_000L;

    /** Why a datagram was not delivered. */
    public enum DropCause {
        /** Lost at random, with the configured loss probability. */
        LOSS,
        /** Sender and destination were on opposite sides of a partition. */
        PARTITION,
        /** The destination endpoint was closed (killed) at send or at arrival time. */
        DESTINATION_CLOSED,
        /** No endpoint was ever created with the destination address. */
        UNKNOWN_DESTINATION,
        /** The destination endpoint had not been started with a receiver when the datagram arrived. */
        NOT_STARTED,
        /** The sending endpoint was closed. */
        SENDER_CLOSED,
        /** The datagram was larger than {@link #MAX_DATAGRAM_BYTES}. */
        OVERSIZED
    }

    private final long seed;
    private final SplittableRandom random;
    private final PriorityQueue<SimEvent> queue =
            new PriorityQueue<>(Comparator.comparingLong(SimEvent::time).thenComparingLong(SimEvent::sequence));
    private final Map<InetSocketAddress, SimTransport> endpoints = new HashMap<>();
    private final List<Partition> partitions = new ArrayList<>();
    private final Map<DropCause, Long> dropped = new EnumMap<>(DropCause.class);

    private long now = DEFAULT_START_MILLIS;
    private long nextSequence;
    private int liveEvents;
    private int nextEndpointIndex = 1;

    private long minLatencyMillis = 1;
    private long maxLatencyMillis = 1;
    private double lossProbability;
    private long maxEventsPerRun = DEFAULT_MAX_EVENTS_PER_RUN;

    private long sent;
    private long delivered;
    private long eventsRun;

    private Thread runningThread;

    /**
     * Creates a network with a fixed latency of 1 ms, no loss and no partitions.
     *
     * @param seed the seed of all the network's randomness
     */
    public SimulatedNetwork(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        for (DropCause cause : DropCause.values()) {
            dropped.put(cause, 0L);
        }
    }

    // ---------------------------------------------------------------- configuration

    /** @return the seed this network was created with (print it when a test fails) */
    public long seed() {
        return seed;
    }

    /**
     * Sets a latency drawn uniformly for each datagram.
     *
     * @param minMillis the smallest latency, at least 0
     * @param maxMillis the largest latency (inclusive), at least {@code minMillis}
     * @return this network
     */
    public SimulatedNetwork latency(long minMillis, long maxMillis) {
        if (minMillis < 0 || maxMillis < minMillis) {
            throw new IllegalArgumentException(
                    "latency needs 0 <= min <= max, got min=" + minMillis + " max=" + maxMillis);
        }
        this.minLatencyMillis = minMillis;
        this.maxLatencyMillis = maxMillis;
        return this;
    }

    /**
     * Sets the same latency for every datagram.
     *
     * @param millis the latency, at least 0
     * @return this network
     */
    public SimulatedNetwork fixedLatency(long millis) {
        return latency(millis, millis);
    }

    /**
     * Sets the probability that a datagram is lost.
     *
     * @param probability between 0 (no loss) and 1 (every datagram lost)
     * @return this network
     */
    public SimulatedNetwork lossProbability(double probability) {
        if (!(probability >= 0.0 && probability <= 1.0)) {
            throw new IllegalArgumentException("loss probability must be in [0, 1], got " + probability);
        }
        this.lossProbability = probability;
        return this;
    }

    /**
     * Sets the bound on events run by one run call, beyond which the call fails as a livelock.
     *
     * @param max at least 1
     * @return this network
     */
    public SimulatedNetwork maxEventsPerRun(long max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxEventsPerRun must be at least 1, got " + max);
        }
        this.maxEventsPerRun = max;
        return this;
    }

    /**
     * Splits the network into two sides: datagrams from one side to the other, in either direction,
     * are dropped until {@link #heal()}. Several partitions may be in force at once.
     *
     * @param sideA addresses on one side
     * @param sideB addresses on the other side
     */
    public void partition(Set<InetSocketAddress> sideA, Set<InetSocketAddress> sideB) {
        partitions.add(new Partition(Set.copyOf(sideA), Set.copyOf(sideB)));
    }

    /** Removes every partition; datagrams sent from now on cross freely again. */
    public void heal() {
        partitions.clear();
    }

    /**
     * Crashes the node at an address: closes its endpoint and every scheduler bound to it with
     * {@link #schedulerFor(SimTransport)}, so its pending tasks never run and datagrams to it, including
     * those already in flight, are dropped.
     *
     * @param address the endpoint's address
     * @throws IllegalArgumentException if no endpoint has that address
     */
    public void kill(InetSocketAddress address) {
        SimTransport endpoint = endpoints.get(address);
        if (endpoint == null) {
            throw new IllegalArgumentException("no simulated endpoint at " + address);
        }
        endpoint.kill();
    }

    /**
     * @param address an address
     * @return whether an endpoint with that address exists and is not closed
     */
    public boolean isOpen(InetSocketAddress address) {
        SimTransport endpoint = endpoints.get(address);
        return endpoint != null && !endpoint.isClosed();
    }

    // ---------------------------------------------------------------- endpoints and schedulers

    /**
     * Creates an endpoint with a new address {@code 10.a.b.c:}{@value #SIMULATED_PORT}, unique in this
     * network and built without DNS.
     *
     * @return the endpoint, not yet started
     */
    public SimTransport newTransport() {
        int index = nextEndpointIndex++;
        if (index > 0x00FF_FFFE) {
            throw new IllegalStateException("out of simulated addresses");
        }
        byte[] ip = {10, (byte) (index >>> 16), (byte) (index >>> 8), (byte) index};
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(InetAddress.getByAddress(ip), SIMULATED_PORT);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4-byte address is always valid", e);
        }
        SimTransport endpoint = new SimTransport(this, address);
        endpoints.put(address, endpoint);
        return endpoint;
    }

    /**
     * Creates a scheduler on this network's clock and event loop, not bound to any endpoint.
     *
     * @return the scheduler
     */
    public SimScheduler newScheduler() {
        return new SimScheduler(this);
    }

    /**
     * Creates a scheduler for the node that owns an endpoint: {@link #kill} on the endpoint's address
     * closes the scheduler too.
     *
     * @param endpoint an endpoint of this network
     * @return the scheduler
     */
    public SimScheduler schedulerFor(SimTransport endpoint) {
        if (endpoint.network() != this) {
            throw new IllegalArgumentException("endpoint belongs to another network");
        }
        SimScheduler scheduler = new SimScheduler(this);
        endpoint.bind(scheduler);
        return scheduler;
    }

    /**
     * Returns a random generator split from the network's, for a test scenario's own choices, so that
     * they too replay from the seed.
     *
     * @return a new generator
     */
    public SplittableRandom newRandom() {
        return random.split();
    }

    // ---------------------------------------------------------------- running

    /** @return the virtual time in epoch milliseconds */
    public long now() {
        return now;
    }

    /** @return the number of events waiting to run (deliveries in flight and tasks not cancelled) */
    public int pendingEvents() {
        return liveEvents;
    }

    /** @return the number of events run since this network was created */
    public long eventsRun() {
        return eventsRun;
    }

    /**
     * Runs every event due within the next {@code virtualMillis}, then sets the clock to the end of
     * that period.
     *
     * @param virtualMillis how far to advance the clock, at least 0
     */
    public void runFor(long virtualMillis) {
        requireNonNegative(virtualMillis);
        long deadline = saturatedAdd(now, virtualMillis);
        run(() -> false, deadline);
        now = Math.max(now, deadline);
    }

    /**
     * Runs events until a condition holds, checked before the first event and after each one.
     *
     * @param condition the condition
     * @param maxVirtualMillis how far the clock may advance
     * @return whether the condition became true; if not, the clock has advanced by {@code maxVirtualMillis}
     */
    public boolean runUntil(BooleanSupplier condition, long maxVirtualMillis) {
        requireNonNegative(maxVirtualMillis);
        long deadline = saturatedAdd(now, maxVirtualMillis);
        if (run(condition, deadline) == Outcome.CONDITION_MET) {
            return true;
        }
        now = Math.max(now, deadline);
        return false;
    }

    /**
     * Runs events until no event is pending.
     *
     * @param maxVirtualMillis how far the clock may advance
     * @return whether the queue emptied; if not (periodic tasks, for example), the clock has advanced
     *     by {@code maxVirtualMillis}
     */
    public boolean runUntilIdle(long maxVirtualMillis) {
        return runUntil(() -> liveEvents == 0, maxVirtualMillis);
    }

    /**
     * Runs events until a future completes and returns its value.
     *
     * @param future the future, completed by events of this network
     * @param maxVirtualMillis how far the clock may advance
     * @param <T> the value's type
     * @return the future's value
     * @throws AssertionError if the future is not complete after {@code maxVirtualMillis} of virtual
     *     time, or when no event is left to complete it
     * @throws java.util.concurrent.CompletionException if the future completed exceptionally (its
     *     cause is the future's exception), as {@link CompletableFuture#join()}
     */
    public <T> T runUntilDone(CompletableFuture<T> future, long maxVirtualMillis) {
        requireNonNegative(maxVirtualMillis);
        long start = now;
        long deadline = saturatedAdd(now, maxVirtualMillis);
        Outcome outcome = run(future::isDone, deadline);
        if (outcome == Outcome.QUEUE_DRAINED) {
            throw new AssertionError("future not complete and no event left to complete it: the queue"
                    + " drained after " + (now - start) + " of " + maxVirtualMillis + " virtual ms"
                    + " (virtual time " + now + ", seed " + seed + ")");
        }
        if (outcome == Outcome.DEADLINE_REACHED) {
            now = Math.max(now, deadline);
            throw new AssertionError("future not complete within " + maxVirtualMillis + " virtual ms"
                    + " (virtual time " + now + ", " + liveEvents + " events pending, seed " + seed + ")");
        }
        return future.join();
    }

    private enum Outcome { CONDITION_MET, DEADLINE_REACHED, QUEUE_DRAINED }

    private Outcome run(BooleanSupplier condition, long deadline) {
        Objects.requireNonNull(condition, "condition");
        if (runningThread != null) {
            throw new IllegalStateException("SimulatedNetwork run calls are not re-entrant: a run method"
                    + " was called from inside an event (or from another thread)");
        }
        runningThread = Thread.currentThread();
        long runStart = now;
        long events = 0;
        try {
            while (true) {
                if (condition.getAsBoolean()) {
                    return Outcome.CONDITION_MET;
                }
                SimEvent next = pollLive();
                if (next == null) {
                    return Outcome.QUEUE_DRAINED;
                }
                if (next.time() > deadline) {
                    queue.add(next);
                    return Outcome.DEADLINE_REACHED;
                }
                if (++events > maxEventsPerRun) {
                    queue.add(next);
                    throw new AssertionError("more than " + maxEventsPerRun + " events in one run call"
                            + " (virtual time " + runStart + " to " + now + ", seed " + seed + "): a livelock,"
                            + " such as a task rescheduling itself without delay? If the load is real,"
                            + " raise maxEventsPerRun(...)");
                }
                liveEvents--;
                next.markDone();
                now = next.time();
                eventsRun++;
                next.task().run();
            }
        } finally {
            runningThread = null;
        }
    }

    /** Removes and returns the next event not cancelled, or null. The event still counts as live. */
    private SimEvent pollLive() {
        while (true) {
            SimEvent next = queue.poll();
            if (next == null || !next.isDone()) {
                return next;
            }
        }
    }

    /** @return whether the current thread is running this network's events */
    boolean inEventLoop() {
        return runningThread == Thread.currentThread();
    }

    SimEvent enqueue(long delayMillis, Runnable task, SimScheduler owner) {
        SimEvent event = new SimEvent(saturatedAdd(now, Math.max(0, delayMillis)), nextSequence++, task, owner);
        queue.add(event);
        liveEvents++;
        return event;
    }

    /**
     * Cancels an event. The queue drops cancelled events lazily, and compacts itself when they
     * outnumber the live ones, because nodes cancel most RPC timeouts long before they fall due.
     */
    void cancel(SimEvent event) {
        if (event.markDone()) {
            liveEvents--;
            if (queue.size() > 1_024 && queue.size() > 2 * liveEvents) {
                queue.removeIf(SimEvent::isDone);
            }
        }
    }

    // ---------------------------------------------------------------- datagrams

    void send(SimTransport from, InetSocketAddress to, byte[] data) {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(data, "data");
        sent++;
        if (from.isClosed()) {
            drop(DropCause.SENDER_CLOSED);
            return;
        }
        if (data.length > MAX_DATAGRAM_BYTES) {
            drop(DropCause.OVERSIZED);
            return;
        }
        SimTransport destination = endpoints.get(to);
        if (destination == null) {
            drop(DropCause.UNKNOWN_DESTINATION);
            return;
        }
        if (destination.isClosed()) {
            drop(DropCause.DESTINATION_CLOSED);
            return;
        }
        InetSocketAddress source = from.localAddress();
        if (partitioned(source, to)) {
            drop(DropCause.PARTITION);
            return;
        }
        if (lossProbability > 0 && random.nextDouble() < lossProbability) {
            drop(DropCause.LOSS);
            return;
        }
        long latency = minLatencyMillis == maxLatencyMillis
                ? minLatencyMillis
                : random.nextLong(minLatencyMillis, maxLatencyMillis + 1);
        byte[] copy = data.clone();
        enqueue(latency, () -> arrive(source, destination, copy), null);
    }

    private void arrive(InetSocketAddress source, SimTransport destination, byte[] data) {
        if (destination.isClosed()) {
            drop(DropCause.DESTINATION_CLOSED);
        } else if (partitioned(source, destination.localAddress())) {
            drop(DropCause.PARTITION);
        } else if (!destination.isStarted()) {
            drop(DropCause.NOT_STARTED);
        } else {
            delivered++;
            destination.deliver(source, data);
        }
    }

    private boolean partitioned(InetSocketAddress a, InetSocketAddress b) {
        for (Partition p : partitions) {
            if (p.separates(a, b)) {
                return true;
            }
        }
        return false;
    }

    private void drop(DropCause cause) {
        dropped.merge(cause, 1L, Long::sum);
    }

    // ---------------------------------------------------------------- counters

    /** @return datagrams handed to {@link SimTransport#send} on any endpoint */
    public long datagramsSent() {
        return sent;
    }

    /** @return datagrams handed to a receiver */
    public long datagramsDelivered() {
        return delivered;
    }

    /** @return datagrams dropped, whatever the cause */
    public long datagramsDropped() {
        long total = 0;
        for (long n : dropped.values()) {
            total += n;
        }
        return total;
    }

    /**
     * @param cause a cause
     * @return datagrams dropped for that cause
     */
    public long datagramsDropped(DropCause cause) {
        return dropped.get(cause);
    }

    /** @return datagrams sent but neither delivered nor dropped yet */
    public long datagramsInFlight() {
        return sent - delivered - datagramsDropped();
    }

    @Override
    public String toString() {
        return "SimulatedNetwork[seed=" + seed + ", now=" + now + ", pending=" + liveEvents
                + ", sent=" + sent + ", delivered=" + delivered + ", dropped=" + dropped + "]";
    }

    private static void requireNonNegative(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("virtual millis must be at least 0, got " + millis);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    /** Two sides of a partition; datagrams between them are dropped. */
    private record Partition(Set<InetSocketAddress> sideA, Set<InetSocketAddress> sideB) {
        boolean separates(InetSocketAddress x, InetSocketAddress y) {
            return (sideA.contains(x) && sideB.contains(y)) || (sideB.contains(x) && sideA.contains(y));
        }
    }
}

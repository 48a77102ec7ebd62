package io.kad.core.sim;

import io.kad.core.transport.Scheduler;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * A {@link Scheduler} whose clock is a {@link SimulatedNetwork}'s virtual clock and whose tasks run on
 * that network's event loop.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #nowMillis()} is {@link SimulatedNetwork#now()}.</li>
 *   <li>{@link #execute} runs the task at the current virtual time, after the events already due then;
 *       {@link #schedule} runs it {@code delayMillis} later (a negative delay counts as 0). Tasks due at
 *       the same time run in submission order.</li>
 *   <li>{@link #inProtocolThread()} is true while the network is running an event on the calling
 *       thread. All simulated nodes share that one loop, so it is true inside any node's event.</li>
 *   <li>{@link #close()} cancels every pending task of this scheduler; tasks submitted after it are
 *       ignored.</li>
 * </ul>
 */
public final class SimScheduler implements Scheduler {

    private final SimulatedNetwork network;
    private final Set<SimEvent> pending = new LinkedHashSet<>();
    private boolean closed;

    SimScheduler(SimulatedNetwork network) {
        this.network = network;
    }

    @Override
    public long nowMillis() {
        return network.now();
    }

    @Override
    public void execute(Runnable task) {
        schedule(task, 0);
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMillis) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            return () -> { };
        }
        SimEvent event = network.enqueue(delayMillis, task, this);
        pending.add(event);
        return () -> network.cancel(event);
    }

    /**
     * Runs the network until the future completes or {@code timeoutMillis} of virtual time passed.
     *
     * @throws IllegalStateException if called from inside a simulated event (the run is not re-entrant)
     */
    @Override
    public <T> T await(CompletableFuture<T> future, long timeoutMillis)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (!future.isDone()) {
            if (network.inEventLoop()) {
                throw new IllegalStateException("a blocking call inside a simulated event would never return");
            }
            if (!network.runUntil(future::isDone, timeoutMillis)) {
                throw new TimeoutException("not done within " + timeoutMillis + " ms of virtual time");
            }
        }
        return future.get();
    }

    @Override
    public boolean inProtocolThread() {
        return network.inEventLoop();
    }

    /** @return the number of this scheduler's tasks waiting to run */
    public int pendingTasks() {
        return pending.size();
    }

    /** @return whether {@link #close()} has been called */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (SimEvent event : new ArrayList<>(pending)) {
            network.cancel(event);
        }
        pending.clear();
    }

    /** Called by an event of this scheduler when it runs or is cancelled. */
    void forget(SimEvent event) {
        pending.remove(event);
    }
}

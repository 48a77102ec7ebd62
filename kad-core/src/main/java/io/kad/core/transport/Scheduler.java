package io.kad.core.transport;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The time and the thread a node's protocol logic runs on. In production, one named daemon thread per
 * node and the system clock; in a simulation, the simulation's event loop and its virtual clock, so a
 * run replays exactly from its seed.
 *
 * <p>Contract: tasks given to {@link #execute} and {@link #schedule} run one at a time, in order of
 * submission (or of due time), never concurrently with each other.
 */
public interface Scheduler extends AutoCloseable {

    /** A scheduled task that can be cancelled. */
    interface Cancellable {
        /** Cancels the task if it has not run yet. */
        void cancel();
    }

    /** @return the current time in epoch milliseconds (virtual in a simulation) */
    long nowMillis();

    /**
     * Runs a task on the protocol thread, soon.
     *
     * @param task the task
     */
    void execute(Runnable task);

    /**
     * Runs a task on the protocol thread after a delay.
     *
     * @param task the task
     * @param delayMillis the delay in milliseconds
     * @return a handle to cancel it
     */
    Cancellable schedule(Runnable task, long delayMillis);

    /**
     * Waits for a future at the edge of the library, where a blocking API meets the asynchronous
     * protocol: the one blocking call of kad-core. In production it waits on the calling thread; a
     * simulation runs its network until the future completes, so blocking APIs work in virtual time.
     *
     * @param future the future
     * @param timeoutMillis how long to wait at most
     * @param <T> the result type
     * @return the result
     * @throws InterruptedException if the waiting thread is interrupted
     * @throws ExecutionException if the future failed
     * @throws TimeoutException if it did not complete in time
     */
    default <T> T await(CompletableFuture<T> future, long timeoutMillis)
            throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Runs CPU-heavy work that touches no protocol state (parsing a large message) where it does not hold
     * up the protocol thread, then its continuation on the protocol thread. By default, and in a
     * simulation, both run at once on the calling thread, so a simulated run stays deterministic.
     *
     * @param work the work; it must not throw
     * @param then what to do with its result, on the protocol thread (given {@code null} if the work
     *     failed)
     * @param <T> the result type
     */
    default <T> void offload(java.util.function.Supplier<T> work, java.util.function.Consumer<T> then) {
        then.accept(work.get());
    }

    /** @return whether the caller is on the protocol thread */
    boolean inProtocolThread();

    /** Stops the protocol thread (if this scheduler owns one); pending tasks are dropped. */
    @Override
    void close();
}

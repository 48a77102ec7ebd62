package io.kad.jcache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.function.IntToLongFunction;

/**
 * Starts the record requests of a bulk operation with a bounded number in flight, so that a
 * {@code putAll} of thousands of entries overlaps its round trips without flooding the swarm.
 *
 * <p>Contract:
 * <ul>
 *   <li>requests start in index order, from the calling thread; request {@code i} starts once request
 *       {@code i - max} has completed (or its wait ran out), so at most {@code max} wait on the swarm;</li>
 *   <li>with a byte budget, request {@code i} also waits (oldest first) until the weights of the requests
 *       still in flight and its own fit the budget: a {@code putAll} of large values keeps no more bytes
 *       under way than the node's transfers take at once (more would be refused and wait out an RPC
 *       timeout); a request heavier than the budget starts alone;</li>
 *   <li>a failed or slow request does not stop the others: the caller finds each outcome in the returned
 *       futures and reports them in order;</li>
 *   <li>no user code runs here: callers decide on the calling thread, before or after.</li>
 * </ul>
 */
final class InFlight {

    /** The most record requests one bulk operation has waiting on the swarm at once. */
    static final int MAX_IN_FLIGHT = 64;

    private InFlight() {
    }

    /**
     * @param count how many requests
     * @param request starts request {@code i}
     * @param wait how long to wait for the oldest request before starting another anyway
     * @param <T> the outcome type
     * @return the futures, by index
     */
    static <T> List<CompletableFuture<T>> start(int count, IntFunction<CompletableFuture<T>> request, Duration wait) {
        return start(count, request, wait, MAX_IN_FLIGHT);
    }

    /**
     * @param count how many requests
     * @param request starts request {@code i}
     * @param wait how long to wait for the oldest request before starting another anyway
     * @param max the most requests in flight
     * @param <T> the outcome type
     * @return the futures, by index
     */
    static <T> List<CompletableFuture<T>> start(int count, IntFunction<CompletableFuture<T>> request, Duration wait,
                                                int max) {
        return start(count, request, i -> 0, Long.MAX_VALUE, wait, max);
    }

    /**
     * @param count how many requests
     * @param request starts request {@code i}
     * @param weight the bytes request {@code i} puts under way
     * @param budget the most bytes under way at once
     * @param wait how long to wait for the oldest request before starting another anyway
     * @param <T> the outcome type
     * @return the futures, by index
     */
    static <T> List<CompletableFuture<T>> start(int count, IntFunction<CompletableFuture<T>> request,
                                                IntToLongFunction weight, long budget, Duration wait) {
        return start(count, request, weight, budget, wait, MAX_IN_FLIGHT);
    }

    /** As above, with at most {@code max} requests in flight. */
    static <T> List<CompletableFuture<T>> start(int count, IntFunction<CompletableFuture<T>> request,
                                                IntToLongFunction weight, long budget, Duration wait, int max) {
        List<CompletableFuture<T>> futures = new ArrayList<>(count);
        long[] weights = new long[count];
        int oldest = 0; // the first request not yet awaited: [oldest, i) may be in flight
        long underWay = 0;
        for (int i = 0; i < count; i++) {
            weights[i] = weight.applyAsLong(i);
            while (i - oldest >= max || (i > oldest && underWay + weights[i] > budget)) {
                awaitQuietly(futures.get(oldest), wait);
                underWay -= weights[oldest];
                oldest++;
            }
            underWay += weights[i];
            CompletableFuture<T> f;
            try {
                f = request.apply(i);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            futures.add(f);
        }
        return futures;
    }

    private static void awaitQuietly(CompletableFuture<?> future, Duration wait) {
        try {
            future.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // reported by the caller when it reads this outcome
        }
    }
}

package io.kad.core.record;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The record protocol as a caller sees it: read a record with its version, write conditionally, list
 * a namespace's keys, follow its changes. Each call goes to the key's owner (the closest live node),
 * dispatched in-process when the owner is this node.
 *
 * <p>Contract:
 * <ul>
 *   <li>every future completes, normally or with a {@link RecordException} naming the key's owner,
 *       within {@link #operationTimeout()};</li>
 *   <li>writes to one key are ordered by its owner; {@link WriteCommand#expectedVersion()} makes
 *       compound operations atomic per key across the swarm;</li>
 *   <li>keys and values are opaque bytes: this interface never deserializes them.</li>
 * </ul>
 */
public interface RecordClient {

    /**
     * Reads the record of a key from its owner.
     *
     * @param namespace the namespace (a cache)
     * @param key the key bytes
     * @return the live record and any record the read found expired
     */
    CompletableFuture<ReadResult> read(String namespace, byte[] key);

    /**
     * Applies a conditional write at the key's owner, which copies the result to the replicas.
     *
     * @param namespace the namespace (a cache)
     * @param key the key bytes
     * @param command what to write, and on what condition
     * @return the outcome, with the record before and after
     */
    CompletableFuture<WriteResult> write(String namespace, byte[] key, WriteCommand command);

    /**
     * Lists the keys of a namespace that hold a live record anywhere in the swarm, each once.
     *
     * @param namespace the namespace
     * @return the keys, in no particular order
     */
    CompletableFuture<List<byte[]>> keys(String namespace);

    /**
     * Follows the changes of a namespace made by requests from other nodes (changes this node's own
     * requests made are known to the caller already and are not repeated). The subscription goes to
     * every member of the swarm this node knows, and to members it learns of later; a write sends an
     * event only to the nodes subscribed to its namespace.
     *
     * @param namespace the namespace
     * @param listener receives each event, on a thread of the node; must not block
     * @return completes with a handle whose {@code close()} stops the events, once the members have
     *     confirmed the subscription (or did not within their request timeouts), so that changes made
     *     after it completes are reported
     */
    CompletableFuture<AutoCloseable> subscribe(String namespace, Consumer<RecordEvent> listener);

    /**
     * Waits for one of this client's futures, where a blocking API meets it: on the calling thread in
     * production, by running the network in a simulation (so blocking callers work in virtual time).
     *
     * @param future the future
     * @param timeoutMillis how long to wait at most
     * @param <T> the result type
     * @return the result
     * @throws InterruptedException if the waiting thread is interrupted
     * @throws ExecutionException if the future failed
     * @throws TimeoutException if it did not complete in time
     */
    <T> T await(CompletableFuture<T> future, long timeoutMillis)
            throws InterruptedException, ExecutionException, TimeoutException;

    /** @return the current time in epoch milliseconds, on the clock record expiry uses */
    long nowMillis();

    /** @return how long one operation may take before it fails */
    Duration operationTimeout();
}

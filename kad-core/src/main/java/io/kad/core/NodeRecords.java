package io.kad.core;

import io.kad.core.id.RecordId;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordClient;
import io.kad.core.record.RecordEngine;
import io.kad.core.record.RecordEvent;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.spi.KeyHashFunction;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The node's {@link RecordClient}: on a node that knows no other member, and so owns every record, a read
 * is answered on the calling thread from the local tier by the fixed-width {@link RecordId}, hashed once,
 * with no {@code BigInteger} and no call state; every other operation goes to {@link RecordCaller}.
 *
 * <p>Contract:
 * <ul>
 *   <li>a read answered here is the one {@link RecordCaller#read} gives: the node owns the key as far as it
 *       knows ({@link Ownership#knowsNoMember}), the owner-side rule is the same
 *       ({@link RecordEngine#readUnlessExpired} is {@code RecordEngine.read} for every record but an expired
 *       one), and the outcome is returned only if every write the tier had returned from is durable by then;</li>
 *   <li>everything else goes to the caller unchanged: a node that knows other members (the view's
 *       ownership test takes a {@code BigInteger}, which the caller computes once), a record found expired
 *       (the caller's read turns it into a tombstone and publishes its event), a tier with a commit pending,
 *       a closed node;</li>
 *   <li>its one piece of state is a latch set when the node first knows a member, after which every read
 *       goes to the caller; safe from any thread.</li>
 * </ul>
 */
final class NodeRecords implements RecordClient {

    private final RecordCaller caller;
    private final KeyHashFunction hash;
    private final RecordEngine engine;
    private final RpcEndpoint endpoint;
    private final Ownership ownership;
    /**
     * Set once the node has known a member: from then on every read goes to the caller, without the test
     * of the view (which allocates once the view has members: a few hundred bytes per read of a swarm).
     * A one-way switch, the only state here: a thread that has not seen it set yet tests the view once
     * more, and a node that is alone again keeps sending its reads the caller's way, both correct.
     */
    private volatile boolean joinedSwarm;

    NodeRecords(RecordCaller caller, KeyHashFunction hash, RecordEngine engine, RpcEndpoint endpoint,
                Ownership ownership) {
        this.caller = caller;
        this.hash = hash;
        this.engine = engine;
        this.endpoint = endpoint;
        this.ownership = ownership;
    }

    @Override
    public CompletableFuture<ReadResult> read(String namespace, byte[] key) {
        if (!joinedSwarm && !endpoint.closed() && alone()) {
            ReadResult r = engine.readUnlessExpired(RecordIds.idOf(hash, namespace, key));
            // checked after the read, as the caller does: a write the read saw must be durable first
            if (r != null && engine.tier().allWritesDurable()) {
                return CompletableFuture.completedFuture(r);
            }
        }
        return caller.read(namespace, key);
    }

    /** Whether the node knows no member now; the first time it knows one, latches {@link #joinedSwarm}. */
    private boolean alone() {
        if (ownership.knowsNoMember()) {
            return true;
        }
        joinedSwarm = true;
        return false;
    }

    @Override
    public CompletableFuture<WriteResult> write(String namespace, byte[] key, WriteCommand command) {
        return caller.write(namespace, key, command);
    }

    @Override
    public CompletableFuture<List<byte[]>> keys(String namespace) {
        return caller.keys(namespace);
    }

    @Override
    public CompletableFuture<AutoCloseable> subscribe(String namespace, Consumer<RecordEvent> listener) {
        return caller.subscribe(namespace, listener);
    }

    @Override
    public <T> T await(CompletableFuture<T> future, long timeoutMillis)
            throws InterruptedException, ExecutionException, TimeoutException {
        return caller.await(future, timeoutMillis);
    }

    @Override
    public long nowMillis() {
        return caller.nowMillis();
    }

    @Override
    public Duration operationTimeout() {
        return caller.operationTimeout();
    }
}

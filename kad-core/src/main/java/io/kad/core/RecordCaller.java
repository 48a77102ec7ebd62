package io.kad.core;

import io.kad.core.id.Contact;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordClient;
import io.kad.core.record.RecordEngine;
import io.kad.core.record.RecordEvent;
import io.kad.core.record.RecordException;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.core.routing.Membership;
import io.kad.core.wire.Message;
import io.kad.core.wire.MessageCodec;
import io.kad.spi.KeyHashFunction;
import io.kad.spi.StorageTier;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The caller side of the record protocol, and the node's {@link RecordClient}: takes each record
 * operation to the key's owner (in-process when that is this node), follows redirects, retries with the
 * same {@code rpc_id}, and fails over to the next holder when the owner does not answer. Holds no state
 * between operations; each operation's state (its {@code RecordCall}) is touched by one thread at a time:
 * the caller's thread until its first request, then the protocol thread that completes the requests.
 */
final class RecordCaller implements RecordClient {

    /**
     * How many times a write goes to the node taken for the owner (same {@code rpc_id}, so the owner
     * answers a retry with the first outcome) before the caller turns to the next holder: a lost reply
     * must not move a write elsewhere.
     */
    private static final int WRITE_ATTEMPTS = 3;
    /**
     * How many times a request that names unreachable nodes is sent (same {@code rpc_id}): the receiver
     * checks those nodes first (one request timeout), so the requester waits that out before it gives up.
     */
    private static final int FAILOVER_ATTEMPTS = 3;
    /** How many redirects an operation follows before it fails: a stale view costs one or two. */
    private static final int MAX_REDIRECTS = 8;

    private final NodeContext node;
    private final KeyHashFunction hash;
    private final RecordEngine engine;
    private final RpcEndpoint endpoint;
    private final RecordServer server;
    private final Ownership ownership;
    private final Membership membership;
    private final EventHub events;
    /** Learns the record nodes a redirect or a scan page names. */
    private final Consumer<List<Contact>> learn;
    /** Told when an operation met a stale view (a redirect). */
    private final Runnable onStaleView;

    RecordCaller(NodeContext node, KeyHashFunction hash, RecordEngine engine, RpcEndpoint endpoint,
                 RecordServer server, Ownership ownership, Membership membership, EventHub events,
                 Consumer<List<Contact>> learn, Runnable onStaleView) {
        this.node = node;
        this.hash = hash;
        this.engine = engine;
        this.endpoint = endpoint;
        this.server = server;
        this.ownership = ownership;
        this.membership = membership;
        this.events = events;
        this.learn = learn;
        this.onStaleView = onStaleView;
    }

    // ------------------------------------------------------------------ RecordClient

    @Override
    public CompletableFuture<ReadResult> read(String namespace, byte[] key) {
        if (endpoint.closed()) {
            return CompletableFuture.failedFuture(new IllegalStateException("node " + node.id().shortHex() + " closed"));
        }
        BigInteger recordId = RecordIds.of(hash, namespace, key);
        if (ownership.ownsAsFarAsKnown(recordId)) {
            // alone, or the owner in its own view: the owner-side read, with no call state, request id or
            // future chain (the check is the one a remote read of this node makes before serving it)
            return afterDurable(server.localRead(recordId, namespace, key));
        }
        RecordCall call = new RecordCall(recordId, namespace, key, null);
        return readVia(call, call.nextHolder());
    }

    @Override
    public CompletableFuture<WriteResult> write(String namespace, byte[] key, WriteCommand command) {
        if (endpoint.closed()) {
            return CompletableFuture.failedFuture(new IllegalStateException("node " + node.id().shortHex() + " closed"));
        }
        RecordException tooLarge = tooLarge(key, command);
        if (tooLarge != null) {
            return CompletableFuture.failedFuture(tooLarge);
        }
        BigInteger recordId = RecordIds.of(hash, namespace, key);
        if (ownership.ownsAsFarAsKnown(recordId)) {
            // the owner in its own view decides at once, as it would for a first attempt that reached it
            return server.ownerWrite(recordId, namespace, key, command, node.id().value(), null)
                    .thenCompose(w -> afterDurable(w.result()));
        }
        return writeToOwner(recordId, namespace, key, command);
    }

    @Override
    public CompletableFuture<List<byte[]>> keys(String namespace) {
        if (endpoint.closed()) {
            return CompletableFuture.failedFuture(new IllegalStateException("node " + node.id().shortHex() + " closed"));
        }
        return SwarmScan.run(node, hash, engine, endpoint, membership, learn, namespace);
    }

    @Override
    public CompletableFuture<AutoCloseable> subscribe(String namespace, Consumer<RecordEvent> listener) {
        return events.subscribe(namespace, listener);
    }

    @Override
    public long nowMillis() {
        return node.scheduler().nowMillis();
    }

    @Override
    public <T> T await(CompletableFuture<T> future, long timeoutMillis)
            throws InterruptedException, ExecutionException, TimeoutException {
        return node.scheduler().await(future, timeoutMillis);
    }

    @Override
    public Duration operationTimeout() {
        return node.config().operationTimeout();
    }

    // ------------------------------------------------------------------ to the owner

    /** Writes a record through its owner, whatever the size of the swarm. */
    CompletableFuture<WriteResult> writeToOwner(BigInteger recordId, String namespace, byte[] key,
                                                WriteCommand command) {
        RecordException tooLarge = tooLarge(key, command);
        if (tooLarge != null) {
            return CompletableFuture.failedFuture(tooLarge);
        }
        RecordCall call = new RecordCall(recordId, namespace, key, command);
        return writeVia(call, call.nextHolder());
    }

    /**
     * The outcome of a record operation this node served itself, once the writes before it are durable
     * in its tier: a write is acknowledged, and a value shown, only when a crash can no longer take it
     * back. At once with a tier that has nothing awaiting a commit (always, for an in-memory tier).
     */
    private <T> CompletableFuture<T> afterDurable(T outcome) {
        StorageTier tier = engine.tier();
        if (tier.allWritesDurable()) {
            return CompletableFuture.completedFuture(outcome);
        }
        CompletableFuture<T> durable = new CompletableFuture<>();
        // completed on the protocol thread, where the operation's continuations belong, not the tier's
        tier.whenDurable(() -> node.scheduler().execute(() -> durable.complete(outcome)));
        return durable;
    }

    /** A write whose key or value is over its bound fails before anything is sent or written. */
    private RecordException tooLarge(byte[] key, WriteCommand command) {
        int limit = node.config().maxValueBytes();
        if (command.value().length > limit) {
            return new RecordException("value too large: " + command.value().length
                    + " bytes, kad.max-value-bytes is " + limit);
        }
        if (key.length > NodeConfig.MAX_KEY_BYTES) {
            return new RecordException("key too large: " + key.length + " bytes, at most "
                    + NodeConfig.MAX_KEY_BYTES);
        }
        return null;
    }

    /**
     * One record operation on its way to the key's owner: the state its retries, redirects and
     * fail-overs share. The {@code rpc} stays the same for every attempt at every node, so whichever node
     * decides the write recognises a repeat.
     */
    private final class RecordCall {
        final BigInteger recordId;
        final String namespace;
        final byte[] key;
        final WriteCommand command;
        final long deadline;
        final BigInteger rpc;
        /** Nodes nearer the record that did not answer this operation. */
        final List<Contact> unreachable = new ArrayList<>(2);
        int redirects;
        /** Whether a remote node may already have decided this write (its reply lost). */
        boolean sentAway;
        /** The nodes this call was sent to: going back to one is waiting for it, not a new redirect. */
        final java.util.Set<io.kad.core.id.NodeId> visited = new java.util.HashSet<>(4);

        RecordCall(BigInteger recordId, String namespace, byte[] key, WriteCommand command) {
            this.recordId = recordId;
            this.namespace = namespace;
            this.key = key;
            this.command = command;
            this.deadline = node.deadline();
            this.rpc = node.newRpcId();
        }

        List<BigInteger> unreachableIds() {
            List<BigInteger> ids = new ArrayList<>(unreachable.size());
            for (Contact c : unreachable) {
                ids.add(c.id().value());
            }
            return ids.size() > MessageCodec.MAX_UNREACHABLE ? ids.subList(0, MessageCodec.MAX_UNREACHABLE) : ids;
        }

        /** The nearest holder this call has not given up on: this node's view, minus the unreachable. */
        Contact nextHolder() {
            return ownership.nearestHolder(recordId, unreachable);
        }

        /** The next node to try among a redirect's nearer nodes, or the view's choice. */
        Contact afterRedirect(List<Contact> nearer) {
            for (Contact c : nearer) {
                if (c.id().equals(node.id())) {
                    return node.self();
                }
                if (c.speaksRecords() && !unreachable.contains(c)) {
                    return c;
                }
            }
            return nextHolder();
        }

        RecordException failure(String what) {
            String owner = unreachable.isEmpty() ? nextHolder().toString() : unreachable.get(0).toString();
            return new RecordException("record " + what + " in '" + namespace + "' failed: owner " + owner
                    + " and its replicas did not answer within " + node.config().operationTimeout().toMillis()
                    + " ms (" + redirects + " redirects; unreachable: " + unreachable + ")");
        }
    }

    private CompletableFuture<ReadResult> readVia(RecordCall call, Contact target) {
        BigInteger self = node.id().value();
        if (target.id().equals(node.id())) {
            return server.mayServeRead(call.recordId, call.namespace, call.key, self, call.rpc, call.unreachableIds())
                    .thenCompose(nearer -> {
                        if (nearer == null) {
                            return afterDurable(server.localRead(call.recordId, call.namespace, call.key));
                        }
                        if (nearer.isEmpty()) {
                            return CompletableFuture.failedFuture(call.failure("read"));
                        }
                        call.unreachable.removeAll(nearer);
                        return redirected(call, nearer, n -> readVia(call, n), "read");
                    });
        }
        if (node.scheduler().nowMillis() >= call.deadline) {
            return CompletableFuture.failedFuture(call.failure("read"));
        }
        call.visited.add(target.id());
        List<BigInteger> unreachable = call.unreachableIds();
        // the same rpc_id at every node: a holder checking the owner on this read's behalf knows a repeat
        return endpoint.requestRetrying(target, rpc -> new Message.GetRecord(self, node.peerInfo(), rpc,
                call.recordId, call.namespace, call.key, unreachable),
                unreachable.isEmpty() ? RpcEndpoint.RPC_ATTEMPTS : FAILOVER_ATTEMPTS, call.rpc)
                .handle((reply, e) -> {
                    if (e == null && reply instanceof Message.RecordReply rr) {
                        return CompletableFuture.completedFuture(new ReadResult(rr.record(), rr.expired()));
                    }
                    if (e == null && reply instanceof Message.Redirect r && !r.nearest().isEmpty()) {
                        learn.accept(r.nearest());
                        call.unreachable.removeAll(r.nearest());
                        return redirected(call, r.nearest(), n -> readVia(call, n), "read");
                    }
                    call.unreachable.add(target);
                    return readVia(call, call.nextHolder());
                }).thenCompose(Function.identity());
    }

    private <T> CompletableFuture<T> redirected(RecordCall call, List<Contact> nearer,
                                                Function<Contact, CompletableFuture<T>> next, String what) {
        Contact to = call.afterRedirect(nearer);
        if ((!call.visited.contains(to.id()) && ++call.redirects > MAX_REDIRECTS)
                || node.scheduler().nowMillis() >= call.deadline) {
            return CompletableFuture.failedFuture(call.failure(what));
        }
        node.stats().redirects.increment();
        onStaleView.run();
        return next.apply(to);
    }

    private CompletableFuture<WriteResult> writeVia(RecordCall call, Contact target) {
        BigInteger self = node.id().value();
        if (target.id().equals(node.id())) {
            CompletableFuture<RecordServer.Decision> local = call.sentAway || !call.unreachable.isEmpty()
                    // a remote node may have decided it already: go through the record of decided writes
                    ? server.decide(call.recordId, call.namespace, call.key, call.command, self, call.rpc,
                            call.unreachableIds())
                    : server.decideOwn(call.recordId, call.namespace, call.key, call.command);
            return local.thenCompose(d -> {
                if (d.write() != null) {
                    return afterDurable(d.write().result());
                }
                // the nodes named answered this node's own probe: worth another try
                call.unreachable.removeAll(d.redirect());
                return redirected(call, d.redirect(), n -> writeVia(call, n), "write");
            });
        }
        if (node.scheduler().nowMillis() >= call.deadline) {
            return CompletableFuture.failedFuture(call.failure("write"));
        }
        call.sentAway = true;
        call.visited.add(target.id());
        List<BigInteger> unreachable = call.unreachableIds();
        return endpoint.requestRetrying(target, rpc -> new Message.PutRecord(self, node.peerInfo(), rpc,
                call.recordId, call.namespace, call.key, call.command, unreachable),
                unreachable.isEmpty() ? WRITE_ATTEMPTS : FAILOVER_ATTEMPTS, call.rpc)
                .handle((reply, e) -> {
                    if (e == null && reply instanceof Message.PutReply pr) {
                        if (pr.keepCopy() && pr.result().current() != null) {
                            engine.acceptCopy(pr.result().current());
                        }
                        return CompletableFuture.completedFuture(pr.result());
                    }
                    if (e == null && reply instanceof Message.Redirect r && !r.nearest().isEmpty()) {
                        learn.accept(r.nearest());
                        // the nodes it names answered the receiver's own probe: worth another try
                        call.unreachable.removeAll(r.nearest());
                        return redirected(call, r.nearest(), n -> writeVia(call, n), "write");
                    }
                    call.unreachable.add(target);
                    return writeVia(call, call.nextHolder());
                }).thenCompose(Function.identity());
    }
}

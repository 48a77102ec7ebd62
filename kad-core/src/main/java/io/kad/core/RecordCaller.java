package io.kad.core;

import com.fasterxml.jackson.databind.JsonNode;
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
 * same {@code rpc_id}, and fails over to the next holder when the owner does not answer. A read makes one
 * request to the owner before it fails over (the holder asked in its place checks the owner itself, and
 * sends the read back if it answers), so a dead owner costs a read two request timeouts. A retried write
 * names its target among the unreachable, so whoever decides it first asks the other holders whether a
 * former owner decided it already; so does every request to a node another one found gone, lately, so
 * that it checks it was not taken over while it was cut off. An operation that ran out of holders starts
 * again from the owner a request timeout later, until its deadline. Holds no state
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
     * checks those nodes first (one request timeout), so each attempt waits two request timeouts.
     */
    private static final int FAILOVER_ATTEMPTS = 2;
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
        if (ownership.ownsAsFarAsKnown(recordId) && server.confirmedOwner(recordId)) {
            // the confirmed owner in its own view: the owner-side read, with no call state or request id
            // (the check is the one a remote read of this node makes before serving it)
            return durable(server.localRead(recordId, namespace, key));
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
        if (ownership.ownsAsFarAsKnown(recordId) && server.confirmedOwner(recordId)) {
            // the confirmed owner in its own view decides at once, as for a first attempt that reached it
            return server.ownerWrite(recordId, namespace, key, command, node.id().value(), null)
                    .handle((w, e) -> {
                        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                                ? e.getCause() : e;
                        if (cause instanceof RecordServer.NotOwner) {
                            // another node took the record over while this write waited: it goes there
                            return writeToOwner(recordId, namespace, key, command);
                        }
                        return e == null ? afterDurable(w.result())
                                : CompletableFuture.<WriteResult>failedFuture(cause);
                    }).thenCompose(Function.identity());
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
    private <T> CompletableFuture<T> durable(CompletableFuture<T> outcome) {
        return engine.tier().allWritesDurable() ? outcome : outcome.thenCompose(this::afterDurable);
    }

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
        /** Whether a request of this write went unanswered: a node may have decided it, unbeknown. */
        boolean unanswered;
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
                            return durable(server.localRead(call.recordId, call.namespace, call.key));
                        }
                        if (nearer.isEmpty()) {
                            return fromTheTop(call, "read", () -> readVia(call, call.nextHolder()));
                        }
                        call.unreachable.removeAll(nearer);
                        return redirected(call, nearer, n -> readVia(call, n), "read");
                    });
        }
        if (node.scheduler().nowMillis() >= call.deadline) {
            return CompletableFuture.failedFuture(call.failure("read"));
        }
        call.visited.add(target.id());
        boolean doubted = server.doubted(target, call.recordId);
        List<BigInteger> unreachable = doubted ? naming(target, call.unreachableIds()) : call.unreachableIds();
        // the same rpc_id at every node: a holder checking the owner on this read's behalf knows a repeat
        Function<JsonNode, Message.Request> build = rpc -> new Message.GetRecord(self, node.peerInfo(), rpc,
                call.recordId, call.namespace, call.key, unreachable);
        // one request to the node taken for the owner: if it times out, the next holder is asked, naming it,
        // and checks it itself before it serves (one more request timeout), so its answer is waited for
        // twice as long; a live owner sends the read back
        long rpcTimeout = node.config().rpcTimeout().toMillis();
        boolean failover = !call.unreachable.isEmpty();
        return endpoint.requestRetrying(target, target.address(), build, failover ? FAILOVER_ATTEMPTS : 1, call.rpc,
                failover ? 2 * rpcTimeout : rpcTimeout)
                .handle((reply, e) -> {
                    if (doubted && e == null && reply instanceof Message.RecordReply) {
                        server.answered(target, call.recordId);
                    }
                    return afterRead(call, target, reply, e);
                }).thenCompose(Function.identity());
    }

    /**
     * An operation that ran out of holders to ask (this node, last in line, may not answer it): it starts
     * again from the owner one request timeout later, as long as its deadline leaves time, so that a
     * short cut-off of this node or of the holders costs a wait, not the operation.
     */
    private <T> CompletableFuture<T> fromTheTop(RecordCall call, String what,
                                                java.util.function.Supplier<CompletableFuture<T>> again) {
        long wait = node.config().rpcTimeout().toMillis();
        if (node.scheduler().nowMillis() + wait >= call.deadline || endpoint.closed()) {
            return CompletableFuture.failedFuture(call.failure(what));
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        node.scheduler().schedule(() -> {
            call.unreachable.clear();
            again.get().whenComplete((r, e) -> {
                if (e != null) {
                    out.completeExceptionally(e);
                } else {
                    out.complete(r);
                }
            });
        }, wait);
        return out;
    }

    /** The unreachable nodes a request names, with its own target first. */
    private static List<BigInteger> naming(Contact target, List<BigInteger> unreachable) {
        List<BigInteger> ids = new ArrayList<>(unreachable.size() + 1);
        ids.add(target.id().value());
        for (BigInteger id : unreachable) {
            if (ids.size() < MessageCodec.MAX_UNREACHABLE && !id.equals(target.id().value())) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** A read's request answered or failed: the record, a redirect to follow, or on to the next holder. */
    private CompletableFuture<ReadResult> afterRead(RecordCall call, Contact target, Message.Reply reply, Throwable e) {
        if (e == null && reply instanceof Message.RecordReply rr) {
            return CompletableFuture.completedFuture(new ReadResult(rr.record(), rr.expired()));
        }
        if (e == null && reply instanceof Message.Redirect r && !r.nearest().isEmpty()) {
            learn.accept(r.nearest());
            call.unreachable.removeAll(r.nearest());
            return redirected(call, r.nearest(), n -> readVia(call, n), "read");
        }
        if (e == null && reply instanceof Message.Redirect) {
            // it answered, naming no one: it is the owner as far as it knows but could not confirm it with the
            // other holders yet (their answers lost). It is not unreachable, and a node asked in its place
            // would find it alive and send the read back: the read asks again, one request timeout later
            return fromTheTop(call, "read", () -> readVia(call, call.nextHolder()));
        }
        call.unreachable.add(target);
        return readVia(call, call.nextHolder());
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
                    // a remote node may have decided it already: go through the record of decided writes (and,
                    // if one of them did not answer, ask the other holders whether it did)
                    ? server.decide(call.recordId, call.namespace, call.key, call.command, self, call.rpc,
                            call.unanswered ? naming(node.self(), call.unreachableIds()) : call.unreachableIds())
                    : server.decideOwn(call.recordId, call.namespace, call.key, call.command);
            return local.thenCompose(d -> {
                if (d.write() != null) {
                    return afterDurable(d.write().result());
                }
                if (d.redirect().isEmpty()) {
                    // the owner in this node's view, unable to confirm it: the other holders did not answer
                    return fromTheTop(call, "write", () -> writeVia(call, call.nextHolder()));
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
        // a retry names its target among the unreachable (so does a request to a node another one found
        // gone, lately): a node that did not answer may have been cut off from the swarm, and checks with
        // the other holders that nobody took the record over meanwhile before it decides
        List<BigInteger> retried = naming(target, call.unreachableIds());
        // once a request of this write went unanswered, the write may have been decided there: every later
        // one names its target too, so whoever decides it asks the other holders first
        boolean doubted = server.doubted(target, call.recordId) || call.unanswered;
        List<BigInteger> unreachable = doubted ? retried : call.unreachableIds();
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        boolean failover = !call.unreachable.isEmpty();
        long rpcTimeout = node.config().rpcTimeout().toMillis();
        return endpoint.requestRetrying(target, target.address(), rpc -> new Message.PutRecord(self, node.peerInfo(),
                rpc, call.recordId, call.namespace, call.key, call.command,
                attempts.getAndIncrement() == 0 ? unreachable : retried),
                failover ? FAILOVER_ATTEMPTS : WRITE_ATTEMPTS, call.rpc, failover ? 2 * rpcTimeout : rpcTimeout)
                .handle((reply, e) -> {
                    if (e == null && reply instanceof Message.PutReply pr) {
                        if (doubted || attempts.get() > 1) {
                            server.answered(target, call.recordId);
                        }
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
                    call.unanswered = true;
                    call.unreachable.add(target);
                    return writeVia(call, call.nextHolder());
                }).thenCompose(Function.identity());
    }
}

package io.kad.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.record.RecordException;
import io.kad.core.transport.Scheduler;
import io.kad.core.transport.Transport;
import io.kad.core.wire.DatagramAuthenticator;
import io.kad.core.wire.InterceptedView;
import io.kad.core.wire.MalformedMessageException;
import io.kad.core.wire.Message;
import io.kad.core.wire.MessageCodec;
import io.kad.core.wire.MessageTooLargeException;
import io.kad.core.wire.TransferFrame;
import io.kad.spi.InterceptedMessage;
import io.kad.spi.RequestInterceptor;
import io.kad.spi.StorageTier;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.ObjLongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's RPC endpoint over its transport: checks the shared secret's tag, parses, runs the request
 * interceptors and decodes each datagram before handing it to the node's dispatch; encodes, intercepts
 * and signs what the node sends; and keeps the table of pending requests, matched with their replies,
 * retried and expired by one timeout sweep. Owns the pending table (thread-safe: requests may start on
 * a caller's thread, replies and the sweep come on the protocol thread) and the node's open / leaving /
 * closed state. A record-protocol message too large for one datagram travels as a fragmented transfer
 * ({@code FragmentedTransfers}) beneath the requests and replies: it is encoded, intercepted and sent,
 * and received, intercepted and dispatched, exactly as one datagram would be.
 */
final class RpcEndpoint {

    /** Logs under the node's name: these are the node's messages. */
    private static final Logger LOG = LoggerFactory.getLogger(KadNode.class);

    /** How many times a lookup or record request is sent before its peer counts as failed. */
    static final int RPC_ATTEMPTS = 2;
    /** The most messages of one peer waiting behind its large message being parsed. */
    private static final int MAX_HELD_BACK = 4096;

    private final NodeContext node;
    private final Transport transport;
    private final MessageCodec codec;
    private final DatagramAuthenticator authenticator;
    private final List<RequestInterceptor> interceptors;
    /** Told of each request that timed out, with the time: its contact is passed over for a while. */
    private final ObjLongConsumer<Contact> onTimeout;
    /** Checks the address of a reply sent as a transfer; {@code null} until the node sets it. */
    private volatile AddressVerifier largeReplies;
    /** The node's storage tier: a reply waits until the writes before it are durable. */
    private final StorageTier tier;
    private final Map<BigInteger, Pending> pending = new ConcurrentHashMap<>();
    /** When the next sweep of timed-out requests is due, or 0 if none is armed. */
    private final java.util.concurrent.atomic.AtomicLong sweepAt = new java.util.concurrent.atomic.AtomicLong();
    /** Messages larger than one datagram, on the protocol thread. */
    private final FragmentedTransfers transfers;
    /** The longest encoded message sent as one datagram (its tag included, it fits the transport). */
    private final int singleDatagramBytes;
    private volatile Dispatch dispatch = (from, m, bytes) -> { };
    /**
     * Peers whose large message is being parsed off the protocol thread, with what arrived from them
     * since (protocol thread only).
     */
    private final Map<InetSocketAddress, ArrayDeque<byte[]>> heldBack = new HashMap<>();
    private volatile boolean closed;
    private volatile boolean leaving;

    private record Pending(BigInteger rpc, Contact to, InetSocketAddress address, boolean ping,
                           CompletableFuture<Message.Reply> reply, long deadline) {
        Pending withDeadline(long newDeadline) {
            return new Pending(rpc, to, address, ping, reply, newDeadline);
        }
    }

    /**
     * With a shared secret: the node id last heard from each address, so that a tagged datagram names its
     * recipient and cannot be replayed to another node. Bounded; an address not in it gets an unnamed
     * recipient (first contacts).
     */
    private final com.github.benmanes.caffeine.cache.Cache<InetSocketAddress, BigInteger> recipients =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(RECIPIENTS)
                    .expireAfterAccess(java.time.Duration.ofHours(1))
                    // maintenance on the writing thread: on the common pool, the first datagram of each
                    // node new to this one woke a pool thread
                    .executor(Runnable::run).build();
    private static final int RECIPIENTS = 250_000;

    RpcEndpoint(NodeContext node, Transport transport, MessageCodec codec, DatagramAuthenticator authenticator,
                List<RequestInterceptor> interceptors, ObjLongConsumer<Contact> onTimeout, StorageTier tier) {
        this.node = node;
        this.tier = tier;
        this.transport = transport;
        this.codec = codec;
        this.authenticator = authenticator;
        this.interceptors = interceptors;
        this.onTimeout = onTimeout;
        this.singleDatagramBytes = Math.min(MessageCodec.RECORD_MAX_DATAGRAM, transport.maxDatagramBytes())
                - (authenticator == null ? 0 : DatagramAuthenticator.datagramTagBytes());
        this.transfers = new FragmentedTransfers(node, transport, authenticator, recipients::getIfPresent,
                codec.maxRecordMessageBytes(),
                (from, data) -> onMessage(from, data, dispatch));
    }

    /** Where a node's valid inbound messages go, on its protocol thread. */
    @FunctionalInterface
    interface Dispatch {
        /**
         * @param from the sender's address
         * @param message the message
         * @param bytes the size of the message as it arrived (one datagram, or a whole transfer)
         */
        void accept(InetSocketAddress from, Message message, int bytes);
    }

    /** Starts receiving: every valid datagram goes to {@code dispatch}, on the protocol thread. */
    void start(Dispatch dispatch) {
        this.dispatch = dispatch;
        transport.start((from, data) -> onDatagram(from, data, dispatch));
    }

    /** @return whether the node is closed */
    boolean closed() {
        return closed;
    }

    /** From now on only the goodbyes go out ({@link #sendNow}). */
    void leave() {
        leaving = true;
    }

    /** Stops sending and receiving, and closes the transport. */
    void close() {
        closed = true;
        transfers.close();
        transport.close();
    }

    /** Fails every request still waiting for its reply: the node closed. */
    void failPending() {
        for (BigInteger rpc : List.copyOf(pending.keySet())) {
            Pending p = pending.remove(rpc);
            if (p != null) {
                p.reply().completeExceptionally(new RecordException("node " + node.id().shortHex() + " closed"));
            }
        }
    }

    // ------------------------------------------------------------------ inbound

    private void onDatagram(InetSocketAddress from, byte[] data, Dispatch dispatch) {
        if (closed) {
            return;
        }
        NodeStats stats = node.stats();
        stats.datagramsReceived.increment();
        if (authenticator != null) {
            // every datagram alike, fragments of a transfer included: fresh, new, meant for this node
            DatagramAuthenticator.Verified verified = authenticator.verify(data, node.scheduler().nowMillis());
            if (verified.refusal() != null) {
                stats.datagramsDropped.increment();
                switch (verified.refusal()) {
                    case BAD_TAG -> stats.unauthenticated.increment();
                    case STALE -> stats.staleDatagrams.increment();
                    case REPLAYED -> stats.replayedDatagrams.increment();
                    case NONCES_FULL -> stats.nonceMemoryFull.increment();
                    case MISDIRECTED -> stats.misdirectedDatagrams.increment();
                }
                LOG.debug("dropped datagram of {} bytes from {}: {} (shared secret)", data.length, from,
                        verified.refusal());
                return;
            }
            data = verified.datagram();
        }
        if (TransferFrame.isFrame(data)) {
            onFrame(from, data);
            return;
        }
        onMessage(from, data, dispatch);
    }

    /** A fragment of a large message, or its acknowledgement, already checked like any datagram. */
    private void onFrame(InetSocketAddress from, byte[] data) {
        NodeStats stats = node.stats();
        TransferFrame frame;
        try {
            frame = TransferFrame.decode(data);
        } catch (MalformedMessageException e) {
            stats.datagramsDropped.increment();
            LOG.debug("dropped transfer frame of {} bytes from {}: {}", data.length, from, e.getMessage());
            return;
        }
        transfers.onFrame(from, frame);
    }

    /**
     * A whole message, from one datagram or reassembled from a transfer: parsed, intercepted, dispatched.
     * A reassembled message is parsed away from the protocol thread ({@link Scheduler#offload}), which
     * meanwhile serves other peers; what arrives from the same peer waits behind it, so each peer's
     * messages are dispatched in the order they arrived.
     */
    private void onMessage(InetSocketAddress from, byte[] data, Dispatch dispatch) {
        if (closed) {
            return;
        }
        ArrayDeque<byte[]> held = heldBack.get(from);
        if (held != null) {
            if (held.size() >= MAX_HELD_BACK) {
                node.stats().datagramsDropped.increment();
                return;
            }
            held.add(data);
            return;
        }
        process(from, data, dispatch);
    }

    /**
     * A datagram decoded: the binary dialect straight to a message, JSON to a tree first (which
     * {@link #handle} decodes after the interceptors).
     */
    private record Parsed(Message message, ObjectNode tree) {
    }

    private void process(InetSocketAddress from, byte[] data, Dispatch dispatch) {
        if (data.length > singleDatagramBytes) {
            heldBack.put(from, new ArrayDeque<>());
            node.scheduler().offload(() -> parseQuietly(data), parsed -> {
                if (parsed != null) {
                    handle(from, data.length, parsed, dispatch);
                } else {
                    node.stats().datagramsDropped.increment();
                    LOG.debug("dropped message of {} bytes from {}: malformed", data.length, from);
                }
                release(from, dispatch);
            });
            return;
        }
        Parsed parsed;
        try {
            parsed = parse(data);
        } catch (MalformedMessageException e) {
            node.stats().datagramsDropped.increment();
            LOG.debug("dropped datagram of {} bytes from {}: {}", data.length, from, e.getMessage());
            return;
        }
        handle(from, data.length, parsed, dispatch);
    }

    private Parsed parse(byte[] data) throws MalformedMessageException {
        return MessageCodec.isBinary(data) ? new Parsed(codec.decodeBinary(data), null)
                : new Parsed(null, codec.parse(data));
    }

    /** The large message from a peer was dispatched: what waited behind it goes on, in order. */
    private void release(InetSocketAddress from, Dispatch dispatch) {
        ArrayDeque<byte[]> held = heldBack.remove(from);
        while (held != null && !held.isEmpty() && !closed) {
            process(from, held.poll(), dispatch);
            ArrayDeque<byte[]> again = heldBack.get(from);
            if (again != null) {
                again.addAll(held); // another large one: the rest waits behind it
                return;
            }
        }
    }

    /** Parses on any thread; {@code null} if the message is malformed. */
    private Parsed parseQuietly(byte[] data) {
        try {
            return parse(data);
        } catch (MalformedMessageException e) {
            return null;
        }
    }

    private void handle(InetSocketAddress from, int size, Parsed parsed,
                        Dispatch dispatch) {
        if (closed) {
            return;
        }
        NodeStats stats = node.stats();
        Message message;
        try {
            if (interceptors.isEmpty()) {
                message = parsed.message() != null ? parsed.message() : codec.decode(parsed.tree());
            } else {
                // interceptors see the JSON tree whatever the dialect
                ObjectNode tree = intercept(InterceptedMessage.Direction.INBOUND, from,
                        parsed.tree() != null ? parsed.tree() : codec.toTree(parsed.message()));
                if (tree == null) {
                    return;
                }
                message = codec.decode(tree);
            }
        } catch (MalformedMessageException e) {
            stats.datagramsDropped.increment();
            LOG.debug("dropped datagram of {} bytes from {}: {}", size, from, e.getMessage());
            return;
        }
        if (message.peerId() != null) {
            // what this node tags its datagrams to that address with (the receiver checks it is meant), and
            // the node a large reply to that address must be verified as
            if (!message.peerId().equals(recipients.getIfPresent(from))) {
                recipients.put(from, message.peerId()); // a write only when it changes: a read per datagram
            }
        }
        try {
            dispatch.accept(from, message, size);
        } catch (RuntimeException e) {
            stats.datagramsDropped.increment();
            stats.handlerFailures.increment();
            LOG.debug("dropped {} from {}: {}", message.type(), from, e.toString());
        }
    }

    private ObjectNode intercept(InterceptedMessage.Direction direction, InetSocketAddress peer, ObjectNode tree) {
        BigInteger peerId = tree.path("peer_id").isIntegralNumber() ? tree.get("peer_id").bigIntegerValue() : null;
        InterceptedView view = new InterceptedView(direction, peer, peerId, node.id().value(), tree);
        for (RequestInterceptor interceptor : interceptors) {
            RequestInterceptor.Verdict verdict;
            try {
                verdict = interceptor.intercept(view);
            } catch (RuntimeException e) {
                LOG.warn("request interceptor {} failed; message passed on", interceptor.getClass().getName(), e);
                continue;
            }
            if (verdict == RequestInterceptor.Verdict.REJECT) {
                node.stats().rejectedByInterceptor.increment();
                return null;
            }
        }
        return view.toTree();
    }

    /**
     * Completes the pending request a reply answers; a reply that answers none is dropped and counted.
     * Either way {@code observe} runs (before the request's future completes), so its sender is learnt.
     */
    /**
     * Completes the request a reply answers. {@code observe} learns the sender in both cases, told
     * whether the reply answered a request of this node sent to the address it came from (proof that the
     * peer is reachable there, which an address change requires).
     */
    void onReply(InetSocketAddress from, Message.Reply reply, java.util.function.Consumer<Boolean> observe) {
        BigInteger rpc = rpcKey(reply.rpcId());
        Pending p = rpc == null ? null : pending.get(rpc);
        if (p == null && reply instanceof Message.Pong && rpc == null) {
            p = pendingPingFrom(from);
            rpc = p == null ? null : p.rpc();
        }
        if (p == null || !p.address().equals(from)) {
            node.stats().unmatchedReplies.increment();
            node.stats().datagramsDropped.increment();
            LOG.debug("dropped {} from {}: no pending request {}", reply.type(), from, reply.rpcId());
            observe.accept(false);
            return;
        }
        pending.remove(rpc);
        observe.accept(true);
        p.reply().complete(reply);
    }

    /** kad.py answers a ping with a pong without {@code rpc_id}: match it by address. */
    private Pending pendingPingFrom(InetSocketAddress from) {
        for (Pending p : pending.values()) {
            if (p.ping() && p.address().equals(from)) {
                return p;
            }
        }
        return null;
    }

    static BigInteger rpcKey(JsonNode rpcId) {
        return rpcId != null && rpcId.isIntegralNumber() ? rpcId.bigIntegerValue() : null;
    }

    // ------------------------------------------------------------------ outbound

    boolean send(InetSocketAddress to, Message message) {
        if (leaving) {
            return false;
        }
        return sendNow(to, message);
    }

    /** Sends even while the node is leaving: its goodbyes. */
    boolean sendNow(InetSocketAddress to, Message message) {
        if (closed) {
            return false;
        }
        byte[] data;
        try {
            if (interceptors.isEmpty()) {
                data = codec.encodeForPeer(message);
            } else {
                ObjectNode tree = intercept(InterceptedMessage.Direction.OUTBOUND, to, codec.toTree(message));
                if (tree == null) {
                    return false;
                }
                codec.decode(tree);
                data = codec.encodeTree(tree);
            }
            if (message instanceof Message.FindNode || message instanceof Message.FindValue) {
                // room for a full answer from a node that has not verified this one's address yet
                data = MessageCodec.padLookupRequest(data);
            }
        } catch (MessageTooLargeException e) {
            if (MessageCodec.isKadpyDialect(message)) {
                // a large value is simply not offered to a kad.py node
                LOG.debug("outbound {} of {} bytes exceeds kad.py's {}-byte datagram; not sent to {}",
                        message.type(), e.size(), e.limit(), to);
            } else {
                LOG.warn("outbound {} of {} bytes exceeds the {}-byte limit of its dialect; not sent to {}",
                        message.type(), e.size(), e.limit(), to);
            }
            return false;
        } catch (MalformedMessageException | IllegalArgumentException e) {
            LOG.warn("an interceptor made an outbound {} invalid; dropped: {}", message.type(), e.getMessage());
            return false;
        }
        if (revealsRecords(message) && !tier.allWritesDurable()) {
            // the reply may acknowledge or reveal a write still on its way to the disk: it leaves once the
            // tier's committer has committed what came before it, and the protocol thread goes on meanwhile
            byte[] encoded = data;
            tier.whenDurable(() -> node.scheduler().execute(() -> {
                if (!closed) {
                    transmit(to, message, encoded);
                }
            }));
            return true;
        }
        return transmit(to, message, data);
    }

    /** Whether a message acknowledges a write or shows what is stored (pongs and node lists do not). */
    private static boolean revealsRecords(Message message) {
        return message instanceof Message.PutReply || message instanceof Message.RecordReply
                || message instanceof Message.ReplicateAck || message instanceof Message.ScanReply
                || message instanceof Message.FoundValue;
    }

    /**
     * From now on a reply too large for one datagram goes only to an address that answered as the node it
     * claims to be ({@link AddressVerifier}); set once by the node, which builds the verifier on this
     * endpoint.
     */
    void verifyLargeRepliesWith(AddressVerifier verifier) {
        this.largeReplies = verifier;
    }

    /** Sends an encoded message: in one datagram, signed, or as a transfer when it is larger. */
    private boolean transmit(InetSocketAddress to, Message message, byte[] data) {
        if (data.length > singleDatagramBytes && !MessageCodec.isKadpyDialect(message)) {
            AddressVerifier verifier = largeReplies;
            if (message instanceof Message.Reply && verifier != null) {
                // a request of a hundred bytes from a forged address must not send its victim a window of
                // fragments (up to a quarter of a megabyte): the requester answers a ping first
                BigInteger claimed = recipients.getIfPresent(to);
                NodeId id = claimed == null || claimed.bitLength() > NodeId.NODE_ID_BITS ? null
                        : new NodeId(claimed, NodeId.NODE_ID_BITS);
                if (id == null || !verifier.isVerified(id, to)) {
                    if (id == null) {
                        node.stats().unverifiedRefused.increment();
                        return false;
                    }
                    verifier.verify(id, to).thenAccept(verified -> {
                        if (verified && !closed) {
                            node.scheduler().execute(() -> transmitVerified(to, message, data));
                        } else {
                            node.stats().unverifiedRefused.increment();
                        }
                    });
                    return true;
                }
            }
        }
        return transmitVerified(to, message, data);
    }

    private boolean transmitVerified(InetSocketAddress to, Message message, byte[] data) {
        if (data.length > singleDatagramBytes && !MessageCodec.isKadpyDialect(message)) {
            countRecordMessage(message);
            byte[] whole = data;
            if (node.scheduler().inProtocolThread()) {
                return transfers.send(to, whole);
            }
            node.scheduler().execute(() -> transfers.send(to, whole));
            return true;
        }
        if (authenticator != null) {
            data = authenticator.sign(data, node.scheduler().nowMillis(), recipients.getIfPresent(to));
        }
        node.stats().datagramsSent.increment();
        countRecordMessage(message);
        transport.send(to, data);
        return true;
    }

    private void countRecordMessage(Message message) {
        if (message instanceof Message.GetRecord || message instanceof Message.RecordReply
                || message instanceof Message.PutRecord || message instanceof Message.PutReply
                || message instanceof Message.Replicate || message instanceof Message.ReplicateAck
                || message instanceof Message.Redirect) {
            node.stats().recordDatagramsSent.increment();
        }
    }

    CompletableFuture<Message.Reply> request(Contact to, InetSocketAddress address,
                                             Function<JsonNode, Message.Request> build) {
        return request(to, address, build, node.newRpcId());
    }

    /** A request with a timeout of its own, shorter than the configured one (a check's second try). */
    CompletableFuture<Message.Reply> request(Contact to, InetSocketAddress address,
                                             Function<JsonNode, Message.Request> build, long timeoutMillis) {
        return request(to, address, build, node.newRpcId(), timeoutMillis);
    }

    private CompletableFuture<Message.Reply> request(Contact to, InetSocketAddress address,
                                                     Function<JsonNode, Message.Request> build, BigInteger rpc) {
        return request(to, address, build, rpc, node.config().rpcTimeout().toMillis());
    }

    private CompletableFuture<Message.Reply> request(Contact to, InetSocketAddress address,
                                                     Function<JsonNode, Message.Request> build, BigInteger rpc,
                                                     long timeoutMillis) {
        if (closed) {
            return CompletableFuture.failedFuture(new RecordException("node " + node.id().shortHex() + " closed"));
        }
        CompletableFuture<Message.Reply> reply = new CompletableFuture<>();
        Message.Request message = build.apply(new BigIntegerNode(rpc));
        Pending entry = new Pending(rpc, to, address, message instanceof Message.Ping, reply,
                node.scheduler().nowMillis() + timeoutMillis);
        pending.put(rpc, entry);
        if (closed) {
            // close() ran between the check above and the put: nobody would ever complete this one
            pending.remove(rpc, entry);
            reply.completeExceptionally(new RecordException("node " + node.id().shortHex() + " closed"));
            return reply;
        }
        ensureSweep(timeoutMillis);
        if (!send(address, message)) {
            // it never left (too large, refused by an interceptor, node leaving): fail now, blame nobody
            pending.remove(rpc, entry);
            reply.completeExceptionally(new RecordException(message.type() + " to " + address + " was not sent"));
        }
        return reply;
    }

    /**
     * Arms the one timer that expires pending requests. A timer per request would wake the scheduler
     * thread on every request (the new timeout heads its queue once the previous one was cancelled);
     * one sweep at the earliest deadline costs nothing while replies arrive in time.
     */
    private void ensureSweep(long delayMillis) {
        long at = node.scheduler().nowMillis() + Math.max(1, delayMillis);
        // armed unless a sweep is due no later (requests differ in timeout: a shorter one must not wait for
        // the sweep a longer one armed)
        while (true) {
            long armed = sweepAt.get();
            if (armed != 0 && armed <= at) {
                return;
            }
            if (sweepAt.compareAndSet(armed, at)) {
                node.scheduler().schedule(this::sweepTimeouts, Math.max(1, delayMillis));
                return;
            }
        }
    }

    private void sweepTimeouts() {
        long now0 = node.scheduler().nowMillis();
        // this sweep is the armed one if it is due now; a later one armed stays armed
        sweepAt.accumulateAndGet(now0, (armed, now) -> armed <= now ? 0 : armed);
        Scheduler scheduler = node.scheduler();
        long now = scheduler.nowMillis();
        long next = Long.MAX_VALUE;
        for (Pending p : pending.values()) {
            if (p.deadline() <= now && transfers.busyWith(p.address(), now)) {
                // a large message to or from that peer is under way: its reply may be in it
                Pending later = p.withDeadline(now + node.config().rpcTimeout().toMillis());
                if (pending.replace(p.rpc(), p, later)) {
                    next = Math.min(next, later.deadline());
                }
            } else if (p.deadline() <= now) {
                if (pending.remove(p.rpc(), p)) {
                    node.stats().rpcTimeouts.increment();
                    if (p.to() != null) {
                        onTimeout.accept(p.to(), now);
                    }
                    p.reply().completeExceptionally(new TimeoutException("no reply from "
                            + (p.to() != null ? p.to() : p.address()) + " within "
                            + node.config().rpcTimeout().toMillis() + " ms"));
                }
            } else {
                next = Math.min(next, p.deadline());
            }
        }
        if (next != Long.MAX_VALUE && !closed) {
            ensureSweep(next - now);
        }
    }

    /**
     * Sends a request and, if it times out, sends it again (a new {@code rpc_id}) up to
     * {@code attempts} times in all: one lost datagram must not make a live node count as dead.
     */
    CompletableFuture<Message.Reply> requestRetrying(Contact to, Function<JsonNode, Message.Request> build,
                                                     int attempts) {
        return requestRetrying(to, build, attempts, node.newRpcId());
    }

    /** Retries keep the {@code rpc_id}, so an owner can tell a repeated write from a new one. */
    CompletableFuture<Message.Reply> requestRetrying(Contact to, Function<JsonNode, Message.Request> build,
                                                     int attempts, BigInteger rpc) {
        return requestRetrying(to, to.address(), build, attempts, rpc);
    }

    /** The same to an address whose node is not known yet ({@code to} null): a seed. */
    CompletableFuture<Message.Reply> requestRetrying(Contact to, InetSocketAddress address,
                                                     Function<JsonNode, Message.Request> build,
                                                     int attempts, BigInteger rpc) {
        return requestRetrying(to, address, build, attempts, rpc, node.config().rpcTimeout().toMillis());
    }

    /**
     * The same, each attempt waiting {@code timeoutMillis}: longer than the configured timeout for a
     * request its receiver answers only after a check of its own (one request timeout).
     */
    CompletableFuture<Message.Reply> requestRetrying(Contact to, InetSocketAddress address,
                                                     Function<JsonNode, Message.Request> build,
                                                     int attempts, BigInteger rpc, long timeoutMillis) {
        return request(to, address, build, rpc, timeoutMillis).handle((reply, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(reply);
            }
            if (attempts > 1 && !closed && e instanceof TimeoutException) {
                return requestRetrying(to, address, build, attempts - 1, rpc, timeoutMillis);
            }
            return CompletableFuture.<Message.Reply>failedFuture(e);
        }).thenCompose(Function.identity());
    }
}

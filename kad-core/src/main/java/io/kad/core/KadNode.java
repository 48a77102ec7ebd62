package io.kad.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.hash.KeyHashFunctions;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.lookup.Lookup;
import io.kad.core.lookup.Step;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordClient;
import io.kad.core.record.RecordEngine;
import io.kad.core.record.RecordException;
import io.kad.core.record.RecordIds;
import io.kad.core.routing.ObserveResult;
import io.kad.core.routing.RoutingTable;
import io.kad.core.storage.StorageTierProviders;
import io.kad.core.transport.Scheduler;
import io.kad.core.transport.ThreadScheduler;
import io.kad.core.transport.Transport;
import io.kad.core.transport.UdpTransport;
import io.kad.core.wire.DatagramAuthenticator;
import io.kad.core.wire.InterceptedView;
import io.kad.core.wire.MalformedMessageException;
import io.kad.core.wire.Message;
import io.kad.core.wire.MessageCodec;
import io.kad.core.wire.MessageTooLargeException;
import io.kad.core.wire.RecordEvent;
import io.kad.core.wire.WriteCommand;
import io.kad.core.wire.WriteResult;
import io.kad.spi.InterceptedMessage;
import io.kad.spi.KeyHashFunction;
import io.kad.spi.RequestInterceptor;
import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kademlia node: it answers kad.py's messages and this project's record protocol, keeps a routing
 * table, runs lookups, and owns, replicates and serves records.
 *
 * <p>Contract:
 * <ul>
 *   <li>every datagram is validated before use; a bad one is dropped, counted in {@link #stats()} and
 *       logged at debug level, and the node keeps serving;</li>
 *   <li>every request has a timeout ({@link NodeConfig#rpcTimeout()}); no protocol path sleeps;</li>
 *   <li>the record operations of {@link #records()} go to the key's owner, the live node nearest the
 *       record id, dispatched in-process when that is this node (a swarm of one takes the same
 *       path);</li>
 *   <li>{@link #close()} stops the node's threads and socket and flushes its storage tier.</li>
 * </ul>
 * Mechanisms follow Maymounkov &amp; Mazi&egrave;res 2002: k-buckets with ping-before-evict (2.2), the
 * iterative lookup with ALPHA parallel requests (2.3), and storing on the K nearest nodes (2.3, 2.5).
 */
public final class KadNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KadNode.class);

    /** How long a subscription to a namespace's events lasts before it must be renewed. */
    private static final long SUBSCRIPTION_LEASE_MILLIS = 60_000;
    /** How many times a lookup or record request is sent before its peer counts as failed. */
    private static final int RPC_ATTEMPTS = 2;
    /** How many keys one scan page carries (well under the datagram bound for small keys). */
    private static final int SCAN_PAGE = 64;
    /** Key bytes one scan page carries at most: base64 and framing keep the reply under 65,000 bytes. */
    private static final int SCAN_PAGE_BYTES = 40_000;
    /** Key and value bytes one batch of copies carries at most (base64 makes them 4/3 larger). */
    private static final int COPY_BATCH_BYTES = 40_000;
    /**
     * The largest key plus value a record may have: a write's reply carries the record before and after
     * it in one datagram of at most 65,000 bytes, in base64.
     */
    public static final int MAX_RECORD_BYTES = 20_000;

    private final NodeConfig config;
    private final NodeId id;
    private final KeyHashFunction hash;
    private final Transport transport;
    private final Scheduler scheduler;
    private final boolean ownsScheduler;
    private final MessageCodec codec;
    private final DatagramAuthenticator authenticator;
    private final RoutingTable table;
    private final RecordEngine engine;
    private final List<RequestInterceptor> interceptors;
    private final ObjectNode peerInfo;
    private final NodeStats stats = new NodeStats();
    private final List<Consumer<StoredRecord>> evictionListeners = new CopyOnWriteArrayList<>();
    private final Map<BigInteger, Pending> pending = new ConcurrentHashMap<>();
    /**
     * Contacts whose last request timed out and that have not been heard from since, with the time of
     * the failure. The routing table keeps a silent contact while no replacement is waiting (paper
     * 4.1); records must not wait on it, so ownership and lookups pass over suspects.
     */
    private final Map<NodeId, Long> suspects = new ConcurrentHashMap<>();
    private final Map<String, List<Consumer<RecordEvent>>> localSubscribers = new ConcurrentHashMap<>();
    private final Map<String, Map<NodeId, RemoteSubscriber>> remoteSubscribers = new ConcurrentHashMap<>();
    private final ExecutorService eventExecutor;
    /**
     * Writes applied as owner, by (requester, rpc_id), for as long as the requester may retry: a retry
     * gets the first attempt's outcome instead of a second write.
     */
    private final Cache<WriteAttempt, CompletableFuture<OwnerWrite>> recentWrites;
    private final Random random;
    private final java.util.concurrent.atomic.AtomicBoolean sweepArmed = new java.util.concurrent.atomic.AtomicBoolean();
    private final Records records = new Records();
    private final Contact self;
    /** The owners of every record while this node knows no other: itself alone. */
    private final Owners alone;
    private final CompletableFuture<Void> joined = new CompletableFuture<>();
    private volatile boolean closed;
    private volatile boolean leaving;
    private final java.util.concurrent.locks.ReadWriteLock sending = new java.util.concurrent.locks.ReentrantReadWriteLock();
    /**
     * Nodes that said they were leaving, with when: a datagram of theirs that was already on its way
     * (a late reply) must not put them back into the table. A request from one (a restart under the
     * same id joins with requests) clears the entry.
     */
    private final Cache<NodeId, Boolean> departed = Caffeine.newBuilder().maximumSize(10_000)
            .expireAfterWrite(Duration.ofMinutes(1)).executor(Runnable::run).build();

    private record Pending(BigInteger rpc, Contact to, InetSocketAddress address, boolean ping,
                           CompletableFuture<Message.Reply> reply, long deadline) {
    }

    private record RemoteSubscriber(Contact contact, long leaseUntil) {
    }

    /** A write request as its requester tells it apart: a retry repeats both. */
    private record WriteAttempt(BigInteger requester, JsonNode rpcId) {
    }

    /**
     * A write applied as owner, and whether its remote requester keeps its copy from the reply: decided
     * once, with the copies, so a retried request is answered as the copies were sent.
     */
    private record OwnerWrite(WriteResult result, boolean requesterKeepsCopy) {
    }

    private KadNode(NodeConfig config, Transport transport, Scheduler scheduler, boolean ownsScheduler,
                    Random random) {
        this.config = config;
        this.transport = transport;
        this.scheduler = scheduler;
        this.ownsScheduler = ownsScheduler;
        this.random = random;
        this.id = config.nodeId() != null
                ? new NodeId(config.nodeId(), NodeId.NODE_ID_BITS)
                : NodeId.random(NodeId.NODE_ID_BITS, random);
        this.hash = config.hashFunction() != null ? config.hashFunction() : KeyHashFunctions.byName(config.hashName());
        this.authenticator = config.sharedSecret() == null ? null : new DatagramAuthenticator(config.sharedSecret());
        this.recentWrites = Caffeine.newBuilder()
                .expireAfterWrite(config.rpcTimeout().multipliedBy(RPC_ATTEMPTS + 1).plusSeconds(1))
                .executor(Runnable::run).build();
        this.codec = new MessageCodec(Math.max(hash.idBits(), NodeId.NODE_ID_BITS));
        this.table = new RoutingTable(id, config.k());
        StorageTier tier = config.storageTier() != null
                ? config.storageTier()
                : StorageTierProviders.byName(config.storageName()).create(config.storageSettings(),
                        this::onEvicted);
        this.engine = new RecordEngine(tier, scheduler::nowMillis, config.tombstoneTtl().toMillis());
        List<RequestInterceptor> all = new ArrayList<>(config.interceptors());
        if (config.loadInterceptors()) {
            all.addAll(ServiceDiscovery.load(RequestInterceptor.class, i -> i.getClass().getName()).values());
        }
        all.sort(Comparator.comparingInt(RequestInterceptor::order));
        this.interceptors = List.copyOf(all);
        this.peerInfo = JsonNodeFactory.instance.objectNode().put("kad", 1);
        this.self = new Contact(id, transport.localAddress(), true);
        this.alone = new Owners(List.of(self), List.of());
        String name = "kad-events-" + transport.localAddress().getPort();
        this.eventExecutor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts a node on UDP, joins its seeds and waits for the join (at most the operation timeout).
     *
     * @param config the configuration
     * @return the running node
     * @throws java.io.UncheckedIOException if the socket cannot be bound
     * @throws RecordException if no seed answered in time (the node is closed again)
     */
    public static KadNode start(NodeConfig config) {
        UdpTransport transport = UdpTransport.bind(config.host(), config.port());
        ThreadScheduler scheduler = new ThreadScheduler("kad-node-" + transport.localAddress().getPort());
        KadNode node;
        try {
            node = new KadNode(config, transport, scheduler, true, new SecureRandom());
        } catch (RuntimeException e) {
            scheduler.close();
            transport.close();
            throw e;
        }
        node.begin();
        if (!config.seeds().isEmpty()) {
            try {
                node.joined.get(config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                node.close();
                throw new RecordException("interrupted while joining " + config.seeds());
            } catch (ExecutionException | TimeoutException e) {
                node.close();
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                throw new RecordException("could not join the swarm through seeds " + config.seeds() + " within "
                        + config.operationTimeout().toMillis() + " ms: " + cause.getMessage(), cause);
            }
        }
        return node;
    }

    /**
     * Starts a node over a given transport and scheduler (a simulated network in tests); the join runs in
     * the background, see {@link #joined()}.
     *
     * @param config the configuration (host and port are ignored: the transport has an address)
     * @param transport the transport
     * @param scheduler the scheduler; the node does not close it
     * @param random the source of the node id and of refresh targets
     * @return the node
     */
    public static KadNode start(NodeConfig config, Transport transport, Scheduler scheduler, Random random) {
        KadNode node = new KadNode(config, transport, scheduler, false, random);
        node.begin();
        return node;
    }

    private void begin() {
        transport.start(this::onDatagram);
        scheduleMaintenance();
        if (config.seeds().isEmpty()) {
            joined.complete(null);
        } else {
            join(config.seeds()).whenComplete((v, e) -> {
                if (e != null) {
                    joined.completeExceptionally(e);
                } else {
                    joined.complete(null);
                }
            });
        }
        LOG.info("kad node {} listening on {}", id, transport.localAddress());
    }

    // ------------------------------------------------------------------ public surface

    /** @return this node's id */
    public NodeId id() {
        return id;
    }

    /** @return the configuration */
    public NodeConfig config() {
        return config;
    }

    /** @return the address this node receives on and sends from */
    public InetSocketAddress address() {
        return transport.localAddress();
    }

    /** @return the key hash function */
    public KeyHashFunction hashFunction() {
        return hash;
    }

    /** @return the contacts in this node's routing table */
    public List<Contact> peers() {
        return table.all();
    }

    /** @return this node's counters */
    public NodeStats stats() {
        return stats;
    }

    /** @return completes when the join through the configured seeds ended */
    public CompletableFuture<Void> joined() {
        return joined;
    }

    /** @return the record protocol client of this node */
    public RecordClient records() {
        return records;
    }

    /**
     * Follows the records this node's storage tier drops to stay within its bound (not expiries, not
     * removals). Only tiers created from the configuration by name report them.
     *
     * @param listener receives each dropped record, on the thread whose write made room; must be quick
     * @return a handle whose {@code close()} stops the reports
     */
    public AutoCloseable onEviction(Consumer<StoredRecord> listener) {
        java.util.Objects.requireNonNull(listener, "listener");
        evictionListeners.add(listener);
        return () -> evictionListeners.remove(listener);
    }

    private void onEvicted(StoredRecord record) {
        LOG.debug("storage tier dropped {}", record);
        for (Consumer<StoredRecord> l : evictionListeners) {
            try {
                l.accept(record);
            } catch (RuntimeException e) {
                LOG.warn("eviction listener failed", e);
            }
        }
    }

    /** @return the local storage tier */
    public StorageTier storage() {
        return engine.tier();
    }

    /**
     * Joins a swarm: asks each seed for the nodes nearest this node's id, then looks its own id up.
     *
     * @param seeds addresses of nodes in the swarm
     * @return completes when the lookup converged; fails if no seed answered
     */
    public CompletableFuture<Void> join(List<InetSocketAddress> seeds) {
        List<CompletableFuture<Message.Reply>> asks = new ArrayList<>();
        for (InetSocketAddress seed : seeds) {
            asks.add(requestRetrying(null, seed, rpc -> new Message.FindNode(id.value(), peerInfo, rpc, id.value()),
                    RPC_ATTEMPTS, new BigInteger(128, random)));
        }
        return CompletableFuture.allOf(asks.stream()
                        .map(f -> f.handle((r, e) -> null)).toArray(CompletableFuture[]::new))
                .thenCompose(v -> {
                    boolean any = asks.stream().anyMatch(f -> !f.isCompletedExceptionally());
                    if (!any) {
                        return CompletableFuture.failedFuture(new RecordException("no seed answered: " + seeds));
                    }
                    return lookupNodes(id.value()).thenApply(c -> null);
                });
    }

    /**
     * Finds the K live nodes nearest an id with an iterative lookup.
     *
     * @param target the id
     * @return the nearest contacts that answered, nearest first (this node excluded)
     */
    public CompletableFuture<List<Contact>> lookupNodes(BigInteger target) {
        return runLookup(target, Lookup.Kind.NODE).thenApply(LookupResult::closest);
    }

    /**
     * Finds a kad.py-style JSON value by key id: this node's tier first, then an iterative
     * {@code find_value} lookup that stops at the first value.
     *
     * @param keyId the key id
     * @return the value, or empty if no node has it
     */
    public CompletableFuture<Optional<JsonNode>> findValue(BigInteger keyId) {
        StoredRecord local = engine.read(keyId).record();
        if (local != null && local.json()) {
            return CompletableFuture.completedFuture(Optional.of(Dht.parse(local.value())));
        }
        return lookupValue(keyId).thenApply(LookupResult::value);
    }

    /**
     * Runs an iterative {@code find_value} lookup (without looking at this node's own tier first).
     *
     * @param keyId the key id
     * @return the outcome: the value if a node had it, and the rounds it took
     */
    public CompletableFuture<LookupResult> lookupValue(BigInteger keyId) {
        return runLookup(keyId, Lookup.Kind.VALUE);
    }

    /**
     * Stores a kad.py-style JSON value under a key id on the K nodes nearest it: a conditional-free
     * record write through the owner for nodes of this project, kad.py's {@code store} for kad.py nodes.
     *
     * @param keyId the key id (hash of the key)
     * @param key the key bytes (empty if only the id is known)
     * @param value the JSON value
     * @return completes when the owner acknowledged (or, in a swarm of kad.py nodes only, when sent)
     */
    public CompletableFuture<Void> storeValue(BigInteger keyId, byte[] key, JsonNode value) {
        byte[] bytes = Dht.write(value);
        return ownersOf(keyId).thenCompose(owners -> {
            List<CompletableFuture<?>> acks = new ArrayList<>();
            for (Contact c : owners.kadpyNodes()) {
                send(c.address(), new Message.Store(id.value(), NullNode.getInstance(), keyId, value));
            }
            WriteCommand put = WriteCommand.put(bytes, true, StoredRecord.NEVER);
            acks.add(writeAt(owners.recordNodes(), 0, keyId, "", key, put, deadline()));
            return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
        });
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        sending.writeLock().lock();
        try {
            leaving = true; // from now on only the goodbyes go out, so nothing of ours arrives after them
        } finally {
            sending.writeLock().unlock();
        }
        for (Contact c : table.all()) {
            if (c.speaksRecords()) {
                sendNow(c.address(), new Message.Leave(id.value(), peerInfo));
            }
        }
        closed = true;
        transport.close();
        if (ownsScheduler) {
            scheduler.close();
        }
        eventExecutor.shutdownNow();
        for (BigInteger rpc : List.copyOf(pending.keySet())) {
            Pending p = pending.remove(rpc);
            if (p != null) {
                p.reply().completeExceptionally(new RecordException("node " + id.shortHex() + " closed"));
            }
        }
        try {
            engine.tier().close();
        } catch (RuntimeException e) {
            LOG.warn("closing the storage tier failed", e);
        }
        LOG.info("kad node {} on {} closed", id, transport.localAddress());
    }

    // ------------------------------------------------------------------ inbound

    private void onDatagram(InetSocketAddress from, byte[] data) {
        if (closed) {
            return;
        }
        stats.datagramsReceived.increment();
        if (authenticator != null) {
            byte[] verified = authenticator.verify(data);
            if (verified == null) {
                stats.datagramsDropped.increment();
                stats.unauthenticated.increment();
                LOG.debug("dropped datagram of {} bytes from {}: no valid tag of the shared secret", data.length,
                        from);
                return;
            }
            data = verified;
        }
        Message message;
        try {
            ObjectNode tree = codec.parse(data);
            if (!interceptors.isEmpty()) {
                tree = intercept(InterceptedMessage.Direction.INBOUND, from, tree);
                if (tree == null) {
                    return;
                }
            }
            message = codec.decode(tree);
        } catch (MalformedMessageException e) {
            stats.datagramsDropped.increment();
            LOG.debug("dropped datagram of {} bytes from {}: {}", data.length, from, e.getMessage());
            return;
        }
        try {
            handle(from, message);
        } catch (RuntimeException e) {
            stats.datagramsDropped.increment();
            LOG.debug("dropped {} from {}: {}", message.type(), from, e.toString());
        }
    }

    private ObjectNode intercept(InterceptedMessage.Direction direction, InetSocketAddress peer, ObjectNode tree) {
        BigInteger peerId = tree.path("peer_id").isIntegralNumber() ? tree.get("peer_id").bigIntegerValue() : null;
        InterceptedView view = new InterceptedView(direction, peer, peerId, id.value(), tree);
        for (RequestInterceptor interceptor : interceptors) {
            RequestInterceptor.Verdict verdict;
            try {
                verdict = interceptor.intercept(view);
            } catch (RuntimeException e) {
                LOG.warn("request interceptor {} failed; message passed on", interceptor.getClass().getName(), e);
                continue;
            }
            if (verdict == RequestInterceptor.Verdict.REJECT) {
                stats.rejectedByInterceptor.increment();
                return null;
            }
        }
        return view.toTree();
    }

    private void handle(InetSocketAddress from, Message message) {
        if (message instanceof Message.Reply reply) {
            BigInteger rpc = rpcKey(reply.rpcId());
            Pending p = rpc == null ? null : pending.get(rpc);
            if (p == null && reply instanceof Message.Pong && rpc == null) {
                p = pendingPingFrom(from);
                rpc = p == null ? null : p.rpc();
            }
            if (p == null || !p.address().equals(from)) {
                stats.unmatchedReplies.increment();
                stats.datagramsDropped.increment();
                LOG.debug("dropped {} from {}: no pending request {}", reply.type(), from, reply.rpcId());
                observe(from, message);
                return;
            }
            pending.remove(rpc);
            observe(from, message);
            p.reply().complete(reply);
            return;
        }
        if (!(message instanceof Message.Leave)) {
            observe(from, message);
        }
        if (message instanceof Message.Request request && request.rpcId().isMissingNode()) {
            // kad.py ignores a find request without rpc_id (its reply could not be matched); so do we
            stats.datagramsDropped.increment();
            return;
        }
        if (message instanceof Message.Ping ping) {
            send(from, new Message.Pong(id.value(), NullNode.getInstance(), ping.rpcId()));
        } else if (message instanceof Message.FindNode find) {
            send(from, new Message.FoundNodes(id.value(), peerInfo, find.rpcId(), find.target(),
                    nearestFor(find.target())));
        } else if (message instanceof Message.FindValue find) {
            StoredRecord r = engine.read(find.keyId()).record();
            if (r != null && r.json()) {
                send(from, new Message.FoundValue(id.value(), peerInfo, find.rpcId(), find.keyId(),
                        Dht.parse(r.value())));
            } else {
                send(from, new Message.FoundNodes(id.value(), peerInfo, find.rpcId(), find.keyId(),
                        nearestFor(find.keyId())));
            }
        } else if (message instanceof Message.Store store) {
            engine.storeJson(store.keyId(), Dht.write(store.value()), StoredRecord.NEVER);
        } else if (message instanceof Message.GetRecord get) {
            checkRecordId(get.id(), get.namespace(), get.key());
            stats.recordReads.increment();
            ReadResult r = engine.read(get.id());
            if (r.expired() != null) {
                publish(new RecordEvent(RecordEvent.Kind.EXPIRED, get.namespace(), get.key(), r.expired().value(),
                        null, r.expired().version() + 1, get.peerId()));
            }
            send(from, new Message.RecordReply(id.value(), peerInfo, get.rpcId(), r.record(), r.expired()));
        } else if (message instanceof Message.PutRecord put) {
            checkRecordId(put.id(), put.namespace(), put.key());
            BigInteger requester = put.peerId();
            // a retried request (same sender, same rpc_id) gets the first attempt's outcome, not a second write
            CompletableFuture<OwnerWrite> outcome = recentWrites.asMap().computeIfAbsent(
                    new WriteAttempt(requester, put.rpcId()),
                    k -> ownerWrite(put.id(), put.namespace(), put.key(), put.command(), requester));
            outcome.whenComplete((w, e) -> {
                if (e == null) {
                    send(from, new Message.PutReply(id.value(), peerInfo, put.rpcId(), w.result(),
                            w.requesterKeepsCopy()));
                }
            });
        } else if (message instanceof Message.Replicate replicate) {
            for (StoredRecord r : replicate.records()) {
                engine.acceptCopy(r);
            }
            send(from, new Message.ReplicateAck(id.value(), peerInfo, replicate.rpcId()));
        } else if (message instanceof Message.Scan scan) {
            int limit = Math.max(1, Math.min(scan.limit(), SCAN_PAGE));
            List<StoredRecord> page = engine.scan(scan.namespace(), scan.after(), limit + 1);
            // a page ends at the key limit or at a byte budget that keeps the reply in one datagram
            List<byte[]> keys = new ArrayList<>();
            int bytes = 0;
            for (StoredRecord r : page) {
                if (keys.size() == limit || (!keys.isEmpty() && bytes + r.key().length > SCAN_PAGE_BYTES)) {
                    break;
                }
                keys.add(r.key());
                bytes += r.key().length;
            }
            boolean more = keys.size() < page.size();
            BigInteger next = more ? page.get(keys.size() - 1).id() : null;
            send(from, new Message.ScanReply(id.value(), peerInfo, scan.rpcId(), keys, next));
        } else if (message instanceof Message.Subscribe sub) {
            Contact c = table.get(new NodeId(sub.peerId(), NodeId.NODE_ID_BITS))
                    .orElse(new Contact(new NodeId(sub.peerId(), NodeId.NODE_ID_BITS), from, true));
            Map<NodeId, RemoteSubscriber> subs = remoteSubscribers.computeIfAbsent(sub.namespace(),
                    k -> new ConcurrentHashMap<>());
            if (sub.leaseMillis() <= 0) {
                subs.remove(c.id());
            } else {
                long lease = Math.min(sub.leaseMillis(), 10 * SUBSCRIPTION_LEASE_MILLIS);
                subs.put(c.id(), new RemoteSubscriber(c, scheduler.nowMillis() + lease));
            }
        } else if (message instanceof Message.Event event) {
            deliverLocally(event.event());
        } else if (message instanceof Message.Leave) {
            NodeId leaver = new NodeId(message.peerId(), NodeId.NODE_ID_BITS);
            departed.put(leaver, Boolean.TRUE);
            table.remove(leaver);
            suspects.remove(leaver);
        }
    }

    private void checkRecordId(BigInteger claimed, String namespace, byte[] key) {
        if (!claimed.equals(RecordIds.of(hash, namespace, key))) {
            throw new IllegalArgumentException("record id does not match its namespace and key (another hash?)");
        }
    }

    /** Updates the routing table with a node that just sent us a datagram (paper 2.2). */
    private void observe(InetSocketAddress from, Message message) {
        BigInteger peer = message.peerId();
        if (peer == null || peer.equals(id.value())) {
            return;
        }
        JsonNode info = message.peerInfo();
        boolean speaksRecords = info != null && info.isObject() && info.has("kad");
        if (!speaksRecords && (message instanceof Message.Store || message instanceof Message.Pong)) {
            // kad.py and this project both send null peer_info in store and pong: keep what we knew
            speaksRecords = table.get(new NodeId(peer, NodeId.NODE_ID_BITS)).map(Contact::speaksRecords)
                    .orElse(false);
        }
        Contact contact = new Contact(new NodeId(peer, NodeId.NODE_ID_BITS), from, speaksRecords);
        if (departed.getIfPresent(contact.id()) != null) {
            if (!(message instanceof Message.Request)) {
                return;
            }
            departed.invalidate(contact.id());
        }
        suspects.remove(contact.id());
        boolean known = table.get(contact.id()).isPresent();
        ObserveResult result = table.observe(contact, scheduler.nowMillis());
        if (result instanceof ObserveResult.PingHead ping) {
            pingBeforeEvict(ping.head());
        }
        if (!known && table.get(contact.id()).isPresent() && contact.speaksRecords()) {
            onNewRecordPeer(contact);
        }
    }

    private void pingBeforeEvict(Contact head) {
        request(head, head.address(), rpc -> new Message.Ping(id.value(), peerInfo, rpc)).whenComplete((r, e) -> {
            if (e != null) {
                table.onPingTimeout(head);
            }
        });
    }

    /** A new node of this project: tell it our subscriptions and hand it the records it now holds (2.5). */
    private void onNewRecordPeer(Contact contact) {
        for (String ns : localSubscribers.keySet()) {
            send(contact.address(), new Message.Subscribe(id.value(), peerInfo, ns, SUBSCRIPTION_LEASE_MILLIS));
        }
        scheduler.execute(() -> handOff(contact));
    }

    private void handOff(Contact newcomer) {
        if (closed) {
            return;
        }
        List<StoredRecord> batch = new ArrayList<>();
        for (StoredRecord r : engine.snapshot()) {
            if (r.namespace().isEmpty() && r.key().length == 0) {
                continue;
            }
            List<Contact> holders = replicaSet(r.id());
            if (holders.contains(newcomer)) {
                batch.add(r);
            }
        }
        sendCopiesInBatches(newcomer, batch);
    }

    /** Copies travel in batches small enough for one datagram each (a large record alone). */
    private void sendCopiesInBatches(Contact to, List<StoredRecord> records) {
        List<StoredRecord> batch = new ArrayList<>();
        int bytes = 0;
        for (StoredRecord r : records) {
            int size = r.key().length + r.value().length + r.namespace().length();
            if (!batch.isEmpty() && (batch.size() == 16 || bytes + size > COPY_BATCH_BYTES)) {
                sendCopies(to, List.copyOf(batch));
                batch.clear();
                bytes = 0;
            }
            batch.add(r);
            bytes += size;
        }
        if (!batch.isEmpty()) {
            sendCopies(to, batch);
        }
    }

    /** Sends copies of records to a node; the acknowledgement only confirms, nothing waits for it. */
    private void sendCopies(Contact to, List<StoredRecord> records) {
        request(to, to.address(), rpc -> new Message.Replicate(id.value(), peerInfo, rpc, records))
                .whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.debug("copies of {} records to {} not acknowledged: {}", records.size(), to, e.getMessage());
                    }
                });
    }

    private List<Contact> nearestFor(BigInteger target) {
        return liveClosest(target, config.k());
    }

    /** How long a contact that timed out is passed over before it is given another chance. */
    private static final long SUSPECT_MILLIS = 30_000;

    private boolean isSuspect(NodeId contact) {
        Long since = suspects.get(contact);
        if (since == null) {
            return false;
        }
        if (scheduler.nowMillis() - since < SUSPECT_MILLIS) {
            return true;
        }
        suspects.remove(contact, since);
        return false;
    }

    /** The table's contacts nearest a target, passing over suspects (silent since their last timeout). */
    private List<Contact> liveClosest(BigInteger target, int n) {
        if (suspects.isEmpty()) {
            return table.closest(target, n);
        }
        List<Contact> live = new ArrayList<>(n);
        for (Contact c : table.closest(target, n + suspects.size())) {
            if (!isSuspect(c.id())) {
                live.add(c);
                if (live.size() == n) {
                    break;
                }
            }
        }
        return live;
    }

    // ------------------------------------------------------------------ outbound

    private boolean send(InetSocketAddress to, Message message) {
        // sends hold the read lock so that close() can wait until none is half-way before saying goodbye
        sending.readLock().lock();
        try {
            if (leaving) {
                return false;
            }
            return sendNow(to, message);
        } finally {
            sending.readLock().unlock();
        }
    }

    private boolean sendNow(InetSocketAddress to, Message message) {
        if (closed) {
            return false;
        }
        byte[] data;
        try {
            if (interceptors.isEmpty()) {
                data = codec.encode(message);
            } else {
                ObjectNode tree = intercept(InterceptedMessage.Direction.OUTBOUND, to, codec.toTree(message));
                if (tree == null) {
                    return false;
                }
                codec.decode(tree);
                data = codec.encodeTree(tree);
            }
        } catch (MessageTooLargeException e) {
            LOG.warn("outbound {} of {} bytes exceeds the {}-byte limit of its dialect; not sent to {}",
                    message.type(), e.size(), e.limit(), to);
            return false;
        } catch (MalformedMessageException | IllegalArgumentException e) {
            LOG.warn("an interceptor made an outbound {} invalid; dropped: {}", message.type(), e.getMessage());
            return false;
        }
        if (authenticator != null) {
            data = authenticator.sign(data);
        }
        stats.datagramsSent.increment();
        transport.send(to, data);
        return true;
    }

    private CompletableFuture<Message.Reply> request(Contact to, InetSocketAddress address,
                                                     Function<JsonNode, Message.Request> build) {
        return request(to, address, build, new BigInteger(128, random));
    }

    private CompletableFuture<Message.Reply> request(Contact to, InetSocketAddress address,
                                                     Function<JsonNode, Message.Request> build, BigInteger rpc) {
        if (closed) {
            return CompletableFuture.failedFuture(new RecordException("node " + id.shortHex() + " closed"));
        }
        CompletableFuture<Message.Reply> reply = new CompletableFuture<>();
        Message.Request message = build.apply(new BigIntegerNode(rpc));
        long timeoutMillis = config.rpcTimeout().toMillis();
        Pending entry = new Pending(rpc, to, address, message instanceof Message.Ping, reply,
                scheduler.nowMillis() + timeoutMillis);
        pending.put(rpc, entry);
        if (closed) {
            // close() ran between the check above and the put: nobody would ever complete this one
            pending.remove(rpc, entry);
            reply.completeExceptionally(new RecordException("node " + id.shortHex() + " closed"));
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
        if (sweepArmed.compareAndSet(false, true)) {
            scheduler.schedule(this::sweepTimeouts, Math.max(1, delayMillis));
        }
    }

    private void sweepTimeouts() {
        sweepArmed.set(false);
        long now = scheduler.nowMillis();
        long next = Long.MAX_VALUE;
        for (Pending p : pending.values()) {
            if (p.deadline() <= now) {
                if (pending.remove(p.rpc(), p)) {
                    stats.rpcTimeouts.increment();
                    if (p.to() != null) {
                        table.onFailure(p.to().id());
                        suspects.put(p.to().id(), now);
                    }
                    p.reply().completeExceptionally(new TimeoutException("no reply from "
                            + (p.to() != null ? p.to() : p.address()) + " within "
                            + config.rpcTimeout().toMillis() + " ms"));
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
    private CompletableFuture<Message.Reply> requestRetrying(Contact to, Function<JsonNode, Message.Request> build,
                                                             int attempts) {
        return requestRetrying(to, build, attempts, new BigInteger(128, random));
    }

    /** Retries keep the {@code rpc_id}, so an owner can tell a repeated write from a new one. */
    private CompletableFuture<Message.Reply> requestRetrying(Contact to, Function<JsonNode, Message.Request> build,
                                                             int attempts, BigInteger rpc) {
        return requestRetrying(to, to.address(), build, attempts, rpc);
    }

    /** The same to an address whose node is not known yet ({@code to} null): a seed. */
    private CompletableFuture<Message.Reply> requestRetrying(Contact to, InetSocketAddress address,
                                                             Function<JsonNode, Message.Request> build,
                                                             int attempts, BigInteger rpc) {
        return request(to, address, build, rpc).handle((reply, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(reply);
            }
            if (attempts > 1 && !closed && e instanceof TimeoutException) {
                return requestRetrying(to, address, build, attempts - 1, rpc);
            }
            return CompletableFuture.<Message.Reply>failedFuture(e);
        }).thenCompose(Function.identity());
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

    private static BigInteger rpcKey(JsonNode rpcId) {
        return rpcId != null && rpcId.isIntegralNumber() ? rpcId.bigIntegerValue() : null;
    }

    // ------------------------------------------------------------------ lookups

    /**
     * The end of an iterative lookup.
     *
     * @param closest the nearest nodes that answered, nearest first
     * @param value for a value lookup, the value found, if any
     * @param rounds the lookup's depth in hops (initial contacts are round 1)
     */
    public record LookupResult(List<Contact> closest, Optional<JsonNode> value, int rounds) {
    }

    private CompletableFuture<LookupResult> runLookup(BigInteger target, Lookup.Kind kind) {
        stats.lookups.increment();
        List<Contact> initial = liveClosest(target, config.k());
        Lookup lookup = new Lookup(target, initial, config.k(), config.alpha(), id, kind);
        CompletableFuture<LookupResult> done = new CompletableFuture<>();
        JsonNode[] value = new JsonNode[1];
        drive(lookup, kind, done, value);
        return done;
    }

    private void drive(Lookup lookup, Lookup.Kind kind, CompletableFuture<LookupResult> done, JsonNode[] value) {
        List<Contact> toQuery = new ArrayList<>();
        synchronized (lookup) {
            if (done.isDone()) {
                return;
            }
            while (true) {
                Step step = lookup.next(scheduler.nowMillis());
                if (step instanceof Step.Query q) {
                    toQuery.add(q.to());
                } else if (step instanceof Step.Finished f) {
                    stats.lookupRounds.add(f.rounds());
                    // a lookup refreshes the bucket of its target (paper 2.3): no refresh needed there
                    table.touch(lookup.target(), scheduler.nowMillis());
                    done.complete(new LookupResult(f.closest(), Optional.ofNullable(value[0]), f.rounds()));
                    return;
                } else {
                    break;
                }
            }
        }
        for (Contact c : toQuery) {
            BigInteger target = lookup.target();
            CompletableFuture<Message.Reply> reply = requestRetrying(c, rpc -> kind == Lookup.Kind.VALUE
                    ? new Message.FindValue(id.value(), peerInfo, rpc, target)
                    : new Message.FindNode(id.value(), peerInfo, rpc, target), RPC_ATTEMPTS);
            reply.whenComplete((r, e) -> {
                synchronized (lookup) {
                    long now = scheduler.nowMillis();
                    if (e != null) {
                        lookup.onFailure(c, now);
                    } else if (r instanceof Message.FoundValue fv) {
                        value[0] = fv.value();
                        lookup.onValueFound(c, now);
                    } else if (r instanceof Message.FoundNodes fn) {
                        List<Contact> closer = new ArrayList<>();
                        for (Contact n : fn.nearest()) {
                            if (!n.id().equals(id)) {
                                closer.add(n);
                            }
                        }
                        lookup.onResponse(c, closer, now);
                    } else {
                        lookup.onFailure(c, now);
                    }
                }
                drive(lookup, kind, done, value);
            });
        }
    }

    // ------------------------------------------------------------------ ownership

    private record Owners(List<Contact> recordNodes, List<Contact> kadpyNodes) {
    }

    private Contact self() {
        return self;
    }

    /** This node's view of the record-holding nodes nearest an id: itself included, nearest first. */
    private List<Contact> replicaSet(BigInteger recordId) {
        List<Contact> candidates = new ArrayList<>();
        for (Contact c : liveClosest(recordId, config.k())) {
            if (c.speaksRecords()) {
                candidates.add(c);
            }
        }
        candidates.add(self());
        candidates.sort(Comparator.comparing(c -> c.id().distance(recordId)));
        return candidates.subList(0, Math.min(config.replication(), candidates.size()));
    }

    /**
     * The nodes that hold a record, nearest first. While the routing table holds fewer than K contacts
     * it knows the whole swarm and answers at once; beyond, an iterative lookup finds them.
     */
    private CompletableFuture<Owners> ownersOf(BigInteger recordId) {
        int known = table.size();
        if (known == 0) {
            return CompletableFuture.completedFuture(alone);
        }
        if (known < config.k()) {
            return CompletableFuture.completedFuture(ownersFrom(liveClosest(recordId, config.k()), recordId));
        }
        return lookupNodes(recordId).thenApply(found -> ownersFrom(found, recordId));
    }

    private Owners ownersFrom(List<Contact> found, BigInteger recordId) {
        List<Contact> records = new ArrayList<>();
        List<Contact> kadpy = new ArrayList<>();
        for (Contact c : found) {
            (c.speaksRecords() ? records : kadpy).add(c);
        }
        records.add(self());
        records.sort(Comparator.comparing(c -> c.id().distance(recordId)));
        return new Owners(records.subList(0, Math.min(records.size(), config.replication())), kadpy);
    }

    private long deadline() {
        return scheduler.nowMillis() + config.operationTimeout().toMillis();
    }

    // ------------------------------------------------------------------ owner side

    /**
     * Applies a write as the key's owner, copies it to the replicas, publishes the events. The copies
     * leave first: the write is acknowledged once they are acknowledged, while events are sent and
     * never waited for, so they are published as the copies travel.
     */
    private CompletableFuture<OwnerWrite> ownerWrite(BigInteger recordId, String namespace, byte[] key,
                                                     WriteCommand command, BigInteger origin) {
        WriteResult result = engine.write(recordId, namespace, key, command);
        stats.recordWrites.increment();
        CompletableFuture<OwnerWrite> done;
        if (!result.applied()) {
            stats.recordWriteConflicts.increment();
            done = CompletableFuture.completedFuture(new OwnerWrite(result, false));
        } else {
            // the record this write stored; a removal's tombstone is not in the result
            StoredRecord stored = result.current() != null ? result.current() : engine.tier().get(recordId);
            List<CompletableFuture<Message.Reply>> acks = new ArrayList<>();
            boolean copies = stored != null && config.replication() > 1;
            List<Contact> holders = copies || !origin.equals(id.value()) ? replicaSet(recordId) : List.of();
            boolean requesterCopiesReply = requesterKeepsCopy(holders, command, result, origin);
            if (copies) {
                for (Contact c : holders) {
                    if (requesterCopiesReply && c.id().value().equals(origin)) {
                        continue;
                    }
                    if (!c.id().equals(id)) {
                        acks.add(requestRetrying(c, rpc -> new Message.Replicate(id.value(), peerInfo, rpc,
                                List.of(stored)), RPC_ATTEMPTS));
                    }
                }
            }
            OwnerWrite applied = new OwnerWrite(result, requesterCopiesReply);
            done = acks.isEmpty()
                    ? CompletableFuture.completedFuture(applied)
                    : CompletableFuture.allOf(acks.stream().map(f -> f.handle((r, e) -> {
                        if (e != null) {
                            LOG.debug("replica copy of {} not acknowledged: {}", recordId, e.getMessage());
                        }
                        return null;
                    })).toArray(CompletableFuture[]::new)).thenApply(v -> applied);
        }
        if (result.expired() != null) {
            // reported whether or not the write applied: the record is a tombstone from now on
            publish(new RecordEvent(RecordEvent.Kind.EXPIRED, namespace, key, result.expired().value(), null,
                    result.expired().version() + 1, origin));
        }
        if (result.applied()) {
            RecordEvent event = eventOf(namespace, key, command, result, origin);
            if (event != null) {
                publish(event);
            }
        }
        return done;
    }

    /**
     * Whether a remote requester that is one of the record's holders (in this owner's view) keeps its
     * copy from the reply instead of a separate copy (see {@link #keepCopyFromReply}): only when there is
     * a live record to carry; a removal's tombstone travels as a copy like to any other holder.
     *
     * @param holders the record's holders in this owner's view ({@link #replicaSet})
     */
    private boolean requesterKeepsCopy(List<Contact> holders, WriteCommand command, WriteResult result,
                                       BigInteger origin) {
        if (origin.equals(id.value()) || !result.applied() || result.current() == null
                || command.op() == WriteCommand.Op.REMOVE || command.op() == WriteCommand.Op.CLEAR) {
            return false;
        }
        for (Contact c : holders) {
            if (c.id().value().equals(origin)) {
                return true;
            }
        }
        return false;
    }

    private static RecordEvent eventOf(String namespace, byte[] key, WriteCommand command, WriteResult result,
                                       BigInteger origin) {
        if (command.op() == WriteCommand.Op.TOUCH || command.op() == WriteCommand.Op.CLEAR) {
            return null;
        }
        StoredRecord prev = result.previous();
        StoredRecord cur = result.current();
        if (command.op() == WriteCommand.Op.REMOVE) {
            return prev == null ? null : new RecordEvent(RecordEvent.Kind.REMOVED, namespace, key, prev.value(),
                    null, prev.version() + 1, origin);
        }
        if (cur == null) {
            return null;
        }
        return new RecordEvent(prev == null ? RecordEvent.Kind.CREATED : RecordEvent.Kind.UPDATED, namespace, key,
                prev == null ? null : prev.value(), cur.value(), cur.version(), origin);
    }

    /** Sends an event to the namespace's subscribers, except the node whose request caused it. */
    private void publish(RecordEvent event) {
        if (!event.origin().equals(id.value())) {
            deliverLocally(event);
        }
        Map<NodeId, RemoteSubscriber> subs = remoteSubscribers.get(event.namespace());
        if (subs == null || subs.isEmpty()) {
            return;
        }
        long now = scheduler.nowMillis();
        for (RemoteSubscriber s : subs.values()) {
            if (s.leaseUntil() < now) {
                subs.remove(s.contact().id());
            } else if (!s.contact().id().value().equals(event.origin())) {
                send(s.contact().address(), new Message.Event(id.value(), peerInfo, event));
            }
        }
    }

    private void deliverLocally(RecordEvent event) {
        List<Consumer<RecordEvent>> listeners = localSubscribers.get(event.namespace());
        if (listeners == null || listeners.isEmpty() || eventExecutor.isShutdown()) {
            return;
        }
        try {
            eventExecutor.execute(() -> {
                for (Consumer<RecordEvent> l : listeners) {
                    try {
                        l.accept(event);
                    } catch (RuntimeException e) {
                        LOG.warn("record event listener failed", e);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("event dropped: node closing");
        }
    }

    // ------------------------------------------------------------------ caller side

    /** Reads as the key's owner; a record found expired is published as such. */
    private ReadResult localRead(BigInteger recordId, String namespace, byte[] key) {
        ReadResult r = engine.read(recordId);
        if (r.expired() != null) {
            publish(new RecordEvent(RecordEvent.Kind.EXPIRED, namespace, key, r.expired().value(), null,
                    r.expired().version() + 1, id.value()));
        }
        return r;
    }

    private CompletableFuture<ReadResult> readAt(List<Contact> owners, int index, BigInteger recordId,
                                                 String namespace, byte[] key, long deadline) {
        if (index < owners.size() && owners.get(index).id().equals(id)) {
            return CompletableFuture.completedFuture(localRead(recordId, namespace, key));
        }
        if (index >= owners.size() || scheduler.nowMillis() >= deadline) {
            return CompletableFuture.failedFuture(unreachable("read", owners, namespace));
        }
        Contact owner = owners.get(index);
        return requestRetrying(owner,
                rpc -> new Message.GetRecord(id.value(), peerInfo, rpc, recordId, namespace, key), RPC_ATTEMPTS)
                .handle((reply, e) -> {
                    if (e == null && reply instanceof Message.RecordReply rr) {
                        return CompletableFuture.completedFuture(new ReadResult(rr.record(), rr.expired()));
                    }
                    return readAt(owners, index + 1, recordId, namespace, key, deadline);
                }).thenCompose(Function.identity());
    }

    private CompletableFuture<WriteResult> writeAt(List<Contact> owners, int index, BigInteger recordId,
                                                   String namespace, byte[] key, WriteCommand command, long deadline) {
        if (index >= owners.size() || scheduler.nowMillis() >= deadline) {
            return CompletableFuture.failedFuture(unreachable("write", owners, namespace));
        }
        Contact owner = owners.get(index);
        if (owner.id().equals(id)) {
            return ownerWrite(recordId, namespace, key, command, id.value()).thenApply(OwnerWrite::result);
        }
        return requestRetrying(owner,
                rpc -> new Message.PutRecord(id.value(), peerInfo, rpc, recordId, namespace, key, command), RPC_ATTEMPTS)
                .handle((reply, e) -> {
                    if (e == null && reply instanceof Message.PutReply pr) {
                        if (pr.keepCopy() && pr.result().current() != null) {
                            engine.acceptCopy(pr.result().current());
                        }
                        return CompletableFuture.completedFuture(pr.result());
                    }
                    return writeAt(owners, index + 1, recordId, namespace, key, command, deadline);
                }).thenCompose(Function.identity());
    }

    private RecordException unreachable(String what, List<Contact> owners, String namespace) {
        String owner = owners.isEmpty() ? "none known" : owners.get(0).toString();
        return new RecordException("record " + what + " in '" + namespace + "' failed: owner " + owner
                + " and its replicas " + owners + " did not answer within "
                + config.operationTimeout().toMillis() + " ms");
    }

    private CompletableFuture<List<byte[]>> scanAll(String namespace) {
        Map<BigInteger, byte[]> keys = new ConcurrentHashMap<>();
        for (StoredRecord r : engine.scan(namespace, null, Integer.MAX_VALUE)) {
            keys.put(r.id(), r.key());
        }
        List<CompletableFuture<Void>> scans = new ArrayList<>();
        for (Contact c : table.all()) {
            if (c.speaksRecords()) {
                scans.add(scanFrom(c, namespace, null, keys, deadline()));
            }
        }
        return CompletableFuture.allOf(scans.toArray(CompletableFuture[]::new))
                .thenApply(v -> new ArrayList<>(keys.values()));
    }

    private CompletableFuture<Void> scanFrom(Contact c, String namespace, BigInteger after, Map<BigInteger, byte[]> into,
                                             long deadline) {
        if (scheduler.nowMillis() >= deadline) {
            return CompletableFuture.failedFuture(new RecordException("scan of '" + namespace + "' at " + c
                    + " did not finish within " + config.operationTimeout().toMillis() + " ms"));
        }
        return request(c, c.address(), rpc -> new Message.Scan(id.value(), peerInfo, rpc, namespace, after, SCAN_PAGE))
                .handle((reply, e) -> {
                    if (e != null || !(reply instanceof Message.ScanReply sr)) {
                        // a node that does not answer holds nothing we can list; its replicas do
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    for (byte[] k : sr.keys()) {
                        into.putIfAbsent(RecordIds.of(hash, namespace, k), k);
                    }
                    if (sr.next() == null) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    return scanFrom(c, namespace, sr.next(), into, deadline);
                }).thenCompose(Function.identity());
    }

    // ------------------------------------------------------------------ maintenance

    private void scheduleMaintenance() {
        long period = Math.min(config.refreshInterval().toMillis(), config.republishInterval().toMillis());
        long tick = Math.max(1000, Math.min(period, SUBSCRIPTION_LEASE_MILLIS / 3));
        scheduler.schedule(this::maintain, tick);
    }

    private void maintain() {
        if (closed) {
            return;
        }
        try {
            long now = scheduler.nowMillis();
            for (BigInteger target : table.refreshTargets(now, config.refreshInterval().toMillis(), random)) {
                lookupNodes(target);
            }
            for (String ns : localSubscribers.keySet()) {
                for (Contact c : table.all()) {
                    if (c.speaksRecords()) {
                        send(c.address(), new Message.Subscribe(id.value(), peerInfo, ns, SUBSCRIPTION_LEASE_MILLIS));
                    }
                }
            }
            republishIfDue(now);
            reclaimIfDue(now);
        } finally {
            scheduleMaintenance();
        }
    }

    private long lastReclaim;

    /**
     * Drops records that expired more than the grace ago, at most every half grace (and at most once a
     * maintenance tick), so a reclaimed record stayed between one grace and 1.5 graces plus a tick.
     */
    private void reclaimIfDue(long now) {
        long grace = config.expiryGrace().toMillis();
        if (now - lastReclaim < grace / 2) {
            return;
        }
        lastReclaim = now;
        int removed = engine.reclaim(grace);
        if (removed > 0) {
            LOG.debug("node {} reclaimed {} expired records and tombstones", id.shortHex(), removed);
        }
    }

    private long lastRepublish;

    /** Re-copies every record to its current replica set (paper 2.5), so records follow churn. */
    private void republishIfDue(long now) {
        if (lastRepublish == 0) {
            lastRepublish = now;
            return;
        }
        if (now - lastRepublish < config.republishInterval().toMillis()) {
            return;
        }
        lastRepublish = now;
        Map<Contact, List<StoredRecord>> batches = new HashMap<>();
        for (StoredRecord r : engine.snapshot()) {
            if (r.key().length == 0 && r.namespace().isEmpty()) {
                continue;
            }
            for (Contact c : replicaSet(r.id())) {
                if (!c.id().equals(id)) {
                    batches.computeIfAbsent(c, x -> new ArrayList<>()).add(r);
                }
            }
        }
        batches.forEach(this::sendCopiesInBatches);
    }

    // ------------------------------------------------------------------ RecordClient

    private final class Records implements RecordClient {

        @Override
        public CompletableFuture<ReadResult> read(String namespace, byte[] key) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("node " + id.shortHex() + " closed"));
            }
            BigInteger recordId = RecordIds.of(hash, namespace, key);
            if (table.size() == 0) {
                // a node alone owns everything: the owner-side read, without the future chain or a deadline
                return CompletableFuture.completedFuture(localRead(recordId, namespace, key));
            }
            long deadline = deadline();
            return ownersOf(recordId).thenCompose(o -> readAt(o.recordNodes(), 0, recordId, namespace, key, deadline));
        }

        @Override
        public CompletableFuture<WriteResult> write(String namespace, byte[] key, WriteCommand command) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("node " + id.shortHex() + " closed"));
            }
            if (key.length + command.value().length > MAX_RECORD_BYTES) {
                return CompletableFuture.failedFuture(new RecordException("record too large: key and value take "
                        + (key.length + command.value().length) + " bytes, at most " + MAX_RECORD_BYTES
                        + " fit in one datagram"));
            }
            BigInteger recordId = RecordIds.of(hash, namespace, key);
            long deadline = deadline();
            if (table.size() == 0) {
                return writeAt(alone.recordNodes(), 0, recordId, namespace, key, command, deadline);
            }
            return ownersOf(recordId).thenCompose(o -> writeAt(o.recordNodes(), 0, recordId, namespace, key, command,
                    deadline));
        }

        @Override
        public CompletableFuture<List<byte[]>> keys(String namespace) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("node " + id.shortHex() + " closed"));
            }
            return scanAll(namespace);
        }

        @Override
        public AutoCloseable subscribe(String namespace, Consumer<RecordEvent> listener) {
            boolean[] firstOfNamespace = new boolean[1];
            // add and remove happen inside compute, so a last unsubscribe and a new subscribe cannot
            // leave a listener in a list that is no longer registered
            localSubscribers.compute(namespace, (k, current) -> {
                List<Consumer<RecordEvent>> list = current != null ? current : new CopyOnWriteArrayList<>();
                firstOfNamespace[0] = list.isEmpty();
                list.add(listener);
                return list;
            });
            if (firstOfNamespace[0]) {
                List<CompletableFuture<Message.Reply>> fences = new ArrayList<>();
                for (Contact c : table.all()) {
                    if (c.speaksRecords()) {
                        send(c.address(), new Message.Subscribe(id.value(), peerInfo, namespace,
                                SUBSCRIPTION_LEASE_MILLIS));
                        // a node handles one sender's datagrams in order: its pong says it has the subscription
                        fences.add(request(c, c.address(), rpc -> new Message.Ping(id.value(), peerInfo, rpc)));
                    }
                }
                try {
                    CompletableFuture.allOf(fences.stream().map(f -> f.handle((r, e) -> null))
                            .toArray(CompletableFuture[]::new)).get(config.rpcTimeout().toMillis() * 2,
                            TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    LOG.debug("subscription to '{}' not confirmed by every peer: {}", namespace, e.toString());
                }
            }
            return () -> {
                boolean[] lastOfNamespace = new boolean[1];
                localSubscribers.computeIfPresent(namespace, (k, list) -> {
                    list.remove(listener);
                    lastOfNamespace[0] = list.isEmpty();
                    return list.isEmpty() ? null : list;
                });
                if (lastOfNamespace[0]) {
                    for (Contact c : table.all()) {
                        if (c.speaksRecords()) {
                            send(c.address(), new Message.Subscribe(id.value(), peerInfo, namespace, 0));
                        }
                    }
                }
            };
        }

        @Override
        public long nowMillis() {
            return scheduler.nowMillis();
        }

        @Override
        public Duration operationTimeout() {
            return config.operationTimeout();
        }
    }

    @Override
    public String toString() {
        return "KadNode[" + id.shortHex() + "@" + transport.localAddress() + "]";
    }

    static <T> T join(CompletableFuture<T> future, Duration timeout, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RecordException("interrupted: " + what, e);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new RecordException(what + " failed: " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new RecordException(what + " did not complete within " + timeout.toMillis() + " ms", e);
        }
    }
}

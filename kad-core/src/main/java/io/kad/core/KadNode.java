package io.kad.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.hash.KeyHashFunctions;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.lookup.Lookup;
import io.kad.core.record.RecordClient;
import io.kad.core.record.RecordEngine;
import io.kad.core.record.RecordException;
import io.kad.core.record.WriteCommand;
import io.kad.core.routing.Membership;
import io.kad.core.routing.ObserveResult;
import io.kad.core.routing.RoutingTable;
import io.kad.core.storage.CaffeineStorageTier;
import io.kad.core.storage.StorageTierProviders;
import io.kad.core.transport.EventLoop;
import io.kad.core.transport.Scheduler;
import io.kad.core.transport.Transport;
import io.kad.core.transport.UdpTransport;
import io.kad.core.wire.DatagramAuthenticator;
import io.kad.core.wire.Message;
import io.kad.core.wire.MessageCodec;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
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
 *
 * <p>The node is a facade that dispatches inbound messages and wires its parts: the RPC endpoint
 * ({@code RpcEndpoint}), peer liveness ({@code PeerLiveness}), the lookup driver ({@code LookupDriver}),
 * ownership ({@code Ownership}, over the membership view), the owner side and the caller side of the
 * record protocol ({@code RecordServer}, {@code RecordCaller}), the event hub ({@code EventHub}), and the
 * crawl, hand-off and maintenance jobs ({@code Crawl}, {@code HandOff}, {@code Maintenance}).
 */
public final class KadNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KadNode.class);

    /** How many times a lookup or record request is sent before its peer counts as failed. */
    private static final int RPC_ATTEMPTS = RpcEndpoint.RPC_ATTEMPTS;

    private final NodeConfig config;
    private final NodeId id;
    private final KeyHashFunction hash;
    private final Transport transport;
    private final Scheduler scheduler;
    private final boolean ownsScheduler;
    private final NodeContext ctx;
    private final PeerLiveness liveness;
    private final RpcEndpoint endpoint;
    private final RoutingTable table;
    /** Every record node this node knows: where replica sets are resolved, and what scans reach. */
    private final Membership membership;
    /**
     * The node id at each address this node has heard from or of: an address holds one node. Bounded
     * like the membership view. Its maintenance runs on the writing thread (the protocol thread), as in
     * the node's other caches: on the common pool, each first datagram of a node new to this one (most
     * operations' datagrams, in a swarm of more than a few nodes) woke a pool thread.
     */
    private final com.github.benmanes.caffeine.cache.Cache<InetSocketAddress, NodeId> addressBook =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(Membership.DEFAULT_CAPACITY)
                    .executor(Runnable::run).build();
    /**
     * Where each node last answered a request of this node: proof it is there (subscriptions need it).
     * Maintenance on the writing thread, as for {@link #addressBook}.
     */
    private final com.github.benmanes.caffeine.cache.Cache<NodeId, InetSocketAddress> answeredAt =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(Membership.DEFAULT_CAPACITY)
                    .executor(Runnable::run).build();
    /** Addresses being pinged because another id claimed them. */
    private final java.util.Set<InetSocketAddress> addressesChecked =
            java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Deposed nodes being handed their records before they rejoin the view ({@link #admit}). */
    private final java.util.Set<NodeId> readmitting = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Known nodes being pinged at a new address (protocol thread, and completions on it). */
    private final java.util.Set<NodeId> movesChecked = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Ownership ownership;
    private final RecordEngine engine;
    /** What each peer made this node hold unasked (kad.py stores, copies that created records). */
    private final PeerQuotas quotas;
    /** Checks that a node is at the address it wrote from before a large answer or a hand-off. */
    private final AddressVerifier verifier;
    private final LookupAnswers lookupAnswers;
    private final EventHub events;
    private final RecordServer server;
    private final RecordCaller caller;
    /** The record client handed out: the caller, with owned reads answered in place. */
    private final NodeRecords records;
    private final HandOff handOff;
    private final Crawl crawl;
    private final LookupDriver lookups;
    private final Maintenance maintenance;
    private final ObjectNode peerInfo;
    private final NodeStats stats = new NodeStats();
    private final List<Consumer<StoredRecord>> evictionListeners = new CopyOnWriteArrayList<>();
    private final Random random;
    private final Contact self;
    private final CompletableFuture<Void> joined = new CompletableFuture<>();

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
        DatagramAuthenticator authenticator = config.sharedSecret() == null ? null
                : new DatagramAuthenticator(config.sharedSecret(), id.value());
        MessageCodec codec = new MessageCodec(Math.max(hash.idBits(), NodeId.NODE_ID_BITS), config.maxMessageBytes());
        this.table = new RoutingTable(id, config.k());
        this.membership = new Membership(id, Membership.DEFAULT_CAPACITY);
        StorageTier tier = config.storageTier() != null
                ? config.storageTier()
                : StorageTierProviders.byName(config.storageName()).create(config.storageSettings(),
                        this::onEvicted);
        this.engine = new RecordEngine(tier, scheduler::nowMillis, config.tombstoneTtl().toMillis(),
                config.expiryGrace().toMillis());
        this.quotas = new PeerQuotas(tier, maxRecords(config, tier), scheduler::nowMillis);
        List<RequestInterceptor> all = new ArrayList<>(config.interceptors());
        if (config.loadInterceptors()) {
            all.addAll(ServiceDiscovery.load(RequestInterceptor.class, i -> i.getClass().getName()).values());
        }
        all.sort(Comparator.comparingInt(RequestInterceptor::order));
        this.peerInfo = JsonNodeFactory.instance.objectNode().put("kad", 1);
        this.self = new Contact(id, transport.localAddress(), true);
        this.ctx = new NodeContext(config, id, self, peerInfo, scheduler, stats, random);
        this.liveness = new PeerLiveness(scheduler);
        this.endpoint = new RpcEndpoint(ctx, transport, codec, authenticator, List.copyOf(all), (to, now) -> {
            table.onFailure(to.id());
            liveness.suspect(to.id(), now);
        }, tier);
        this.ownership = new Ownership(ctx, membership, table, liveness);
        this.verifier = new AddressVerifier(ctx, endpoint, (node, at) -> at.equals(answeredAt.getIfPresent(node)));
        this.events = new EventHub(ctx, endpoint, table, membership, verifier);
        endpoint.verifyLargeRepliesWith(verifier);
        this.server = new RecordServer(ctx, hash, engine, endpoint, events, ownership, membership, table, liveness,
                quotas, verifier);
        this.handOff = new HandOff(ctx, engine, endpoint, ownership, verifier);
        this.lookupAnswers = new LookupAnswers(ctx, endpoint, codec, verifier, this::nearestFor);
        this.lookups = new LookupDriver(ctx, endpoint, table, liveness, this::learn);
        this.crawl = new Crawl(ctx, endpoint, membership, liveness, this::learn);
        this.caller = new RecordCaller(ctx, hash, engine, endpoint, server, ownership, membership, events,
                this::learn, crawl::staleView);
        this.records = new NodeRecords(caller, hash, engine, endpoint, ownership);
        this.maintenance = new Maintenance(ctx, engine, endpoint, table, ownership, events, handOff,
                this::lookupNodes);
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
        // one thread receives the datagrams and runs the timers and tasks: the node's protocol thread
        EventLoop scheduler = new EventLoop("kad-node");
        UdpTransport transport;
        try {
            transport = UdpTransport.bind(config.host(), config.port(), scheduler);
        } catch (RuntimeException e) {
            scheduler.close();
            throw e;
        }
        scheduler.rename("kad-node-" + transport.localAddress().getPort());
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
                scheduler.await(node.joined, config.operationTimeout().toMillis());
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
        endpoint.start(this::handle);
        maintenance.schedule();
        crawl.start();
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

    /** The bytes this node's remembered write outcomes (kept for repeated requests) weigh now. */
    long rememberedOutcomeBytes() {
        return server.rememberedOutcomeBytes();
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
        Objects.requireNonNull(listener, "listener");
        evictionListeners.add(listener);
        return () -> evictionListeners.remove(listener);
    }

    /**
     * The tier's bound by record count, which the per-peer quotas are shares of: the Caffeine tier's own,
     * else {@code storage.max-records} if set, else the Caffeine tier's default.
     */
    private static long maxRecords(NodeConfig config, StorageTier tier) {
        if (tier instanceof CaffeineStorageTier caffeine) {
            return caffeine.maxRecords();
        }
        String set = config.storageSettings().get("storage.max-records");
        try {
            return set == null ? CaffeineStorageTier.DEFAULT_MAX_RECORDS
                    : Math.max(1, Long.parseLong(set.trim()));
        } catch (NumberFormatException e) {
            return CaffeineStorageTier.DEFAULT_MAX_RECORDS;
        }
    }

    private void onEvicted(StoredRecord record) {
        LOG.debug("storage tier dropped {}", record);
        quotas.released(record.id());
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
            asks.add(endpoint.requestRetrying(null, seed, rpc -> new Message.FindNode(id.value(), peerInfo, rpc, id.value()),
                    RPC_ATTEMPTS, ctx.newRpcId()));
        }
        return CompletableFuture.allOf(asks.stream()
                        .map(f -> f.handle((r, e) -> null)).toArray(CompletableFuture[]::new))
                .thenCompose(v -> {
                    boolean any = asks.stream().anyMatch(f -> !f.isCompletedExceptionally());
                    if (!any) {
                        return CompletableFuture.failedFuture(new RecordException("no seed answered: " + seeds));
                    }
                    // then refresh every bucket farther than the nearest neighbour (paper 2.3), so this node
                    // knows some nodes of every region and can tell when it is not a record's owner
                    return lookupNodes(id.value()).thenCompose(c -> {
                        List<CompletableFuture<List<Contact>>> refreshes = new ArrayList<>();
                        for (BigInteger target : table.refreshTargets(scheduler.nowMillis(), 0, random)) {
                            refreshes.add(lookupNodes(target));
                        }
                        return CompletableFuture.allOf(refreshes.stream().map(f -> f.handle((r, e) -> null))
                                .toArray(CompletableFuture[]::new));
                    }).thenApply(done -> null);
                });
    }

    /**
     * Finds the K live nodes nearest an id with an iterative lookup.
     *
     * @param target the id
     * @return the nearest contacts that answered, nearest first (this node excluded)
     */
    public CompletableFuture<List<Contact>> lookupNodes(BigInteger target) {
        return lookups.run(target, Lookup.Kind.NODE).thenApply(LookupResult::closest);
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
            return CompletableFuture.completedFuture(Optional.of(JsonValues.parse(local.value())));
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
        return lookups.run(keyId, Lookup.Kind.VALUE);
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
        byte[] bytes = JsonValues.write(value);
        return ownersOf(keyId).thenCompose(owners -> {
            List<CompletableFuture<?>> acks = new ArrayList<>();
            for (Contact c : owners.kadpyNodes()) {
                endpoint.send(c.address(), new Message.Store(id.value(), NullNode.getInstance(), keyId, value));
            }
            // kad.py's store returns nothing: the value replaced need not come back
            WriteCommand put = WriteCommand.put(bytes, true, StoredRecord.NEVER)
                    .withPreviousValue(WriteCommand.PreviousValue.OMIT);
            acks.add(caller.writeToOwner(keyId, "", key, put));
            return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
        });
    }

    @Override
    public void close() {
        if (endpoint.closed()) {
            return;
        }
        endpoint.leave(); // from now on only the goodbyes go out
        for (Contact c : table.all()) {
            if (c.speaksRecords()) {
                endpoint.sendNow(c.address(), new Message.Leave(id.value(), peerInfo));
            }
        }
        endpoint.close();
        if (ownsScheduler) {
            scheduler.close();
        }
        events.close();
        endpoint.failPending();
        try {
            engine.tier().close();
        } catch (RuntimeException e) {
            LOG.warn("closing the storage tier failed", e);
        }
        LOG.info("kad node {} on {} closed", id, transport.localAddress());
    }

    // ------------------------------------------------------------------ inbound

    /** Dispatches a valid inbound message, on the protocol thread. */
    private void handle(InetSocketAddress from, Message message, int bytes) {
        if (message instanceof Message.Reply reply) {
            endpoint.onReply(from, reply, answered -> observe(from, message, answered));
            return;
        }
        if (!(message instanceof Message.Leave)) {
            observe(from, message, false);
        }
        if (message instanceof Message.Request request && request.rpcId().isMissingNode()
                && !(message instanceof Message.Subscribe)) {
            // kad.py ignores a find request without rpc_id (its reply could not be matched); so do we
            stats.datagramsDropped.increment();
            return;
        }
        if (message instanceof Message.Ping ping) {
            endpoint.send(from, new Message.Pong(id.value(), NullNode.getInstance(), ping.rpcId()));
        } else if (message instanceof Message.FindNode find) {
            lookupAnswers.answer(from, find, bytes);
        } else if (message instanceof Message.FindValue find) {
            StoredRecord r = engine.read(find.keyId()).record();
            lookupAnswers.answer(from, find, r == null || !r.json() ? null : JsonValues.parse(r.value()), bytes);
        } else if (message instanceof Message.Store store) {
            storeKadpy(from, store);
        } else if (message instanceof Message.GetRecord get) {
            server.serveGet(from, get);
        } else if (message instanceof Message.PutRecord put) {
            server.servePut(from, put);
        } else if (message instanceof Message.Replicate replicate) {
            server.acceptCopies(from, replicate);
        } else if (message instanceof Message.Scan scan) {
            server.serveScan(from, scan);
        } else if (message instanceof Message.Subscribe sub) {
            events.onSubscribe(from, sub);
        } else if (message instanceof Message.Event event) {
            events.deliverLocally(event.event());
        } else if (message instanceof Message.Deposed deposed) {
            server.onDeposed(deposed);
        } else if (message instanceof Message.Subscribers subscribers) {
            events.onSubscribers(from, subscribers);
        } else if (message instanceof Message.Leave) {
            NodeId leaver = new NodeId(message.peerId(), NodeId.NODE_ID_BITS);
            liveness.departed(leaver);
            table.remove(leaver);
            membership.remove(leaver);
        }
    }

    /**
     * Stores a kad.py {@code store}, which is unauthenticated and unconditional: refused (and counted)
     * when its value is larger than kad.py's own datagram bound, when the key holds a record written
     * through the record protocol (which a kad.py store would otherwise overwrite, version and all), or
     * when its source address holds its quota of kad.py stores here ({@link PeerQuotas}: a flood of
     * stores under distinct keys must not evict the records of the record protocol).
     */
    private void storeKadpy(InetSocketAddress from, Message.Store store) {
        byte[] value = JsonValues.write(store.value());
        if (value.length > MessageCodec.KADPY_MAX_DATAGRAM) {
            stats.kadpyStoresRefused.increment();
            LOG.debug("kad.py store of {} bytes from {} refused: kad.py's bound is {} bytes", value.length, from,
                    MessageCodec.KADPY_MAX_DATAGRAM);
            return;
        }
        if (!quotas.admitsKadpyStore(from, store.keyId())) {
            stats.kadpyStoresOverQuota.increment();
            LOG.debug("kad.py store of {} from {} refused: the address holds its quota of {} stores",
                    store.keyId(), from, quotas.kadpyPerPeer());
            return;
        }
        if (!engine.storeJson(store.keyId(), value, StoredRecord.NEVER)) {
            stats.kadpyStoresRefused.increment();
            LOG.debug("kad.py store of {} from {} refused: the key holds a record of the record protocol",
                    store.keyId(), from);
            return;
        }
        quotas.chargeKadpyStore(from, store.keyId());
    }

    /**
     * Learns the sender of a message. A known node heard from another address keeps its known one until
     * it answers a ping at the new address ({@code answered}: the message is the reply to a request this
     * node sent there), so that a replayed or forged datagram cannot re-point a contact.
     */
    private void observe(InetSocketAddress from, Message message, boolean answered) {
        BigInteger peer = message.peerId();
        if (peer == null || peer.equals(id.value())) {
            return;
        }
        NodeId peerId = new NodeId(peer, NodeId.NODE_ID_BITS);
        Contact known = table.get(peerId).or(() -> membership.get(peerId)).orElse(null);
        if (known != null && !known.address().equals(from) && !answered) {
            checkMove(known, from);
            return;
        }
        NodeId holder = addressBook.getIfPresent(from);
        if (holder != null && !holder.equals(peerId)) {
            if (!answered) {
                // one node per address: another id claiming a held address waits for the address's answer
                checkAddress(from, peerId);
                return;
            }
            // the node at that address answered with a new id: it restarted as another node
            table.remove(holder);
            membership.remove(holder);
            stats.addressChanges.increment();
        }
        // each a write only when it changes: a read per datagram on the hot path
        if (!peerId.equals(holder)) {
            addressBook.put(from, peerId);
        }
        if (answered && !from.equals(answeredAt.getIfPresent(peerId))) {
            answeredAt.put(peerId, from);
        }
        JsonNode info = message.peerInfo();
        boolean speaksRecords = info != null && info.isObject() && info.has("kad");
        if (!speaksRecords && (message instanceof Message.Store || message instanceof Message.Pong)) {
            // kad.py and this project both send null peer_info in store and pong: keep what we knew
            speaksRecords = table.get(new NodeId(peer, NodeId.NODE_ID_BITS)).map(Contact::speaksRecords)
                    .orElse(false);
        }
        Contact contact = new Contact(new NodeId(peer, NodeId.NODE_ID_BITS), from, speaksRecords);
        if (liveness.hasDeparted(contact.id())) {
            if (!(message instanceof Message.Request)) {
                return;
            }
            liveness.returned(contact.id());
        }
        liveness.heardFrom(contact.id());
        if (answered && (message instanceof Message.RecordReply || message instanceof Message.PutReply
                || message instanceof Message.ReplicateAck || message instanceof Message.Redirect)) {
            // it serves records: a holder whose answers a takeover or a write's copies may wait for
            liveness.answered(contact.id());
        }
        ObserveResult result = table.observe(contact, scheduler.nowMillis());
        if (result instanceof ObserveResult.PingHead ping) {
            pingBeforeEvict(ping.head());
        }
        if (known != null && !known.address().equals(from)) {
            membership.moved(contact);
            stats.addressChanges.increment();
            LOG.debug("{} moved from {} to {} (answered there)", peerId.shortHex(), known.address(), from);
        }
        if (contact.speaksRecords()) {
            admit(contact);
        }
    }

    /**
     * Adds a record node to the view, unless it is there. A node this node found gone and may have taken
     * records over from ({@link RecordServer#isDeposed}) first gets those records, and joins the view
     * only once it acknowledged them: no request goes its way while it may answer from older copies.
     */
    private void admit(Contact contact) {
        if (!server.isDeposed(contact.id())) {
            if (membership.add(contact)) {
                onNewRecordPeer(contact);
            }
            return;
        }
        if (membership.contains(contact.id()) || !readmitting.add(contact.id())) {
            return;
        }
        server.returning(contact);
        handOff.returning(contact).whenComplete((ok, e) -> ctx.onProtocolThread(() -> {
            readmitting.remove(contact.id());
            if (e == null && ok) {
                server.readmitted(contact.id());
                if (membership.add(contact)) {
                    onNewRecordPeer(contact);
                }
            } else {
                server.stillGone(contact);
            }
        }));
    }

    /**
     * Pings an address another id claims: the id the answer carries is the node there (one check per
     * address at a time), so one address cannot fill the view with ids of its choosing.
     */
    private void checkAddress(InetSocketAddress at, NodeId claimed) {
        stats.addressChecks.increment();
        if (!addressesChecked.add(at)) {
            return;
        }
        endpoint.request(new Contact(claimed, at, true), at, rpc -> new Message.Ping(id.value(), peerInfo, rpc))
                .whenComplete((r, e) -> addressesChecked.remove(at));
    }

    /** Pings a known node at a new address it seems to send from: its answer there moves it (one at a time). */
    private void checkMove(Contact known, InetSocketAddress to) {
        stats.addressChecks.increment();
        if (!movesChecked.add(known.id())) {
            return;
        }
        endpoint.request(new Contact(known.id(), to, known.speaksRecords()), to,
                        rpc -> new Message.Ping(id.value(), peerInfo, rpc))
                .whenComplete((r, e) -> movesChecked.remove(known.id()));
    }

    /**
     * Learns record nodes that another node mentioned (hearsay: they may be gone; a failure tells). A
     * mentioned id at an address this node knows holds another id is passed over, as is a second id at
     * one address: hearsay cannot fill the view with ids of one address.
     */
    private void learn(List<Contact> contacts) {
        for (Contact c : contacts) {
            if (!c.speaksRecords() || c.id().equals(id) || liveness.hasDeparted(c.id())) {
                continue;
            }
            if (server.isDeposed(c.id())) {
                // found gone by this node: back only when it answers this node itself
                continue;
            }
            NodeId holder = addressBook.asMap().putIfAbsent(c.address(), c.id());
            if (holder != null && !holder.equals(c.id())) {
                continue;
            }
            if (membership.add(c)) {
                onNewRecordPeer(c);
            }
        }
    }

    private void pingBeforeEvict(Contact head) {
        endpoint.request(head, head.address(), rpc -> new Message.Ping(id.value(), peerInfo, rpc))
                .whenComplete((r, e) -> {
                    if (e != null) {
                        table.onPingTimeout(head);
                    }
                });
    }

    /** A new node of this project: tell it our subscriptions and hand it the records it now holds (2.5). */
    private void onNewRecordPeer(Contact contact) {
        events.announceTo(contact);
        handOff.newMember(contact);
    }

    /**
     * The nodes a {@code find_node} or {@code find_value} is answered with: the K nearest the target of
     * the routing table and the membership view together, suspects left out. The routing table keeps
     * at most K nodes per bucket, so around a target away from this node's own id it knows only some of
     * the nodes there; the view holds every member this node learnt of, so an answer names the members
     * around the target that this node knows, and a crawl that infers from an answer that it saw every
     * node of a block of the id space is right as far as this node's view is.
     */
    private List<Contact> nearestFor(BigInteger target) {
        List<Contact> fromTable = liveness.liveClosest(table, target, config.k());
        List<Contact> fromView = membership.closest(target, config.k(), c -> liveness.isSuspect(c.id()));
        if (fromView.isEmpty()) {
            return fromTable;
        }
        Map<NodeId, Contact> both = new LinkedHashMap<>();
        for (Contact c : fromTable) {
            both.put(c.id(), c);
        }
        for (Contact c : fromView) {
            both.putIfAbsent(c.id(), c);
        }
        List<Contact> nearest = new ArrayList<>(both.values());
        nearest.sort((a, b) -> a.id().distance(target).compareTo(b.id().distance(target)));
        return nearest.size() <= config.k() ? nearest : new ArrayList<>(nearest.subList(0, config.k()));
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

    // ------------------------------------------------------------------ ownership

    // ------------------------------------------------------------------ ownership

    private record Owners(List<Contact> recordNodes, List<Contact> kadpyNodes) {
    }

    /**
     * The nodes that hold a kad.py-style value: the record nodes of {@link Ownership#replicaSet}, and,
     * when this node knows kad.py nodes, the kad.py nodes among the K nearest (found by an iterative
     * lookup, since kad.py nodes are not in the membership view).
     */
    private CompletableFuture<Owners> ownersOf(BigInteger recordId) {
        List<Contact> records = ownership.replicaSet(recordId);
        boolean kadpyKnown = table.all().stream().anyMatch(c -> !c.speaksRecords());
        if (!kadpyKnown) {
            return CompletableFuture.completedFuture(new Owners(records, List.of()));
        }
        return lookupNodes(recordId).thenApply(found -> {
            List<Contact> kadpy = new ArrayList<>();
            for (Contact c : found) {
                if (!c.speaksRecords()) {
                    kadpy.add(c);
                }
            }
            return new Owners(ownership.replicaSet(recordId), kadpy);
        });
    }

    @Override
    public String toString() {
        return "KadNode[" + id.shortHex() + "@" + transport.localAddress() + "]";
    }

    /**
     * Waits for a future of this node at the edge of a blocking API, through the node's scheduler (so a
     * simulated node waits in virtual time).
     *
     * @param future the future
     * @param timeout how long to wait at most
     * @param what what is waited for, for the exception's message
     * @param <T> the result type
     * @return the result
     * @throws RecordException if it failed, timed out or the wait was interrupted
     */
    public <T> T await(CompletableFuture<T> future, Duration timeout, String what) {
        try {
            return scheduler.await(future, timeout.toMillis());
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

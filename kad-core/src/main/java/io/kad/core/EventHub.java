package io.kad.core;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.record.RecordEvent;
import io.kad.core.routing.Membership;
import io.kad.core.routing.RoutingTable;
import io.kad.core.wire.Message;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's record events: the listeners of this JVM by namespace (local subscribers), the nodes that
 * subscribed to a namespace with a lease (remote subscribers), publishing an event to both, and the
 * one event thread that runs the listeners. Owns the two subscriber maps, both thread-safe: the
 * protocol thread receives subscriptions and events and publishes owner writes, and a caller's thread
 * subscribes, unsubscribes, and publishes a write it applied as owner (a swarm of one). Listeners run
 * on the event thread only, never on the protocol thread.
 */
final class EventHub {

    /** Logs under the node's name: these are the node's messages. */
    private static final Logger LOG = LoggerFactory.getLogger(KadNode.class);

    /** How long a subscription to a namespace's events lasts before it must be renewed. */
    static final long SUBSCRIPTION_LEASE_MILLIS = 60_000;

    private final NodeContext node;
    private final RpcEndpoint endpoint;
    private final RoutingTable table;
    private final Membership membership;
    private final Map<String, List<Consumer<RecordEvent>>> localSubscribers = new ConcurrentHashMap<>();
    private final Map<String, Map<NodeId, RemoteSubscriber>> remoteSubscribers = new ConcurrentHashMap<>();
    /** Contacts per {@link Message.Subscribers}: small enough for one datagram in either dialect. */
    private static final int SUBSCRIBERS_PER_MESSAGE = 20;
    /**
     * The ends of this node's subscriptions still being told to the members, by namespace: a new
     * subscription to the namespace is sent once they are answered, so an end that a datagram's delay
     * brought in after it cannot cancel it.
     */
    private final Map<String, CompletableFuture<Void>> ending = new ConcurrentHashMap<>();
    /** Remote subscriptions held, over all namespaces. */
    private final java.util.concurrent.atomic.AtomicInteger remoteCount = new java.util.concurrent.atomic.AtomicInteger();
    private final ExecutorService eventExecutor;

    private record RemoteSubscriber(Contact contact, long leaseUntil) {
    }

    /** Whether a node answered a request of this node at an address, and the pings that find out. */
    private final AddressVerifier verifier;
    /**
     * The subscribers this node pinged lately because a member told it of them ({@link #onSubscribers}):
     * each at most once a minute, however many members tell.
     */
    private final com.github.benmanes.caffeine.cache.Cache<NodeId, Boolean> subscribersPinged =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(MAX_REMOTE_SUBSCRIPTIONS)
                    .expireAfterWrite(java.time.Duration.ofMinutes(1)).build();

    EventHub(NodeContext node, RpcEndpoint endpoint, RoutingTable table, Membership membership,
             AddressVerifier verifier) {
        this.verifier = verifier;
        this.node = node;
        this.endpoint = endpoint;
        this.table = table;
        this.membership = membership;
        String name = "kad-events-" + node.self().address().getPort();
        this.eventExecutor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Stops the event thread; events still queued are dropped. */
    void close() {
        eventExecutor.shutdownNow();
    }

    /** The most remote subscriptions a node holds, over all namespaces: each costs an event per write. */
    static final int MAX_REMOTE_SUBSCRIPTIONS = 100_000;

    /**
     * A node subscribed to a namespace's events (a lease), renewed its lease, or ended it (no lease).
     *
     * <p>Every subscription multiplies this node's writes into events, so it is taken only from a node
     * that has answered this node at the address it came from: any other is pinged there first and
     * subscribed once it answers (a forged source address gets nothing). An address holds one
     * subscription per namespace (a later id from it replaces the earlier), and the node holds at most
     * {@link #MAX_REMOTE_SUBSCRIPTIONS}; refusals are counted.
     */
    void onSubscribe(InetSocketAddress from, Message.Subscribe sub) {
        NodeId id = new NodeId(sub.peerId(), NodeId.NODE_ID_BITS);
        Map<NodeId, RemoteSubscriber> subs = remoteSubscribers.get(sub.namespace());
        if (sub.leaseMillis() <= 0) {
            RemoteSubscriber current = subs == null ? null : subs.get(id);
            if (current != null && current.contact().address().equals(from)) {
                subs.remove(id, current);
                remoteCount.decrementAndGet();
            }
            confirm(from, sub);
            return;
        }
        Contact known = table.get(id).or(() -> membership.get(id)).orElse(null);
        if (known != null && known.address().equals(from) && verifier.isVerified(id, from)) {
            register(from, sub, known);
            return;
        }
        node.stats().subscriptionsVerified.increment();
        Contact claimed = new Contact(id, from, true);
        endpoint.request(claimed, from, rpc -> new Message.Ping(node.id().value(), node.peerInfo(), rpc))
                .whenComplete((pong, e) -> node.onProtocolThread(() -> {
                    if (e == null && pong.peerId().equals(id.value())) {
                        register(from, sub, claimed);
                    } else if (e == null) {
                        // the address answered, as another node: the id the subscribe claims is not there
                        node.stats().subscriptionsRefused.increment();
                        LOG.debug("subscription of {} to '{}' refused: {} answered as another node", id.shortHex(),
                                sub.namespace(), from);
                    } else {
                        node.stats().subscriptionsRefused.increment();
                        LOG.debug("subscription of {} to '{}' refused: no answer at {}", id.shortHex(),
                                sub.namespace(), from);
                    }
                }));
    }

    private void register(InetSocketAddress from, Message.Subscribe sub, Contact c) {
        Map<NodeId, RemoteSubscriber> subs = remoteSubscribers.computeIfAbsent(sub.namespace(),
                k -> new ConcurrentHashMap<>());
        long lease = Math.min(sub.leaseMillis(), 10 * SUBSCRIPTION_LEASE_MILLIS);
        RemoteSubscriber fresh = new RemoteSubscriber(c, node.scheduler().nowMillis() + lease);
        if (subs.replace(c.id(), fresh) == null) {
            // one subscription per address and namespace: the node now at that address replaces another id
            subs.values().removeIf(s -> s.contact().address().equals(from) && removedOne());
            if (remoteCount.get() >= MAX_REMOTE_SUBSCRIPTIONS) {
                node.stats().subscriptionsRefused.increment();
                LOG.debug("subscription of {} to '{}' refused: {} subscriptions held", c.id().shortHex(),
                        sub.namespace(), MAX_REMOTE_SUBSCRIPTIONS);
                return;
            }
            if (subs.putIfAbsent(c.id(), fresh) == null) {
                remoteCount.incrementAndGet();
            } else {
                subs.put(c.id(), fresh);
            }
        }
        confirm(from, sub);
    }

    private boolean removedOne() {
        remoteCount.decrementAndGet();
        return true;
    }

    private void confirm(InetSocketAddress from, Message.Subscribe sub) {
        if (!sub.rpcId().isMissingNode()) {
            endpoint.send(from, new Message.Pong(node.id().value(), node.peerInfo(), sub.rpcId()));
        }
    }

    /**
     * A new member: tell it the namespaces this node listens to and, if this node is among the members
     * nearest it (so among those that learn of it first, by its join), the nodes subscribed here
     * ({@link Message.Subscribers}). The newcomer may own keys at once, and a subscriber far from it in
     * the id space would learn of it only with its next crawl: until then, writes there would send it no
     * event.
     */
    void announceTo(Contact contact) {
        for (String ns : localSubscribers.keySet()) {
            endpoint.send(contact.address(), new Message.Subscribe(node.id().value(), node.peerInfo(), ns,
                    SUBSCRIPTION_LEASE_MILLIS));
        }
        if (remoteCount.get() == 0 || !amongNearest(contact)) {
            return;
        }
        long now = node.scheduler().nowMillis();
        for (Map.Entry<String, Map<NodeId, RemoteSubscriber>> e : remoteSubscribers.entrySet()) {
            List<Contact> chunk = new ArrayList<>(SUBSCRIBERS_PER_MESSAGE);
            for (RemoteSubscriber s : e.getValue().values()) {
                if (s.leaseUntil() < now || s.contact().id().equals(contact.id())) {
                    continue;
                }
                chunk.add(s.contact());
                if (chunk.size() == SUBSCRIBERS_PER_MESSAGE) {
                    endpoint.send(contact.address(), new Message.Subscribers(node.id().value(), node.peerInfo(),
                            e.getKey(), chunk));
                    chunk = new ArrayList<>(SUBSCRIBERS_PER_MESSAGE);
                }
            }
            if (!chunk.isEmpty()) {
                endpoint.send(contact.address(), new Message.Subscribers(node.id().value(), node.peerInfo(),
                        e.getKey(), chunk));
            }
        }
    }

    /** Whether fewer than a replica set's worth of other members are nearer the contact than this node. */
    private boolean amongNearest(Contact contact) {
        int r = node.config().replication();
        List<Contact> nearest = membership.closest(contact.id().value(), r, c -> c.id().equals(contact.id()));
        if (nearest.size() < r) {
            return true;
        }
        BigInteger mine = node.id().distance(contact.id().value());
        return mine.compareTo(nearest.get(r - 1).id().distance(contact.id().value())) < 0;
    }

    /**
     * A member told this node of nodes subscribed to a namespace at it ({@link #announceTo}): each one not
     * subscribed here is pinged, so it learns of this node and subscribes here ({@link #onSubscribe}).
     * Taken only from a member that answered at the address it came from (any other is pinged there
     * first), and each subscriber is pinged at most once a minute: a forged list makes this node send
     * pings, never events.
     */
    void onSubscribers(InetSocketAddress from, Message.Subscribers told) {
        NodeId sender = new NodeId(told.peerId(), NodeId.NODE_ID_BITS);
        verifier.verify(sender, from).thenAccept(ok -> node.onProtocolThread(() -> {
            if (!ok) {
                node.stats().subscriptionsRefused.increment();
                return;
            }
            Map<NodeId, RemoteSubscriber> subs = remoteSubscribers.get(told.namespace());
            for (Contact c : told.subscribers()) {
                if (!c.speaksRecords() || c.id().equals(node.id()) || (subs != null && subs.containsKey(c.id()))
                        || subscribersPinged.asMap().putIfAbsent(c.id(), Boolean.TRUE) != null) {
                    continue;
                }
                // no contact to blame if it stays silent: the list may pair a real node's id with another address
                endpoint.request(null, c.address(), rpc -> new Message.Ping(node.id().value(), node.peerInfo(), rpc));
            }
        }));
    }

    /** Renews this node's subscriptions at every member, before their leases run out. */
    void renewLeases() {
        for (String ns : localSubscribers.keySet()) {
            for (Contact c : membership.all()) {
                endpoint.send(c.address(), new Message.Subscribe(node.id().value(), node.peerInfo(), ns,
                        SUBSCRIPTION_LEASE_MILLIS));
            }
        }
    }

    /** Sends an event to the namespace's subscribers, except the node whose request caused it. */
    void publish(RecordEvent event) {
        if (!event.origin().equals(node.id().value())) {
            deliverLocally(event);
        }
        Map<NodeId, RemoteSubscriber> subs = remoteSubscribers.get(event.namespace());
        if (subs == null || subs.isEmpty()) {
            return;
        }
        long now = node.scheduler().nowMillis();
        for (RemoteSubscriber s : subs.values()) {
            if (s.leaseUntil() < now) {
                if (subs.remove(s.contact().id(), s)) {
                    remoteCount.decrementAndGet();
                }
            } else if (!s.contact().id().value().equals(event.origin())) {
                if (endpoint.send(s.contact().address(), new Message.Event(node.id().value(), node.peerInfo(), event))) {
                    node.stats().eventsSent.increment();
                }
            }
        }
    }

    void deliverLocally(RecordEvent event) {
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
        } catch (RejectedExecutionException e) {
            LOG.debug("event dropped: node closing");
        }
    }

    /** See {@link io.kad.core.record.RecordClient#subscribe}. */
    CompletableFuture<AutoCloseable> subscribe(String namespace, Consumer<RecordEvent> listener) {
        boolean[] firstOfNamespace = new boolean[1];
        // add and remove happen inside compute, so a last unsubscribe and a new subscribe cannot
        // leave a listener in a list that is no longer registered
        localSubscribers.compute(namespace, (k, current) -> {
            List<Consumer<RecordEvent>> list = current != null ? current : new CopyOnWriteArrayList<>();
            firstOfNamespace[0] = list.isEmpty();
            list.add(listener);
            return list;
        });
        AutoCloseable handle = () -> {
            boolean[] lastOfNamespace = new boolean[1];
            localSubscribers.computeIfPresent(namespace, (k, list) -> {
                list.remove(listener);
                lastOfNamespace[0] = list.isEmpty();
                return list.isEmpty() ? null : list;
            });
            if (lastOfNamespace[0]) {
                // each member confirms the end, and a later subscription to the namespace waits for that (or
                // a request timeout: an end lost costs only events sent until the lease runs out)
                List<CompletableFuture<Message.Reply>> ends = new ArrayList<>();
                for (Contact c : membership.all()) {
                    ends.add(endpoint.request(c, c.address(), rpc -> new Message.Subscribe(node.id().value(),
                            node.peerInfo(), namespace, 0, rpc)));
                }
                CompletableFuture<Void> ended = allSettled(ends, "end of the subscription to '" + namespace + "'");
                ending.put(namespace, ended);
                ended.whenComplete((v, e) -> ending.remove(namespace, ended));
            }
        };
        if (!firstOfNamespace[0]) {
            return CompletableFuture.completedFuture(handle);
        }
        // every member, each confirming: events of writes made after this completes reach the listener
        CompletableFuture<Void> previousEnd = ending.getOrDefault(namespace, CompletableFuture.completedFuture(null));
        return previousEnd.thenCompose(ignored -> {
            List<CompletableFuture<Message.Reply>> confirmations = new ArrayList<>();
            for (Contact c : membership.all()) {
                confirmations.add(endpoint.requestRetrying(c, rpc -> new Message.Subscribe(node.id().value(),
                        node.peerInfo(), namespace, SUBSCRIPTION_LEASE_MILLIS, rpc), RpcEndpoint.RPC_ATTEMPTS));
            }
            return allSettled(confirmations, "subscription to '" + namespace + "'");
        }).thenApply(v -> handle);
    }

    /** Completes once every request has an answer or failed (failures logged, not passed on). */
    private static CompletableFuture<Void> allSettled(List<CompletableFuture<Message.Reply>> requests, String what) {
        return CompletableFuture.allOf(requests.stream().map(f -> f.handle((r, e) -> {
            if (e != null) {
                LOG.debug("{} not confirmed: {}", what, e.toString());
            }
            return null;
        })).toArray(CompletableFuture[]::new));
    }
}

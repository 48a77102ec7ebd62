package io.kad.core;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.record.RecordEngine;
import io.kad.core.record.RecordException;
import io.kad.core.record.RecordIds;
import io.kad.core.routing.Membership;
import io.kad.core.wire.Message;
import io.kad.spi.KeyHashFunction;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Lists a namespace's keys on every member of the swarm: the members of this node's view, and the
 * members their first pages name (so a scan reaches the nodes this node did not know), with at most
 * {@link #SCAN_PARALLELISM} requests in flight. One object per scan; it owns the keys found, the members
 * seen and the frontier still to ask, all touched on the protocol thread only.
 */
final class SwarmScan {

    /** Scan requests a namespace scan keeps in flight at once. */
    private static final int SCAN_PARALLELISM = 32;

    private final NodeContext node;
    private final KeyHashFunction hash;
    private final RecordEngine engine;
    private final RpcEndpoint endpoint;
    private final Membership membership;
    /** Learns the members a scan page names. */
    private final Consumer<List<Contact>> learn;
    private final String namespace;
    private final long deadline;
    private final Map<BigInteger, byte[]> keys = new HashMap<>();
    private final Set<NodeId> seen = new HashSet<>();
    private final ArrayDeque<Contact> frontier = new ArrayDeque<>();
    private final CompletableFuture<List<byte[]>> done = new CompletableFuture<>();
    private int inFlight;

    private SwarmScan(NodeContext node, KeyHashFunction hash, RecordEngine engine, RpcEndpoint endpoint,
                      Membership membership, Consumer<List<Contact>> learn, String namespace) {
        this.node = node;
        this.hash = hash;
        this.engine = engine;
        this.endpoint = endpoint;
        this.membership = membership;
        this.learn = learn;
        this.namespace = namespace;
        this.deadline = node.deadline();
    }

    /**
     * Starts a scan on the protocol thread.
     *
     * @return completes with every key found, or fails if the scan did not reach every member in time
     */
    static CompletableFuture<List<byte[]>> run(NodeContext node, KeyHashFunction hash, RecordEngine engine,
                                               RpcEndpoint endpoint, Membership membership,
                                               Consumer<List<Contact>> learn, String namespace) {
        SwarmScan scan = new SwarmScan(node, hash, engine, endpoint, membership, learn, namespace);
        node.scheduler().execute(scan::start);
        return scan.done;
    }

    private void start() {
        for (StoredRecord r : engine.scan(namespace, null, Integer.MAX_VALUE)) {
            BigInteger id = RecordIds.of(hash, namespace, r.key());
            if (id.equals(r.id())) { // as on a scan page served to others: a mismatched record is not listed
                keys.put(id, r.key());
            }
        }
        offer(membership.all());
        pump();
    }

    private void offer(List<Contact> contacts) {
        for (Contact c : contacts) {
            if (c.speaksRecords() && !c.id().equals(node.id()) && seen.add(c.id())) {
                frontier.add(c);
            }
        }
    }

    private void pump() {
        if (done.isDone()) {
            return;
        }
        if (node.scheduler().nowMillis() >= deadline) {
            done.completeExceptionally(new RecordException("scan of '" + namespace + "' did not reach every node"
                    + " within " + node.config().operationTimeout().toMillis() + " ms (" + frontier.size()
                    + " left)"));
            return;
        }
        while (inFlight < SCAN_PARALLELISM && !frontier.isEmpty()) {
            Contact c = frontier.poll();
            inFlight++;
            page(c, null);
        }
        if (inFlight == 0 && frontier.isEmpty()) {
            done.complete(new ArrayList<>(keys.values()));
        }
    }

    private void page(Contact c, BigInteger after) {
        endpoint.requestRetrying(c, rpc -> new Message.Scan(node.id().value(), node.peerInfo(), rpc, namespace, after,
                RecordServer.SCAN_PAGE), RpcEndpoint.RPC_ATTEMPTS).whenComplete((reply, e) -> node.scheduler().execute(() -> {
                    if (e == null && reply instanceof Message.ScanReply sr) {
                        learn.accept(sr.neighbours());
                        offer(sr.neighbours());
                        for (byte[] k : sr.keys()) {
                            keys.putIfAbsent(RecordIds.of(hash, namespace, k), k);
                        }
                        if (sr.next() != null) {
                            page(c, sr.next());
                            return;
                        }
                    }
                    // a node that does not answer holds nothing we can list: its replicas do
                    inFlight--;
                    pump();
                }));
    }
}

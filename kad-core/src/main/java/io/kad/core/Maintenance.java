package io.kad.core;

import io.kad.core.id.Contact;
import io.kad.core.record.RecordEngine;
import io.kad.core.routing.RoutingTable;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's periodic maintenance, as a job its scheduler runs every tick ({@link #tick()}): refreshes
 * the buckets nobody looked up lately (paper 2.3), renews this node's event subscriptions, republishes
 * the records to their current replica sets (2.5) and reclaims expired records and tombstones. Owns
 * when it last republished and reclaimed; touched on the protocol thread only.
 */
final class Maintenance {

    /** Logs under the node's name: these are the node's messages. */
    private static final Logger LOG = LoggerFactory.getLogger(KadNode.class);

    private final NodeContext node;
    private final RecordEngine engine;
    private final RpcEndpoint endpoint;
    private final RoutingTable table;
    private final Ownership ownership;
    private final EventHub events;
    private final HandOff handOff;
    /** Looks up the nodes nearest a target: a bucket refresh. */
    private final Consumer<BigInteger> refresh;
    private long lastReclaim;
    private long lastRepublish;

    Maintenance(NodeContext node, RecordEngine engine, RpcEndpoint endpoint, RoutingTable table, Ownership ownership,
                EventHub events, HandOff handOff, Consumer<BigInteger> refresh) {
        this.node = node;
        this.engine = engine;
        this.endpoint = endpoint;
        this.table = table;
        this.ownership = ownership;
        this.events = events;
        this.handOff = handOff;
        this.refresh = refresh;
    }

    /** Schedules the next tick. */
    void schedule() {
        NodeConfig config = node.config();
        long period = Math.min(config.refreshInterval().toMillis(), config.republishInterval().toMillis());
        long tick = Math.max(1000, Math.min(period, EventHub.SUBSCRIPTION_LEASE_MILLIS / 3));
        node.scheduler().schedule(this::tick, tick);
    }

    private void tick() {
        if (endpoint.closed()) {
            return;
        }
        try {
            long now = node.scheduler().nowMillis();
            for (BigInteger target : table.refreshTargets(now, node.config().refreshInterval().toMillis(),
                    node.random())) {
                refresh.accept(target);
            }
            events.renewLeases();
            republishIfDue(now);
            reclaimIfDue(now);
        } finally {
            schedule();
        }
    }

    /**
     * Drops records that expired more than the grace ago, at most every half grace (and at most once a
     * maintenance tick), so a reclaimed record stayed between one grace and 1.5 graces plus a tick.
     */
    private void reclaimIfDue(long now) {
        long grace = node.config().expiryGrace().toMillis();
        if (now - lastReclaim < grace / 2) {
            return;
        }
        lastReclaim = now;
        int removed = engine.reclaim(grace);
        if (removed > 0) {
            LOG.debug("node {} reclaimed {} expired records and tombstones", node.id().shortHex(), removed);
        }
    }

    /** Re-copies every record to its current replica set (paper 2.5), so records follow churn. */
    private void republishIfDue(long now) {
        if (lastRepublish == 0) {
            lastRepublish = now;
            return;
        }
        if (now - lastRepublish < node.config().republishInterval().toMillis()) {
            return;
        }
        lastRepublish = now;
        Map<Contact, List<StoredRecord>> batches = new HashMap<>();
        for (StoredRecord r : engine.snapshot()) {
            if ((r.key().length == 0 && r.namespace().isEmpty()) || engine.dueForReclaim(r)) {
                // a tombstone due for reclaim is not sent back to holders that may have reclaimed it
                continue;
            }
            for (Contact c : ownership.replicaSet(r.id())) {
                if (!c.id().equals(node.id())) {
                    batches.computeIfAbsent(c, x -> new ArrayList<>()).add(r);
                }
            }
        }
        // to members this node verified at their address only: a member may be hearsay at a forged address
        batches.forEach(handOff::sendCopiesIfVerified);
    }
}

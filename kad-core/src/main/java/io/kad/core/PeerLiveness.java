package io.kad.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.routing.RoutingTable;
import io.kad.core.transport.Scheduler;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a node believes of its peers' liveness beyond its routing table, without I/O: the suspects
 * (silent since a request to them timed out) and the departed (they said they were leaving). Owns those
 * two maps, both thread-safe: the protocol thread updates them as datagrams arrive and requests time
 * out, and a caller's thread reads the suspects when it picks a record's owner.
 */
final class PeerLiveness {

    /** How long a contact that timed out is passed over before it is given another chance. */
    private static final long SUSPECT_MILLIS = 30_000;

    private final Scheduler scheduler;
    /**
     * Contacts whose last request timed out and that have not been heard from since, with the time of
     * the failure. The routing table keeps a silent contact while no replacement is waiting (paper
     * 4.1); records must not wait on it, so ownership and lookups pass over suspects.
     */
    private final Map<NodeId, Long> suspects = new ConcurrentHashMap<>();
    /**
     * Nodes that said they were leaving, with when: a datagram of theirs that was already on its way
     * (a late reply) must not put them back into the table. A request from one (a restart under the
     * same id joins with requests) clears the entry.
     */
    private final Cache<NodeId, Boolean> departed;
    /** When each node was last heard from (a datagram of its arrived), bounded like the membership view. */
    private final Cache<NodeId, Long> lastHeard = Caffeine.newBuilder().maximumSize(200_000)
            .executor(Runnable::run).build();
    /** When each node last answered a request of this node's, bounded like the membership view. */
    private final Cache<NodeId, Long> lastAnswered = Caffeine.newBuilder().maximumSize(200_000)
            .executor(Runnable::run).build();

    PeerLiveness(Scheduler scheduler) {
        this.scheduler = scheduler;
        // on the node's clock (virtual time in a simulation)
        this.departed = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1))
                .ticker(() -> java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(scheduler.nowMillis()))
                .executor(Runnable::run).build();
    }

    /** A request to the node timed out, or a check of this node's own found it unreachable. */
    void suspect(NodeId node, long now) {
        suspects.put(node, now);
    }

    /** The node was heard from: no longer a suspect. */
    void heardFrom(NodeId node) {
        suspects.remove(node);
        lastHeard.put(node, scheduler.nowMillis());
    }

    /**
     * @param node a node
     * @param millis a span of time
     * @return whether a datagram of the node's arrived within that span (it was alive then)
     */
    boolean heardWithin(NodeId node, long millis) {
        Long at = lastHeard.getIfPresent(node);
        return at != null && scheduler.nowMillis() - at <= millis;
    }

    /** The node answered a record request of this node's: it gets what this node sends, and serves records. */
    void answered(NodeId node) {
        lastAnswered.put(node, scheduler.nowMillis());
    }

    /**
     * @param node a node
     * @param millis a span of time
     * @return whether the node answered a record request of this node's within that span
     */
    boolean answeredWithin(NodeId node, long millis) {
        Long at = lastAnswered.getIfPresent(node);
        return at != null && scheduler.nowMillis() - at <= millis;
    }

    boolean isSuspect(NodeId contact) {
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

    /** The node said it was leaving. */
    void departed(NodeId leaver) {
        departed.put(leaver, Boolean.TRUE);
        suspects.remove(leaver);
    }

    boolean hasDeparted(NodeId node) {
        return departed.getIfPresent(node) != null;
    }

    /** A departed node sent a request: it came back (a restart under the same id). */
    void returned(NodeId node) {
        departed.invalidate(node);
    }

    /** The table's contacts nearest a target, passing over suspects (silent since their last timeout). */
    List<Contact> liveClosest(RoutingTable table, BigInteger target, int n) {
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
}

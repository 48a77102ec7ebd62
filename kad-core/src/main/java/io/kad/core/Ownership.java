package io.kad.core;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.routing.Membership;
import io.kad.core.routing.RoutingTable;
import io.kad.core.wire.MessageCodec;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Who holds a record, as far as this node knows: replica sets, the owner a request goes to, and the
 * nodes nearer a record than this one, all resolved from the membership view with no request
 * (principle 9). Holds no state of its own: it reads the {@link Membership} view (thread-safe; learnt
 * on the protocol thread) and the suspects of {@link PeerLiveness}, from the protocol thread or a
 * caller's thread.
 */
final class Ownership {

    /** How many contacts a redirect or a scan's first page carries. */
    static final int NEIGHBOURS = 20;

    private final NodeContext node;
    private final Membership membership;
    private final RoutingTable table;
    private final PeerLiveness liveness;
    /**
     * The id farthest from this node in the view's id space (its complement in
     * {@link NodeId#NODE_ID_BITS} bits): every member is nearer it than this node, so a member is nearer it
     * exactly when the view has a member at all.
     */
    private final BigInteger farthestFromSelf;

    Ownership(NodeContext node, Membership membership, RoutingTable table, PeerLiveness liveness) {
        this.node = node;
        this.membership = membership;
        this.table = table;
        this.liveness = liveness;
        BigInteger allOnes = BigInteger.ONE.shiftLeft(NodeId.NODE_ID_BITS).subtract(BigInteger.ONE);
        this.farthestFromSelf = node.id().value().xor(allOnes);
    }

    /**
     * This node's view of the record-holding nodes nearest an id: itself included, nearest first,
     * suspects passed over. Resolved from the membership view, with no request.
     */
    List<Contact> replicaSet(BigInteger recordId) {
        int replication = node.config().replication();
        List<Contact> candidates = new ArrayList<>(membership.closest(recordId, replication,
                c -> liveness.isSuspect(c.id())));
        candidates.add(node.self());
        candidates.sort(Comparator.comparing(c -> c.id().distance(recordId)));
        return candidates.size() <= replication ? candidates : candidates.subList(0, replication);
    }

    /**
     * Whether a node could be one of a record's holders, as far as this node can tell: fewer than
     * {@code replication + K} record nodes this node knows (itself included, suspects passed over) are
     * nearer the record than it. A copy comes from the record's owner or another holder (a write's
     * copies, a republish, a hand-off to a newcomer), all of them near the record. The slack of K covers
     * views that differ: a holder pushed down by nodes that joined since its view was taken, a sender
     * this node does not know yet, and a view of this node's that is incomplete only makes the check
     * looser, never stricter. The sender's id is the one it claims: this bounds who may send copies of
     * a record to the nodes near it, not who may claim such an id.
     *
     * @param recordId the record id
     * @param sender the id the copy's sender gave
     * @return whether the copy may be taken
     */
    boolean couldHold(BigInteger recordId, NodeId sender) {
        int limit = node.config().replication() + node.config().k();
        BigInteger distance = sender.distance(recordId);
        int nearer = node.id().distance(recordId).compareTo(distance) < 0 ? 1 : 0;
        for (Contact c : membership.closest(recordId, limit, m -> liveness.isSuspect(m.id()))) {
            if (c.id().distance(recordId).compareTo(distance) >= 0) {
                break;
            }
            if (++nearer >= limit) {
                return false;
            }
        }
        return true;
    }

    /**
     * The nearest holder of a record an operation has not given up on: this node's view, minus the
     * nodes the operation found unreachable and the suspects; this node itself if it is nearer.
     */
    Contact nearestHolder(BigInteger recordId, List<Contact> unreachable) {
        List<Contact> near = membership.closest(recordId, node.config().replication() + unreachable.size(),
                c -> unreachable.contains(c) || liveness.isSuspect(c.id()));
        Contact best = node.self();
        for (Contact c : near) {
            if (c.id().distance(recordId).compareTo(best.id().distance(recordId)) < 0) {
                best = c;
            }
        }
        return best;
    }

    /**
     * Whether this node owns a record as far as it knows: no member of its view is nearer, suspects
     * included (a silent node is not a dead one), the same test as {@link #nearerThanSelf} being empty,
     * answered without building a list.
     */
    boolean ownsAsFarAsKnown(BigInteger recordId) {
        return !membership.anyNearerThanSelf(recordId);
    }

    /**
     * Whether the membership view is empty: this node is alone as far as it knows, and so owns every
     * record ({@link #ownsAsFarAsKnown} of any id), which is answered without the id.
     */
    boolean knowsNoMember() {
        // the view's emptiness test, answered in one probe: no member is nearer the farthest id than this
        // node only when there is no member
        return !membership.anyNearerThanSelf(farthestFromSelf);
    }

    /**
     * The record nodes this node knows nearer a record than itself, nearest first, but for the ones a
     * requester could not reach: empty when this node is the owner as far as it knows. Suspects count
     * (a silent node is not a dead one): only a failed check of this node's own removes a node.
     */
    List<Contact> nearerThanSelf(BigInteger recordId, List<BigInteger> unreachable) {
        BigInteger mine = node.id().distance(recordId);
        List<Contact> nearer = new ArrayList<>();
        for (Contact c : membership.closest(recordId, NEIGHBOURS, null)) {
            if (c.id().distance(recordId).compareTo(mine) >= 0) {
                break;
            }
            if (!unreachable.contains(c.id().value())) {
                nearer.add(c);
            }
        }
        return nearer;
    }

    /**
     * The contacts a scan's first page names: this node's nearest members and a couple from each bucket
     * of its table, so that a walk over the answers reaches every region of the id space.
     */
    List<Contact> scanNeighbours() {
        LinkedHashSet<Contact> out = new LinkedHashSet<>(membership.closest(node.id().value(), NEIGHBOURS, null));
        for (Contact c : table.sample(2)) {
            if (c.speaksRecords() && out.size() < MessageCodec.MAX_NEAREST) {
                out.add(c);
            }
        }
        return new ArrayList<>(out);
    }
}

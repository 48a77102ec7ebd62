package io.kad.core.lookup;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The iterative node lookup of Maymounkov &amp; Mazi&egrave;res 2002, section 2.3, as a state machine:
 * the driver asks {@link #next(long)} what to do, sends the requests it is told to, and reports each
 * outcome back. No I/O, no threads, no clock of its own.
 *
 * <ul>
 *   <li>never more than {@code alpha} requests in flight, and never two requests to the same node;
 *   <li>it queries, closest first, the not yet queried among the {@code k} closest known contacts that
 *       have not failed, and learns contacts from each answer;
 *   <li>it finishes when those {@code k} closest have all answered and nothing is in flight
 *       (converged), when no candidate is left, or, for a {@link Kind#VALUE} lookup, at the first
 *       value;
 *   <li>contacts are identified by id; the local node is never queried nor returned; failed contacts
 *       are never returned;
 *   <li>a per-request timeout is the driver's: it reports it with {@link #onFailure} (see
 *       {@link #timedOut});
 *   <li>events about unknown contacts, contacts not in flight, or arriving after the end are ignored;
 *   <li>not thread-safe: one thread drives a lookup.
 * </ul>
 */
public final class Lookup {

    /** Parallelism of lookups: requests in flight at once (paper section 2.3). */
    public static final int ALPHA = 3;

    /** What the lookup is after. */
    public enum Kind {
        /** The {@code k} closest nodes to the target ({@code find_node}). */
        NODE,
        /** A value stored under the target ({@code find_value}); ends at the first node that has it. */
        VALUE
    }

    /**
     * {@code SLOW}: in flight for longer than the peer timeout; it no longer holds one of the alpha slots
     * nor delays the end, but its answer is still taken if it comes before the end.
     */
    private enum State { NOT_CONTACTED, IN_FLIGHT, SLOW, SUCCEEDED, FAILED, HAD_VALUE }

    private static final class Peer {
        final Contact contact;
        final BigInteger distance;
        final int depth;
        State state = State.NOT_CONTACTED;
        long sentAt;

        Peer(Contact contact, BigInteger distance, int depth) {
            this.contact = contact;
            this.distance = distance;
            this.depth = depth;
        }
    }

    private static final Comparator<Peer> BY_DISTANCE = Comparator
            .comparing((Peer p) -> p.distance)
            .thenComparingInt(p -> p.contact.id().bits());

    private final BigInteger target;
    private final int k;
    private final int alpha;
    private final NodeId self;
    private final Kind kind;
    private final long peerTimeoutMillis;
    private final Map<NodeId, Peer> peers = new HashMap<>();
    private final TreeSet<Peer> byDistance = new TreeSet<>(BY_DISTANCE);

    private int inFlight;
    private int queriesSent;
    private int responses;
    private int failures;
    private int rounds;
    private Step.Finished finished;

    /**
     * @param target the id looked up (may be wider than node ids)
     * @param initial the contacts to start from, usually the routing table's closest to {@code target}
     * @param k how many closest nodes to find, at least 1
     * @param alpha the parallelism, at least 1 (usually {@link #ALPHA})
     * @param self the local node's id, never queried nor returned
     * @param kind whether the lookup is after nodes or a value
     */
    public Lookup(BigInteger target, Collection<Contact> initial, int k, int alpha, NodeId self, Kind kind) {
        this(target, initial, k, alpha, self, kind, Long.MAX_VALUE);
    }

    /**
     * A lookup that stops waiting for a peer after {@code peerTimeoutMillis}: from then on the peer
     * frees its slot for the next candidate (rust-libp2p's {@code ClosestPeersIter} does the same), though
     * its late answer is still used. The driver must call {@link #next} at that time to let it happen.
     *
     * @param target the id looked up (may be wider than node ids)
     * @param initial the contacts to start from, usually the routing table's closest to {@code target}
     * @param k how many closest nodes to find, at least 1
     * @param alpha the parallelism, at least 1 (usually {@link #ALPHA})
     * @param self the local node's id, never queried nor returned
     * @param kind whether the lookup is after nodes or a value
     * @param peerTimeoutMillis how long a query holds its slot, at least 1
     */
    public Lookup(BigInteger target, Collection<Contact> initial, int k, int alpha, NodeId self, Kind kind,
                  long peerTimeoutMillis) {
        if (peerTimeoutMillis < 1) {
            throw new IllegalArgumentException("peer timeout must be at least 1 ms, was " + peerTimeoutMillis);
        }
        this.peerTimeoutMillis = peerTimeoutMillis;
        this.target = Objects.requireNonNull(target, "target");
        if (target.signum() < 0) {
            throw new IllegalArgumentException("target must not be negative: " + target);
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, was " + k);
        }
        if (alpha < 1) {
            throw new IllegalArgumentException("alpha must be at least 1, was " + alpha);
        }
        this.k = k;
        this.alpha = alpha;
        this.self = Objects.requireNonNull(self, "self");
        this.kind = Objects.requireNonNull(kind, "kind");
        for (Contact c : Objects.requireNonNull(initial, "initial")) {
            learn(c, 1);
        }
    }

    /**
     * Says what to do next. Call it after construction and after every event until it returns
     * {@link Step.Waiting} or {@link Step.Finished}; each {@link Step.Query} is already counted in flight.
     *
     * @param nowMillis the current time, remembered as the send time of a query
     * @return the next step; {@link Step.Finished} again and again once finished
     */
    public Step next(long nowMillis) {
        if (finished != null) {
            return finished;
        }
        if (inFlight > 0 && peerTimeoutMillis != Long.MAX_VALUE) {
            for (Peer p : byDistance) {
                if (p.state == State.IN_FLIGHT && nowMillis - p.sentAt >= peerTimeoutMillis) {
                    p.state = State.SLOW;
                    inFlight--;
                }
            }
        }
        Peer candidate = null;
        int considered = 0;
        for (Peer p : byDistance) {
            if (considered == k) {
                break;
            }
            if (p.state == State.FAILED || p.state == State.SLOW) {
                continue;
            }
            considered++;
            if (p.state == State.NOT_CONTACTED) {
                candidate = p;
                break;
            }
        }
        if (candidate != null) {
            if (inFlight >= alpha) {
                return new Step.Waiting();
            }
            candidate.state = State.IN_FLIGHT;
            candidate.sentAt = nowMillis;
            inFlight++;
            queriesSent++;
            return new Step.Query(candidate.contact);
        }
        if (inFlight > 0) {
            return new Step.Waiting();
        }
        return finish(Optional.empty());
    }

    /**
     * {@code from} answered with the contacts it knows closest to the target.
     *
     * @param from the contact that answered
     * @param closer the contacts in its answer (self, duplicates and known ones are skipped)
     * @param nowMillis the current time
     */
    public void onResponse(Contact from, List<Contact> closer, long nowMillis) {
        Objects.requireNonNull(closer, "closer");
        Peer p = inFlightPeer(from);
        if (p == null) {
            return;
        }
        release(p);
        p.state = State.SUCCEEDED;
        responses++;
        rounds = Math.max(rounds, p.depth);
        for (Contact c : closer) {
            learn(c, p.depth + 1);
        }
    }

    /**
     * {@code from} answered with the value: a {@link Kind#VALUE} lookup finishes at once.
     *
     * @param from the contact that answered
     * @param nowMillis the current time
     * @throws IllegalStateException for a {@link Kind#NODE} lookup, which never asks for values
     */
    public void onValueFound(Contact from, long nowMillis) {
        if (kind != Kind.VALUE) {
            throw new IllegalStateException("a NODE lookup does not look for values");
        }
        Peer p = inFlightPeer(from);
        if (p == null) {
            return;
        }
        release(p);
        p.state = State.HAD_VALUE;
        responses++;
        rounds = Math.max(rounds, p.depth);
        finish(Optional.of(p.contact));
    }

    /**
     * The request to {@code from} failed (timeout or error): it is never queried again nor returned.
     *
     * @param from the contact that failed
     * @param nowMillis the current time
     */
    public void onFailure(Contact from, long nowMillis) {
        Peer p = inFlightPeer(from);
        if (p == null) {
            return;
        }
        release(p);
        p.state = State.FAILED;
        failures++;
    }

    /**
     * Helps a driver that enforces a per-request timeout by polling.
     *
     * @param nowMillis the current time
     * @param timeoutMillis the request timeout
     * @return the in-flight contacts queried at least {@code timeoutMillis} ago, to report with
     *     {@link #onFailure}
     */
    public List<Contact> timedOut(long nowMillis, long timeoutMillis) {
        List<Contact> out = new ArrayList<>();
        if (finished != null) {
            return out;
        }
        for (Peer p : byDistance) {
            if ((p.state == State.IN_FLIGHT || p.state == State.SLOW) && nowMillis - p.sentAt >= timeoutMillis) {
                out.add(p.contact);
            }
        }
        return out;
    }

    /** @return the id looked up */
    public BigInteger target() {
        return target;
    }

    /** @return whether the lookup is after nodes or a value */
    public Kind kind() {
        return kind;
    }

    /** @return whether {@link #next} returns {@link Step.Finished} */
    public boolean isFinished() {
        return finished != null;
    }

    /** @return the number of requests in flight */
    public int inFlight() {
        return inFlight;
    }

    /** @return the number of queries handed out by {@link #next} */
    public int queriesSent() {
        return queriesSent;
    }

    /** @return the number of answers received (nodes or value) */
    public int responses() {
        return responses;
    }

    /** @return the number of failed requests */
    public int failures() {
        return failures;
    }

    /** @return the hop depth reached so far (see {@link Step.Finished#rounds()}) */
    public int rounds() {
        return rounds;
    }

    private Peer inFlightPeer(Contact from) {
        Objects.requireNonNull(from, "from");
        if (finished != null) {
            return null;
        }
        Peer p = peers.get(from.id());
        return p != null && (p.state == State.IN_FLIGHT || p.state == State.SLOW) ? p : null;
    }

    /** A slow peer gave its slot back already. */
    private void release(Peer p) {
        if (p.state == State.IN_FLIGHT) {
            inFlight--;
        }
    }

    private void learn(Contact c, int depth) {
        Objects.requireNonNull(c, "contact");
        if (c.id().equals(self) || peers.containsKey(c.id())) {
            return;
        }
        Peer p = new Peer(c, c.id().distance(target), depth);
        peers.put(c.id(), p);
        byDistance.add(p);
    }

    private Step.Finished finish(Optional<Contact> valueFrom) {
        List<Contact> closest = new ArrayList<>(k);
        for (Peer p : byDistance) {
            if (closest.size() == k) {
                break;
            }
            if (p.state == State.SUCCEEDED) {
                closest.add(p.contact);
            }
        }
        finished = new Step.Finished(closest, valueFrom, rounds);
        return finished;
    }
}

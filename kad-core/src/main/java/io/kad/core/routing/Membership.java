package io.kad.core.routing;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Predicate;

/**
 * A node's view of the whole swarm's record-speaking members, ordered by id, so that the nodes nearest
 * any record id (its replica set) are found locally in {@code O(log n)} instead of by an iterative
 * lookup. The routing table keeps only K contacts per bucket, exact near the local node and sparse far
 * from it; this view keeps every member it has learnt of, up to a bound.
 *
 * <p>Contract:
 * <ul>
 *   <li>members are learnt from traffic, lookup answers and the crawl, and forgotten when they leave or
 *       fail a check; the local node is never a member;</li>
 *   <li>at most {@link #capacity()} members: a new member beyond it is refused (counted), the known
 *       ones stay, so memory stays bounded whatever peers announce;</li>
 *   <li>{@link #closest} is lock-free and safe from any thread; mutations too (a concurrent skip list),
 *       though the node makes them from its protocol thread;</li>
 *   <li>ids of the view are node ids ({@link NodeId#NODE_ID_BITS} bits); a wider record id orders the
 *       members by its low bits only, since its high bits are XORed with zeros for every node alike;</li>
 *   <li>ids are held as two 64-bit words, so that ordering, XOR distance and the search below
 *       allocate nothing per member: the view is read on every record operation.</li>
 * </ul>
 */
public final class Membership {

    /** The default bound on members: 200,000 contacts take some tens of megabytes. */
    public static final int DEFAULT_CAPACITY = 200_000;

    private static final int ID_BITS = NodeId.NODE_ID_BITS;

    private final NodeId self;
    private final Id128 selfKey;
    private final int capacity;
    private final ConcurrentSkipListMap<Id128, Contact> members = new ConcurrentSkipListMap<>();
    /** How many removals the view remembers, for {@link #removedNearerSince}. */
    private static final int REMOVAL_LOG = 1024;
    /** The ids of the last removed members, a ring indexed by removal count; guards {@link #removals}. */
    private final BigInteger[] removedLog = new BigInteger[REMOVAL_LOG];
    private long removals;
    private volatile long refused;

    /**
     * @param self the local node's id, never a member
     * @param capacity the most members kept, at least 1
     */
    public Membership(NodeId self, int capacity) {
        this.self = Objects.requireNonNull(self, "self");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.capacity = capacity;
        this.selfKey = Id128.of(self.value());
    }

    /**
     * Learns a member. A known member keeps its address: only {@link #moved} changes it, once the node
     * has answered at the new one, so that hearsay or a replayed datagram cannot re-point it.
     *
     * @param c the contact; ignored unless it speaks the record protocol and is not the local node
     * @return whether it was not a member before
     */
    public boolean add(Contact c) {
        Objects.requireNonNull(c, "contact");
        if (!c.speaksRecords() || c.id().equals(self)) {
            return false;
        }
        Id128 key = Id128.of(c.id().value());
        if (members.containsKey(key)) {
            return false;
        }
        if (members.size() >= capacity) {
            refused++;
            return false;
        }
        return members.putIfAbsent(key, c) == null;
    }

    /**
     * Moves a known member to the address it answered from.
     *
     * @param c the member, with its new address
     * @return whether it was a member
     */
    public boolean moved(Contact c) {
        Objects.requireNonNull(c, "contact");
        return members.replace(Id128.of(c.id().value()), c) != null;
    }

    /**
     * @param id a node id
     * @return the member with that id, if any
     */
    public java.util.Optional<Contact> get(NodeId id) {
        return java.util.Optional.ofNullable(members.get(Id128.of(id.value())));
    }

    /**
     * Forgets a member.
     *
     * @param id its id
     * @return whether it was a member
     */
    public boolean remove(NodeId id) {
        boolean removed = members.remove(Id128.of(id.value())) != null;
        if (removed) {
            synchronized (removedLog) {
                removedLog[(int) (removals % REMOVAL_LOG)] = id.value();
                removals++;
            }
        }
        return removed;
    }

    /**
     * @return how many members were removed so far: a mark for {@link #removedNearerSince}
     */
    public long removals() {
        synchronized (removedLog) {
            return removals;
        }
    }

    /**
     * Whether a member nearer a target than a given distance was removed since a mark: a node that
     * acted as a record's owner knows from this whether a nearer node may have acted as its owner in
     * between (it was in the view, and is gone). Answers {@code true} when the removals since the mark
     * are more than this view remembers.
     *
     * @param since a mark of {@link #removals()}
     * @param target a record id
     * @param distance a distance to the target (this node's own)
     * @return whether a member nearer than that was removed since the mark
     */
    public boolean removedNearerSince(long since, BigInteger target, BigInteger distance) {
        synchronized (removedLog) {
            if (removals - since > REMOVAL_LOG) {
                return true;
            }
            for (long i = since; i < removals; i++) {
                if (removedLog[(int) (i % REMOVAL_LOG)].xor(target).compareTo(distance) < 0) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * @param id a node id
     * @return whether it is a member
     */
    public boolean contains(NodeId id) {
        return members.containsKey(Id128.of(id.value()));
    }

    /** @return the number of members */
    public int size() {
        return members.size();
    }

    /** @return the bound on members */
    public int capacity() {
        return capacity;
    }

    /** @return how many new members were refused because the view was full */
    public long refused() {
        return refused;
    }

    /** @return every member, in id order (a copy) */
    public List<Contact> all() {
        return new ArrayList<>(members.values());
    }

    /**
     * Whether a member is nearer a target than the local node, suspects included: {@code false} means
     * the local node owns the target as far as this view knows. Costs a few map probes and allocates
     * next to nothing, so that an operation on a key this node owns pays no routing work.
     *
     * <p>The members nearer than the local node are those that agree with the target on every bit above
     * the highest bit in which the local node differs from it ({@code h}); of those, every member that
     * also agrees on bit {@code h} is nearer, and only the others need comparing one by one.
     *
     * @param target the id (a node id or a record id of any width)
     * @return whether some member is nearer {@code target} than the local node
     */
    public boolean anyNearerThanSelf(BigInteger target) {
        if (members.isEmpty()) {
            return false;
        }
        Id128 t = Id128.of(target);
        long dHi = selfKey.hi ^ t.hi;
        long dLo = selfKey.lo ^ t.lo;
        if (dHi == 0 && dLo == 0) {
            return false; // nobody is nearer than distance 0
        }
        int h = dHi != 0 ? 127 - Long.numberOfLeadingZeros(dHi) : 63 - Long.numberOfLeadingZeros(dLo);
        if (!block(t, h).isEmpty()) {
            return true; // agrees with the target on bit h too: nearer
        }
        // the local node's half of the block: compare each (few, unless the local node is far from the target)
        for (Id128 m : block(selfKey, h).keySet()) {
            if (Id128.xorLess(m, t, dHi, dLo)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The members nearest a target by XOR distance, nearest first.
     *
     * <p>The nearest ids share the longest prefix with the target, so they lie in the smallest aligned
     * block of the id space around the target that holds {@code n} eligible members: a binary search over
     * the block width finds it, then only that block is sorted.
     *
     * @param target the id (a node id or a record id of any width)
     * @param n how many, at least 0
     * @param skip members to pass over (suspects), or {@code null}
     * @return at most {@code n} members
     */
    public List<Contact> closest(BigInteger target, int n, Predicate<Contact> skip) {
        if (n <= 0 || members.isEmpty()) {
            return List.of();
        }
        Id128 t = Id128.of(target);
        int lo = 0;
        int hi = ID_BITS;
        if (countIn(t, hi, n, skip) < n) {
            lo = hi; // fewer than n eligible in the whole space: take them all
        } else {
            // invariant: the block of width hi holds n; the block of width lo - 1 (if any) does not
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (countIn(t, mid, n, skip) >= n) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
        }
        List<Map.Entry<Id128, Contact>> block = new ArrayList<>();
        for (Map.Entry<Id128, Contact> e : block(t, lo).entrySet()) {
            if (skip == null || !skip.test(e.getValue())) {
                block.add(e);
            }
        }
        if (block.size() > 1) {
            block.sort((a, b) -> Id128.compareDistance(a.getKey(), b.getKey(), t));
        }
        int size = Math.min(n, block.size());
        List<Contact> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(block.get(i).getValue());
        }
        return out;
    }

    /** The members whose ids share all but the low {@code freeBits} bits with {@code t}. */
    private NavigableMap<Id128, Contact> block(Id128 t, int freeBits) {
        if (freeBits >= ID_BITS) {
            return members;
        }
        long maskHi = freeBits > 64 ? -1L >>> (128 - freeBits) : 0L; // (a shift by 64 is a shift by 0)
        long maskLo = freeBits >= 64 ? -1L : (freeBits == 0 ? 0L : -1L >>> (64 - freeBits));
        Id128 from = new Id128(t.hi & ~maskHi, t.lo & ~maskLo);
        Id128 to = new Id128(t.hi | maskHi, t.lo | maskLo);
        return members.subMap(from, true, to, true);
    }

    /** Counts the eligible members of a block, stopping at {@code cap}. */
    private int countIn(Id128 t, int freeBits, int cap, Predicate<Contact> skip) {
        int count = 0;
        Iterator<Contact> it = block(t, freeBits).values().iterator();
        while (count < cap && it.hasNext()) {
            Contact c = it.next();
            if (skip == null || !skip.test(c)) {
                count++;
            }
        }
        return count;
    }

    /** The low 128 bits of an id as two unsigned words, ordered as the id. */
    private static final class Id128 implements Comparable<Id128> {
        final long hi;
        final long lo;

        Id128(long hi, long lo) {
            this.hi = hi;
            this.lo = lo;
        }

        static Id128 of(BigInteger id) {
            // longValue() is the low 64 bits in two's complement: the unsigned word for a non-negative id
            return new Id128(id.bitLength() <= 64 ? 0L : id.shiftRight(64).longValue(), id.longValue());
        }

        /** Whether {@code m XOR t} is below the distance {@code (dHi, dLo)}. */
        static boolean xorLess(Id128 m, Id128 t, long dHi, long dLo) {
            long hi = m.hi ^ t.hi;
            if (hi != dHi) {
                return Long.compareUnsigned(hi, dHi) < 0;
            }
            return Long.compareUnsigned(m.lo ^ t.lo, dLo) < 0;
        }

        /** Orders {@code a} and {@code b} by XOR distance to {@code t}. */
        static int compareDistance(Id128 a, Id128 b, Id128 t) {
            int c = Long.compareUnsigned(a.hi ^ t.hi, b.hi ^ t.hi);
            return c != 0 ? c : Long.compareUnsigned(a.lo ^ t.lo, b.lo ^ t.lo);
        }

        @Override
        public int compareTo(Id128 o) {
            int c = Long.compareUnsigned(hi, o.hi);
            return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Id128 k && hi == k.hi && lo == k.lo;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(hi * 31 + lo);
        }
    }
}

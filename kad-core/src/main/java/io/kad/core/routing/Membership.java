package io.kad.core.routing;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
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
 *       members by its low bits only, since its high bits are XORed with zeros for every node alike.</li>
 * </ul>
 */
public final class Membership {

    /** The default bound on members: 200,000 contacts take some tens of megabytes. */
    public static final int DEFAULT_CAPACITY = 200_000;

    private static final int ID_BITS = NodeId.NODE_ID_BITS;
    private static final BigInteger ID_MASK = BigInteger.ONE.shiftLeft(ID_BITS).subtract(BigInteger.ONE);

    private final NodeId self;
    private final int capacity;
    private final ConcurrentSkipListMap<BigInteger, Contact> members = new ConcurrentSkipListMap<>();
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
    }

    /**
     * Learns a member, or its new address.
     *
     * @param c the contact; ignored unless it speaks the record protocol and is not the local node
     * @return whether it was not a member before
     */
    public boolean add(Contact c) {
        Objects.requireNonNull(c, "contact");
        if (!c.speaksRecords() || c.id().equals(self)) {
            return false;
        }
        BigInteger key = c.id().value();
        Contact before = members.get(key);
        if (before == null && members.size() >= capacity) {
            refused++;
            return false;
        }
        if (before == null || !before.address().equals(c.address())) {
            members.put(key, c);
        }
        return before == null;
    }

    /**
     * Forgets a member.
     *
     * @param id its id
     * @return whether it was a member
     */
    public boolean remove(NodeId id) {
        return members.remove(id.value()) != null;
    }

    /**
     * @param id a node id
     * @return whether it is a member
     */
    public boolean contains(NodeId id) {
        return members.containsKey(id.value());
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
        BigInteger t = target.bitLength() > ID_BITS ? target.and(ID_MASK) : target;
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
        List<Contact> block = new ArrayList<>();
        for (Contact c : block(t, lo).values()) {
            if (skip == null || !skip.test(c)) {
                block.add(c);
            }
        }
        block.sort(Comparator.comparing(c -> c.id().value().xor(t)));
        return block.size() <= n ? block : new ArrayList<>(block.subList(0, n));
    }

    /** The members whose ids share all but the low {@code freeBits} bits with {@code t}. */
    private NavigableMap<BigInteger, Contact> block(BigInteger t, int freeBits) {
        if (freeBits >= ID_BITS) {
            return members;
        }
        BigInteger from = t.shiftRight(freeBits).shiftLeft(freeBits);
        BigInteger to = from.add(BigInteger.ONE.shiftLeft(freeBits));
        return members.subMap(from, true, to, false);
    }

    /** Counts the eligible members of a block, stopping at {@code cap}. */
    private int countIn(BigInteger t, int freeBits, int cap, Predicate<Contact> skip) {
        int count = 0;
        Iterator<Map.Entry<BigInteger, Contact>> it = block(t, freeBits).entrySet().iterator();
        while (count < cap && it.hasNext()) {
            Contact c = it.next().getValue();
            if (skip == null || !skip.test(c)) {
                count++;
            }
        }
        return count;
    }
}

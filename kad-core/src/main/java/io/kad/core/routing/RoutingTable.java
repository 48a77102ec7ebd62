package io.kad.core.routing;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * The local node's view of the swarm: one {@link KBucket} per bit of the id space, driven by events
 * and the current time, with no I/O (Maymounkov &amp; Mazi&egrave;res 2002, sections 2.2 and 4.1).
 *
 * <ul>
 *   <li>a contact {@code c} lives in bucket {@code self.bucketIndex(c.id())}; the local node is never
 *       stored; contacts are identified by id alone;
 *   <li>{@link #observe} is called for every node heard from directly (a request or a reply from it),
 *       not for contacts merely mentioned by others; when a bucket is full the caller is asked to ping
 *       its least recently seen entry, and evicts it only if that ping times out;
 *   <li>a contact that fails {@link #MAX_CONSECUTIVE_FAILURES} requests in a row is evicted as soon as a
 *       replacement is waiting; without one it stays, flagged stale, and is the first to be replaced;
 *   <li>every method but {@link #size()} is synchronized: the protocol thread writes while user threads
 *       read {@link #closest}; {@code size()} reads a count the mutations keep, without a lock, since
 *       every record operation asks it.
 * </ul>
 */
public final class RoutingTable {

    /** Bucket size and replication parameter of the paper (section 2.2). */
    public static final int K = 20;

    /**
     * Consecutive failed requests after which a contact is stale (paper section 4.1): one lost
     * datagram must not evict a good contact from a table that only ever gains old, stable nodes.
     */
    public static final int MAX_CONSECUTIVE_FAILURES = 5;

    /** Interval after which an idle bucket is refreshed: one hour (paper section 2.3). */
    public static final long DEFAULT_REFRESH_INTERVAL_MILLIS = 3_600_000L;

    /**
     * How long a requested ping of a bucket's head stays pending. Longer than any sane request
     * timeout; it only matters when a caller never reports the outcome of a ping.
     */
    public static final long PENDING_PING_EXPIRY_MILLIS = 60_000L;

    /**
     * How long a contact heard from counts as alive without a ping (BitTorrent's BEP 5 calls such a node
     * "good", for 15 minutes). A newcomer to a full bucket whose least recently seen contact was heard
     * from within this long goes to the replacement cache without a ping (section 4.1 delays probes the
     * same way): in a swarm larger than the table most requests come from nodes outside it, and pinging a
     * head for each of them doubled the datagrams of an operation at 100 nodes. A full bucket's head is
     * pinged at most about once per this interval, whatever the traffic.
     */
    public static final long LIVE_CONTACT_MILLIS = 60_000L;

    private final NodeId self;
    private final int k;
    private final KBucket[] buckets;
    /** The contacts in all buckets, recounted by each mutation so that {@link #size()} takes no lock. */
    private volatile int size;

    /**
     * @param self the local node's id
     * @param k the bucket size, at least 1 (usually {@link #K}); the replacement caches hold as many
     */
    public RoutingTable(NodeId self, int k) {
        this.self = Objects.requireNonNull(self, "self");
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, was " + k);
        }
        this.k = k;
        this.buckets = new KBucket[self.bits()];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new KBucket(i, k, k);
        }
    }

    /** @return the local node's id */
    public NodeId self() {
        return self;
    }

    /** @return the bucket size */
    public int k() {
        return k;
    }

    /** @return the number of buckets: the width of the local id */
    public int bucketCount() {
        return buckets.length;
    }

    /**
     * Records that a node was seen alive (it sent a request or a reply).
     *
     * @param c the contact, with the address it was last seen at
     * @param nowMillis the current time
     * @return what was done and whether the caller must ping a bucket's head
     */
    public synchronized ObserveResult observe(Contact c, long nowMillis) {
        Objects.requireNonNull(c, "c");
        if (!storable(c.id())) {
            return new ObserveResult.Ignored();
        }
        KBucket b = bucketOf(c.id());
        int before = b.size();
        ObserveResult result = b.observe(c, nowMillis, PENDING_PING_EXPIRY_MILLIS, LIVE_CONTACT_MILLIS,
                MAX_CONSECUTIVE_FAILURES);
        size += b.size() - before;
        return result;
    }

    /**
     * The ping requested by {@link ObserveResult.PingHead} went unanswered: the head is evicted at once
     * and the most recent replacement takes its place.
     *
     * @param head the contact that did not answer
     * @return the promoted replacement, if one was waiting
     */
    public synchronized Optional<Contact> onPingTimeout(Contact head) {
        Objects.requireNonNull(head, "head");
        if (!storable(head.id())) {
            return Optional.empty();
        }
        KBucket b = bucketOf(head.id());
        int before = b.size();
        Optional<Contact> promoted = b.evict(head.id());
        size += b.size() - before;
        return promoted;
    }

    /**
     * A request to the node failed (timeout or error). Counts the failure; after
     * {@link #MAX_CONSECUTIVE_FAILURES} in a row the contact is evicted if a replacement is waiting,
     * which is then promoted. A failed contact in a replacement cache is dropped from it.
     *
     * @param id the node's id
     * @return whether the contact left the table
     */
    public synchronized boolean onFailure(NodeId id) {
        Objects.requireNonNull(id, "id");
        if (!storable(id)) {
            return false;
        }
        KBucket b = bucketOf(id);
        int before = b.size();
        boolean left = b.fail(id, MAX_CONSECUTIVE_FAILURES);
        size += b.size() - before;
        return left;
    }

    /**
     * Marks the bucket covering {@code target} as active, e.g. after a lookup of {@code target}, so that
     * {@link #refreshTargets} skips it (paper section 2.3). Only the low {@link #bucketCount()} bits of a
     * wider target matter.
     *
     * @param target a node or key id
     * @param nowMillis the current time
     */
    public synchronized void touch(BigInteger target, long nowMillis) {
        int index = indexOf(target);
        if (index >= 0) {
            buckets[index].touch(nowMillis);
        }
    }

    /**
     * @param target a node or key id (keys may be wider than node ids)
     * @param n the maximum number of contacts
     * @return up to {@code n} contacts of the table, closest to {@code target} by XOR distance first
     */
    public synchronized List<Contact> closest(BigInteger target, int n) {
        Objects.requireNonNull(target, "target");
        if (n <= 0) {
            return List.of();
        }
        List<Contact> all = allUnsynchronized();
        if (all.isEmpty()) {
            return List.of();
        }
        // each distance computed once, not once per comparison
        Ranked[] ranked = new Ranked[all.size()];
        for (int i = 0; i < ranked.length; i++) {
            Contact c = all.get(i);
            ranked[i] = new Ranked(c.id().distance(target), c);
        }
        java.util.Arrays.sort(ranked, Comparator.comparing(Ranked::distance));
        int size = Math.min(n, ranked.length);
        Contact[] nearest = new Contact[size];
        for (int i = 0; i < size; i++) {
            nearest[i] = ranked[i].contact();
        }
        return List.of(nearest);
    }

    /** @return every contact of the table, by bucket index then least recently seen first */
    public synchronized List<Contact> all() {
        return List.copyOf(allUnsynchronized());
    }

    /** @return the number of contacts in the table (replacement caches not counted) */
    public int size() {
        return size;
    }

    /**
     * @param id a node id
     * @return the contact stored under {@code id}, if any
     */
    public synchronized Optional<Contact> get(NodeId id) {
        Objects.requireNonNull(id, "id");
        return storable(id) ? bucketOf(id).get(id) : Optional.empty();
    }

    /**
     * Removes a contact (from its bucket or its bucket's replacement cache); a freed bucket slot is
     * filled from the replacement cache.
     *
     * @param id a node id
     * @return whether the contact was in a bucket
     */
    public synchronized boolean remove(NodeId id) {
        Objects.requireNonNull(id, "id");
        if (!storable(id)) {
            return false;
        }
        KBucket b = bucketOf(id);
        boolean present = b.get(id).isPresent();
        int before = b.size();
        b.evict(id);
        size += b.size() - before;
        return present;
    }

    /**
     * @param index a bucket index, {@code 0 .. bucketCount()-1}
     * @return a snapshot of that bucket's contacts, least recently seen first
     */
    public synchronized List<Contact> bucket(int index) {
        return buckets[Objects.checkIndex(index, buckets.length)].contacts();
    }

    /**
     * @param index a bucket index, {@code 0 .. bucketCount()-1}
     * @return a snapshot of that bucket's replacement cache, most recent first
     */
    public synchronized List<Contact> replacements(int index) {
        return buckets[Objects.checkIndex(index, buckets.length)].replacements();
    }

    /**
     * Picks the buckets to refresh: those untouched for {@code refreshIntervalMillis} (or never), from
     * the bucket of the closest known contact up to the farthest bucket (paper section 2.3, refreshing
     * and joining: buckets nearer than the closest neighbour hold nobody a lookup could find that a
     * lookup of the local id would not). Returns one random id inside each such bucket's range, for the
     * caller to look up, and marks those buckets refreshed at {@code nowMillis}.
     *
     * @param nowMillis the current time
     * @param refreshIntervalMillis idle time after which a bucket is refreshed, usually
     *     {@link #DEFAULT_REFRESH_INTERVAL_MILLIS}
     * @param random the source of randomness (seeded in simulations)
     * @return the lookup targets, by ascending bucket index; empty if the table is empty
     */
    public synchronized List<BigInteger> refreshTargets(long nowMillis, long refreshIntervalMillis, Random random) {
        Objects.requireNonNull(random, "random");
        int lowest = -1;
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i].size() > 0) {
                lowest = i;
                break;
            }
        }
        if (lowest < 0) {
            return List.of();
        }
        List<BigInteger> targets = new ArrayList<>();
        for (int i = lowest; i < buckets.length; i++) {
            KBucket b = buckets[i];
            long last = b.lastActivity();
            boolean idle = last == KBucket.NEVER || nowMillis - last >= refreshIntervalMillis;
            if (idle) {
                targets.add(randomIdInBucket(i, random));
                b.touch(nowMillis);
            }
        }
        return targets;
    }

    /**
     * A few contacts of every bucket, nearest buckets first: one node's picture of every region of the
     * id space, which lets a walk from node to node reach the whole swarm.
     *
     * @param perBucket how many contacts of each bucket at most
     * @return the contacts
     */
    public synchronized List<Contact> sample(int perBucket) {
        List<Contact> out = new ArrayList<>();
        for (KBucket b : buckets) {
            List<Contact> cs = b.contacts();
            for (int i = 0; i < cs.size() && i < perBucket; i++) {
                out.add(cs.get(i));
            }
        }
        return out;
    }

    /** An id whose highest bit differing from the local id is bit {@code index}. */
    BigInteger randomIdInBucket(int index, Random random) {
        BigInteger distance = new BigInteger(index, random).setBit(index);
        return self.value().xor(distance);
    }

    private boolean storable(NodeId id) {
        return id.bits() == self.bits() && !id.equals(self);
    }

    private KBucket bucketOf(NodeId id) {
        return buckets[self.bucketIndex(id)];
    }

    private int indexOf(BigInteger target) {
        BigInteger low = target.bitLength() > buckets.length
                ? target.and(BigInteger.ONE.shiftLeft(buckets.length).subtract(BigInteger.ONE))
                : target;
        return self.value().xor(low).bitLength() - 1;
    }

    private List<Contact> allUnsynchronized() {
        List<Contact> all = new ArrayList<>();
        for (KBucket b : buckets) {
            all.addAll(b.contacts());
        }
        return all;
    }

    private record Ranked(BigInteger distance, Contact contact) {
    }
}

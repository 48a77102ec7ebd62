package io.kad.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many records each peer made this node hold without being asked, so that no peer can fill the
 * storage tier and have it evict the records written through the record protocol (a flood of small
 * stores under distinct keys would otherwise push every other record out at the tier's count bound).
 * A record is charged to the source address of the datagram that created it here: a kad.py
 * {@code store} (unauthenticated, unversioned), or a copy ({@code replicate}) that found nothing stored
 * for its id. A charge ends when its record leaves the tier.
 *
 * <p>Contract, for a tier bounded at {@code n} records:
 * <ul>
 *   <li>one address holds at most {@code n / 16} kad.py stores and at most {@code n / 2} records
 *       created by its copies; a store or copy beyond its sender's quota is refused (the caller counts
 *       it); a record already charged to the sender, or already stored here, costs nothing more;</li>
 *   <li>records created by copies from addresses not verified as their senders (they have not answered
 *       this node as the node the copy names) are charged together, at most {@code n / 8} of them,
 *       whatever the addresses: a peer that forges many source addresses creates no more than that;</li>
 *   <li>all kad.py stores together hold at most {@code n / 4} records, whatever their addresses (a
 *       kad.py store needs no answer, so its source address may be forged): beyond it the store least
 *       worth keeping (Caffeine's policy) is dropped from the tier, never a record of the record
 *       protocol;</li>
 *   <li>memory is bounded: one entry per charged record (at most {@code n / 4 + n} of them), and one
 *       per address holding charges;</li>
 *   <li>a charge whose record left the tier other than by eviction (reclaimed, removed) is found and
 *       released when its address reaches its quota, at most once a second per address and kind.</li>
 * </ul>
 * Thread-safe: stores and copies arrive on the protocol thread, evictions are reported on whichever
 * thread wrote.
 */
final class PeerQuotas {

    /** Logs under the node's name: these are the node's messages. */
    private static final Logger LOG = LoggerFactory.getLogger(KadNode.class);

    /** How often, at most, the charges of one address at its quota are checked against the tier. */
    private static final long SWEEP_INTERVAL_MILLIS = 1_000;

    /** What brought a record in unasked. */
    enum Kind {
        /** A kad.py {@code store}. */
        KADPY_STORE,
        /** A copy ({@code replicate}) that created the record here. */
        COPY
    }

    /** The records one address holds charges for, of one kind. */
    private static final class Held {
        final Set<BigInteger> ids = ConcurrentHashMap.newKeySet();
        /** When the charges were last checked against the tier; {@code Long.MIN_VALUE} if never. */
        volatile long lastSweep = Long.MIN_VALUE;
    }

    private record Holder(InetSocketAddress address, Kind kind) {
    }

    private final StorageTier tier;
    private final LongSupplier clock;
    private final long kadpyPerPeer;
    private final long copiesPerPeer;
    private final long unverifiedCopies;
    /** The address all copies from senders not verified are charged to together. */
    static final InetSocketAddress UNVERIFIED = InetSocketAddress.createUnresolved("unverified-senders", 0);
    /** The kad.py stores held, by key id, with the address that sent each: bounded, so a flood drops stores. */
    private final Cache<BigInteger, InetSocketAddress> kadpy;
    /** The records copies created here, by record id, with the address that sent each. */
    private final Cache<BigInteger, InetSocketAddress> copies;
    private final Map<Holder, Held> held = new ConcurrentHashMap<>();

    /**
     * @param tier the node's storage tier
     * @param maxRecords the tier's bound by record count
     * @param clock the node's clock, in milliseconds
     */
    PeerQuotas(StorageTier tier, long maxRecords, LongSupplier clock) {
        this.tier = tier;
        this.clock = clock;
        long kadpyTotal = Math.max(1, maxRecords / 4);
        this.kadpyPerPeer = Math.max(1, maxRecords / 16);
        this.copiesPerPeer = Math.max(1, maxRecords / 2);
        this.unverifiedCopies = Math.max(1, maxRecords / 8);
        this.kadpy = Caffeine.newBuilder().maximumSize(kadpyTotal).executor(Runnable::run)
                .removalListener((BigInteger id, InetSocketAddress from, RemovalCause cause) -> {
                    if (id == null || from == null) {
                        return;
                    }
                    release(new Holder(from, Kind.KADPY_STORE), id);
                    if (cause == RemovalCause.SIZE) {
                        dropKadpyStore(id);
                    }
                }).build();
        this.copies = Caffeine.newBuilder().maximumSize(Math.max(1, maxRecords)).executor(Runnable::run)
                .removalListener((BigInteger id, InetSocketAddress from, RemovalCause cause) -> {
                    if (id != null && from != null) {
                        release(new Holder(from, Kind.COPY), id);
                    }
                }).build();
    }

    /** @return how many kad.py stores one address may hold */
    long kadpyPerPeer() {
        return kadpyPerPeer;
    }

    /** @return how many records one address may create here with its copies */
    long copiesPerPeer() {
        return copiesPerPeer;
    }

    /**
     * Whether a kad.py store from an address may be taken: the address rewrites a key it holds, or
     * holds fewer stores than its quota.
     */
    boolean admitsKadpyStore(InetSocketAddress from, BigInteger keyId) {
        if (from.equals(kadpy.getIfPresent(keyId))) {
            return true;
        }
        return underQuota(new Holder(from, Kind.KADPY_STORE), kadpyPerPeer);
    }

    /** A kad.py store from an address was stored: it holds the key now (another address's charge ends). */
    void chargeKadpyStore(InetSocketAddress from, BigInteger keyId) {
        if (from.equals(kadpy.getIfPresent(keyId))) {
            return;
        }
        // the charge is held before the entry: an eviction the put causes may release it at once
        held(new Holder(from, Kind.KADPY_STORE)).ids.add(keyId);
        kadpy.put(keyId, from);
    }

    /** @return how many records copies from senders not verified may create here, together */
    long unverifiedCopies() {
        return unverifiedCopies;
    }

    /**
     * Whether a copy from an address may create a record here (nothing is stored for its id: a copy
     * of a record held here costs nothing and is not asked about): the address created fewer records
     * with its copies than its quota; for an address not verified as the copy's sender, the copies of
     * all such addresses together did.
     *
     * @param from the copy's source address
     * @param verified whether the address answered this node as the node the copy names
     */
    boolean admitsNewCopy(InetSocketAddress from, boolean verified) {
        return verified ? underQuota(new Holder(from, Kind.COPY), copiesPerPeer)
                : underQuota(new Holder(UNVERIFIED, Kind.COPY), unverifiedCopies);
    }

    /**
     * A copy from an address created its record here.
     *
     * @param from the copy's source address
     * @param verified whether it answered as the copy's sender (else the record is charged to
     *     {@link #UNVERIFIED})
     */
    void chargeCopy(InetSocketAddress from, BigInteger recordId, boolean verified) {
        InetSocketAddress charged = verified ? from : UNVERIFIED;
        InetSocketAddress before = copies.getIfPresent(recordId);
        if (charged.equals(before)) {
            return;
        }
        held(new Holder(charged, Kind.COPY)).ids.add(recordId);
        copies.put(recordId, charged);
    }

    /** A record left the tier (evicted at its bound): its charge ends. */
    void released(BigInteger recordId) {
        kadpy.invalidate(recordId);
        copies.invalidate(recordId);
    }

    private Held held(Holder h) {
        return held.computeIfAbsent(h, x -> new Held());
    }

    private void release(Holder h, BigInteger id) {
        held.computeIfPresent(h, (x, held) -> {
            held.ids.remove(id);
            return held.ids.isEmpty() ? null : held;
        });
    }

    private boolean underQuota(Holder h, long quota) {
        Held charges = held.get(h);
        if (charges == null || charges.ids.size() < quota) {
            return true;
        }
        long now = clock.getAsLong();
        long last = charges.lastSweep;
        if (last != Long.MIN_VALUE && now - last < SWEEP_INTERVAL_MILLIS) {
            return false;
        }
        charges.lastSweep = now;
        // charges of records that left the tier without an eviction report (reclaimed, or a tier that
        // reports none) end here
        Cache<BigInteger, InetSocketAddress> charged = h.kind() == Kind.KADPY_STORE ? kadpy : copies;
        for (BigInteger id : charges.ids.toArray(BigInteger[]::new)) {
            StoredRecord r = tier.get(id);
            if (r == null || (h.kind() == Kind.KADPY_STORE && !isKadpyStore(r))) {
                charged.asMap().remove(id, h.address());
                charges.ids.remove(id);
            }
        }
        return charges.ids.size() < quota;
    }

    /** Drops a kad.py store pushed out of the kad.py stores' share, if the key still holds one. */
    private void dropKadpyStore(BigInteger keyId) {
        boolean[] dropped = new boolean[1];
        tier.compute(keyId, cur -> {
            if (cur != null && isKadpyStore(cur)) {
                dropped[0] = true;
                return null;
            }
            return cur;
        });
        if (dropped[0]) {
            LOG.debug("kad.py store of {} dropped: the kad.py stores' share of the tier is full", keyId);
        }
    }

    /** Whether a stored record is a kad.py store: stored under a bare key id, without namespace or key. */
    static boolean isKadpyStore(StoredRecord r) {
        return r.namespace().isEmpty() && r.key().length == 0;
    }
}

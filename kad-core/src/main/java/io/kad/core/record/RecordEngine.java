package io.kad.core.record;

import io.kad.core.id.RecordId;
import io.kad.core.storage.RecordIdReads;
import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The owner's side of the record protocol: applies reads, conditional writes and replica copies to the
 * local storage tier, atomically per record id.
 *
 * <p>Contract:
 * <ul>
 *   <li>each write runs inside one {@link StorageTier#compute}, so writes to one key are totally
 *       ordered and a version condition is checked and acted on atomically;</li>
 *   <li>versions only grow: each applied {@code PUT} or {@code REMOVE} takes a version above the previous
 *       one (tombstones and expired records included) and above the clock in microseconds, so a
 *       version is never reused and a new owner lacking the record still numbers above the old copies;
 *       {@code TOUCH} keeps the version;</li>
 *   <li>copies of one version that differ resolve the same way on every holder (later expiry, then
 *       greater value bytes);</li>
 *   <li>versions are bounded by the clock: a copy numbered more than {@link #MAX_VERSION_AHEAD_MILLIS}
 *       above this node's clock (in microseconds) is refused, since no owner issues such a version, and a
 *       stored version that lies beyond that bound (kept from before the bound existed) neither wins
 *       over a plausible copy nor pins the next write's version; so one forged copy cannot pin a value,
 *       and {@code previous + 1} never overflows;</li>
 *   <li>a copy that expired more than the reclaim grace ago is refused, and so is an expired copy or
 *       tombstone when nothing is stored here for it to supersede: what reclaim removed does not come
 *       back with a late copy;</li>
 *   <li>a record found expired is reported once (in {@code expired}) and replaced by a tombstone;</li>
 *   <li>no user class is ever deserialized: keys and values stay bytes.</li>
 * </ul>
 */
public final class RecordEngine {

    /**
     * How far above the clock a version may lie, in milliseconds: versions are issued from the owner's
     * clock in microseconds ({@link #nextVersion}), so a version further ahead than the clock skew
     * between two nodes can only be forged. A forged version within the bound pins a value for at most
     * this long.
     */
    public static final long MAX_VERSION_AHEAD_MILLIS = 60_000;
    /** The reclaim grace of the three-argument constructor: the node's default. */
    private static final long DEFAULT_GRACE_MILLIS = 60_000;

    private final StorageTier tier;
    /** The tier read by fixed-width id: the tier itself when it is keyed so (the default tier is). */
    private final RecordIdReads reads;
    private final LongSupplier clock;
    private final long tombstoneTtlMillis;
    private final long graceMillis;

    /**
     * @param tier the local storage tier
     * @param clock the current time in epoch milliseconds
     * @param tombstoneTtlMillis how long a removal's tombstone is kept
     */
    public RecordEngine(StorageTier tier, LongSupplier clock, long tombstoneTtlMillis) {
        this(tier, clock, tombstoneTtlMillis, DEFAULT_GRACE_MILLIS);
    }

    /**
     * @param tier the local storage tier
     * @param clock the current time in epoch milliseconds
     * @param tombstoneTtlMillis how long a removal's tombstone is kept
     * @param graceMillis how long after its expiry a record is kept before reclaim (copies older than
     *     that are refused)
     */
    public RecordEngine(StorageTier tier, LongSupplier clock, long tombstoneTtlMillis, long graceMillis) {
        this.tier = Objects.requireNonNull(tier, "tier");
        this.reads = RecordIdReads.of(tier);
        this.clock = Objects.requireNonNull(clock, "clock");
        if (tombstoneTtlMillis <= 0) {
            throw new IllegalArgumentException("tombstoneTtlMillis must be positive: " + tombstoneTtlMillis);
        }
        if (graceMillis < 0) {
            throw new IllegalArgumentException("graceMillis must not be negative: " + graceMillis);
        }
        this.tombstoneTtlMillis = tombstoneTtlMillis;
        this.graceMillis = graceMillis;
    }

    /** @return the storage tier */
    public StorageTier tier() {
        return tier;
    }

    /** @return the current time on the engine's clock */
    public long nowMillis() {
        return clock.getAsLong();
    }

    /**
     * Reads a record.
     *
     * @param id the record id
     * @return the live record, and the record found expired if this read was the first to see it
     */
    public ReadResult read(BigInteger id) {
        long now = clock.getAsLong();
        StoredRecord current = tier.get(id);
        if (current == null || current.tombstone()) {
            return ReadResult.ABSENT;
        }
        if (!current.isExpiredAt(now)) {
            return new ReadResult(current, null);
        }
        StoredRecord[] expired = new StoredRecord[1];
        tier.compute(id, cur -> {
            if (cur != null && !cur.tombstone() && cur.isExpiredAt(now)) {
                expired[0] = cur;
                return tombstoneOf(cur, now);
            }
            return cur;
        });
        StoredRecord after = tier.get(id);
        return new ReadResult(after != null && after.isLiveAt(now) ? after : null, expired[0]);
    }

    /**
     * Reads a record unless it must be changed: the owner's read of a record that is live, absent or a
     * tombstone, which only looks the fixed-width id up in the tier. A record found expired is left to
     * {@link #read(BigInteger)}, which replaces it by a tombstone and reports it once, under the per-id
     * atomicity of {@link StorageTier#compute}.
     *
     * @param id the record id
     * @return the live record (or {@link ReadResult#ABSENT}), as {@link #read(BigInteger)} would return
     *     it; {@code null} if the record expired and only {@link #read(BigInteger)} may read it
     */
    public ReadResult readUnlessExpired(RecordId id) {
        StoredRecord current = reads.get(id);
        if (current == null || current.tombstone()) {
            return ReadResult.ABSENT;
        }
        // a record that never expires needs no clock (a clock read costs as much as the lookup)
        if (current.expiresAtMillis() != StoredRecord.NEVER && current.isExpiredAt(clock.getAsLong())) {
            return null;
        }
        return new ReadResult(current, null);
    }

    /**
     * Applies a conditional write.
     *
     * @param id the record id
     * @param namespace the namespace
     * @param key the key bytes
     * @param command what to write, on what condition
     * @return the outcome
     */
    public WriteResult write(BigInteger id, String namespace, byte[] key, WriteCommand command) {
        long now = clock.getAsLong();
        WriteResult[] result = new WriteResult[1];
        tier.compute(id, cur -> {
            StoredRecord live = cur != null && cur.isLiveAt(now) ? cur : null;
            StoredRecord expired = cur != null && !cur.tombstone() && cur.isExpiredAt(now) ? cur : null;
            long base = cur == null ? 0 : plausibleBase(cur.version(), now);
            long expected = command.expectedVersion();
            boolean holds = expected == WriteCommand.ANY_VERSION
                    || (expected == WriteCommand.ABSENT ? live == null : live != null && live.version() == expected);
            StoredRecord unchanged = expired != null ? tombstoneOf(expired, now) : cur;
            if (!holds) {
                result[0] = new WriteResult(false, live, live, expired);
                return unchanged;
            }
            switch (command.op()) {
                case PUT -> {
                    long expiresAt;
                    if (live == null) {
                        expiresAt = command.expiresAtIfCreated();
                    } else if (command.expiresAtIfUpdated() == WriteCommand.KEEP_EXPIRY) {
                        expiresAt = live.expiresAtMillis();
                    } else {
                        expiresAt = command.expiresAtIfUpdated();
                    }
                    if (live == null && expiresAt != StoredRecord.NEVER && expiresAt <= now) {
                        // created already expired: JCache's "zero duration for creation" means no entry
                        result[0] = new WriteResult(true, null, null, expired);
                        return unchanged;
                    }
                    StoredRecord next = new StoredRecord(id, namespace, key, command.value(), command.json(),
                            nextVersion(base, now), expiresAt, false);
                    result[0] = new WriteResult(true, live, next.isLiveAt(now) ? next : null, expired);
                    return next;
                }
                case REMOVE, CLEAR -> {
                    if (live == null) {
                        result[0] = new WriteResult(false, null, null, expired);
                        return unchanged;
                    }
                    result[0] = new WriteResult(true, live, null, expired);
                    return new StoredRecord(id, namespace, key, new byte[0], false, nextVersion(base, now),
                            now + tombstoneTtlMillis, true);
                }
                case TOUCH -> {
                    if (live == null) {
                        result[0] = new WriteResult(false, null, null, expired);
                        return unchanged;
                    }
                    long expiresAt = command.expiresAtIfUpdated() == WriteCommand.KEEP_EXPIRY
                            ? live.expiresAtMillis() : command.expiresAtIfUpdated();
                    StoredRecord next = new StoredRecord(id, live.namespace(), live.key(), live.value(), live.json(),
                            live.version(), expiresAt, false);
                    result[0] = new WriteResult(true, live, next.isLiveAt(now) ? next : null, expired);
                    return next;
                }
                default -> throw new IllegalStateException("unknown op " + command.op());
            }
        });
        return result[0];
    }

    /**
     * Stores a kad.py {@code store}: an unconditional overwrite of a JSON value under a bare key id, of
     * a key that is empty or holds an earlier kad.py {@code store}. A record written through the record
     * protocol (it has its key; a tombstone included, until reclaimed) is left alone: a kad.py store is
     * not authenticated and carries no version to order it.
     *
     * @param id the key id
     * @param jsonValue the value as UTF-8 JSON text
     * @param expiresAtMillis when it expires
     * @return whether it was stored
     */
    public boolean storeJson(BigInteger id, byte[] jsonValue, long expiresAtMillis) {
        boolean[] stored = new boolean[1];
        tier.compute(id, cur -> {
            if (cur != null && (!cur.namespace().isEmpty() || cur.key().length > 0)) {
                return cur;
            }
            stored[0] = true;
            long base = cur == null ? 0 : plausibleBase(cur.version(), clock.getAsLong());
            return new StoredRecord(id, "", new byte[0], jsonValue, true, nextVersion(base, clock.getAsLong()),
                    expiresAtMillis, false);
        });
        return stored[0];
    }

    /**
     * Keeps a replica copy if it is newer than what is stored.
     *
     * @param copy the owner's record (live or tombstone)
     * @return whether it was kept
     */
    public boolean acceptCopy(StoredRecord copy) {
        return offerCopy(copy) == CopyOutcome.KEPT;
    }

    /**
     * Offers a replica copy: kept if it is newer than what is stored; refused if its version lies
     * beyond the clock bound, if it expired more than the grace ago, or if it is expired (a tombstone
     * included) and nothing is stored for it to supersede. A stored record whose version lies beyond
     * the clock bound gives way to any plausible copy.
     *
     * @param copy the owner's record (live or tombstone)
     * @return what became of it
     */
    public CopyOutcome offerCopy(StoredRecord copy) {
        long now = clock.getAsLong();
        if (copy.version() > versionCeiling(now)) {
            return CopyOutcome.VERSION_AHEAD;
        }
        if (reclaimable(copy, now, graceMillis)) {
            return CopyOutcome.EXPIRED;
        }
        boolean expired = copy.expiresAtMillis() != StoredRecord.NEVER && copy.expiresAtMillis() <= now;
        CopyOutcome[] outcome = new CopyOutcome[1];
        tier.compute(copy.id(), cur -> {
            if (cur == null && expired) {
                outcome[0] = CopyOutcome.EXPIRED;
                return null;
            }
            if (cur == null || cur.version() > versionCeiling(now) || copy.version() > cur.version()
                    || (copy.version() == cur.version() && wins(copy, cur))) {
                outcome[0] = CopyOutcome.KEPT;
                return copy;
            }
            outcome[0] = CopyOutcome.STALE;
            return cur;
        });
        return outcome[0];
    }

    /**
     * Whether a record's version lies within the clock bound: a stored record beyond it gives way to any
     * plausible copy ({@link #offerCopy}).
     *
     * @param r a record
     * @return whether its version could have been issued by now
     */
    public boolean versionPlausible(StoredRecord r) {
        return r.version() <= versionCeiling(clock.getAsLong());
    }

    /**
     * Whether a record is due for reclaim: it expired (a tombstone included) more than the grace ago.
     * Such a record is not copied to other nodes, which would refuse it anyway.
     *
     * @param r a record
     * @return whether reclaim removes it
     */
    public boolean dueForReclaim(StoredRecord r) {
        return reclaimable(r, clock.getAsLong(), graceMillis);
    }

    /**
     * Orders two different records of one version, so that every holder keeps the same one: the later
     * expiry (a TOUCH keeps the version), then the greater value bytes.
     */
    private static boolean wins(StoredRecord copy, StoredRecord current) {
        if (copy.expiresAtMillis() != current.expiresAtMillis()) {
            return copy.expiresAtMillis() > current.expiresAtMillis();
        }
        if (copy.tombstone() != current.tombstone()) {
            return copy.tombstone();
        }
        return java.util.Arrays.compare(copy.value(), current.value()) > 0;
    }

    /**
     * Lists, in record-id order, the keys of a namespace held live here.
     *
     * @param namespace the namespace
     * @param after the last id of the previous page (exclusive), or {@code null} from the start
     * @param limit at most this many keys
     * @return the page of (id, key) pairs, sorted by id
     */
    public List<StoredRecord> scan(String namespace, BigInteger after, int limit) {
        long now = clock.getAsLong();
        TreeMap<BigInteger, StoredRecord> sorted = new TreeMap<>();
        tier.forEach(r -> {
            if (r.namespace().equals(namespace) && r.isLiveAt(now) && (after == null || r.id().compareTo(after) > 0)) {
                sorted.put(r.id(), r);
            }
        });
        List<StoredRecord> page = new ArrayList<>(Math.min(limit, sorted.size()));
        for (StoredRecord r : sorted.values()) {
            if (page.size() >= limit) {
                break;
            }
            page.add(r);
        }
        return page;
    }

    /**
     * Removes from the tier every record, tombstones included, whose expiry lies more than
     * {@code graceMillis} in the past. Records that never expire are kept. The grace leaves an expired
     * record visible long enough for a read to report it as expired and for later writes to number
     * their versions above it; after it, the record only costs memory or disk. Each removal re-checks the
     * record inside {@link StorageTier#compute}, so a record rewritten since the scan stays.
     *
     * @param graceMillis how long after its expiry a record is kept, zero or more
     * @return how many records were removed
     */
    public int reclaim(long graceMillis) {
        if (graceMillis < 0) {
            throw new IllegalArgumentException("graceMillis must not be negative: " + graceMillis);
        }
        long now = clock.getAsLong();
        List<BigInteger> due = new ArrayList<>();
        tier.forEach(r -> {
            if (reclaimable(r, now, graceMillis)) {
                due.add(r.id());
            }
        });
        int removed = 0;
        for (BigInteger id : due) {
            boolean[] gone = new boolean[1];
            tier.compute(id, cur -> {
                if (cur != null && reclaimable(cur, now, graceMillis)) {
                    gone[0] = true;
                    return null;
                }
                return cur;
            });
            if (gone[0]) {
                removed++;
            }
        }
        return removed;
    }

    private static boolean reclaimable(StoredRecord r, long now, long graceMillis) {
        long expiresAt = r.expiresAtMillis();
        if (expiresAt == StoredRecord.NEVER || expiresAt > now) {
            return false;
        }
        long sinceExpiry = now - expiresAt; // negative only if the subtraction overflowed: very long ago
        return sinceExpiry < 0 || sinceExpiry >= graceMillis;
    }

    /**
     * Lists every record stored here (live, expired and tombstones), for republishing.
     *
     * @return a snapshot
     */
    public List<StoredRecord> snapshot() {
        List<StoredRecord> all = new ArrayList<>();
        tier.forEach(all::add);
        return all;
    }

    /**
     * The version of the next write: above the previous one and above the clock (in microseconds). A
     * node that becomes a key's owner without its record (a join before the hand-off, an eviction, a
     * reclaimed tombstone) thus still numbers its writes above the copies the other holders keep, as
     * long as the nodes' clocks agree within the time between two writes to the key.
     */
    static long nextVersion(long previous, long nowMillis) {
        long fromClock = nowMillis * 1000;
        if (previous < fromClock) {
            return fromClock;
        }
        return previous == Long.MAX_VALUE ? Long.MAX_VALUE : previous + 1;
    }

    /** The highest version a node could have issued by now: the clock bound, in microseconds. */
    static long versionCeiling(long nowMillis) {
        long ahead = nowMillis + MAX_VERSION_AHEAD_MILLIS;
        return ahead < 0 || ahead > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : ahead * 1000;
    }

    /**
     * The version a write numbers above: the stored one, unless it lies beyond the clock bound (no owner
     * issued it; it was stored before the bound existed), in which case the clock alone.
     */
    private static long plausibleBase(long stored, long nowMillis) {
        return stored > versionCeiling(nowMillis) ? 0 : stored;
    }

    private StoredRecord tombstoneOf(StoredRecord r, long now) {
        return new StoredRecord(r.id(), r.namespace(), r.key(), new byte[0], false,
                nextVersion(plausibleBase(r.version(), now), now),
                now + tombstoneTtlMillis, true);
    }
}

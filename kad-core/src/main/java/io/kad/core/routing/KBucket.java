package io.kad.core.routing;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * One k-bucket: the contacts whose distance to the local node has its highest set bit at
 * {@link #index()} (Maymounkov &amp; Mazi&egrave;res 2002, section 2.2).
 *
 * <ul>
 *   <li>holds at most {@code k} contacts in least-recently-seen order (head = least recently seen);
 *   <li>keeps a bounded replacement cache of contacts that arrived while it was full, most recent
 *       first (section 4.1);
 *   <li>records the time of its last activity, for bucket refresh;
 *   <li>is not thread-safe: {@link RoutingTable} owns its buckets and guards them.
 * </ul>
 */
public final class KBucket {

    /** A stored contact with its count of consecutive failed requests and when it was last heard from. */
    private static final class Entry {
        Contact contact;
        int failures;
        /** When the contact was last heard from; {@link #NEVER} for one promoted from the replacements. */
        long heardAt;

        Entry(Contact contact, long heardAt) {
            this.contact = contact;
            this.heardAt = heardAt;
        }
    }

    /** Marks a bucket that has seen no activity yet, and a contact not heard from since it was stored. */
    static final long NEVER = Long.MIN_VALUE;

    private final int index;
    private final int k;
    private final int replacementCapacity;
    /** Insertion order is least-recently-seen order: re-inserting moves an entry to the tail. */
    private final LinkedHashMap<NodeId, Entry> entries = new LinkedHashMap<>();
    private final Deque<Contact> replacements = new ArrayDeque<>();
    private long lastActivity = NEVER;
    private NodeId pendingPing;
    private long pendingPingSince;

    KBucket(int index, int k, int replacementCapacity) {
        this.index = index;
        this.k = k;
        this.replacementCapacity = replacementCapacity;
    }

    /** @return the bucket's index: the highest differing bit of its contacts' ids and the local id */
    public int index() {
        return index;
    }

    /** @return the contacts, least recently seen first */
    public List<Contact> contacts() {
        List<Contact> out = new ArrayList<>(entries.size());
        for (Entry e : entries.values()) {
            out.add(e.contact);
        }
        return out;
    }

    /** @return the replacement cache, most recently seen first */
    public List<Contact> replacements() {
        return List.copyOf(replacements);
    }

    /** @return the number of contacts */
    public int size() {
        return entries.size();
    }

    /** @return whether the bucket holds {@code k} contacts */
    public boolean isFull() {
        return entries.size() >= k;
    }

    /** @return the least recently seen contact, if any */
    public Optional<Contact> head() {
        Iterator<Entry> it = entries.values().iterator();
        return it.hasNext() ? Optional.of(it.next().contact) : Optional.empty();
    }

    /** @return the time of the last activity in this bucket, {@link Long#MIN_VALUE} if none yet */
    public long lastActivity() {
        return lastActivity;
    }

    Optional<Contact> get(NodeId id) {
        Entry e = entries.get(id);
        return e == null ? Optional.empty() : Optional.of(e.contact);
    }

    void touch(long now) {
        lastActivity = now;
    }

    ObserveResult observe(Contact c, long now, long pendingPingExpiryMillis, long liveContactMillis, int maxFailures) {
        touch(now);
        Entry known = entries.remove(c.id());
        if (known != null) {
            known.contact = c;
            known.failures = 0;
            known.heardAt = now;
            entries.put(c.id(), known);
            if (c.id().equals(pendingPing)) {
                pendingPing = null;
            }
            return new ObserveResult.Refreshed(c);
        }
        if (!isFull()) {
            removeReplacement(c.id());
            entries.put(c.id(), new Entry(c, now));
            return new ObserveResult.Inserted(c);
        }
        for (Entry e : entries.values()) {
            if (e.failures >= maxFailures) {
                entries.remove(e.contact.id());
                if (e.contact.id().equals(pendingPing)) {
                    pendingPing = null;
                }
                removeReplacement(c.id());
                entries.put(c.id(), new Entry(c, now));
                return new ObserveResult.Replaced(c, e.contact);
            }
        }
        addReplacement(c);
        if (pendingPing != null && now - pendingPingSince < pendingPingExpiryMillis) {
            return new ObserveResult.Queued(c);
        }
        Entry headEntry = entries.values().iterator().next();
        if (headEntry.heardAt != NEVER && now - headEntry.heardAt < liveContactMillis) {
            // the least recently seen contact was heard from lately: nothing to check, and a swarm larger
            // than the table does not cost a ping per datagram from a node outside it
            return new ObserveResult.Queued(c);
        }
        Contact head = headEntry.contact;
        pendingPing = head.id();
        pendingPingSince = now;
        return new ObserveResult.PingHead(head, c);
    }

    /** Evicts the contact at once and promotes the most recent replacement, if any. */
    Optional<Contact> evict(NodeId id) {
        removeReplacement(id);
        if (entries.remove(id) == null) {
            return Optional.empty();
        }
        if (id.equals(pendingPing)) {
            pendingPing = null;
        }
        Contact promoted = replacements.pollFirst();
        if (promoted == null) {
            return Optional.empty();
        }
        // heard from at some time before it was queued: checked like any head whose liveness is unknown
        entries.put(promoted.id(), new Entry(promoted, NEVER));
        return Optional.of(promoted);
    }

    /**
     * Counts a failed request; evicts the contact once it failed {@code maxFailures} times in a row
     * and a replacement is waiting. Without a replacement it stays, flagged stale, until a new contact
     * arrives for this bucket.
     *
     * @return whether the contact was evicted
     */
    boolean fail(NodeId id, int maxFailures) {
        if (removeReplacement(id)) {
            return false;
        }
        Entry e = entries.get(id);
        if (e == null) {
            return false;
        }
        e.failures++;
        if (e.failures >= maxFailures && !replacements.isEmpty()) {
            evict(id);
            return true;
        }
        return false;
    }

    private void addReplacement(Contact c) {
        removeReplacement(c.id());
        replacements.addFirst(c);
        while (replacements.size() > replacementCapacity) {
            replacements.pollLast();
        }
    }

    private boolean removeReplacement(NodeId id) {
        return replacements.removeIf(r -> r.id().equals(id));
    }
}

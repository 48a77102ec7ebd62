package io.kad.core.routing;

import io.kad.core.id.Contact;

/**
 * What {@link RoutingTable#observe} did with a contact that was seen alive, and what the caller must do
 * next (Maymounkov &amp; Mazi&egrave;res 2002, section 2.2).
 *
 * <ul>
 *   <li>{@link Inserted}, {@link Refreshed}, {@link Replaced}, {@link Queued}, {@link Ignored}: nothing to do;
 *   <li>{@link PingHead}: ping {@code head}; on a reply call {@code observe(head)}, on a timeout call
 *       {@link RoutingTable#onPingTimeout(Contact)}, which evicts it and promotes the candidate.
 * </ul>
 */
public sealed interface ObserveResult {

    /**
     * The contact was new and its bucket had room: it is now the most recently seen entry.
     *
     * @param contact the inserted contact
     */
    record Inserted(Contact contact) implements ObserveResult {}

    /**
     * The contact was already in its bucket: it moved to the tail (most recently seen), with its
     * address and {@code speaksRecords} updated.
     *
     * @param contact the contact as now stored
     */
    record Refreshed(Contact contact) implements ObserveResult {}

    /**
     * The bucket was full but held a stale entry (one that failed
     * {@link RoutingTable#MAX_CONSECUTIVE_FAILURES} requests in a row): the stale entry was evicted
     * and the contact inserted in its place (paper section 4.1).
     *
     * @param contact the inserted contact
     * @param evicted the stale contact that left the table
     */
    record Replaced(Contact contact, Contact evicted) implements ObserveResult {}

    /**
     * The bucket was full and its least recently seen entry was not heard from lately: the candidate
     * went to the bucket's replacement cache and the caller must ping that entry before anything is
     * evicted (ping-before-evict).
     *
     * @param head the least recently seen contact of the bucket, to ping
     * @param candidate the contact waiting in the replacement cache
     */
    record PingHead(Contact head, Contact candidate) implements ObserveResult {}

    /**
     * The bucket was full and its head needs no ping now: one is already pending, or the head was heard
     * from within {@link RoutingTable#LIVE_CONTACT_MILLIS}. The candidate went to the replacement cache.
     *
     * @param candidate the contact waiting in the replacement cache
     */
    record Queued(Contact candidate) implements ObserveResult {}

    /** The contact is the local node (or of another id width) and is never stored. */
    record Ignored() implements ObserveResult {}
}

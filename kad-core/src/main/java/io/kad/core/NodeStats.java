package io.kad.core;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one node's protocol activity, readable at any time (for metrics and health checks).
 * All counts are since the node started.
 */
public final class NodeStats {

    final LongAdder datagramsReceived = new LongAdder();
    final LongAdder datagramsSent = new LongAdder();
    final LongAdder datagramsDropped = new LongAdder();
    final LongAdder unmatchedReplies = new LongAdder();
    final LongAdder unauthenticated = new LongAdder();
    final LongAdder staleDatagrams = new LongAdder();
    final LongAdder addressChecks = new LongAdder();
    final LongAdder handlerFailures = new LongAdder();
    final LongAdder subscriptionsVerified = new LongAdder();
    final LongAdder subscriptionsRefused = new LongAdder();
    final LongAdder addressChanges = new LongAdder();
    final LongAdder replayedDatagrams = new LongAdder();
    final LongAdder misdirectedDatagrams = new LongAdder();
    final LongAdder nonceMemoryFull = new LongAdder();
    final LongAdder rejectedByInterceptor = new LongAdder();
    final LongAdder rpcTimeouts = new LongAdder();
    final LongAdder lookups = new LongAdder();
    final LongAdder lookupRounds = new LongAdder();
    final LongAdder recordReads = new LongAdder();
    final LongAdder recordWrites = new LongAdder();
    final LongAdder recordWriteConflicts = new LongAdder();
    final LongAdder takeovers = new LongAdder();
    final LongAdder takeoversRefused = new LongAdder();
    final LongAdder redirects = new LongAdder();
    final LongAdder recordDatagramsSent = new LongAdder();
    final LongAdder eventsSent = new LongAdder();
    final LongAdder recordIdMismatches = new LongAdder();
    final LongAdder oversizedRecordsRefused = new LongAdder();
    final LongAdder copiesFromNonHolders = new LongAdder();
    final LongAdder copiesVersionAhead = new LongAdder();
    final LongAdder copiesExpired = new LongAdder();
    final LongAdder kadpyStoresRefused = new LongAdder();
    final LongAdder kadpyStoresOverQuota = new LongAdder();
    final LongAdder copiesOverQuota = new LongAdder();
    final LongAdder addressVerifications = new LongAdder();
    final LongAdder lookupAnswersCut = new LongAdder();
    final LongAdder unverifiedRefused = new LongAdder();
    final LongAdder fragmentsSent = new LongAdder();
    final LongAdder fragmentsRetransmitted = new LongAdder();
    final LongAdder transfersSent = new LongAdder();
    final LongAdder transfersReceived = new LongAdder();
    final LongAdder transfersDropped = new LongAdder();
    final LongAdder transferBytesHeld = new LongAdder();

    NodeStats() {
    }

    /** @return datagrams received */
    public long datagramsReceived() { return datagramsReceived.sum(); }
    /** @return datagrams sent */
    public long datagramsSent() { return datagramsSent.sum(); }
    /**
     * @return datagrams dropped as malformed, truncated, oversized, of an unknown type, with bad field
     *     types or out-of-range ids (including replies to requests never sent, also counted in
     *     {@link #unmatchedReplies()})
     */
    public long datagramsDropped() { return datagramsDropped.sum(); }
    /** @return replies whose {@code rpc_id} matched no pending request */
    public long unmatchedReplies() { return unmatchedReplies.sum(); }
    /** @return datagrams dropped for lacking a valid tag of the swarm's shared secret (also in dropped) */
    public long unauthenticated() { return unauthenticated.sum(); }
    /**
     * @return tagged datagrams dropped because their timestamp was outside the shared secret's window of
     *     the local clock (also in dropped)
     */
    public long staleDatagrams() { return staleDatagrams.sum(); }
    /**
     * @return valid messages whose handling failed with an exception (also in dropped): a message the
     *     codec accepted but the node could not use
     */
    public long handlerFailures() { return handlerFailures.sum(); }
    /**
     * @return messages from a known node at an address other than its known one, answered with a ping
     *     there instead of a move
     */
    public long addressChecks() { return addressChecks.sum(); }
    /**
     * @return subscriptions from a node not known at the address they came from, taken only after it
     *     answered a ping there
     */
    public long subscriptionsVerified() { return subscriptionsVerified.sum(); }
    /** @return subscriptions refused: no answer at their address, or the bound on subscriptions reached */
    public long subscriptionsRefused() { return subscriptionsRefused.sum(); }
    /** @return known nodes moved to a new address after answering a ping there */
    public long addressChanges() { return addressChanges.sum(); }
    /**
     * @return tagged datagrams dropped because they named another node as their recipient (a datagram
     *     replayed to a node it was not sent to; also in dropped)
     */
    public long misdirectedDatagrams() { return misdirectedDatagrams.sum(); }
    /** @return tagged datagrams dropped as replays: their nonce was accepted before (also in dropped) */
    public long replayedDatagrams() { return replayedDatagrams.sum(); }
    /**
     * @return tagged datagrams dropped because the memory of nonces was full for the current window (also
     *     in dropped): a member sending faster than the memory allows
     */
    public long nonceMemoryFull() { return nonceMemoryFull.sum(); }
    /** @return messages a request interceptor rejected */
    public long rejectedByInterceptor() { return rejectedByInterceptor.sum(); }
    /** @return requests that got no reply in time */
    public long rpcTimeouts() { return rpcTimeouts.sum(); }
    /** @return iterative lookups run */
    public long lookups() { return lookups.sum(); }
    /** @return the sum of the rounds of all lookups (divide by {@link #lookups()} for the mean) */
    public long lookupRounds() { return lookupRounds.sum(); }
    /** @return record reads this node served as owner or replica */
    public long recordReads() { return recordReads.sum(); }
    /** @return record writes this node applied as owner */
    public long recordWrites() { return recordWrites.sum(); }
    /**
     * @return record operations this node's requests followed to a nearer node because the node it
     *     asked first was not the owner (a stale membership view: one extra round trip each)
     */
    public long redirects() { return redirects.sum(); }
    /**
     * @return datagrams sent of the record operations themselves: reads, writes, copies and their
     *     answers and redirects (not lookups, crawl, scans, subscriptions or events), the cost a record
     *     operation adds to the swarm
     */
    public long recordDatagramsSent() { return recordDatagramsSent.sum(); }
    /** @return record events this node sent to subscribed nodes (none for a namespace nobody follows) */
    public long eventsSent() { return eventsSent.sum(); }
    /**
     * @return records refused because their id is not the one their namespace and key hash to: in a
     *     read, a write, a copy or a scan page
     */
    public long recordIdMismatches() { return recordIdMismatches.sum(); }
    /**
     * @return records refused by this node because their value exceeds {@code kad.max-value-bytes} or
     *     their key {@link NodeConfig#MAX_KEY_BYTES}: remote writes and copies
     */
    public long oversizedRecordsRefused() { return oversizedRecordsRefused.sum(); }
    /**
     * @return copies refused because, in this node's view, their sender is too far from the record to
     *     be one of its holders
     */
    public long copiesFromNonHolders() { return copiesFromNonHolders.sum(); }
    /**
     * @return copies refused because their version lies further above this node's clock than any owner
     *     could have issued ({@link io.kad.core.record.RecordEngine#MAX_VERSION_AHEAD_MILLIS})
     */
    public long copiesVersionAhead() { return copiesVersionAhead.sum(); }
    /**
     * @return copies refused as expired: past their expiry and the reclaim grace, or expired (a
     *     tombstone included) with nothing stored here for them to supersede
     */
    public long copiesExpired() { return copiesExpired.sum(); }
    /**
     * @return kad.py {@code store}s refused: a value larger than kad.py's datagram bound, or a key
     *     that holds a record written through the record protocol
     */
    public long kadpyStoresRefused() { return kadpyStoresRefused.sum(); }
    /**
     * @return kad.py {@code store}s refused because their source address already holds its quota of
     *     kad.py stores on this node (a sixteenth of the tier's record bound)
     */
    public long kadpyStoresOverQuota() { return kadpyStoresOverQuota.sum(); }
    /**
     * @return copies refused because they would create a record here and their source address already
     *     created its quota of records with copies (half the tier's record bound)
     */
    public long copiesOverQuota() { return copiesOverQuota.sum(); }
    /**
     * @return pings sent to check that a node is at the address it wrote from before it gets an answer
     *     much larger than its request (a scan page) or records it did not ask for (a hand-off)
     */
    public long addressVerifications() { return addressVerifications.sum(); }
    /**
     * @return {@code found_nodes} answers cut to the nearest contacts that fit the bound of an address
     *     not verified (a lookup request from it, unpadded, could otherwise buy many times its size)
     */
    public long lookupAnswersCut() { return lookupAnswersCut.sum(); }
    /**
     * @return scan pages and hand-offs not sent because their address did not answer as the node they
     *     were for (a forged source address: no amplification towards it)
     */
    public long unverifiedRefused() { return unverifiedRefused.sum(); }
    /**
     * @return fragments of messages too large for one datagram sent, retransmissions included (each
     *     fragment is a datagram, also counted in {@link #datagramsSent()})
     */
    public long fragmentsSent() { return fragmentsSent.sum(); }
    /** @return fragments sent again because they, or their acknowledgement, were lost or late */
    public long fragmentsRetransmitted() { return fragmentsRetransmitted.sum(); }
    /** @return fragmented transfers this node sent that the receiver acknowledged in full */
    public long transfersSent() { return transfersSent.sum(); }
    /** @return fragmented transfers this node received in full and passed on as messages */
    public long transfersReceived() { return transfersReceived.sum(); }
    /**
     * @return fragmented transfers dropped, sent or received: stalled past their timeout, refused by a
     *     receiver at its memory bound, or refused by this node as a sender or receiver at its own
     */
    public long transfersDropped() { return transfersDropped.sum(); }
    /** @return bytes this node holds reserved for partial inbound transfers now (a gauge, not a count) */
    public long transferBytesHeld() { return transferBytesHeld.sum(); }
    /** @return conditional writes refused because the version had moved */
    public long recordWriteConflicts() { return recordWriteConflicts.sum(); }
    /**
     * @return records this node began to act as the owner of after asking the other holders for their
     *     copies (after a failover, a join, a change of its view)
     */
    public long takeovers() { return takeovers.sum(); }
    /** @return takeovers given up because too few of the other holders answered (a node cut off) */
    public long takeoversRefused() { return takeoversRefused.sum(); }

    @Override
    public String toString() {
        return "NodeStats[received=" + datagramsReceived() + ", sent=" + datagramsSent() + ", dropped="
                + datagramsDropped() + ", unmatchedReplies=" + unmatchedReplies() + ", rpcTimeouts=" + rpcTimeouts()
                + ", lookups=" + lookups() + ", fragmentsSent=" + fragmentsSent() + ", fragmentsRetransmitted="
                + fragmentsRetransmitted() + ", transfersDropped=" + transfersDropped() + "]";
    }
}

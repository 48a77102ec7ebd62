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
    final LongAdder rejectedByInterceptor = new LongAdder();
    final LongAdder rpcTimeouts = new LongAdder();
    final LongAdder lookups = new LongAdder();
    final LongAdder lookupRounds = new LongAdder();
    final LongAdder recordReads = new LongAdder();
    final LongAdder recordWrites = new LongAdder();
    final LongAdder recordWriteConflicts = new LongAdder();
    final LongAdder redirects = new LongAdder();
    final LongAdder recordDatagramsSent = new LongAdder();
    final LongAdder eventsSent = new LongAdder();
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

    @Override
    public String toString() {
        return "NodeStats[received=" + datagramsReceived() + ", sent=" + datagramsSent() + ", dropped="
                + datagramsDropped() + ", unmatchedReplies=" + unmatchedReplies() + ", rpcTimeouts=" + rpcTimeouts()
                + ", lookups=" + lookups() + ", fragmentsSent=" + fragmentsSent() + ", fragmentsRetransmitted="
                + fragmentsRetransmitted() + ", transfersDropped=" + transfersDropped() + "]";
    }
}

package io.kad.core.record;

/** What a node did with a replica copy offered to it ({@link RecordEngine#offerCopy}). */
public enum CopyOutcome {
    /** Stored: newer than what was stored, or nothing was. */
    KEPT,
    /** Not stored: what is stored is as new or newer. */
    STALE,
    /**
     * Refused: the copy expired more than the grace ago, or it is expired (a tombstone included) and
     * nothing is stored that it would supersede.
     */
    EXPIRED,
    /** Refused: its version lies further above this node's clock than any owner could have issued. */
    VERSION_AHEAD
}

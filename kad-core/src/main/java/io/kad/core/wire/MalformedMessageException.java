package io.kad.core.wire;

/**
 * A datagram or JSON tree that is not a valid protocol message.
 *
 * <ul>
 *   <li>{@link #reason()} is a short, stable, human-readable phrase ({@code "not JSON"},
 *       {@code "missing peer_id"}, ...) suitable for a drop counter label or a debug log line.</li>
 *   <li>The exception is checked on purpose: every datagram comes from an untrusted peer, so the
 *       receive path must decide what to do with bad input (drop and count) rather than let it escape.</li>
 *   <li>No stack trace is filled in: malformed input is expected traffic, not a bug, and may arrive at
 *       line rate from a misbehaving peer.</li>
 * </ul>
 */
public class MalformedMessageException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reason;

    /** @param reason why the message was rejected */
    public MalformedMessageException(String reason) {
        super(reason, null, false, false);
        this.reason = reason;
    }

    /** @return why the message was rejected */
    public String reason() {
        return reason;
    }
}

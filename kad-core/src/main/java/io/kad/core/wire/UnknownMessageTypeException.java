package io.kad.core.wire;

/**
 * A well-formed message whose {@code message_type} this codec does not know.
 *
 * <ul>
 *   <li>The sender's {@code peer_id} was valid (it is checked before the type), so a node that wants to
 *       mimic kad.py, which still puts the sender in its buckets for unknown types, can read it from
 *       {@link #peerId()}.</li>
 *   <li>The reason is {@code "unknown message_type <type>"}.</li>
 * </ul>
 */
public final class UnknownMessageTypeException extends MalformedMessageException {

    private static final long serialVersionUID = 1L;

    private final String messageType;
    private final transient java.math.BigInteger peerId;

    /**
     * @param messageType the type as received
     * @param peerId the sender's (valid) id
     */
    public UnknownMessageTypeException(String messageType, java.math.BigInteger peerId) {
        super("unknown message_type " + messageType);
        this.messageType = messageType;
        this.peerId = peerId;
    }

    /** @return the {@code message_type} as received */
    public String messageType() {
        return messageType;
    }

    /** @return the sender's {@code peer_id} */
    public java.math.BigInteger peerId() {
        return peerId;
    }
}

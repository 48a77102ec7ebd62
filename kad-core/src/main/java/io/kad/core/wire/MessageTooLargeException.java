package io.kad.core.wire;

/**
 * An outgoing message whose encoding exceeds the datagram limit of its dialect.
 *
 * <ul>
 *   <li>{@link #size()} is the encoded size in bytes, {@link #limit()} the limit it broke.</li>
 *   <li>It is an {@link IllegalArgumentException} because the caller chose the content: a kad.py
 *       node would silently truncate such a datagram at 8192 bytes and drop it, so refusing to send is
 *       the only useful outcome.</li>
 * </ul>
 */
public final class MessageTooLargeException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final int size;
    private final int limit;

    /**
     * @param messageType the type of the message
     * @param size the encoded size in bytes
     * @param limit the limit in bytes
     */
    public MessageTooLargeException(String messageType, int size, int limit) {
        super(messageType + " encodes to " + size + " bytes, more than the limit of " + limit + " bytes");
        this.size = size;
        this.limit = limit;
    }

    /** @return the encoded size in bytes */
    public int size() {
        return size;
    }

    /** @return the limit in bytes */
    public int limit() {
        return limit;
    }
}

package io.kad.spi;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One message as a {@link RequestInterceptor} sees it: its type, the peer it came from or goes to,
 * and its fields as plain Java values.
 *
 * <p>Fields use the JSON field names of the wire dialect ({@code "id"}, {@code "value"},
 * {@code "rpc_id"}, ...). Values are {@code null}, {@link Boolean}, {@link String}, {@link Number}
 * ({@link BigInteger} for ids), {@link java.util.List} or {@link Map} with string keys: the JSON tree of
 * the message. The map is mutable; changing it changes the message.
 */
public interface InterceptedMessage {

    /** Whether the message arrived at this node or is leaving it. */
    enum Direction {
        /** Received from a peer. */
        INBOUND,
        /** About to be sent to a peer. */
        OUTBOUND
    }

    /** @return whether the message arrived or is leaving */
    Direction direction();

    /** @return the {@code message_type}, e.g. {@code "store"} or {@code "find_value"} */
    String messageType();

    /** @return the address the message came from (inbound) or goes to (outbound) */
    InetSocketAddress peerAddress();

    /**
     * @return the sender's node id for an inbound message, the receiver's for an outbound one when it
     *     is known, else {@code null}
     */
    BigInteger peerId();

    /** @return the id of this node */
    BigInteger localId();

    /** @return the message's fields, mutable, in wire order */
    Map<String, Object> fields();

    /**
     * The {@code "value"} field: for kad.py's {@code store} and {@code found_value}, the JSON value.
     *
     * @return the value, or {@code null} if the message has none
     */
    default Object value() {
        return fields().get("value");
    }
}

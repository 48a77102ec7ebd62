package io.kad.core.wire;

import java.util.Set;

/**
 * Which dialect each {@code message_type} belongs to: kad.py's seven types, encoded like Python's
 * {@code json.dumps} within kad.py's 8192-byte buffer, and this project's record protocol, compact JSON
 * within 65,000 bytes. Immutable; any thread.
 */
final class MessageTypes {

    private static final Set<String> KADPY_TYPES =
            Set.of("ping", "pong", "find_node", "find_value", "found_nodes", "found_value", "store");

    private MessageTypes() {
    }

    /** @return whether a {@code message_type} is one of kad.py's */
    static boolean isKadpy(String type) {
        return KADPY_TYPES.contains(type);
    }

    /** @return whether a message is one of kad.py's seven types */
    static boolean isKadpy(Message m) {
        return m instanceof Message.Ping || m instanceof Message.Pong || m instanceof Message.FindNode
                || m instanceof Message.FindValue || m instanceof Message.FoundNodes
                || m instanceof Message.FoundValue || m instanceof Message.Store;
    }
}

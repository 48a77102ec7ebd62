package io.kad.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.id.NodeId;
import java.math.BigInteger;
import java.util.Base64;

/**
 * The field readers and writers every message of both dialects uses: ids and their ranges, strings,
 * booleans, integers, base64 byte arrays, {@code rpc_id}, and the sender fields. Stateless; any thread.
 * A reader throws only {@link MalformedMessageException}; a writer throws {@link IllegalArgumentException}
 * for a value out of range.
 */
final class WireFields {

    static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    static final BigInteger NODE_ID_LIMIT = BigInteger.ONE.shiftLeft(NodeId.NODE_ID_BITS);

    private WireFields() {
    }

    static BigInteger peerId(ObjectNode t) throws MalformedMessageException {
        return id(t, "peer_id", NODE_ID_LIMIT);
    }

    static BigInteger id(JsonNode t, String field, BigInteger limit) throws MalformedMessageException {
        JsonNode n = t.get(field);
        if (n == null) {
            throw new MalformedMessageException("missing " + field);
        }
        return idValue(n, field, limit);
    }

    static BigInteger idOrNull(JsonNode t, String field, BigInteger limit) throws MalformedMessageException {
        JsonNode n = t.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        return idValue(n, field, limit);
    }

    static BigInteger idValue(JsonNode n, String field, BigInteger limit) throws MalformedMessageException {
        if (!n.isIntegralNumber()) {
            throw new MalformedMessageException(field + " not an integer");
        }
        BigInteger v = n.bigIntegerValue();
        if (v.signum() < 0 || v.compareTo(limit) >= 0) {
            throw new MalformedMessageException(field + " out of range");
        }
        return v;
    }

    static JsonNode optional(JsonNode t, String field, JsonNode absent) {
        JsonNode n = t.get(field);
        return n == null ? absent : n;
    }

    static JsonNode required(JsonNode t, String field) throws MalformedMessageException {
        JsonNode n = t.get(field);
        if (n == null) {
            throw new MalformedMessageException("missing " + field);
        }
        return n;
    }

    /** Record-protocol rpc_id: our nodes always send a 128-bit integer. */
    static JsonNode rpcId(JsonNode t) throws MalformedMessageException {
        JsonNode n = required(t, "rpc_id");
        idValue(n, "rpc_id", NODE_ID_LIMIT);
        return n;
    }

    static String text(JsonNode t, String field) throws MalformedMessageException {
        JsonNode n = required(t, field);
        if (!n.isTextual()) {
            throw new MalformedMessageException(field + " not a string");
        }
        return n.textValue();
    }

    static boolean bool(JsonNode t, String field) throws MalformedMessageException {
        JsonNode n = required(t, field);
        if (!n.isBoolean()) {
            throw new MalformedMessageException(field + " not a boolean");
        }
        return n.booleanValue();
    }

    static long longValue(JsonNode t, String field) throws MalformedMessageException {
        JsonNode n = required(t, field);
        if (!n.isIntegralNumber()) {
            throw new MalformedMessageException(field + " not an integer");
        }
        BigInteger v = n.bigIntegerValue();
        if (v.bitLength() > 63) {
            throw new MalformedMessageException(field + " out of range");
        }
        return v.longValue();
    }

    static byte[] bytes(JsonNode t, String field) throws MalformedMessageException {
        return base64(required(t, field), field);
    }

    static byte[] bytesOrNull(JsonNode t, String field) throws MalformedMessageException {
        JsonNode n = t.get(field);
        return n == null || n.isNull() ? null : base64(n, field);
    }

    static byte[] base64(JsonNode n, String field) throws MalformedMessageException {
        if (!n.isTextual()) {
            throw new MalformedMessageException(field + " not a base64 string");
        }
        try {
            return Base64.getDecoder().decode(n.textValue());
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException(field + " not a base64 string");
        }
    }

    /** Appends peer_id and peer_info, which kad.py writes after the type-specific fields. */
    static void head(ObjectNode o, Message m) {
        o.put("peer_id", checkId(m.peerId(), NODE_ID_LIMIT, "peer_id"));
        o.set("peer_info", m.peerInfo() == null ? NullNode.getInstance() : m.peerInfo());
    }

    static void rpc(ObjectNode o, JsonNode rpcId) {
        if (rpcId != null && !rpcId.isMissingNode()) {
            o.set("rpc_id", rpcId);
        }
    }

    static BigInteger checkId(BigInteger id, BigInteger limit, String what) {
        if (id == null || id.signum() < 0 || id.compareTo(limit) >= 0) {
            throw new IllegalArgumentException(what + " out of range: " + id);
        }
        return id;
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }
}

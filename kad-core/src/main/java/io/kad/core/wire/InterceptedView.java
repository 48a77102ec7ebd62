package io.kad.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.spi.InterceptedMessage;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A message as a {@link io.kad.spi.RequestInterceptor} sees it: a mutable map of plain Java values
 * built from the message's JSON object, which can be written back to JSON after the interceptor ran.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #fields()} is a {@link LinkedHashMap} in wire order, created once; interceptors change the
 *       message by changing it (nested maps and lists are mutable too).</li>
 *   <li>Values: {@code null}, {@link Boolean}, {@link String}, {@link Double}, {@link List},
 *       {@link Map}; integers are {@link BigInteger} for fields named {@code id}, {@code peer_id},
 *       {@code rpc_id}, {@code target}, {@code after}, {@code next}, {@code origin} (at any depth) and
 *       for the id of each {@code nearest_nodes} entry, so ids always have one type; other integers
 *       are {@link Integer}, {@link Long} or {@link BigInteger}, the narrowest that fits.</li>
 *   <li>{@link #toTree()} converts the current map back; it throws {@link IllegalArgumentException} for
 *       values that are not JSON (the caller should then drop the message). The result must be
 *       decoded again with {@link MessageCodec#decode(ObjectNode)}, since the interceptor may have made
 *       it invalid.</li>
 *   <li>{@link #messageType()} reads the current {@code message_type} from the map.</li>
 * </ul>
 */
public final class InterceptedView implements InterceptedMessage {

    /** Integer fields that hold ids: always BigInteger, whatever their size. */
    private static final Set<String> ID_FIELDS =
            Set.of("id", "peer_id", "rpc_id", "target", "after", "next", "origin");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Guards against cyclic maps an interceptor might build. */
    private static final int MAX_DEPTH = 512;

    private final Direction direction;
    private final InetSocketAddress peerAddress;
    private final BigInteger peerId;
    private final BigInteger localId;
    private final Map<String, Object> fields;

    /**
     * @param direction inbound or outbound
     * @param peerAddress where it came from or goes to
     * @param peerId the sender's id (inbound) or the receiver's if known (outbound), else null
     * @param localId this node's id
     * @param tree the message object; it is copied, not kept
     */
    public InterceptedView(Direction direction, InetSocketAddress peerAddress, BigInteger peerId,
                           BigInteger localId, ObjectNode tree) {
        this.direction = Objects.requireNonNull(direction, "direction");
        this.peerAddress = peerAddress;
        this.peerId = peerId;
        this.localId = localId;
        this.fields = toJava(Objects.requireNonNull(tree, "tree"));
    }

    @Override
    public Direction direction() {
        return direction;
    }

    @Override
    public String messageType() {
        Object t = fields.get("message_type");
        return t instanceof String s ? s : null;
    }

    @Override
    public InetSocketAddress peerAddress() {
        return peerAddress;
    }

    @Override
    public BigInteger peerId() {
        return peerId;
    }

    @Override
    public BigInteger localId() {
        return localId;
    }

    @Override
    public Map<String, Object> fields() {
        return fields;
    }

    /**
     * @return the (possibly modified) fields as a new JSON object
     * @throws IllegalArgumentException if a value is not representable in JSON
     */
    public ObjectNode toTree() {
        return fromJava(fields);
    }

    /**
     * @param tree a JSON object
     * @return its fields as mutable plain Java values, in order
     */
    public static Map<String, Object> toJava(ObjectNode tree) {
        return objectToJava(tree);
    }

    private static Map<String, Object> objectToJava(JsonNode obj) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if ("nearest_nodes".equals(name) && v.isArray()) {
                List<Object> list = new ArrayList<>(v.size());
                for (JsonNode entry : v) {
                    if (entry.isArray() && entry.size() == 4) {
                        List<Object> l = new ArrayList<>(4);
                        for (int i = 0; i < 4; i++) {
                            l.add(nodeToJava(entry.get(i), i == 2));
                        }
                        list.add(l);
                    } else {
                        list.add(nodeToJava(entry, false));
                    }
                }
                map.put(name, list);
            } else {
                map.put(name, nodeToJava(v, ID_FIELDS.contains(name)));
            }
        }
        return map;
    }

    private static Object nodeToJava(JsonNode n, boolean isId) {
        switch (n.getNodeType()) {
            case OBJECT:
                return objectToJava(n);
            case ARRAY: {
                List<Object> list = new ArrayList<>(n.size());
                for (JsonNode e : n) {
                    list.add(nodeToJava(e, false));
                }
                return list;
            }
            case STRING:
                return n.textValue();
            case BOOLEAN:
                return n.booleanValue();
            case NUMBER:
                if (n.isIntegralNumber()) {
                    BigInteger v = n.bigIntegerValue();
                    if (isId || v.bitLength() > 63) {
                        return v;
                    }
                    return v.bitLength() <= 31 ? (Object) v.intValue() : (Object) v.longValue();
                }
                if (n.isBigDecimal()) {
                    return n.decimalValue();
                }
                return n.doubleValue();
            default:
                return null;
        }
    }

    /**
     * @param map fields as plain Java values (also accepts {@link JsonNode} values, copied)
     * @return a new JSON object with the same fields in the map's order
     * @throws IllegalArgumentException if a value is not representable in JSON, a map key is not a
     *     string, or the structure is cyclic
     */
    public static ObjectNode fromJava(Map<?, ?> map) {
        return (ObjectNode) javaToNode(map, 0);
    }

    private static JsonNode javaToNode(Object v, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("nesting deeper than " + MAX_DEPTH + " (cyclic?)");
        }
        if (v == null) {
            return NODES.nullNode();
        }
        if (v instanceof JsonNode j) {
            return j.deepCopy();
        }
        if (v instanceof String s) {
            return NODES.textNode(s);
        }
        if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return NODES.numberNode(((Number) v).longValue());
        }
        if (v instanceof BigInteger b) {
            return NODES.numberNode(b);
        }
        if (v instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (v instanceof Float f) {
            // via the decimal text, so 0.1f stays 0.1 rather than 0.10000000149011612
            return NODES.numberNode(Double.parseDouble(f.toString()));
        }
        if (v instanceof BigDecimal d) {
            return NODES.numberNode(d);
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("map key is not a string: " + e.getKey());
                }
                o.set(key, javaToNode(e.getValue(), depth + 1));
            }
            return o;
        }
        if (v instanceof Collection<?> c) {
            ArrayNode a = NODES.arrayNode(c.size());
            for (Object e : c) {
                a.add(javaToNode(e, depth + 1));
            }
            return a;
        }
        throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }
}

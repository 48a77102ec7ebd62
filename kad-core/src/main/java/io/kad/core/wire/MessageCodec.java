package io.kad.core.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns datagrams into {@link Message}s and back, for both kad.py's dialect and this project's record
 * protocol.
 *
 * <p>Contract:
 * <ul>
 *   <li>Thread-safe and stateless apart from {@link #idBits()}; one instance can serve every socket.</li>
 *   <li>{@link #parse(byte[])} and {@link #decode(ObjectNode)} throw only {@link MalformedMessageException}
 *       (never a runtime exception) for any input, so a receive loop can drop and count.</li>
 *   <li>Ids are JSON integers only (a string or a float such as {@code 1e38} is rejected), parsed to
 *       {@link BigInteger} whatever their size. {@code peer_id}, contact ids, {@code origin} and
 *       record-protocol {@code rpc_id}s: {@code 0 <= id < 2^128}. Key ids, record ids and
 *       {@code find_node} targets: {@code 0 <= id < 2^idBits}. The {@code id} of {@code found_nodes} /
 *       {@code found_value} (kad.py puts the requester's node id there) may be below
 *       {@code 2^max(idBits, 128)}.</li>
 *   <li>kad.py-dialect messages ({@code ping pong find_node find_value found_nodes found_value store}) are
 *       encoded byte for byte like Python's {@code json.dumps} (field order of the protocol doc §3,
 *       separators {@code ", "} / {@code ": "}, ASCII only) and must fit {@link #KADPY_MAX_DATAGRAM}
 *       bytes, kad.py's receive buffer. Record-protocol messages are compact UTF-8 JSON up to
 *       {@link #RECORD_MAX_DATAGRAM} bytes. Either way {@link #encode} throws
 *       {@link MessageTooLargeException} rather than send something the receiver would cut short.</li>
 *   <li>{@code peer_info} missing or {@code null} decodes as {@link NullNode}. kad.py itself rejects a
 *       datagram without {@code peer_info}; we accept it because nothing in this codec or the node
 *       depends on it, and dropping a peer for an omitted optional-looking field gains nothing.</li>
 *   <li>{@code ping}/{@code pong} without {@code rpc_id} decode with {@code rpcId} {@link NullNode}, and
 *       {@code rpc_id} is written (after {@code peer_info}) only when it is not null. A
 *       {@code find_*}/{@code found_*} without {@code rpc_id} decodes with {@code rpcId}
 *       {@link MissingNode} (kad.py ignores such a request and such a reply: a node should too), and
 *       encoding omits the field then.</li>
 *   <li>{@code nearest_nodes} entries must be {@code [host, port, id, info]}; a bad entry (wrong shape,
 *       port outside 1..65535, id not a 128-bit integer, host that does not resolve) is skipped alone,
 *       and entries are deduplicated by id keeping the first, because kad.py lists one node once per
 *       distinct {@code peer_info} it saw. Resolution uses {@code new InetSocketAddress(host, port)}, so a
 *       hostname costs a (cached) name lookup. {@link Contact#speaksRecords()} is true when the entry's
 *       info is an object with a {@code "kad"} field; we encode our contacts' info as
 *       {@code {"kad": 1}} when they speak records and {@code {}} otherwise.</li>
 *   <li>Bounds: at most {@link #MAX_NEAREST} {@code nearest_nodes} entries, {@link #MAX_REPLICATE}
 *       replicated records, {@link #MAX_SCAN_KEYS} scan keys (and {@code 1 <= limit <=}
 *       {@link #MAX_SCAN_KEYS}); a datagram over {@link #RECORD_MAX_DATAGRAM} bytes is not parsed.</li>
 * </ul>
 *
 * <p>Record-protocol fields (every message also has {@code message_type}, {@code peer_id},
 * {@code peer_info}; requests and replies have {@code rpc_id}, an integer; byte arrays are standard
 * base64 strings with padding; {@code REC} is a record object, below):
 * <table>
 *   <caption>record-protocol messages</caption>
 *   <tr><th>message_type</th><th>fields, in order</th></tr>
 *   <tr><td>{@code get_record}</td><td>{@code id} (record id), {@code ns}, {@code key}, rpc_id, peer_id, peer_info</td></tr>
 *   <tr><td>{@code record}</td><td>{@code record} (REC or null), {@code expired} (REC or null), rpc_id, ...</td></tr>
 *   <tr><td>{@code put_record}</td><td>{@code id}, {@code ns}, {@code key}, {@code op} ({@code "put"},
 *       {@code "remove"}, {@code "touch"}, {@code "clear"}), {@code value}, {@code json} (bool), {@code expected_version}
 *       (-1 any, 0 absent, else the version), {@code expires_if_created}, {@code expires_if_updated}
 *       (epoch ms; -2 keeps the expiry), rpc_id, ...</td></tr>
 *   <tr><td>{@code put_result}</td><td>{@code applied} (bool), {@code previous}, {@code current},
 *       {@code expired} (each REC or null), rpc_id, ...</td></tr>
 *   <tr><td>{@code replicate}</td><td>{@code records} (array of REC), rpc_id, ...</td></tr>
 *   <tr><td>{@code replicated}</td><td>rpc_id, ...</td></tr>
 *   <tr><td>{@code scan}</td><td>{@code ns}, {@code after} (record id or null), {@code limit}, rpc_id, ...</td></tr>
 *   <tr><td>{@code scan_result}</td><td>{@code keys} (array of base64), {@code next} (record id or null), rpc_id, ...</td></tr>
 *   <tr><td>{@code subscribe}</td><td>{@code ns}, {@code lease_ms} (0 cancels), peer_id, peer_info</td></tr>
 *   <tr><td>{@code record_event}</td><td>{@code kind} ({@code "created"}, {@code "updated"},
 *       {@code "removed"}, {@code "expired"}), {@code ns}, {@code key}, {@code old_value},
 *       {@code new_value} (base64 or null), {@code version}, {@code origin} (node id), peer_id, peer_info</td></tr>
 *   <tr><td>REC</td><td>{@code {"id", "ns", "key", "value", "json", "version", "expires_at", "tombstone"}}
 *       (expires_at in epoch ms, {@link StoredRecord#NEVER} = {@code 9223372036854775807})</td></tr>
 * </table>
 */
public final class MessageCodec {

    /** kad.py's receive buffer: a longer datagram is truncated by the kernel and dropped. */
    public static final int KADPY_MAX_DATAGRAM = 8192;
    /** The largest record-protocol datagram, and the largest datagram {@link #parse} accepts. */
    public static final int RECORD_MAX_DATAGRAM = 65000;
    /** The most {@code nearest_nodes} entries accepted or written (kad.py sends up to 20). */
    public static final int MAX_NEAREST = 64;
    /** The most records in one {@code replicate}. */
    public static final int MAX_REPLICATE = 64;
    /** The most keys in one {@code scan_result}, and the largest {@code scan} limit. */
    public static final int MAX_SCAN_KEYS = 1024;

    /** Jackson's mapper: thread-safe once configured, shared by all codecs. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            // ids of any size: never let an id go through a double or a silently wrapped long
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            // Python's json.loads rejects "{} x" ("Extra data")
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Python's json.loads accepts NaN and Infinity, and kad.py may relay such values
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final BigInteger NODE_ID_LIMIT = BigInteger.ONE.shiftLeft(NodeId.NODE_ID_BITS);

    private final int idBits;
    private final BigInteger keyIdLimit;
    private final BigInteger replyIdLimit;

    /**
     * @param idBits the width of key and record ids: the key hash's width, e.g. 256 for SHA-256 (kad.py
     *     2018), 128 for MD5 (kad.py 2015), 160 for SHA-1
     */
    public MessageCodec(int idBits) {
        if (idBits < 1 || idBits > 4096) {
            throw new IllegalArgumentException("idBits must be 1..4096, was " + idBits);
        }
        this.idBits = idBits;
        this.keyIdLimit = BigInteger.ONE.shiftLeft(idBits);
        this.replyIdLimit = BigInteger.ONE.shiftLeft(Math.max(idBits, NodeId.NODE_ID_BITS));
    }

    /** @return the width of key and record ids */
    public int idBits() {
        return idBits;
    }

    /** @return the shared, configured Jackson mapper (do not reconfigure it) */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    // ------------------------------------------------------------------------------------------------
    // parsing

    /**
     * Parses a datagram the way kad.py does: strict UTF-8, surrounding whitespace stripped, one JSON
     * object, and checks that it has a valid {@code peer_id}.
     *
     * @param datagram the UDP payload
     * @return the JSON object, fields in wire order
     * @throws MalformedMessageException if it is too large, not UTF-8, not JSON, not an object, or
     *     lacks a valid {@code peer_id}
     */
    public ObjectNode parse(byte[] datagram) throws MalformedMessageException {
        if (datagram == null) {
            throw new MalformedMessageException("not JSON");
        }
        if (datagram.length > RECORD_MAX_DATAGRAM) {
            throw new MalformedMessageException("datagram larger than " + RECORD_MAX_DATAGRAM + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(datagram))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedMessageException("bad utf-8");
        }
        text = pythonStrip(text);
        if (text.isEmpty()) {
            throw new MalformedMessageException("not JSON");
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(text);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new MalformedMessageException("not JSON");
        }
        if (tree == null || !tree.isObject()) {
            throw new MalformedMessageException("not a JSON object");
        }
        ObjectNode object = (ObjectNode) tree;
        peerId(object);
        return object;
    }

    /** Python's {@code str.strip()}: removes Unicode whitespace at both ends. */
    private static String pythonStrip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isPythonSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isPythonSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    // ------------------------------------------------------------------------------------------------
    // decoding

    /**
     * @param datagram the UDP payload
     * @return the message
     * @throws MalformedMessageException as {@link #parse} and {@link #decode(ObjectNode)}
     */
    public Message decode(byte[] datagram) throws MalformedMessageException {
        return decode(parse(datagram));
    }

    /**
     * Decodes a parsed (and possibly intercepted and modified) JSON object, validating every field.
     *
     * @param tree the message object
     * @return the typed message
     * @throws MalformedMessageException if a field is missing, of the wrong JSON type or out of range,
     *     or the type is unknown ({@link UnknownMessageTypeException})
     */
    public Message decode(ObjectNode tree) throws MalformedMessageException {
        if (tree == null) {
            throw new MalformedMessageException("not a JSON object");
        }
        try {
            return decodeChecked(tree);
        } catch (MalformedMessageException e) {
            throw e;
        } catch (RuntimeException e) {
            // A record constructor refusing a value we let through, or a defect here: either way the
            // datagram came from a peer, and the receive loop must drop it rather than die.
            throw new MalformedMessageException("invalid field: " + e.getMessage());
        }
    }

    private Message decodeChecked(ObjectNode t) throws MalformedMessageException {
        BigInteger peerId = peerId(t);
        JsonNode typeNode = t.get("message_type");
        if (typeNode == null) {
            throw new MalformedMessageException("missing message_type");
        }
        if (!typeNode.isTextual()) {
            throw new MalformedMessageException("message_type not a string");
        }
        String type = typeNode.textValue();
        JsonNode info = t.get("peer_info");
        JsonNode peerInfo = info == null ? NullNode.getInstance() : info;
        switch (type) {
            case "ping":
                return new Message.Ping(peerId, peerInfo, optional(t, "rpc_id", NullNode.getInstance()));
            case "pong":
                return new Message.Pong(peerId, peerInfo, optional(t, "rpc_id", NullNode.getInstance()));
            case "find_node":
                return new Message.FindNode(peerId, peerInfo, optional(t, "rpc_id", MissingNode.getInstance()),
                        id(t, "id", keyIdLimit));
            case "find_value":
                return new Message.FindValue(peerId, peerInfo, optional(t, "rpc_id", MissingNode.getInstance()),
                        id(t, "id", keyIdLimit));
            case "found_nodes":
                return new Message.FoundNodes(peerId, peerInfo, optional(t, "rpc_id", MissingNode.getInstance()),
                        id(t, "id", replyIdLimit), nearest(t));
            case "found_value":
                return new Message.FoundValue(peerId, peerInfo, optional(t, "rpc_id", MissingNode.getInstance()),
                        id(t, "id", replyIdLimit), required(t, "value"));
            case "store":
                return new Message.Store(peerId, peerInfo, id(t, "id", keyIdLimit), required(t, "value"));
            case "get_record":
                return new Message.GetRecord(peerId, peerInfo, rpcId(t), id(t, "id", keyIdLimit), text(t, "ns"),
                        bytes(t, "key"), unreachable(t));
            case "record":
                return new Message.RecordReply(peerId, peerInfo, rpcId(t), recordOrNull(t, "record"),
                        recordOrNull(t, "expired"));
            case "put_record":
                return new Message.PutRecord(peerId, peerInfo, rpcId(t), id(t, "id", keyIdLimit), text(t, "ns"),
                        bytes(t, "key"), command(t), unreachable(t));
            case "not_owner":
                return new Message.Redirect(peerId, peerInfo, rpcId(t), nearest(t));
            case "put_result":
                return new Message.PutReply(peerId, peerInfo, rpcId(t), new WriteResult(bool(t, "applied"),
                        recordOrNull(t, "previous"), recordOrNull(t, "current"), recordOrNull(t, "expired")),
                        t.path("keep_copy").asBoolean(false));
            case "replicate":
                return new Message.Replicate(peerId, peerInfo, rpcId(t), records(t), writeTag(t));
            case "replicated":
                return new Message.ReplicateAck(peerId, peerInfo, rpcId(t));
            case "scan": {
                long limit = longValue(t, "limit");
                if (limit < 1 || limit > MAX_SCAN_KEYS) {
                    throw new MalformedMessageException("limit out of range");
                }
                return new Message.Scan(peerId, peerInfo, rpcId(t), text(t, "ns"), idOrNull(t, "after", keyIdLimit),
                        (int) limit);
            }
            case "scan_result":
                return new Message.ScanReply(peerId, peerInfo, rpcId(t), keys(t), idOrNull(t, "next", keyIdLimit),
                        t.has("nearest_nodes") ? nearest(t) : List.of());
            case "subscribe": {
                long lease = longValue(t, "lease_ms");
                if (lease < 0) {
                    throw new MalformedMessageException("lease_ms out of range");
                }
                return new Message.Subscribe(peerId, peerInfo, text(t, "ns"), lease,
                        optional(t, "rpc_id", MissingNode.getInstance()));
            }
            case "record_event":
                return new Message.Event(peerId, peerInfo, event(t));
            case "leave":
                return new Message.Leave(peerId, peerInfo);
            default:
                throw new UnknownMessageTypeException(type, peerId);
        }
    }

    /** The most node ids a request may name as unreachable. */
    public static final int MAX_UNREACHABLE = 16;

    private static List<BigInteger> unreachable(JsonNode t) throws MalformedMessageException {
        JsonNode n = t.get("unreachable");
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray() || n.size() > MAX_UNREACHABLE) {
            throw new MalformedMessageException("unreachable not a list of at most " + MAX_UNREACHABLE + " ids");
        }
        List<BigInteger> ids = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            ids.add(idValue(e, "unreachable", NODE_ID_LIMIT));
        }
        return ids;
    }

    private Message.WriteTag writeTag(JsonNode t) throws MalformedMessageException {
        JsonNode n = t.get("tag");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw new MalformedMessageException("tag not an object");
        }
        JsonNode rpc = n.get("rpc_id");
        if (rpc == null || rpc.isNull()) {
            throw new MalformedMessageException("tag without rpc_id");
        }
        return new Message.WriteTag(id(n, "requester", NODE_ID_LIMIT), rpc, recordOrNull(n, "previous"));
    }

    private static BigInteger peerId(ObjectNode t) throws MalformedMessageException {
        return id(t, "peer_id", NODE_ID_LIMIT);
    }

    private static BigInteger id(JsonNode t, String field, BigInteger limit) throws MalformedMessageException {
        JsonNode n = t.get(field);
        if (n == null) {
            throw new MalformedMessageException("missing " + field);
        }
        return idValue(n, field, limit);
    }

    private static BigInteger idOrNull(JsonNode t, String field, BigInteger limit) throws MalformedMessageException {
        JsonNode n = t.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        return idValue(n, field, limit);
    }

    private static BigInteger idValue(JsonNode n, String field, BigInteger limit) throws MalformedMessageException {
        if (!n.isIntegralNumber()) {
            throw new MalformedMessageException(field + " not an integer");
        }
        BigInteger v = n.bigIntegerValue();
        if (v.signum() < 0 || v.compareTo(limit) >= 0) {
            throw new MalformedMessageException(field + " out of range");
        }
        return v;
    }

    private static JsonNode optional(JsonNode t, String field, JsonNode absent) {
        JsonNode n = t.get(field);
        return n == null ? absent : n;
    }

    private static JsonNode required(JsonNode t, String field) throws MalformedMessageException {
        JsonNode n = t.get(field);
        if (n == null) {
            throw new MalformedMessageException("missing " + field);
        }
        return n;
    }

    /** Record-protocol rpc_id: our nodes always send a 128-bit integer. */
    private static JsonNode rpcId(JsonNode t) throws MalformedMessageException {
        JsonNode n = required(t, "rpc_id");
        idValue(n, "rpc_id", NODE_ID_LIMIT);
        return n;
    }

    private static String text(JsonNode t, String field) throws MalformedMessageException {
        JsonNode n = required(t, field);
        if (!n.isTextual()) {
            throw new MalformedMessageException(field + " not a string");
        }
        return n.textValue();
    }

    private static boolean bool(JsonNode t, String field) throws MalformedMessageException {
        JsonNode n = required(t, field);
        if (!n.isBoolean()) {
            throw new MalformedMessageException(field + " not a boolean");
        }
        return n.booleanValue();
    }

    private static long longValue(JsonNode t, String field) throws MalformedMessageException {
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

    private static byte[] bytes(JsonNode t, String field) throws MalformedMessageException {
        return base64(required(t, field), field);
    }

    private static byte[] bytesOrNull(JsonNode t, String field) throws MalformedMessageException {
        JsonNode n = t.get(field);
        return n == null || n.isNull() ? null : base64(n, field);
    }

    private static byte[] base64(JsonNode n, String field) throws MalformedMessageException {
        if (!n.isTextual()) {
            throw new MalformedMessageException(field + " not a base64 string");
        }
        try {
            return Base64.getDecoder().decode(n.textValue());
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException(field + " not a base64 string");
        }
    }

    private List<Contact> nearest(JsonNode t) throws MalformedMessageException {
        JsonNode list = required(t, "nearest_nodes");
        if (!list.isArray()) {
            throw new MalformedMessageException("nearest_nodes not an array");
        }
        if (list.size() > MAX_NEAREST) {
            throw new MalformedMessageException("nearest_nodes has more than " + MAX_NEAREST + " entries");
        }
        List<Contact> contacts = new ArrayList<>(list.size());
        Set<BigInteger> seen = new HashSet<>();
        for (JsonNode entry : list) {
            Contact c = contact(entry);
            if (c != null && seen.add(c.id().value())) {
                contacts.add(c);
            }
        }
        return List.copyOf(contacts);
    }

    /** @return the contact, or null if the entry is unusable (skipped, not fatal) */
    private static Contact contact(JsonNode e) {
        if (!e.isArray() || e.size() != 4) {
            return null;
        }
        JsonNode host = e.get(0);
        JsonNode port = e.get(1);
        JsonNode id = e.get(2);
        if (!host.isTextual() || !port.isIntegralNumber() || !id.isIntegralNumber()) {
            return null;
        }
        BigInteger p = port.bigIntegerValue();
        if (p.signum() <= 0 || p.compareTo(BigInteger.valueOf(65535)) > 0) {
            return null;
        }
        BigInteger v = id.bigIntegerValue();
        if (v.signum() < 0 || v.compareTo(NODE_ID_LIMIT) >= 0) {
            return null;
        }
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(host.textValue(), p.intValue());
        } catch (RuntimeException ex) {
            return null;
        }
        if (address.isUnresolved()) {
            return null;
        }
        return new Contact(new NodeId(v, NodeId.NODE_ID_BITS), address, speaksRecords(e.get(3)));
    }

    /**
     * @param info a {@code peer_info}, or the info of a {@code nearest_nodes} entry
     * @return whether it marks a kad-jcache node: an object with a {@code "kad"} field
     */
    public static boolean speaksRecords(JsonNode info) {
        return info != null && info.isObject() && info.has("kad");
    }

    private WriteCommand command(JsonNode t) throws MalformedMessageException {
        String opText = text(t, "op");
        WriteCommand.Op op = switch (opText) {
            case "put" -> WriteCommand.Op.PUT;
            case "remove" -> WriteCommand.Op.REMOVE;
            case "touch" -> WriteCommand.Op.TOUCH;
            case "clear" -> WriteCommand.Op.CLEAR;
            default -> throw new MalformedMessageException("unknown op " + opText);
        };
        long expected = longValue(t, "expected_version");
        if (expected < WriteCommand.ANY_VERSION) {
            throw new MalformedMessageException("expected_version out of range");
        }
        return new WriteCommand(op, bytes(t, "value"), bool(t, "json"), expected,
                longValue(t, "expires_if_created"), longValue(t, "expires_if_updated"));
    }

    private StoredRecord recordOrNull(JsonNode t, String field) throws MalformedMessageException {
        JsonNode n = t.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        return record(n, field);
    }

    private StoredRecord record(JsonNode n, String field) throws MalformedMessageException {
        if (!n.isObject()) {
            throw new MalformedMessageException(field + " not a record object");
        }
        long version = longValue(n, "version");
        if (version < 0) {
            throw new MalformedMessageException("version out of range");
        }
        return new StoredRecord(id(n, "id", keyIdLimit), text(n, "ns"), bytes(n, "key"), bytes(n, "value"),
                bool(n, "json"), version, longValue(n, "expires_at"), bool(n, "tombstone"));
    }

    private List<StoredRecord> records(JsonNode t) throws MalformedMessageException {
        JsonNode list = required(t, "records");
        if (!list.isArray()) {
            throw new MalformedMessageException("records not an array");
        }
        if (list.size() > MAX_REPLICATE) {
            throw new MalformedMessageException("records has more than " + MAX_REPLICATE + " entries");
        }
        List<StoredRecord> out = new ArrayList<>(list.size());
        for (JsonNode r : list) {
            out.add(record(r, "records"));
        }
        return List.copyOf(out);
    }

    private static List<byte[]> keys(JsonNode t) throws MalformedMessageException {
        JsonNode list = required(t, "keys");
        if (!list.isArray()) {
            throw new MalformedMessageException("keys not an array");
        }
        if (list.size() > MAX_SCAN_KEYS) {
            throw new MalformedMessageException("keys has more than " + MAX_SCAN_KEYS + " entries");
        }
        List<byte[]> out = new ArrayList<>(list.size());
        for (JsonNode k : list) {
            out.add(base64(k, "keys"));
        }
        return List.copyOf(out);
    }

    private static RecordEvent event(JsonNode t) throws MalformedMessageException {
        String kindText = text(t, "kind");
        RecordEvent.Kind kind = switch (kindText) {
            case "created" -> RecordEvent.Kind.CREATED;
            case "updated" -> RecordEvent.Kind.UPDATED;
            case "removed" -> RecordEvent.Kind.REMOVED;
            case "expired" -> RecordEvent.Kind.EXPIRED;
            default -> throw new MalformedMessageException("unknown kind " + kindText);
        };
        return new RecordEvent(kind, text(t, "ns"), bytes(t, "key"), bytesOrNull(t, "old_value"),
                bytesOrNull(t, "new_value"), longValue(t, "version"), id(t, "origin", NODE_ID_LIMIT));
    }

    // ------------------------------------------------------------------------------------------------
    // encoding

    /**
     * @param m a message
     * @return whether it is one of kad.py's seven types (encoded Python-style, 8192-byte limit)
     */
    public static boolean isKadpyDialect(Message m) {
        return m instanceof Message.Ping || m instanceof Message.Pong || m instanceof Message.FindNode
                || m instanceof Message.FindValue || m instanceof Message.FoundNodes
                || m instanceof Message.FoundValue || m instanceof Message.Store;
    }

    /**
     * Encodes a message into its datagram.
     *
     * @param m the message
     * @return the UDP payload
     * @throws MessageTooLargeException if it exceeds its dialect's limit
     * @throws IllegalArgumentException if a field is out of range (e.g. a {@code peer_id} of 2^128)
     */
    public byte[] encode(Message m) {
        ObjectNode tree = toTree(m);
        return encodeTree(tree);
    }

    /**
     * Encodes a JSON message object, for instance one an interceptor modified. The dialect follows its
     * {@code message_type}: kad.py's types are written like Python's {@code json.dumps} in the tree's
     * field order, others compactly.
     *
     * @param tree the message object
     * @return the UDP payload
     * @throws MessageTooLargeException if it exceeds its dialect's limit
     */
    public byte[] encodeTree(ObjectNode tree) {
        String type = tree.path("message_type").asText("");
        if (KADPY_TYPES.contains(type)) {
            byte[] bytes = PythonJson.write(tree).getBytes(StandardCharsets.US_ASCII);
            if (bytes.length > KADPY_MAX_DATAGRAM) {
                throw new MessageTooLargeException(type, bytes.length, KADPY_MAX_DATAGRAM);
            }
            return bytes;
        }
        byte[] bytes;
        try {
            bytes = MAPPER.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + type + ": " + e.getOriginalMessage(), e);
        }
        if (bytes.length > RECORD_MAX_DATAGRAM) {
            throw new MessageTooLargeException(type, bytes.length, RECORD_MAX_DATAGRAM);
        }
        return bytes;
    }

    private static final Set<String> KADPY_TYPES =
            Set.of("ping", "pong", "find_node", "find_value", "found_nodes", "found_value", "store");

    /**
     * Builds the JSON object of a message, fields in wire order (kad.py's order for its types).
     *
     * @param m the message
     * @return a new, mutable JSON object
     * @throws IllegalArgumentException if a field is out of range
     */
    public ObjectNode toTree(Message m) {
        ObjectNode o = NODES.objectNode();
        o.put("message_type", m.type());
        if (m instanceof Message.Ping p) {
            head(o, p);
            if (p.rpcId() != null && !p.rpcId().isNull() && !p.rpcId().isMissingNode()) {
                o.set("rpc_id", p.rpcId());
            }
            return o;
        } else if (m instanceof Message.Pong p) {
            head(o, p);
            if (p.rpcId() != null && !p.rpcId().isNull() && !p.rpcId().isMissingNode()) {
                o.set("rpc_id", p.rpcId());
            }
            return o;
        } else if (m instanceof Message.FindNode f) {
            o.put("id", checkId(f.target(), keyIdLimit, "target"));
            rpc(o, f.rpcId());
        } else if (m instanceof Message.FindValue f) {
            o.put("id", checkId(f.keyId(), keyIdLimit, "keyId"));
            rpc(o, f.rpcId());
        } else if (m instanceof Message.FoundNodes f) {
            o.put("id", checkId(f.id(), replyIdLimit, "id"));
            contacts(o, f.nearest());
            rpc(o, f.rpcId());
        } else if (m instanceof Message.FoundValue f) {
            o.put("id", checkId(f.id(), replyIdLimit, "id"));
            o.set("value", value(f.value()));
            rpc(o, f.rpcId());
        } else if (m instanceof Message.Store s) {
            o.put("id", checkId(s.keyId(), keyIdLimit, "keyId"));
            o.set("value", value(s.value()));
        } else if (m instanceof Message.GetRecord g) {
            o.put("id", checkId(g.id(), keyIdLimit, "id"));
            o.put("ns", g.namespace());
            o.put("key", b64(g.key()));
            unreachable(o, g.unreachable());
            rpc(o, g.rpcId());
        } else if (m instanceof Message.RecordReply r) {
            o.set("record", record(r.record()));
            o.set("expired", record(r.expired()));
            rpc(o, r.rpcId());
        } else if (m instanceof Message.PutRecord p) {
            o.put("id", checkId(p.id(), keyIdLimit, "id"));
            o.put("ns", p.namespace());
            o.put("key", b64(p.key()));
            WriteCommand c = p.command();
            o.put("op", c.op().name().toLowerCase(Locale.ROOT));
            o.put("value", b64(c.value()));
            o.put("json", c.json());
            o.put("expected_version", c.expectedVersion());
            o.put("expires_if_created", c.expiresAtIfCreated());
            o.put("expires_if_updated", c.expiresAtIfUpdated());
            unreachable(o, p.unreachable());
            rpc(o, p.rpcId());
        } else if (m instanceof Message.Redirect r) {
            contacts(o, r.nearest());
            rpc(o, r.rpcId());
        } else if (m instanceof Message.PutReply p) {
            WriteResult w = p.result();
            o.put("applied", w.applied());
            o.set("previous", record(w.previous()));
            o.set("current", record(w.current()));
            o.set("expired", record(w.expired()));
            o.put("keep_copy", p.keepCopy());
            rpc(o, p.rpcId());
        } else if (m instanceof Message.Replicate r) {
            if (r.records().size() > MAX_REPLICATE) {
                throw new IllegalArgumentException("more than " + MAX_REPLICATE + " records");
            }
            ArrayNode list = o.putArray("records");
            for (StoredRecord rec : r.records()) {
                list.add(record(rec));
            }
            if (r.tag() != null) {
                ObjectNode tag = o.putObject("tag");
                tag.put("requester", checkId(r.tag().requester(), NODE_ID_LIMIT, "requester"));
                tag.set("rpc_id", r.tag().rpcId());
                tag.set("previous", record(r.tag().previous()));
            }
            rpc(o, r.rpcId());
        } else if (m instanceof Message.ReplicateAck r) {
            rpc(o, r.rpcId());
        } else if (m instanceof Message.Scan s) {
            if (s.limit() < 1 || s.limit() > MAX_SCAN_KEYS) {
                throw new IllegalArgumentException("scan limit must be 1.." + MAX_SCAN_KEYS + ": " + s.limit());
            }
            o.put("ns", s.namespace());
            if (s.after() == null) {
                o.putNull("after");
            } else {
                o.put("after", checkId(s.after(), keyIdLimit, "after"));
            }
            o.put("limit", s.limit());
            rpc(o, s.rpcId());
        } else if (m instanceof Message.ScanReply s) {
            if (s.keys().size() > MAX_SCAN_KEYS) {
                throw new IllegalArgumentException("more than " + MAX_SCAN_KEYS + " keys");
            }
            ArrayNode list = o.putArray("keys");
            for (byte[] k : s.keys()) {
                list.add(b64(k));
            }
            if (s.next() == null) {
                o.putNull("next");
            } else {
                o.put("next", checkId(s.next(), keyIdLimit, "next"));
            }
            if (!s.neighbours().isEmpty()) {
                contacts(o, s.neighbours());
            }
            rpc(o, s.rpcId());
        } else if (m instanceof Message.Subscribe s) {
            if (s.leaseMillis() < 0) {
                throw new IllegalArgumentException("lease must not be negative: " + s.leaseMillis());
            }
            o.put("ns", s.namespace());
            o.put("lease_ms", s.leaseMillis());
            rpc(o, s.rpcId());
        } else if (m instanceof Message.Leave) {
            // sender fields only
        } else if (m instanceof Message.Event ev) {
            RecordEvent e = ev.event();
            o.put("kind", e.kind().name().toLowerCase(Locale.ROOT));
            o.put("ns", e.namespace());
            o.put("key", b64(e.key()));
            o.set("old_value", e.oldValue() == null ? NullNode.getInstance() : NODES.textNode(b64(e.oldValue())));
            o.set("new_value", e.newValue() == null ? NullNode.getInstance() : NODES.textNode(b64(e.newValue())));
            o.put("version", e.version());
            o.put("origin", checkId(e.origin(), NODE_ID_LIMIT, "origin"));
        }
        head(o, m);
        return o;
    }

    /** Writes contacts as kad.py's {@code nearest_nodes}: {@code [host, port, id, peer_info]} each. */
    private static void contacts(ObjectNode o, List<Contact> contacts) {
        if (contacts.size() > MAX_NEAREST) {
            throw new IllegalArgumentException("more than " + MAX_NEAREST + " contacts");
        }
        ArrayNode list = o.putArray("nearest_nodes");
        for (Contact c : contacts) {
            ArrayNode e = list.addArray();
            e.add(c.address().getHostString());
            e.add(c.address().getPort());
            e.add(c.id().value());
            ObjectNode info = e.addObject();
            if (c.speaksRecords()) {
                info.put("kad", 1);
            }
        }
    }

    private static void unreachable(ObjectNode o, List<BigInteger> ids) {
        if (ids.isEmpty()) {
            return;
        }
        if (ids.size() > MAX_UNREACHABLE) {
            throw new IllegalArgumentException("more than " + MAX_UNREACHABLE + " unreachable ids");
        }
        ArrayNode list = o.putArray("unreachable");
        for (BigInteger id : ids) {
            list.add(checkId(id, NODE_ID_LIMIT, "unreachable id"));
        }
    }

    /** Appends peer_id and peer_info, which kad.py writes after the type-specific fields. */
    private static void head(ObjectNode o, Message m) {
        o.put("peer_id", checkId(m.peerId(), NODE_ID_LIMIT, "peer_id"));
        o.set("peer_info", m.peerInfo() == null ? NullNode.getInstance() : m.peerInfo());
    }

    private static void rpc(ObjectNode o, JsonNode rpcId) {
        if (rpcId != null && !rpcId.isMissingNode()) {
            o.set("rpc_id", rpcId);
        }
    }

    private static JsonNode value(JsonNode v) {
        return v == null || v.isMissingNode() ? NullNode.getInstance() : v;
    }

    private static BigInteger checkId(BigInteger id, BigInteger limit, String what) {
        if (id == null || id.signum() < 0 || id.compareTo(limit) >= 0) {
            throw new IllegalArgumentException(what + " out of range: " + id);
        }
        return id;
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private JsonNode record(StoredRecord r) {
        if (r == null) {
            return NullNode.getInstance();
        }
        ObjectNode o = NODES.objectNode();
        o.put("id", checkId(r.id(), keyIdLimit, "record id"));
        o.put("ns", r.namespace());
        o.put("key", b64(r.key()));
        o.put("value", b64(r.value()));
        o.put("json", r.json());
        o.put("version", r.version());
        o.put("expires_at", r.expiresAtMillis());
        o.put("tombstone", r.tombstone());
        return o;
    }
}

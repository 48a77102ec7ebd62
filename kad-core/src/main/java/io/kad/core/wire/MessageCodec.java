package io.kad.core.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
 *       bytes, kad.py's receive buffer. Record-protocol messages are compact UTF-8 JSON from
 *       {@link #encode}, and the binary dialect of {@code BinaryMessages} from {@link #encodeForPeer}
 *       (what nodes send each other), up to {@link #maxRecordMessageBytes()} (larger than a datagram:
 *       such a message travels fragmented). Either way the encoder throws
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
 *   <tr><td>{@code get_record}</td><td>{@code id} (record id), {@code ns}, {@code key}, {@code unreachable}
 *       (optional: node ids), {@code takeover} (optional: {@code {}}, or {@code {"requester", "rpc_id"}}
 *       naming a write, either with an optional {@code "held": {"version", "expires_at", "tombstone",
 *       "digest"}} naming the requester's copy; see {@link Message.Takeover}), rpc_id, peer_id,
 *       peer_info</td></tr>
 *   <tr><td>{@code record}</td><td>{@code record} (REC or null), {@code expired} (REC or null),
 *       {@code outcome} (optional: {@code {"previous", "current"}}, each REC or null), rpc_id, ...</td></tr>
 *   <tr><td>{@code put_record}</td><td>{@code id}, {@code ns}, {@code key}, {@code op} ({@code "put"},
 *       {@code "remove"}, {@code "touch"}, {@code "clear"}), {@code value}, {@code json} (bool), {@code expected_version}
 *       (-1 any, 0 absent, else the version), {@code expires_if_created}, {@code expires_if_updated}
 *       (epoch ms; -2 keeps the expiry), {@code previous_value} ({@code "omit"}: an applied write's reply
 *       leaves out the previous record's value; absent: it carries it), rpc_id, ...</td></tr>
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
 *   <tr><td>{@code deposed}</td><td>{@code node} (node id: found gone by the sender, which took records
 *       over from it), peer_id, peer_info</td></tr>
 *   <tr><td>REC</td><td>{@code {"id", "ns", "key", "value", "json", "version", "expires_at", "tombstone"}}
 *       (expires_at in epoch ms, {@link StoredRecord#NEVER} = {@code 9223372036854775807})</td></tr>
 * </table>
 */
public final class MessageCodec {

    /** kad.py's receive buffer: a longer datagram is truncated by the kernel and dropped. */
    public static final int KADPY_MAX_DATAGRAM = 8192;
    /**
     * The largest record-protocol message sent as one datagram, and by default the largest message
     * {@link #parse} accepts and {@link #encode} writes. A codec built with a larger bound writes larger
     * record-protocol messages, which a node sends as a fragmented transfer ({@link TransferFrame}).
     */
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
    private final int idBits;
    /** The largest record-protocol message this codec writes and parses. */
    private final int maxRecordMessageBytes;
    /** kad.py's seven messages. */
    private final KadpyMessages kadpy;
    /** The record protocol's messages. */
    private final RecordMessages records;
    /** The record protocol's binary dialect. */
    private final BinaryMessages binary;

    /**
     * @param idBits the width of key and record ids: the key hash's width, e.g. 256 for SHA-256 (kad.py
     *     2018), 128 for MD5 (kad.py 2015), 160 for SHA-1
     */
    public MessageCodec(int idBits) {
        this(idBits, RECORD_MAX_DATAGRAM);
    }

    /**
     * @param idBits the width of key and record ids, as {@link #MessageCodec(int)}
     * @param maxRecordMessageBytes the largest record-protocol message written or parsed, at least
     *     {@link #RECORD_MAX_DATAGRAM}: larger than a datagram when messages travel fragmented
     */
    public MessageCodec(int idBits, int maxRecordMessageBytes) {
        if (idBits < 1 || idBits > 4096) {
            throw new IllegalArgumentException("idBits must be 1..4096, was " + idBits);
        }
        if (maxRecordMessageBytes < RECORD_MAX_DATAGRAM) {
            throw new IllegalArgumentException("maxRecordMessageBytes must be at least " + RECORD_MAX_DATAGRAM
                    + ", was " + maxRecordMessageBytes);
        }
        this.idBits = idBits;
        this.maxRecordMessageBytes = maxRecordMessageBytes;
        this.binary = new BinaryMessages(idBits);
        BigInteger keyIdLimit = BigInteger.ONE.shiftLeft(idBits);
        this.kadpy = new KadpyMessages(keyIdLimit, BigInteger.ONE.shiftLeft(Math.max(idBits, NodeId.NODE_ID_BITS)));
        this.records = new RecordMessages(keyIdLimit);
    }

    /** @return the width of key and record ids */
    public int idBits() {
        return idBits;
    }

    /** @return the largest record-protocol message this codec writes and parses */
    public int maxRecordMessageBytes() {
        return maxRecordMessageBytes;
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
        if (datagram.length > maxRecordMessageBytes) {
            throw new MalformedMessageException("datagram larger than " + maxRecordMessageBytes + " bytes");
        }
        JsonNode tree;
        if (isAscii(datagram)) {
            // the usual case (base64 and numbers): valid UTF-8 as it stands, so Jackson reads the bytes
            // themselves, without a decoded copy of the whole datagram as a String
            int start = 0;
            int end = datagram.length;
            while (start < end && isPythonSpace((char) datagram[start])) {
                start++;
            }
            while (end > start && isPythonSpace((char) datagram[end - 1])) {
                end--;
            }
            if (start == end) {
                throw new MalformedMessageException("not JSON");
            }
            try {
                tree = MAPPER.readTree(datagram, start, end - start);
            } catch (java.io.IOException | RuntimeException e) {
                throw new MalformedMessageException("not JSON");
            }
        } else {
            tree = parseText(datagram);
        }
        if (tree == null || !tree.isObject()) {
            throw new MalformedMessageException("not a JSON object");
        }
        ObjectNode object = (ObjectNode) tree;
        WireFields.peerId(object);
        return object;
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** Strict UTF-8 decoding, Python's strip, then JSON. */
    private static JsonNode parseText(byte[] datagram) throws MalformedMessageException {
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
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new MalformedMessageException("not JSON");
        }
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
        BigInteger peerId = WireFields.peerId(t);
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
        return MessageTypes.isKadpy(type) ? kadpy.decode(type, t, peerId, peerInfo)
                : records.decode(type, t, peerId, peerInfo);
    }

    /** The most node ids a request may name as unreachable. */
    public static final int MAX_UNREACHABLE = 16;



































    /**
     * @param info a {@code peer_info}, or the info of a {@code nearest_nodes} entry
     * @return whether it marks a kad-jcache node: an object with a {@code "kad"} field
     */
    public static boolean speaksRecords(JsonNode info) {
        return info != null && info.isObject() && info.has("kad");
    }













    // ------------------------------------------------------------------------------------------------
    // encoding

    /**
     * @param m a message
     * @return whether it is one of kad.py's seven types (encoded Python-style, 8192-byte limit)
     */
    public static boolean isKadpyDialect(Message m) {
        return MessageTypes.isKadpy(m);
    }

    /**
     * The size this node pads its lookup requests ({@code find_node}, {@code find_value}) to, with a
     * {@code pad} field (kad.py ignores extra fields): a node answers an address it has not verified with
     * at most {@link #UNVERIFIED_REPLY_FACTOR} times the bytes of the request, and a padded request leaves
     * room for a full answer of {@code k} contacts.
     */
    public static final int LOOKUP_REQUEST_BYTES = 512;
    /** How many times its request's bytes a reply to an address not yet verified may take. */
    public static final int UNVERIFIED_REPLY_FACTOR = 4;

    /**
     * Pads a lookup request in kad.py's dialect to {@link #LOOKUP_REQUEST_BYTES}: a {@code pad} field of
     * dots, last in the object. A datagram that is longer already, or not a JSON object, is returned as it
     * is.
     *
     * @param datagram an encoded {@code find_node} or {@code find_value}
     * @return the padded datagram
     */
    public static byte[] padLookupRequest(byte[] datagram) {
        // ", "pad": "" around the dots, as Python's json.dumps separates fields
        int room = LOOKUP_REQUEST_BYTES - datagram.length - 11;
        if (room < 0 || datagram.length < 2 || datagram[datagram.length - 1] != '}') {
            return datagram;
        }
        byte[] head = ", \"pad\": \"".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[LOOKUP_REQUEST_BYTES];
        int at = datagram.length - 1;
        System.arraycopy(datagram, 0, out, 0, at);
        System.arraycopy(head, 0, out, at, head.length);
        at += head.length;
        java.util.Arrays.fill(out, at, at + room, (byte) '.');
        at += room;
        out[at++] = '"';
        out[at] = '}';
        return out;
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
     * Encodes a message for a peer of this project: a record-protocol message in the binary dialect
     * ({@link #isBinary}) when that dialect carries it exactly, anything else as {@link #encode} does.
     *
     * @param m the message
     * @return the UDP payload
     * @throws MessageTooLargeException if it exceeds {@link #maxRecordMessageBytes()} (a record-protocol
     *     message larger than a datagram travels fragmented) or, in kad.py's dialect, 8192 bytes
     * @throws IllegalArgumentException if a field is out of range
     */
    public byte[] encodeForPeer(Message m) {
        byte[] bytes = binary.encode(m);
        if (bytes == null) {
            return encode(m);
        }
        if (bytes.length > maxRecordMessageBytes) {
            throw new MessageTooLargeException(m.type(), bytes.length, maxRecordMessageBytes);
        }
        return bytes;
    }

    /**
     * @param datagram a received datagram
     * @return whether it is in the record protocol's binary dialect (its first byte says so; no JSON
     *     datagram starts with it)
     */
    public static boolean isBinary(byte[] datagram) {
        return BinaryMessages.isBinary(datagram);
    }

    /**
     * Decodes a datagram of the binary dialect.
     *
     * @param datagram the UDP payload, {@link #isBinary} true
     * @return the message
     * @throws MalformedMessageException for anything but exactly one valid message
     */
    public Message decodeBinary(byte[] datagram) throws MalformedMessageException {
        if (datagram.length > maxRecordMessageBytes) {
            throw new MalformedMessageException("message larger than " + maxRecordMessageBytes + " bytes");
        }
        return binary.decode(datagram);
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
        if (MessageTypes.isKadpy(type)) {
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
        if (bytes.length > maxRecordMessageBytes) {
            throw new MessageTooLargeException(type, bytes.length, maxRecordMessageBytes);
        }
        return bytes;
    }

    /**
     * Builds the JSON object of a message, fields in wire order (kad.py's order for its types).
     *
     * @param m the message
     * @return a new, mutable JSON object
     * @throws IllegalArgumentException if a field is out of range
     */
    public ObjectNode toTree(Message m) {
        ObjectNode o = WireFields.NODES.objectNode();
        o.put("message_type", m.type());
        return MessageTypes.isKadpy(m) ? kadpy.toTree(m, o) : records.toTree(m, o);
    }
















}

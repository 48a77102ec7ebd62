package io.kad.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.record.RecordEvent;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The record protocol's binary dialect between this project's nodes: the same messages as the JSON
 * dialect ({@link RecordMessages}), with raw bytes for keys and values, fixed-width node ids and request
 * ids, and no intermediate tree: one pass to encode, one to decode.
 *
 * <p>Layout: {@link #MAGIC} (a byte that never starts a JSON datagram or a transfer frame), the dialect
 * version {@link #VERSION}, the message type, a flags byte (bit 0: the sender's {@code peer_info} is
 * {@code {"kad": 1}}, else null; bit 1: an {@code rpc_id} follows), the sender's 16-byte node id, the
 * 16-byte {@code rpc_id} if any, then the message's fields in the order of its record (a
 * {@code get_record}'s takeover and a {@code record}'s outcome as optional trailers: a flags byte, then
 * their fields, so the messages without them are unchanged). Lengths are
 * unsigned LEB128 varints; longs are 8 bytes big-endian; key and record ids are a length byte and their
 * big-endian magnitude; optional values start with a presence byte.
 *
 * <p>Contract: {@link #encode} returns {@code null} for a message the dialect cannot carry exactly (a
 * kad.py message, another {@code peer_info}, an {@code rpc_id} that is not a 128-bit integer, a contact
 * whose address is not resolved): the caller sends it as JSON. {@link #decode} checks every bound the JSON
 * dialect checks and throws only {@link MalformedMessageException}, for any input. Stateless and
 * thread-safe.
 */
final class BinaryMessages {

    /** The first byte of every binary datagram. */
    static final byte MAGIC = (byte) 0xB7;
    /** The dialect's version. */
    static final byte VERSION = 1;

    private static final BigInteger NODE_ID_LIMIT = BigInteger.ONE.shiftLeft(NodeId.NODE_ID_BITS);
    private static final ObjectNode KAD_INFO = JsonNodeFactory.instance.objectNode().put("kad", 1);
    private static final int FLAG_KAD_INFO = 1;
    private static final int FLAG_RPC = 2;

    private static final byte GET_RECORD = 1;
    private static final byte RECORD = 2;
    private static final byte PUT_RECORD = 3;
    private static final byte NOT_OWNER = 4;
    private static final byte PUT_RESULT = 5;
    private static final byte REPLICATE = 6;
    private static final byte REPLICATED = 7;
    private static final byte SCAN = 8;
    private static final byte SCAN_RESULT = 9;
    private static final byte SUBSCRIBE = 10;
    private static final byte LEAVE = 11;
    private static final byte EVENT = 12;
    private static final byte DEPOSED = 13;
    private static final byte SUBSCRIBERS = 14;

    /**
     * Trailer flags of a {@code get_record}: a takeover, whether it names a write, and whether it names the
     * requester's own copy (version, expiry, tombstone flag and value digest follow).
     */
    private static final int TAKEOVER = 1;
    private static final int TAKEOVER_WRITE = 2;
    private static final int TAKEOVER_HELD = 4;

    private final BigInteger keyIdLimit;
    private final int keyIdBytes;

    BinaryMessages(int idBits) {
        this.keyIdLimit = BigInteger.ONE.shiftLeft(idBits);
        this.keyIdBytes = (idBits + 7) / 8;
    }

    /** @return whether a datagram is in this dialect */
    static boolean isBinary(byte[] datagram) {
        return datagram.length > 0 && datagram[0] == MAGIC;
    }

    // ------------------------------------------------------------------ encoding

    /**
     * @param m a message
     * @return its binary form, or {@code null} if this dialect cannot carry it exactly
     * @throws IllegalArgumentException if a field is out of the protocol's range
     */
    byte[] encode(Message m) {
        byte type = typeOf(m);
        if (type == 0) {
            return null;
        }
        JsonNode peerInfo = m.peerInfo();
        boolean kadInfo = peerInfo.isObject() && peerInfo.size() == 1 && peerInfo.path("kad").isIntegralNumber()
                && peerInfo.path("kad").bigIntegerValue().equals(BigInteger.ONE);
        if (!kadInfo && !m.peerInfo().isNull()) {
            return null;
        }
        JsonNode rpc = rpcOf(m);
        boolean hasRpc = rpc != null && !rpc.isMissingNode();
        if (hasRpc && !fitsNodeId(rpc)) {
            return null;
        }
        Writer w = new Writer(64 + payloadHint(m));
        w.u8(MAGIC).u8(VERSION).u8(type).u8((kadInfo ? FLAG_KAD_INFO : 0) | (hasRpc ? FLAG_RPC : 0));
        w.nodeId(m.peerId(), "peer_id");
        if (hasRpc) {
            w.nodeId(rpc.bigIntegerValue(), "rpc_id");
        }
        if (!body(m, w)) {
            return null;
        }
        return w.toArray();
    }

    private static byte typeOf(Message m) {
        if (m instanceof Message.GetRecord) {
            return GET_RECORD;
        } else if (m instanceof Message.RecordReply) {
            return RECORD;
        } else if (m instanceof Message.PutRecord) {
            return PUT_RECORD;
        } else if (m instanceof Message.Redirect) {
            return NOT_OWNER;
        } else if (m instanceof Message.PutReply) {
            return PUT_RESULT;
        } else if (m instanceof Message.Replicate) {
            return REPLICATE;
        } else if (m instanceof Message.ReplicateAck) {
            return REPLICATED;
        } else if (m instanceof Message.Scan) {
            return SCAN;
        } else if (m instanceof Message.ScanReply) {
            return SCAN_RESULT;
        } else if (m instanceof Message.Subscribe) {
            return SUBSCRIBE;
        } else if (m instanceof Message.Leave) {
            return LEAVE;
        } else if (m instanceof Message.Deposed) {
            return DEPOSED;
        } else if (m instanceof Message.Subscribers) {
            return SUBSCRIBERS;
        } else if (m instanceof Message.Event) {
            return EVENT;
        }
        return 0;
    }

    private static JsonNode rpcOf(Message m) {
        if (m instanceof Message.Request r) {
            return r.rpcId();
        }
        if (m instanceof Message.Reply r) {
            return r.rpcId();
        }
        return null;
    }

    private static boolean fitsNodeId(JsonNode n) {
        if (!n.isIntegralNumber()) {
            return false;
        }
        BigInteger v = n.bigIntegerValue();
        return v.signum() >= 0 && v.compareTo(NODE_ID_LIMIT) < 0;
    }

    /**
     * About how many bytes a message's fields after the header take, a little more rather than less: the
     * writer then holds the message in its first buffer, with no growth (a copy of all written so far).
     */
    private static int payloadHint(Message m) {
        if (m instanceof Message.PutRecord p) {
            return 128 + p.key().length + p.command().value().length + p.namespace().length()
                    + 17 * p.unreachable().size();
        } else if (m instanceof Message.RecordReply r) {
            return recordHint(r.record()) + recordHint(r.expired());
        } else if (m instanceof Message.PutReply p) {
            return recordHint(p.result().previous()) + recordHint(p.result().current())
                    + recordHint(p.result().expired());
        } else if (m instanceof Message.Replicate r) {
            int n = 0;
            for (StoredRecord rec : r.records()) {
                n += recordHint(rec);
            }
            return r.tag() == null ? n : n + 48 + recordHint(r.tag().previous());
        }
        return 128;
    }

    private static int recordHint(StoredRecord r) {
        return r == null ? 0 : 64 + r.namespace().length() + r.key().length + r.value().length;
    }

    /** Writes the fields after the header; false if the dialect cannot carry them exactly. */
    private boolean body(Message m, Writer w) {
        if (m instanceof Message.GetRecord g) {
            w.keyId(g.id(), keyIdLimit, "id").text(g.namespace()).bytes(g.key());
            if (!w.nodeIds(g.unreachable(), MessageCodec.MAX_UNREACHABLE, "unreachable")) {
                return false;
            }
            // a takeover follows as a trailer: a plain read stays as it always was
            Message.Takeover t = g.takeover();
            if (t != null) {
                int flags = TAKEOVER | (t.asksForWrite() ? TAKEOVER_WRITE : 0) | (t.held() != null ? TAKEOVER_HELD : 0);
                if (t.asksForWrite() && !fitsNodeId(t.rpcId())) {
                    return false;
                }
                w.u8((byte) flags);
                if (t.asksForWrite()) {
                    w.nodeId(t.requester(), "requester").nodeId(t.rpcId().bigIntegerValue(), "rpc_id");
                }
                if (t.held() != null) {
                    Message.Held h = t.held();
                    w.i64(h.version()).i64(h.expiresAtMillis()).u8((byte) (h.tombstone() ? 1 : 0)).i64(h.digest());
                }
            }
        } else if (m instanceof Message.RecordReply r) {
            w.record(r.record(), keyIdLimit).record(r.expired(), keyIdLimit);
            if (r.outcome() != null) {
                w.u8((byte) 1).record(r.outcome().previous(), keyIdLimit).record(r.outcome().current(), keyIdLimit);
            }
        } else if (m instanceof Message.PutRecord p) {
            w.keyId(p.id(), keyIdLimit, "id").text(p.namespace()).bytes(p.key());
            WriteCommand c = p.command();
            w.u8((byte) c.op().ordinal()).bytes(c.value()).u8((byte) (c.json() ? 1 : 0))
                    .i64(c.expectedVersion()).i64(c.expiresAtIfCreated()).i64(c.expiresAtIfUpdated())
                    .u8((byte) c.previousValue().ordinal());
            return w.nodeIds(p.unreachable(), MessageCodec.MAX_UNREACHABLE, "unreachable");
        } else if (m instanceof Message.Redirect r) {
            return w.contacts(r.nearest());
        } else if (m instanceof Message.PutReply p) {
            WriteResult res = p.result();
            w.u8((byte) (res.applied() ? 1 : 0)).record(res.previous(), keyIdLimit).record(res.current(), keyIdLimit)
                    .record(res.expired(), keyIdLimit).u8((byte) (p.keepCopy() ? 1 : 0));
        } else if (m instanceof Message.Replicate r) {
            if (r.records().size() > MessageCodec.MAX_REPLICATE) {
                throw new IllegalArgumentException("more than " + MessageCodec.MAX_REPLICATE + " records");
            }
            w.varint(r.records().size());
            for (StoredRecord rec : r.records()) {
                w.record(rec, keyIdLimit);
            }
            if (r.tag() == null) {
                w.u8((byte) 0);
            } else {
                if (!fitsNodeId(r.tag().rpcId())) {
                    return false;
                }
                w.u8((byte) 1).nodeId(r.tag().requester(), "requester").nodeId(r.tag().rpcId().bigIntegerValue(),
                        "rpc_id").record(r.tag().previous(), keyIdLimit);
            }
        } else if (m instanceof Message.Scan s) {
            if (s.limit() < 1 || s.limit() > MessageCodec.MAX_SCAN_KEYS) {
                throw new IllegalArgumentException("scan limit must be 1.." + MessageCodec.MAX_SCAN_KEYS + ": "
                        + s.limit());
            }
            w.text(s.namespace()).optionalKeyId(s.after(), keyIdLimit, "after").varint(s.limit());
        } else if (m instanceof Message.ScanReply s) {
            if (s.keys().size() > MessageCodec.MAX_SCAN_KEYS) {
                throw new IllegalArgumentException("more than " + MessageCodec.MAX_SCAN_KEYS + " keys");
            }
            w.varint(s.keys().size());
            for (byte[] k : s.keys()) {
                w.bytes(k);
            }
            w.optionalKeyId(s.next(), keyIdLimit, "next");
            return w.contacts(s.neighbours());
        } else if (m instanceof Message.Subscribe s) {
            if (s.leaseMillis() < 0) {
                throw new IllegalArgumentException("lease must not be negative: " + s.leaseMillis());
            }
            w.text(s.namespace()).i64(s.leaseMillis());
        } else if (m instanceof Message.Deposed d) {
            w.nodeId(d.node(), "node");
        } else if (m instanceof Message.Subscribers s) {
            w.text(s.namespace());
            return w.contacts(s.subscribers());
        } else if (m instanceof Message.Event ev) {
            RecordEvent e = ev.event();
            w.u8((byte) e.kind().ordinal()).text(e.namespace()).bytes(e.key()).optionalBytes(e.oldValue())
                    .optionalBytes(e.newValue()).i64(e.version()).nodeId(e.origin(), "origin");
        }
        // ReplicateAck and Leave: the header only
        return true;
    }

    // ------------------------------------------------------------------ decoding

    /**
     * @param datagram a datagram that starts with {@link #MAGIC}
     * @return the message
     * @throws MalformedMessageException for anything that is not exactly one valid message
     */
    Message decode(byte[] datagram) throws MalformedMessageException {
        try {
            Reader r = new Reader(datagram);
            if (r.u8() != (MAGIC & 0xFF)) {
                throw new MalformedMessageException("not the binary dialect");
            }
            int version = r.u8();
            if (version != VERSION) {
                throw new MalformedMessageException("binary dialect version " + version + " unknown");
            }
            int type = r.u8();
            int flags = r.u8();
            if ((flags & ~(FLAG_KAD_INFO | FLAG_RPC)) != 0) {
                throw new MalformedMessageException("unknown flags " + flags);
            }
            BigInteger peerId = r.nodeId();
            JsonNode info = (flags & FLAG_KAD_INFO) != 0 ? KAD_INFO.deepCopy()
                    : com.fasterxml.jackson.databind.node.NullNode.getInstance();
            JsonNode rpc = (flags & FLAG_RPC) != 0 ? new BigIntegerNode(r.nodeId()) : MissingNode.getInstance();
            Message m = body(type, r, peerId, info, rpc);
            if (r.remaining() != 0) {
                throw new MalformedMessageException(r.remaining() + " bytes after the message");
            }
            return m;
        } catch (MalformedMessageException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MalformedMessageException("bad binary message: " + e.getMessage());
        }
    }

    private Message body(int type, Reader r, BigInteger peerId, JsonNode info, JsonNode rpc)
            throws MalformedMessageException {
        boolean needsRpc = type != SUBSCRIBE && type != LEAVE && type != EVENT && type != DEPOSED
                && type != SUBSCRIBERS;
        if (needsRpc && rpc.isMissingNode()) {
            throw new MalformedMessageException("rpc_id missing");
        }
        switch (type) {
            case GET_RECORD: {
                BigInteger id = r.keyId(keyIdLimit, keyIdBytes);
                String ns = r.text();
                byte[] key = r.bytes();
                List<BigInteger> unreachable = r.nodeIds(MessageCodec.MAX_UNREACHABLE);
                Message.Takeover takeover = null;
                if (r.remaining() > 0) {
                    int left = r.remaining();
                    int flags = r.u8();
                    if ((flags & ~(TAKEOVER | TAKEOVER_WRITE | TAKEOVER_HELD)) != 0 || (flags & TAKEOVER) == 0) {
                        throw new MalformedMessageException(left + " bytes after the message");
                    }
                    takeover = (flags & TAKEOVER_WRITE) == 0 ? Message.Takeover.READ
                            : new Message.Takeover(r.nodeId(), new BigIntegerNode(r.nodeId()));
                    if ((flags & TAKEOVER_HELD) != 0) {
                        long version = r.i64();
                        if (version < 0) {
                            throw new MalformedMessageException("takeover's held version negative: " + version);
                        }
                        long expires = r.i64();
                        int tomb = r.u8();
                        if (tomb > 1) {
                            throw new MalformedMessageException("takeover's held tombstone flag " + tomb);
                        }
                        takeover = new Message.Takeover(takeover.requester(), takeover.rpcId(),
                                new Message.Held(version, expires, tomb == 1, r.i64()));
                    }
                }
                return new Message.GetRecord(peerId, info, rpc, id, ns, key, unreachable, takeover);
            }
            case RECORD: {
                StoredRecord record = r.record(keyIdLimit, keyIdBytes);
                StoredRecord expired = r.record(keyIdLimit, keyIdBytes);
                WriteResult outcome = null;
                if (r.remaining() > 0) {
                    int left = r.remaining();
                    if (r.u8() != 1) {
                        throw new MalformedMessageException(left + " bytes after the message");
                    }
                    outcome = new WriteResult(true, r.record(keyIdLimit, keyIdBytes), r.record(keyIdLimit, keyIdBytes),
                            null);
                }
                return new Message.RecordReply(peerId, info, rpc, record, expired, outcome);
            }
            case PUT_RECORD: {
                BigInteger id = r.keyId(keyIdLimit, keyIdBytes);
                String ns = r.text();
                byte[] key = r.bytes();
                WriteCommand.Op[] ops = WriteCommand.Op.values();
                int op = r.u8();
                if (op >= ops.length) {
                    throw new MalformedMessageException("unknown op " + op);
                }
                byte[] value = r.bytes();
                boolean json = r.bool();
                long expected = r.i64();
                long ifCreated = r.i64();
                long ifUpdated = r.i64();
                WriteCommand.PreviousValue[] previous = WriteCommand.PreviousValue.values();
                int pv = r.u8();
                if (pv >= previous.length) {
                    throw new MalformedMessageException("unknown previous-value choice " + pv);
                }
                WriteCommand command = new WriteCommand(ops[op], value, json, expected, ifCreated, ifUpdated,
                        previous[pv]);
                return new Message.PutRecord(peerId, info, rpc, id, ns, key, command,
                        r.nodeIds(MessageCodec.MAX_UNREACHABLE));
            }
            case NOT_OWNER:
                return new Message.Redirect(peerId, info, rpc, r.contacts());
            case PUT_RESULT: {
                boolean applied = r.bool();
                WriteResult result = new WriteResult(applied, r.record(keyIdLimit, keyIdBytes),
                        r.record(keyIdLimit, keyIdBytes), r.record(keyIdLimit, keyIdBytes));
                return new Message.PutReply(peerId, info, rpc, result, r.bool());
            }
            case REPLICATE: {
                int n = r.count(MessageCodec.MAX_REPLICATE);
                List<StoredRecord> records = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    StoredRecord rec = r.record(keyIdLimit, keyIdBytes);
                    if (rec == null) {
                        throw new MalformedMessageException("null record in replicate");
                    }
                    records.add(rec);
                }
                Message.WriteTag tag = null;
                if (r.bool()) {
                    tag = new Message.WriteTag(r.nodeId(), new BigIntegerNode(r.nodeId()),
                            r.record(keyIdLimit, keyIdBytes));
                }
                return new Message.Replicate(peerId, info, rpc, records, tag);
            }
            case REPLICATED:
                return new Message.ReplicateAck(peerId, info, rpc);
            case SCAN: {
                String ns = r.text();
                BigInteger after = r.bool() ? r.keyId(keyIdLimit, keyIdBytes) : null;
                long limit = r.varint();
                if (limit < 1 || limit > MessageCodec.MAX_SCAN_KEYS) {
                    throw new MalformedMessageException("limit out of range");
                }
                return new Message.Scan(peerId, info, rpc, ns, after, (int) limit);
            }
            case SCAN_RESULT: {
                int n = r.count(MessageCodec.MAX_SCAN_KEYS);
                List<byte[]> keys = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    keys.add(r.bytes());
                }
                BigInteger next = r.bool() ? r.keyId(keyIdLimit, keyIdBytes) : null;
                return new Message.ScanReply(peerId, info, rpc, keys, next, r.contacts());
            }
            case SUBSCRIBE: {
                String ns = r.text();
                long lease = r.i64();
                if (lease < 0) {
                    throw new MalformedMessageException("lease_ms out of range");
                }
                return new Message.Subscribe(peerId, info, ns, lease, rpc);
            }
            case LEAVE:
                return new Message.Leave(peerId, info);
            case DEPOSED:
                return new Message.Deposed(peerId, info, r.nodeId());
            case SUBSCRIBERS: {
                String ns = r.text();
                return new Message.Subscribers(peerId, info, ns, r.contacts());
            }
            case EVENT: {
                RecordEvent.Kind[] kinds = RecordEvent.Kind.values();
                int kind = r.u8();
                if (kind >= kinds.length) {
                    throw new MalformedMessageException("unknown event kind " + kind);
                }
                return new Message.Event(peerId, info, new RecordEvent(kinds[kind], r.text(), r.bytes(),
                        r.optionalBytes(), r.optionalBytes(), r.i64(), r.nodeId()));
            }
            default:
                throw new MalformedMessageException("unknown binary message type " + type);
        }
    }

    // ------------------------------------------------------------------ primitives

    /** A growable big-endian writer. */
    private static final class Writer {
        private byte[] buf;
        private int pos;

        Writer(int capacity) {
            buf = new byte[Math.max(32, capacity)];
        }

        private void ensure(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        Writer u8(int v) {
            ensure(1);
            buf[pos++] = (byte) v;
            return this;
        }

        Writer i64(long v) {
            ensure(8);
            for (int i = 7; i >= 0; i--) {
                buf[pos + i] = (byte) v;
                v >>>= 8;
            }
            pos += 8;
            return this;
        }

        Writer varint(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
            return this;
        }

        Writer raw(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, pos, len);
            pos += len;
            return this;
        }

        Writer bytes(byte[] b) {
            varint(b.length);
            return raw(b, 0, b.length);
        }

        Writer optionalBytes(byte[] b) {
            return b == null ? u8(0) : u8(1).bytes(b);
        }

        Writer text(String s) {
            return bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        /** A 128-bit id in 16 bytes. */
        Writer nodeId(BigInteger id, String what) {
            if (id == null || id.signum() < 0 || id.bitLength() > NodeId.NODE_ID_BITS) {
                throw new IllegalArgumentException(what + " must be 0 <= id < 2^128: " + id);
            }
            byte[] mag = id.toByteArray(); // big-endian, maybe a leading sign byte
            int skip = mag.length > 16 ? mag.length - 16 : 0;
            int len = mag.length - skip;
            ensure(16);
            Arrays.fill(buf, pos, pos + 16 - len, (byte) 0);
            System.arraycopy(mag, skip, buf, pos + 16 - len, len);
            pos += 16;
            return this;
        }

        boolean nodeIds(List<BigInteger> ids, int max, String what) {
            if (ids.size() > max) {
                throw new IllegalArgumentException("more than " + max + " " + what + " ids");
            }
            varint(ids.size());
            for (BigInteger id : ids) {
                nodeId(id, what);
            }
            return true;
        }

        /** A key or record id: its magnitude's length, then the magnitude. */
        Writer keyId(BigInteger id, BigInteger limit, String what) {
            if (id == null || id.signum() < 0 || id.compareTo(limit) >= 0) {
                throw new IllegalArgumentException(what + " out of range: " + id);
            }
            byte[] mag = id.toByteArray();
            int skip = mag[0] == 0 ? 1 : 0;
            varint(mag.length - skip);
            return raw(mag, skip, mag.length - skip);
        }

        Writer optionalKeyId(BigInteger id, BigInteger limit, String what) {
            return id == null ? u8(0) : u8(1).keyId(id, limit, what);
        }

        Writer record(StoredRecord r, BigInteger limit) {
            if (r == null) {
                return u8(0);
            }
            u8(1).keyId(r.id(), limit, "record id").text(r.namespace()).bytes(r.key()).bytes(r.value());
            return u8((r.json() ? 1 : 0) | (r.tombstone() ? 2 : 0)).i64(r.version()).i64(r.expiresAtMillis());
        }

        boolean contacts(List<Contact> contacts) {
            if (contacts.size() > MessageCodec.MAX_NEAREST) {
                throw new IllegalArgumentException("more than " + MessageCodec.MAX_NEAREST + " contacts");
            }
            varint(contacts.size());
            for (Contact c : contacts) {
                InetAddress a = c.address().getAddress();
                if (a == null) {
                    return false; // an unresolved host name: only the JSON dialect carries names
                }
                byte[] ip = a.getAddress();
                nodeId(c.id().value(), "contact id");
                u8(ip.length).raw(ip, 0, ip.length);
                u8(c.address().getPort() >>> 8).u8(c.address().getPort());
                u8(c.speaksRecords() ? 1 : 0);
            }
            return true;
        }

        byte[] toArray() {
            return Arrays.copyOf(buf, pos);
        }
    }

    /** A bounds-checked big-endian reader: running past the end is a malformed message. */
    private static final class Reader {
        private final byte[] buf;
        private int pos;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        int remaining() {
            return buf.length - pos;
        }

        private void need(long n) throws MalformedMessageException {
            if (n < 0 || n > buf.length - pos) {
                throw new MalformedMessageException("truncated binary message");
            }
        }

        int u8() throws MalformedMessageException {
            need(1);
            return buf[pos++] & 0xFF;
        }

        boolean bool() throws MalformedMessageException {
            int b = u8();
            if (b > 1) {
                throw new MalformedMessageException("bad boolean " + b);
            }
            return b == 1;
        }

        long i64() throws MalformedMessageException {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (buf[pos++] & 0xFF);
            }
            return v;
        }

        long varint() throws MalformedMessageException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new MalformedMessageException("varint too long");
        }

        int count(int max) throws MalformedMessageException {
            long n = varint();
            if (n > max) {
                throw new MalformedMessageException("count " + n + " over " + max);
            }
            return (int) n;
        }

        byte[] bytes() throws MalformedMessageException {
            long n = varint();
            need(n);
            byte[] b = Arrays.copyOfRange(buf, pos, pos + (int) n);
            pos += (int) n;
            return b;
        }

        byte[] optionalBytes() throws MalformedMessageException {
            return bool() ? bytes() : null;
        }

        String text() throws MalformedMessageException {
            long n = varint();
            need(n);
            try {
                CharBuffer c = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(buf, pos, (int) n));
                pos += (int) n;
                return c.toString();
            } catch (CharacterCodingException e) {
                throw new MalformedMessageException("bad utf-8");
            }
        }

        BigInteger nodeId() throws MalformedMessageException {
            need(16);
            BigInteger v = new BigInteger(1, Arrays.copyOfRange(buf, pos, pos + 16));
            pos += 16;
            return v;
        }

        List<BigInteger> nodeIds(int max) throws MalformedMessageException {
            int n = count(max);
            List<BigInteger> ids = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ids.add(nodeId());
            }
            return ids;
        }

        BigInteger keyId(BigInteger limit, int maxBytes) throws MalformedMessageException {
            long n = varint();
            if (n > maxBytes) {
                throw new MalformedMessageException("id of " + n + " bytes");
            }
            need(n);
            BigInteger v = new BigInteger(1, Arrays.copyOfRange(buf, pos, pos + (int) n));
            pos += (int) n;
            if (v.compareTo(limit) >= 0) {
                throw new MalformedMessageException("id out of range");
            }
            return v;
        }

        StoredRecord record(BigInteger limit, int maxIdBytes) throws MalformedMessageException {
            if (!bool()) {
                return null;
            }
            BigInteger id = keyId(limit, maxIdBytes);
            String ns = text();
            byte[] key = bytes();
            byte[] value = bytes();
            int flags = u8();
            if ((flags & ~3) != 0) {
                throw new MalformedMessageException("bad record flags " + flags);
            }
            long version = i64();
            long expires = i64();
            if (version < 0) {
                throw new MalformedMessageException("negative version");
            }
            return new StoredRecord(id, ns, key, value, (flags & 1) != 0, version, expires, (flags & 2) != 0);
        }

        List<Contact> contacts() throws MalformedMessageException {
            int n = count(MessageCodec.MAX_NEAREST);
            List<Contact> out = new ArrayList<>(n);
            java.util.Set<BigInteger> seen = new java.util.HashSet<>();
            for (int i = 0; i < n; i++) {
                BigInteger id = nodeId();
                int len = u8();
                if (len != 4 && len != 16) {
                    throw new MalformedMessageException("address of " + len + " bytes");
                }
                need(len);
                byte[] ip = Arrays.copyOfRange(buf, pos, pos + len);
                pos += len;
                int port = (u8() << 8) | u8();
                boolean records = bool();
                if (port == 0 || !seen.add(id)) {
                    continue; // skipped alone, as in the JSON dialect
                }
                try {
                    out.add(new Contact(new NodeId(id, NodeId.NODE_ID_BITS),
                            new InetSocketAddress(InetAddress.getByAddress(ip), port), records));
                } catch (UnknownHostException e) {
                    throw new MalformedMessageException("bad address");
                }
            }
            return out;
        }
    }
}

package io.kad.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.record.RecordEvent;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import static io.kad.core.wire.WireFields.*;

/**
 * This project's record-protocol messages (records, writes, copies, scans, subscriptions, events and
 * redirects): their fields, records ({@code REC}), write commands and events, as {@link MessageCodec}'s
 * table describes them. Immutable (the key id limit of its codec); any thread.
 */
final class RecordMessages {

    private final BigInteger keyIdLimit;

    RecordMessages(BigInteger keyIdLimit) {
        this.keyIdLimit = keyIdLimit;
    }

    /**
     * Decodes a record-protocol message.
     *
     * @throws MalformedMessageException if a field is missing, of the wrong JSON type or out of range,
     *     or the type is unknown ({@link UnknownMessageTypeException})
     */
    Message decode(String type, ObjectNode t, BigInteger peerId, JsonNode peerInfo) throws MalformedMessageException {
        switch (type) {
            case "get_record":
                return new Message.GetRecord(peerId, peerInfo, rpcId(t), id(t, "id", keyIdLimit), text(t, "ns"),
                        bytes(t, "key"), unreachable(t), takeover(t));
            case "record":
                return new Message.RecordReply(peerId, peerInfo, rpcId(t), recordOrNull(t, "record"),
                        recordOrNull(t, "expired"), outcome(t));
            case "put_record":
                return new Message.PutRecord(peerId, peerInfo, rpcId(t), id(t, "id", keyIdLimit), text(t, "ns"),
                        bytes(t, "key"), command(t), unreachable(t));
            case "not_owner":
                return new Message.Redirect(peerId, peerInfo, rpcId(t), KadpyMessages.nearest(t));
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
                if (limit < 1 || limit > MessageCodec.MAX_SCAN_KEYS) {
                    throw new MalformedMessageException("limit out of range");
                }
                return new Message.Scan(peerId, peerInfo, rpcId(t), text(t, "ns"), idOrNull(t, "after", keyIdLimit),
                        (int) limit);
            }
            case "scan_result":
                return new Message.ScanReply(peerId, peerInfo, rpcId(t), keys(t), idOrNull(t, "next", keyIdLimit),
                        t.has("nearest_nodes") ? KadpyMessages.nearest(t) : List.of());
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
            case "deposed":
                return new Message.Deposed(peerId, peerInfo, id(t, "node", NODE_ID_LIMIT));
            case "subscribers":
                return new Message.Subscribers(peerId, peerInfo, text(t, "ns"), KadpyMessages.nearest(t));
            default:
                throw new UnknownMessageTypeException(type, peerId);
        }
    }

    /**
     * Writes a record-protocol message's fields into its JSON object, then the sender fields.
     *
     * @throws IllegalArgumentException if a field is out of range
     */
    ObjectNode toTree(Message m, ObjectNode o) {
        if (m instanceof Message.GetRecord g) {
            o.put("id", checkId(g.id(), keyIdLimit, "id"));
            o.put("ns", g.namespace());
            o.put("key", b64(g.key()));
            unreachable(o, g.unreachable());
            if (g.takeover() != null) {
                ObjectNode takeover = o.putObject("takeover");
                if (g.takeover().asksForWrite()) {
                    takeover.put("requester", checkId(g.takeover().requester(), NODE_ID_LIMIT, "requester"));
                    takeover.set("rpc_id", g.takeover().rpcId());
                }
                Message.Held held = g.takeover().held();
                if (held != null) {
                    ObjectNode h = takeover.putObject("held");
                    h.put("version", held.version());
                    h.put("expires_at", held.expiresAtMillis());
                    h.put("tombstone", held.tombstone());
                    h.put("digest", held.digest());
                }
            }
            rpc(o, g.rpcId());
        } else if (m instanceof Message.RecordReply r) {
            o.set("record", record(r.record()));
            o.set("expired", record(r.expired()));
            if (r.outcome() != null) {
                ObjectNode outcome = o.putObject("outcome");
                outcome.set("previous", record(r.outcome().previous()));
                outcome.set("current", record(r.outcome().current()));
            }
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
            if (c.previousValue() == WriteCommand.PreviousValue.OMIT) {
                // absent means "return": what a node that predates the field does
                o.put("previous_value", "omit");
            }
            unreachable(o, p.unreachable());
            rpc(o, p.rpcId());
        } else if (m instanceof Message.Redirect r) {
            KadpyMessages.contacts(o, r.nearest());
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
            if (r.records().size() > MessageCodec.MAX_REPLICATE) {
                throw new IllegalArgumentException("more than " + MessageCodec.MAX_REPLICATE + " records");
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
            if (s.limit() < 1 || s.limit() > MessageCodec.MAX_SCAN_KEYS) {
                throw new IllegalArgumentException("scan limit must be 1.." + MessageCodec.MAX_SCAN_KEYS + ": " + s.limit());
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
            if (s.keys().size() > MessageCodec.MAX_SCAN_KEYS) {
                throw new IllegalArgumentException("more than " + MessageCodec.MAX_SCAN_KEYS + " keys");
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
                KadpyMessages.contacts(o, s.neighbours());
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
        } else if (m instanceof Message.Deposed d) {
            o.put("node", checkId(d.node(), NODE_ID_LIMIT, "node"));
        } else if (m instanceof Message.Subscribers s) {
            o.put("ns", s.namespace());
            KadpyMessages.contacts(o, s.subscribers());
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

    private static List<BigInteger> unreachable(JsonNode t) throws MalformedMessageException {
        JsonNode n = t.get("unreachable");
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray() || n.size() > MessageCodec.MAX_UNREACHABLE) {
            throw new MalformedMessageException("unreachable not a list of at most " + MessageCodec.MAX_UNREACHABLE + " ids");
        }
        List<BigInteger> ids = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            ids.add(idValue(e, "unreachable", NODE_ID_LIMIT));
        }
        return ids;
    }

    private static Message.Takeover takeover(JsonNode t) throws MalformedMessageException {
        JsonNode n = t.get("takeover");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw new MalformedMessageException("takeover not an object");
        }
        Message.Held held = held(n);
        JsonNode rpc = n.get("rpc_id");
        if (rpc == null || rpc.isNull()) {
            if (n.has("requester")) {
                throw new MalformedMessageException("takeover with a requester but no rpc_id");
            }
            return held == null ? Message.Takeover.READ : new Message.Takeover(null, null, held);
        }
        return new Message.Takeover(id(n, "requester", NODE_ID_LIMIT), rpc, held);
    }

    private static Message.Held held(JsonNode takeover) throws MalformedMessageException {
        JsonNode h = takeover.get("held");
        if (h == null || h.isNull()) {
            return null;
        }
        if (!h.isObject()) {
            throw new MalformedMessageException("takeover's held not an object");
        }
        long version = longValue(h, "version");
        if (version < 0) {
            throw new MalformedMessageException("takeover's held version negative: " + version);
        }
        return new Message.Held(version, longValue(h, "expires_at"), bool(h, "tombstone"), longValue(h, "digest"));
    }

    private WriteResult outcome(JsonNode t) throws MalformedMessageException {
        JsonNode n = t.get("outcome");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw new MalformedMessageException("outcome not an object");
        }
        return new WriteResult(true, recordOrNull(n, "previous"), recordOrNull(n, "current"), null);
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
        JsonNode previous = t.get("previous_value");
        WriteCommand.PreviousValue previousValue;
        if (previous == null || previous.isNull() || "return".equals(previous.asText())) {
            previousValue = WriteCommand.PreviousValue.RETURN;
        } else if (previous.isTextual() && "omit".equals(previous.asText())) {
            previousValue = WriteCommand.PreviousValue.OMIT;
        } else {
            throw new MalformedMessageException("previous_value neither \"return\" nor \"omit\"");
        }
        return new WriteCommand(op, bytes(t, "value"), bool(t, "json"), expected,
                longValue(t, "expires_if_created"), longValue(t, "expires_if_updated"), previousValue);
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
        if (list.size() > MessageCodec.MAX_REPLICATE) {
            throw new MalformedMessageException("records has more than " + MessageCodec.MAX_REPLICATE + " entries");
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
        if (list.size() > MessageCodec.MAX_SCAN_KEYS) {
            throw new MalformedMessageException("keys has more than " + MessageCodec.MAX_SCAN_KEYS + " entries");
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

    private static void unreachable(ObjectNode o, List<BigInteger> ids) {
        if (ids.isEmpty()) {
            return;
        }
        if (ids.size() > MessageCodec.MAX_UNREACHABLE) {
            throw new IllegalArgumentException("more than " + MessageCodec.MAX_UNREACHABLE + " unreachable ids");
        }
        ArrayNode list = o.putArray("unreachable");
        for (BigInteger id : ids) {
            list.add(checkId(id, NODE_ID_LIMIT, "unreachable id"));
        }
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

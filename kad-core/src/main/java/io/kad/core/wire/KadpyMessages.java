package io.kad.core.wire;

import static io.kad.core.wire.WireFields.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * kad.py's seven messages ({@code ping pong find_node find_value found_nodes found_value store}), their
 * fields in kad.py's order, and its {@code nearest_nodes} contact lists, which the record protocol's
 * redirects and scan pages reuse. Immutable (the id limits of its codec); any thread.
 */
final class KadpyMessages {

    private final BigInteger keyIdLimit;
    private final BigInteger replyIdLimit;

    KadpyMessages(BigInteger keyIdLimit, BigInteger replyIdLimit) {
        this.keyIdLimit = keyIdLimit;
        this.replyIdLimit = replyIdLimit;
    }

    /**
     * Decodes one of kad.py's seven messages.
     *
     * @throws MalformedMessageException if a field is missing, of the wrong JSON type or out of range
     */
    Message decode(String type, ObjectNode t, BigInteger peerId, JsonNode peerInfo) throws MalformedMessageException {
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
            default:
                throw new UnknownMessageTypeException(type, peerId);
        }
    }

    /**
     * Writes a kad.py message's fields into its JSON object, in kad.py's order, then the sender fields.
     *
     * @throws IllegalArgumentException if a field is out of range
     */
    ObjectNode toTree(Message m, ObjectNode o) {
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
        }
        head(o, m);
        return o;
    }

    static List<Contact> nearest(JsonNode t) throws MalformedMessageException {
        JsonNode list = required(t, "nearest_nodes");
        if (!list.isArray()) {
            throw new MalformedMessageException("nearest_nodes not an array");
        }
        if (list.size() > MessageCodec.MAX_NEAREST) {
            throw new MalformedMessageException("nearest_nodes has more than " + MessageCodec.MAX_NEAREST + " entries");
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
        return new Contact(new NodeId(v, NodeId.NODE_ID_BITS), address, MessageCodec.speaksRecords(e.get(3)));
    }

    /** Writes contacts as kad.py's {@code nearest_nodes}: {@code [host, port, id, peer_info]} each. */
    static void contacts(ObjectNode o, List<Contact> contacts) {
        if (contacts.size() > MessageCodec.MAX_NEAREST) {
            throw new IllegalArgumentException("more than " + MessageCodec.MAX_NEAREST + " contacts");
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

    private static JsonNode value(JsonNode v) {
        return v == null || v.isMissingNode() ? NullNode.getInstance() : v;
    }
}

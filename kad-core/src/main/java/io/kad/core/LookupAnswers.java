package io.kad.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.wire.Message;
import io.kad.core.wire.MessageCodec;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Function;

/**
 * Answers kad.py's lookup requests, {@code find_node} and {@code find_value}, without letting a forged
 * source address turn a small request into a large answer to a victim. An address that answered a
 * request of this node as the node it claims to be ({@link AddressVerifier}) gets the whole answer. Any
 * other gets at most {@link MessageCodec#UNVERIFIED_REPLY_FACTOR} times the bytes of its request:
 * <ul>
 *   <li>{@code found_nodes}: the nearest contacts that fit (this project's nodes pad their lookup
 *       requests to {@link MessageCodec#LOOKUP_REQUEST_BYTES}, which leaves room for all {@code k});</li>
 *   <li>{@code found_value} too large for that: sent once a ping at the address was answered by the
 *       node claimed, and the nearest contacts that fit if it was not.</li>
 * </ul>
 * Protocol thread only.
 */
final class LookupAnswers {

    private final NodeContext node;
    private final RpcEndpoint endpoint;
    private final MessageCodec codec;
    private final AddressVerifier verifier;
    /** The contacts this node answers a lookup for a target with, nearest first. */
    private final Function<BigInteger, List<Contact>> nearest;

    LookupAnswers(NodeContext node, RpcEndpoint endpoint, MessageCodec codec, AddressVerifier verifier,
                  Function<BigInteger, List<Contact>> nearest) {
        this.node = node;
        this.endpoint = endpoint;
        this.codec = codec;
        this.verifier = verifier;
        this.nearest = nearest;
    }

    /**
     * @param from where the request came from
     * @param find the request
     * @param requestBytes its size as it arrived
     */
    void answer(InetSocketAddress from, Message.FindNode find, int requestBytes) {
        endpoint.send(from, foundNodes(from, find.peerId(), find.rpcId(), find.target(), requestBytes));
    }

    /**
     * @param from where the request came from
     * @param find the request
     * @param value the JSON value held under its key, or {@code null} for none kad.py could be given
     * @param requestBytes its size as it arrived
     */
    void answer(InetSocketAddress from, Message.FindValue find, JsonNode value, int requestBytes) {
        if (value == null) {
            endpoint.send(from, foundNodes(from, find.peerId(), find.rpcId(), find.keyId(), requestBytes));
            return;
        }
        Message.FoundValue found = new Message.FoundValue(node.id().value(), node.peerInfo(), find.rpcId(),
                find.keyId(), value);
        if (verified(from, find.peerId()) || bytesOf(found) <= limit(requestBytes)) {
            sendValue(from, find, found, requestBytes);
            return;
        }
        verifier.verify(new NodeId(find.peerId(), NodeId.NODE_ID_BITS), from).thenAccept(ok -> {
            if (ok) {
                sendValue(from, find, found, requestBytes);
            } else {
                endpoint.send(from, foundNodes(from, find.peerId(), find.rpcId(), find.keyId(), requestBytes));
            }
        });
    }

    /**
     * The value, if the reply fits its datagram: ours first (the key id and our {@code peer_info}), else
     * the shorter one kad.py itself sends (the requester's id and {@code {}}), so a value kad.py could
     * serve is served to kad.py. A value too large for either is not offered: the requester gets
     * {@code found_nodes}.
     */
    private void sendValue(InetSocketAddress from, Message.FindValue find, Message.FoundValue found,
                           int requestBytes) {
        if (!endpoint.send(from, found) && !endpoint.send(from, new Message.FoundValue(node.id().value(),
                JsonNodeFactory.instance.objectNode(), find.rpcId(), find.peerId(), found.value()))) {
            endpoint.send(from, foundNodes(from, find.peerId(), find.rpcId(), find.keyId(), requestBytes));
        }
    }

    /**
     * A {@code found_nodes} for an address: every contact if the address is verified or they fit its
     * bound, else the nearest ones that fit.
     */
    Message.FoundNodes foundNodes(InetSocketAddress from, BigInteger claimed, JsonNode rpc, BigInteger target,
                                  int requestBytes) {
        List<Contact> contacts = nearest.apply(target);
        Message.FoundNodes all = new Message.FoundNodes(node.id().value(), node.peerInfo(), rpc, target, contacts);
        if (contacts.isEmpty() || verified(from, claimed)) {
            return all;
        }
        int limit = limit(requestBytes);
        int full = bytesOf(all);
        if (full <= limit) {
            return all;
        }
        // the contacts' share of the answer, about even: a first guess, then one fewer until it fits
        int bare = bytesOf(withContacts(all, 0));
        int each = Math.max(1, (full - bare) / contacts.size());
        int n = Math.max(0, Math.min(contacts.size() - 1, (limit - bare) / each));
        Message.FoundNodes fitting = withContacts(all, n);
        while (n > 0 && bytesOf(fitting) > limit) {
            fitting = withContacts(all, --n);
        }
        node.stats().lookupAnswersCut.increment();
        return fitting;
    }

    private boolean verified(InetSocketAddress from, BigInteger claimed) {
        return claimed != null && verifier.isVerified(new NodeId(claimed, NodeId.NODE_ID_BITS), from);
    }

    private static int limit(int requestBytes) {
        return MessageCodec.UNVERIFIED_REPLY_FACTOR * requestBytes;
    }

    private static Message.FoundNodes withContacts(Message.FoundNodes m, int n) {
        return new Message.FoundNodes(m.peerId(), m.peerInfo(), m.rpcId(), m.id(), m.nearest().subList(0, n));
    }

    private int bytesOf(Message m) {
        try {
            return codec.encode(m).length;
        } catch (RuntimeException e) {
            // too large for kad.py's dialect, or a field out of range: as good as unbounded
            return Integer.MAX_VALUE;
        }
    }
}

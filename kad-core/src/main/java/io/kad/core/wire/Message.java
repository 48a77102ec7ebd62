package io.kad.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import io.kad.core.id.Contact;
import io.kad.core.record.RecordEvent;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.util.List;

/**
 * A protocol message, decoded. The first seven types are kad.py's dialect (see
 * {@code kadpy-wire-protocol.md}); the others are this project's record protocol, carried in the same
 * JSON framing as new {@code message_type}s that a kad.py node ignores.
 *
 * <p>Every message carries the sender's id ({@code peer_id}) and its {@code peer_info} (any JSON; a
 * kad-jcache node sends {@code {"kad":1}} so peers learn that it speaks the record protocol).
 * {@code rpc_id} is kept as the JSON value it arrived as, because a reply must echo it unchanged.
 */
public sealed interface Message {

    /** @return {@code message_type} on the wire */
    String type();

    /** @return the sender's node id */
    BigInteger peerId();

    /** @return the sender's {@code peer_info}, {@code NullNode} when absent or null */
    JsonNode peerInfo();

    /** A message that asks for a reply carrying the same {@code rpc_id}. */
    sealed interface Request extends Message {
        /** @return the request's {@code rpc_id} */
        JsonNode rpcId();
    }

    /** A message that answers a {@link Request}. */
    sealed interface Reply extends Message {
        /** @return the {@code rpc_id} of the request it answers */
        JsonNode rpcId();
    }

    // ---- kad.py dialect ----

    /** {@code ping}; kad.py sends none, and its have no {@code rpc_id} ({@code rpcId} is then NullNode). */
    record Ping(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId) implements Request {
        public String type() { return "ping"; }
    }

    /** {@code pong}, the answer to a ping; echoes the ping's {@code rpc_id} when it had one. */
    record Pong(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId) implements Reply {
        public String type() { return "pong"; }
    }

    /** {@code find_node}: which nodes do you know nearest to {@code target}? */
    record FindNode(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, BigInteger target) implements Request {
        public String type() { return "find_node"; }
    }

    /** {@code find_value}: the value of key id {@code keyId}, or the nodes you know nearest to it. */
    record FindValue(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, BigInteger keyId) implements Request {
        public String type() { return "find_value"; }
    }

    /**
     * {@code found_nodes}: up to K contacts. {@code id} is whatever the sender put there (kad.py puts the
     * requester's id; this project puts the target) and is never relied on.
     */
    record FoundNodes(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, BigInteger id, List<Contact> nearest)
            implements Reply {
        public String type() { return "found_nodes"; }
    }

    /** {@code found_value}: the JSON value stored under the requested key id. */
    record FoundValue(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, BigInteger id, JsonNode value)
            implements Reply {
        public String type() { return "found_value"; }
    }

    /** {@code store}: keep this JSON value under key id {@code keyId} (kad.py: always overwrite, no reply). */
    record Store(BigInteger peerId, JsonNode peerInfo, BigInteger keyId, JsonNode value) implements Message {
        public String type() { return "store"; }
    }

    // ---- record protocol ----

    /**
     * {@code get_record}: the record of (namespace, key) with its version, from the receiver's tier.
     * {@code unreachable} names the nearer holders the requester could not reach; {@code takeover}, when
     * not {@code null}, makes it a node's question to the other holders before it acts as the record's
     * owner (see {@link Takeover}).
     */
    record GetRecord(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, BigInteger id, String namespace,
                     byte[] key, List<BigInteger> unreachable, Takeover takeover) implements Request {
        /** A read sent to the node the requester takes for the owner. */
        public GetRecord(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, BigInteger id, String namespace,
                         byte[] key) {
            this(peerId, peerInfo, rpcId, id, namespace, key, List.of(), null);
        }

        /** A read that names the nearer holders the requester could not reach. */
        public GetRecord(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, BigInteger id, String namespace,
                         byte[] key, List<BigInteger> unreachable) {
            this(peerId, peerInfo, rpcId, id, namespace, key, unreachable, null);
        }

        /** Copies the list. */
        public GetRecord {
            unreachable = List.copyOf(unreachable);
        }

        public String type() { return "get_record"; }
    }

    /**
     * What a node about to act as a record's owner (the nodes nearer the record are gone, or it has not
     * acted as its owner since its view changed) asks each other holder, in a {@link GetRecord}: its copy
     * as it is, a tombstone included, so the new owner starts from the newest one; and, when the new
     * owner is deciding a write that may be a repeat, that write's outcome if a former owner decided it
     * (learnt from the write's copy). The receiver answers with a {@link RecordReply}, or redirects to
     * the nodes it knows nearer the record than the requester. When the requester names the copy it
     * {@code held} itself, the receiver sends its own copy only if it is not older and not the same one:
     * a takeover among holders that agree moves no value, however large.
     *
     * @param requester the node that sent the write being decided, or {@code null} for none
     * @param rpcId that write's {@code rpc_id}, or {@code null}
     * @param held the requester's own copy of the record, or {@code null} if it holds none (or does not say)
     */
    record Takeover(BigInteger requester, JsonNode rpcId, Held held) {
        /** A takeover for a read, or for a write known to be no repeat. */
        public static final Takeover READ = new Takeover(null, null, null);

        /** A takeover that does not say what the requester holds. */
        public Takeover(BigInteger requester, JsonNode rpcId) {
            this(requester, rpcId, null);
        }

        /** Checks that the write is named whole or not at all. */
        public Takeover {
            if (rpcId != null && (rpcId.isNull() || rpcId.isMissingNode())) {
                rpcId = null;
            }
            if ((requester == null) != (rpcId == null)) {
                throw new IllegalArgumentException("a takeover names a write by requester and rpc_id, or neither");
            }
        }

        /** @return whether it asks for a write's outcome */
        public boolean asksForWrite() {
            return requester != null;
        }

        /**
         * @param copy the requester's own copy, or {@code null}
         * @return this takeover, saying that the requester holds that copy
         */
        public Takeover holding(StoredRecord copy) {
            return new Takeover(requester, rpcId, copy == null ? null : Held.of(copy));
        }
    }

    /**
     * A copy of a record named by what tells two copies apart (its value by length and CRC-32C), so that a
     * holder can tell whether its own copy would add anything to it without the value travelling.
     *
     * @param version the copy's version
     * @param expiresAtMillis its expiry ({@link StoredRecord#NEVER} for none)
     * @param tombstone whether it marks a removal
     * @param digest its value's length (high 32 bits) and CRC-32C (low 32 bits); see {@link #digest}
     */
    record Held(long version, long expiresAtMillis, boolean tombstone, long digest) {
        /** Checks the version. */
        public Held {
            if (version < 0) {
                throw new IllegalArgumentException("version must not be negative: " + version);
            }
        }

        /**
         * @param copy a record
         * @return what names it
         */
        public static Held of(StoredRecord copy) {
            return new Held(copy.version(), copy.expiresAtMillis(), copy.tombstone(), digest(copy.value()));
        }

        /**
         * @param value value bytes
         * @return their length in the high 32 bits, their CRC-32C in the low 32 bits
         */
        public static long digest(byte[] value) {
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(value);
            return ((long) value.length << 32) | crc.getValue();
        }

        /**
         * Whether a holder's copy would add nothing to this one: it is older, or it is this very copy. A
         * copy of the same version that differs (a split swarm's two writes) is sent, and the requester's
         * own ordering of copies decides.
         *
         * @param other a holder's copy
         * @return whether the requester, holding this copy, does not need it
         */
        public boolean covers(StoredRecord other) {
            if (other.version() != version) {
                return other.version() < version;
            }
            return other.expiresAtMillis() == expiresAtMillis && other.tombstone() == tombstone
                    && digest(other.value()) == digest;
        }
    }

    /**
     * {@code record}: the answer to {@link GetRecord}.
     *
     * @param record the live record, or {@code null} if none; in the answer to a {@link Takeover}, the
     *     receiver's record as it is (a tombstone included), or {@code null} if the copy the takeover says
     *     the requester holds {@link Held#covers covers} it
     * @param expired a record this read found expired and removed, or {@code null}
     * @param outcome in the answer to a {@link Takeover} that names a write: that write's outcome as a
     *     former owner decided it (applied, with the record before and after), or {@code null} if the
     *     receiver does not know it
     */
    record RecordReply(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, StoredRecord record,
                       StoredRecord expired, WriteResult outcome) implements Reply {
        /** The answer to a read. */
        public RecordReply(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, StoredRecord record,
                           StoredRecord expired) {
            this(peerId, peerInfo, rpcId, record, expired, null);
        }

        public String type() { return "record"; }
    }

    /** {@code put_record}: a conditional write of one record at its owner; see {@link WriteCommand}. */
    record PutRecord(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, BigInteger id, String namespace,
                     byte[] key, WriteCommand command, List<BigInteger> unreachable) implements Request {
        /** A write sent to the node the requester takes for the owner. */
        public PutRecord(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, BigInteger id, String namespace,
                         byte[] key, WriteCommand command) {
            this(peerId, peerInfo, rpcId, id, namespace, key, command, List.of());
        }

        /**
         * Copies the list; {@code unreachable} names the nearer holders the requester could not reach: the
         * receiver checks them itself before it decides the write as owner.
         */
        public PutRecord {
            unreachable = List.copyOf(unreachable);
        }

        public String type() { return "put_record"; }
    }

    /**
     * {@code not_owner}: the answer to {@link GetRecord} or {@link PutRecord} from a node that knows
     * nodes nearer the record than itself: the requester asks them instead.
     *
     * @param nearest the live record nodes the receiver knows nearest the record, nearest first
     */
    record Redirect(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, List<Contact> nearest) implements Reply {
        public String type() { return "not_owner"; }
    }

    /**
     * {@code put_result}: the answer to {@link PutRecord}; see {@link WriteResult}. {@code keepCopy}: the
     * owner counts the requester among the record's holders and sent it no separate copy, so the
     * requester keeps {@code current} from this reply.
     */
    record PutReply(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, WriteResult result, boolean keepCopy)
            implements Reply {
        public String type() { return "put_result"; }
    }

    /** {@code replicate}: copies of records from their owner; the receiver keeps each if its version is newer. */
    record Replicate(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, List<StoredRecord> records,
                     WriteTag tag) implements Request {
        /** Copies without a write tag (republish, hand-off). */
        public Replicate(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, List<StoredRecord> records) {
            this(peerId, peerInfo, rpcId, records, null);
        }

        public String type() { return "replicate"; }
    }

    /**
     * Which request wrote the one record a {@link Replicate} carries: a replica that later becomes the
     * owner answers a retry of that request with the first outcome instead of deciding it again.
     *
     * @param requester the node that sent the write
     * @param rpcId the write's {@code rpc_id}
     * @param previous the record before the write, or {@code null}
     */
    record WriteTag(BigInteger requester, JsonNode rpcId, StoredRecord previous) {
    }

    /** {@code replicated}: the answer to {@link Replicate}, once the copies are stored. */
    record ReplicateAck(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId) implements Reply {
        public String type() { return "replicated"; }
    }

    /**
     * {@code scan}: the keys of a namespace that the receiver holds live, in record-id order after
     * {@code after} (exclusive; {@code null} from the start), at most {@code limit}.
     */
    record Scan(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, String namespace, BigInteger after, int limit)
            implements Request {
        public String type() { return "scan"; }
    }

    /**
     * {@code scan_result}: one page of keys; {@code next} is the cursor for the next page, {@code null}
     * when this was the last.
     */
    record ScanReply(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, List<byte[]> keys, BigInteger next,
                     List<Contact> neighbours) implements Reply {
        /** A page without neighbours. */
        public ScanReply(BigInteger peerId, JsonNode peerInfo, JsonNode rpcId, List<byte[]> keys, BigInteger next) {
            this(peerId, peerInfo, rpcId, keys, next, List.of());
        }

        /**
         * Copies the list; {@code neighbours} (first page only) are the record nodes nearest the sender, so
         * a scan of the whole swarm reaches nodes its requester did not know.
         */
        public ScanReply {
            neighbours = List.copyOf(neighbours);
        }

        public String type() { return "scan_result"; }
    }

    /**
     * {@code subscribe}: send me the events of this namespace for the next {@code leaseMillis}
     * milliseconds ({@code 0} cancels). With an {@code rpc_id}, the receiver confirms with a
     * {@link Pong} carrying it once the subscription is in place.
     */
    record Subscribe(BigInteger peerId, JsonNode peerInfo, String namespace, long leaseMillis, JsonNode rpcId)
            implements Request {
        /** A renewal nobody waits for: no {@code rpc_id}, no answer. */
        public Subscribe(BigInteger peerId, JsonNode peerInfo, String namespace, long leaseMillis) {
            this(peerId, peerInfo, namespace, leaseMillis, com.fasterxml.jackson.databind.node.MissingNode.getInstance());
        }

        public String type() { return "subscribe"; }
    }

    /**
     * {@code leave}: the sender is shutting down; drop it from the routing table now rather than after
     * its requests time out. Sent to the nodes of this project only.
     */
    record Leave(BigInteger peerId, JsonNode peerInfo) implements Message {
        public String type() { return "leave"; }
    }

    /**
     * {@code deposed}: the sender found {@code node} gone and took records over from it. A node that gets
     * this doubts {@code node} for a while: its next request for each record names {@code node} among the
     * unreachable, so that, should {@code node} come back after being cut off, it checks with the other
     * holders before it answers from copies older than the sender's. Sent to the members of the sender's
     * view, and to {@code node} itself, which then checks every record before it acts as its owner again.
     */
    record Deposed(BigInteger peerId, JsonNode peerInfo, BigInteger node) implements Message {
        public String type() { return "deposed"; }
    }

    /**
     * {@code subscribers}: nodes subscribed to a namespace's events at the sender, told to a node that
     * joined near it. The newcomer may own keys of the namespace at once, while the subscribers learn of it
     * only later: it pings each one it does not know as a subscriber, and a subscriber that hears from a
     * new member subscribes there ({@link Subscribe}). One-way, at most {@code MessageCodec.MAX_NEAREST}
     * contacts.
     */
    record Subscribers(BigInteger peerId, JsonNode peerInfo, String namespace, List<Contact> subscribers)
            implements Message {
        public Subscribers {
            subscribers = List.copyOf(subscribers);
        }

        public String type() { return "subscribers"; }
    }

    /** {@code record_event}: a change applied by the key's owner, sent to the namespace's subscribers. */
    record Event(BigInteger peerId, JsonNode peerInfo, RecordEvent event) implements Message {
        public String type() { return "record_event"; }
    }
}

package io.kad.core;

import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.record.CopyOutcome;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordEngine;
import io.kad.core.record.RecordEvent;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.core.routing.Membership;
import io.kad.core.routing.RoutingTable;
import io.kad.core.wire.Message;
import io.kad.spi.KeyHashFunction;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner side of the record protocol: decides the writes that reach this node (applies them as the
 * key's owner, redirects them to nearer nodes, or checks first that the nearer nodes a requester could
 * not reach are gone), copies applied writes to the replicas, serves reads, copies and scan pages, and
 * publishes the events of what it applied. Owns the outcomes of decided writes ({@code recentWrites}),
 * those learnt from copies ({@code copiedWrites}) and the checks of reads in progress
 * ({@code readChecks}): thread-safe caches, touched on the protocol thread as requests arrive and on a
 * caller's thread when its own write is decided here (record-engine calls are atomic per key).
 */
final class RecordServer {

    /** Logs under the node's name: these are the node's messages. */
    private static final Logger LOG = LoggerFactory.getLogger(KadNode.class);

    /**
     * How many requests a node sends at once to an owner its requester could not reach before it takes
     * the owner's place: a live owner taken for dead splits the key between two owners, so the check
     * must not be fooled by a few lost datagrams, and sent together they take one request timeout.
     */
    private static final int PROBE_ATTEMPTS = 4;
    /** How many times an owner sends a replica its copy before it gives up on that replica. */
    private static final int COPY_ATTEMPTS = 3;
    /** The most write outcomes a node remembers for repeats (at 100,000 writes a second, ten seconds). */
    private static final int RECENT_WRITES = 1_000_000;
    /** How many keys one scan page carries (well under the datagram bound for small keys). */
    static final int SCAN_PAGE = 64;
    /** Key bytes one scan page carries at most: base64 and framing keep the reply under 65,000 bytes. */
    private static final int SCAN_PAGE_BYTES = 40_000;

    private final NodeContext node;
    private final KeyHashFunction hash;
    private final RecordEngine engine;
    private final RpcEndpoint endpoint;
    private final EventHub events;
    private final Ownership ownership;
    private final Membership membership;
    private final RoutingTable table;
    private final PeerLiveness liveness;
    /** What each peer made this node hold with its copies. */
    private final PeerQuotas quotas;
    /** Checks a scan's requester is at its address before it gets a page. */
    private final AddressVerifier verifier;
    /**
     * Writes applied as owner, by (requester, rpc_id), for as long as the requester may retry: a retry
     * gets the first attempt's outcome instead of a second write.
     */
    private final Cache<WriteAttempt, CompletableFuture<Decision>> recentWrites;
    /**
     * Outcomes of writes another owner decided, learnt from the tags of its copies: should this node
     * take a record over, a repeat of such a write gets that outcome instead of a second decision.
     */
    private final Cache<WriteAttempt, Decision> copiedWrites;
    /** Reads still waiting for this node's check of the nodes their requester could not reach. */
    private final Cache<WriteAttempt, CompletableFuture<List<Contact>>> readChecks = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(1)).executor(Runnable::run).build();

    /** A write request as its requester tells it apart: a retry repeats both. */
    private record WriteAttempt(BigInteger requester, BigInteger rpc) {
    }

    /**
     * How a node that received a write (or took one of its own) settled it: applied or refused as the
     * owner ({@code write}), or sent on to nearer nodes ({@code redirect}).
     */
    record Decision(OwnerWrite write, List<Contact> redirect) {
        static Decision redirect(List<Contact> nearer) {
            return new Decision(null, nearer);
        }
    }

    /**
     * A write applied as owner, and whether its remote requester keeps its copy from the reply: decided
     * once, with the copies, so a retried request is answered as the copies were sent.
     */
    record OwnerWrite(WriteResult result, boolean requesterKeepsCopy) {
    }

    RecordServer(NodeContext node, KeyHashFunction hash, RecordEngine engine, RpcEndpoint endpoint, EventHub events,
                 Ownership ownership, Membership membership, RoutingTable table, PeerLiveness liveness,
                 PeerQuotas quotas, AddressVerifier verifier) {
        this.node = node;
        this.hash = hash;
        this.engine = engine;
        this.endpoint = endpoint;
        this.events = events;
        this.ownership = ownership;
        this.membership = membership;
        this.table = table;
        this.liveness = liveness;
        this.quotas = quotas;
        this.verifier = verifier;
        NodeConfig config = node.config();
        // a caller repeats a write (same rpc_id), here or at another holder, until its operation deadline:
        // the outcome must be remembered at least that long, or a late repeat would be decided again
        this.recentWrites = Caffeine.newBuilder().maximumSize(RECENT_WRITES)
                .expireAfterWrite(config.operationTimeout().plus(config.rpcTimeout().multipliedBy(2)).plusSeconds(1))
                .executor(Runnable::run).build();
        this.copiedWrites = Caffeine.newBuilder().maximumSize(RECENT_WRITES)
                .expireAfterWrite(config.operationTimeout().plus(config.rpcTimeout().multipliedBy(2)).plusSeconds(1))
                .executor(Runnable::run).build();
    }

    // ------------------------------------------------------------------ requests

    void serveGet(InetSocketAddress from, Message.GetRecord get) {
        checkRecordId(get.id(), get.namespace(), get.key());
        BigInteger self = node.id().value();
        mayServeRead(get.id(), get.namespace(), get.key(), get.peerId(), RpcEndpoint.rpcKey(get.rpcId()),
                get.unreachable())
                .whenComplete((nearer, e) -> {
                    if (e != null) {
                        LOG.debug("read of {} from {} not served: {}", get.id(), from, e.toString());
                    } else if (nearer != null) {
                        endpoint.send(from, new Message.Redirect(self, node.peerInfo(), get.rpcId(), nearer));
                    } else {
                        node.stats().recordReads.increment();
                        ReadResult r = engine.read(get.id());
                        if (r.expired() != null) {
                            events.publish(new RecordEvent(RecordEvent.Kind.EXPIRED, get.namespace(), get.key(),
                                    r.expired().value(), null, r.expired().version() + 1, get.peerId()));
                        }
                        endpoint.send(from, new Message.RecordReply(self, node.peerInfo(), get.rpcId(), r.record(),
                                r.expired()));
                    }
                });
    }

    /** Why a record's key or value is over this node's bounds, or {@code null} if it is not. */
    private String oversized(byte[] key, byte[] value) {
        if (value.length > node.config().maxValueBytes()) {
            return "value of " + value.length + " bytes, kad.max-value-bytes is " + node.config().maxValueBytes();
        }
        if (key.length > NodeConfig.MAX_KEY_BYTES) {
            return "key of " + key.length + " bytes, at most " + NodeConfig.MAX_KEY_BYTES;
        }
        return null;
    }

    void servePut(InetSocketAddress from, Message.PutRecord put) {
        checkRecordId(put.id(), put.namespace(), put.key());
        String oversized = oversized(put.key(), put.command().value());
        if (oversized != null) {
            // the caller checks too (RecordCaller): only a peer that skips the check sends this
            node.stats().oversizedRecordsRefused.increment();
            throw new IllegalArgumentException(oversized);
        }
        BigInteger self = node.id().value();
        decide(put.id(), put.namespace(), put.key(), put.command(), put.peerId(), RpcEndpoint.rpcKey(put.rpcId()),
                put.unreachable()).whenComplete((d, e) -> {
                    if (e != null) {
                        LOG.debug("write of {} from {} not decided: {}", put.id(), from, e.toString());
                    } else if (d.write() != null) {
                        endpoint.send(from, new Message.PutReply(self, node.peerInfo(), put.rpcId(),
                                d.write().result(), d.write().requesterKeepsCopy()));
                    } else {
                        endpoint.send(from, new Message.Redirect(self, node.peerInfo(), put.rpcId(), d.redirect()));
                    }
                });
    }

    /**
     * Takes the copies a holder sent (a write's copies, a republish, a hand-off) that pass the checks:
     * the record id is the one its namespace and key hash to, the record is within the size bound, the
     * sender could hold the record ({@link Ownership#couldHold}), a copy that would create a record here
     * is within its source address's quota ({@link PeerQuotas}: one peer cannot fill the tier and have
     * it evict other records), and the engine finds its version plausible and its expiry not past
     * ({@link RecordEngine#offerCopy}). Each refusal is counted. The copies are acknowledged unless every
     * one was refused: an owner takes an acknowledgement for a copy held.
     */
    void acceptCopies(InetSocketAddress from, Message.Replicate replicate) {
        NodeId sender = new NodeId(replicate.peerId(), NodeId.NODE_ID_BITS);
        int forged = 0;
        boolean firstTaken = false;
        for (StoredRecord r : replicate.records()) {
            String refusal = refusal(r, sender);
            boolean creates = refusal == null && engine.tier().get(r.id()) == null;
            if (creates && !quotas.admitsNewCopy(from)) {
                node.stats().copiesOverQuota.increment();
                refusal = "its sender's address created its quota of " + quotas.copiesPerPeer() + " records here";
            }
            if (refusal == null) {
                CopyOutcome outcome = engine.offerCopy(r);
                if (outcome == CopyOutcome.KEPT && creates) {
                    quotas.chargeCopy(from, r.id());
                }
                if (outcome == CopyOutcome.VERSION_AHEAD) {
                    node.stats().copiesVersionAhead.increment();
                    refusal = "its version " + r.version() + " is beyond this node's clock";
                } else if (outcome == CopyOutcome.EXPIRED) {
                    node.stats().copiesExpired.increment();
                    LOG.debug("copy of {} from {} not taken: expired", r.id(), from);
                }
            }
            if (refusal != null) {
                forged++;
                LOG.debug("copy of {} from {} refused: {}", r.id(), from, refusal);
            } else if (r == replicate.records().get(0)) {
                firstTaken = true;
            }
        }
        if (forged > 0 && forged == replicate.records().size()) {
            return;
        }
        Message.WriteTag tag = replicate.tag();
        BigInteger tagRpc = tag == null ? null : RpcEndpoint.rpcKey(tag.rpcId());
        if (tagRpc != null && replicate.records().size() == 1 && firstTaken) {
            // should this node become the owner, a retry of that write gets its first outcome
            StoredRecord copy = replicate.records().get(0);
            WriteResult first = new WriteResult(true, tag.previous(), copy.tombstone() ? null : copy, null);
            copiedWrites.put(new WriteAttempt(tag.requester(), tagRpc), new Decision(new OwnerWrite(first, false), null));
        }
        endpoint.send(from, new Message.ReplicateAck(node.id().value(), node.peerInfo(), replicate.rpcId()));
    }

    /** Why a copy is refused before it reaches the engine (counted), or {@code null} if it is not. */
    private String refusal(StoredRecord r, NodeId sender) {
        if (!idMatches(r)) {
            node.stats().recordIdMismatches.increment();
            return "record id does not match its namespace and key";
        }
        String oversized = oversized(r.key(), r.value());
        if (oversized != null) {
            node.stats().oversizedRecordsRefused.increment();
            return oversized;
        }
        if (!ownership.couldHold(r.id(), sender)) {
            node.stats().copiesFromNonHolders.increment();
            return "sender " + sender.shortHex() + " is too far from the record to hold it";
        }
        return null;
    }

    /**
     * Whether a stored or copied record's id is the one its namespace and key hash to. kad.py's
     * {@code store}s, stored under a bare key id without their key, never match: they are neither
     * copied nor listed.
     */
    boolean idMatches(StoredRecord r) {
        return r.id().equals(RecordIds.of(hash, r.namespace(), r.key()));
    }

    /**
     * Serves a scan page, once the requester is known to be at the address it wrote from
     * ({@link AddressVerifier}): a page is many times its request, so a forged source address gets one
     * ping, not a page (counted in {@link NodeStats#unverifiedRefused()} when it does not answer).
     */
    void serveScan(InetSocketAddress from, Message.Scan scan) {
        NodeId requester = new NodeId(scan.peerId(), NodeId.NODE_ID_BITS);
        if (verifier.isVerified(requester, from)) {
            servePage(from, scan);
            return;
        }
        verifier.verify(requester, from).thenAccept(verified -> {
            if (!verified) {
                node.stats().unverifiedRefused.increment();
                LOG.debug("scan page for {} not sent: no answer as {} at that address", from, requester.shortHex());
                return;
            }
            try {
                servePage(from, scan);
            } catch (RuntimeException e) {
                // as a handler failure on the way in: counted, the node goes on
                node.stats().datagramsDropped.increment();
                node.stats().handlerFailures.increment();
                LOG.debug("dropped scan from {}: {}", from, e.toString());
            }
        });
    }

    private void servePage(InetSocketAddress from, Message.Scan scan) {
        int limit = Math.max(1, Math.min(scan.limit(), SCAN_PAGE));
        List<StoredRecord> page = engine.scan(scan.namespace(), scan.after(), limit + 1);
        // a page ends at the key limit or at a byte budget that keeps the reply in one datagram
        List<byte[]> keys = new ArrayList<>();
        int bytes = 0;
        int consumed = 0;
        for (StoredRecord r : page) {
            if (keys.size() == limit || (!keys.isEmpty() && bytes + r.key().length > SCAN_PAGE_BYTES)) {
                break;
            }
            consumed++;
            if (!idMatches(r)) {
                // never stored through a checked path (a tier filled before the checks): not listed
                node.stats().recordIdMismatches.increment();
                LOG.debug("record {} left out of a scan page: its id does not match its key", r.id());
                continue;
            }
            keys.add(r.key());
            bytes += r.key().length;
        }
        // more if the page stopped early, or if it took every record of a full read (records left out)
        boolean more = consumed < page.size() || page.size() > limit;
        BigInteger next = more ? page.get(consumed - 1).id() : null;
        // the first page names this node's neighbours, so a scan reaches members its requester missed
        List<Contact> neighbours = scan.after() == null ? ownership.scanNeighbours() : List.of();
        endpoint.send(from, new Message.ScanReply(node.id().value(), node.peerInfo(), scan.rpcId(), keys, next,
                neighbours));
    }

    private void checkRecordId(BigInteger claimed, String namespace, byte[] key) {
        if (!claimed.equals(RecordIds.of(hash, namespace, key))) {
            node.stats().recordIdMismatches.increment();
            throw new IllegalArgumentException("record id does not match its namespace and key (another hash?)");
        }
    }

    // ------------------------------------------------------------------ owner side

    /** Reads as the key's owner; a record found expired is published as such. */
    ReadResult localRead(BigInteger recordId, String namespace, byte[] key) {
        ReadResult r = engine.read(recordId);
        if (r.expired() != null) {
            events.publish(new RecordEvent(RecordEvent.Kind.EXPIRED, namespace, key, r.expired().value(), null,
                    r.expired().version() + 1, node.id().value()));
        }
        return r;
    }

    /**
     * Applies a write as the key's owner, copies it to the replicas, publishes the events. The copies
     * leave first: the write is acknowledged once they are acknowledged, while events are sent and
     * never waited for, so they are published as the copies travel.
     */
    CompletableFuture<OwnerWrite> ownerWrite(BigInteger recordId, String namespace, byte[] key,
                                             WriteCommand command, BigInteger origin, BigInteger rpc) {
        WriteResult result = engine.write(recordId, namespace, key, command);
        // what the requester is answered (events and copies use the whole outcome)
        WriteResult reply = command.previousValue() == WriteCommand.PreviousValue.OMIT
                ? result.withoutPreviousValue() : result;
        node.stats().recordWrites.increment();
        CompletableFuture<OwnerWrite> done;
        if (!result.applied()) {
            node.stats().recordWriteConflicts.increment();
            done = CompletableFuture.completedFuture(new OwnerWrite(reply, false));
        } else {
            // the record this write stored; a removal's tombstone is not in the result
            StoredRecord stored = result.current() != null ? result.current() : engine.tier().get(recordId);
            List<CompletableFuture<Message.Reply>> acks = new ArrayList<>();
            boolean copies = stored != null && node.config().replication() > 1;
            List<Contact> holders = copies || !origin.equals(node.id().value()) ? ownership.replicaSet(recordId)
                    : List.of();
            boolean requesterCopiesReply = requesterKeepsCopy(holders, command, result, origin);
            if (copies) {
                for (Contact c : holders) {
                    if (requesterCopiesReply && c.id().value().equals(origin)) {
                        continue;
                    }
                    if (!c.id().equals(node.id())) {
                        // the tag lets a replica that becomes the owner answer a retry of this write
                        Message.WriteTag tag = rpc == null ? null
                                : new Message.WriteTag(origin, new BigIntegerNode(rpc), reply.previous());
                        acks.add(endpoint.requestRetrying(c, r -> new Message.Replicate(node.id().value(),
                                node.peerInfo(), r, List.of(stored), tag), COPY_ATTEMPTS));
                    }
                }
            }
            OwnerWrite applied = new OwnerWrite(reply, requesterCopiesReply);
            done = acks.isEmpty()
                    ? CompletableFuture.completedFuture(applied)
                    : CompletableFuture.allOf(acks.stream().map(f -> f.handle((r, e) -> {
                        if (e != null) {
                            LOG.debug("replica copy of {} not acknowledged: {}", recordId, e.getMessage());
                        }
                        return null;
                    })).toArray(CompletableFuture[]::new)).thenApply(v -> applied);
        }
        if (result.expired() != null) {
            // reported whether or not the write applied: the record is a tombstone from now on
            events.publish(new RecordEvent(RecordEvent.Kind.EXPIRED, namespace, key, result.expired().value(), null,
                    result.expired().version() + 1, origin));
        }
        if (result.applied()) {
            RecordEvent event = eventOf(namespace, key, command, result, origin);
            if (event != null) {
                events.publish(event);
            }
        }
        return done;
    }

    /**
     * Whether a remote requester that is one of the record's holders (in this owner's view) keeps its
     * copy from the reply instead of a separate copy: only when there is a live record to carry; a
     * removal's tombstone travels as a copy like to any other holder.
     *
     * @param holders the record's holders in this owner's view ({@link Ownership#replicaSet})
     */
    private boolean requesterKeepsCopy(List<Contact> holders, WriteCommand command, WriteResult result,
                                       BigInteger origin) {
        if (origin.equals(node.id().value()) || !result.applied() || result.current() == null
                || command.op() == WriteCommand.Op.REMOVE || command.op() == WriteCommand.Op.CLEAR) {
            return false;
        }
        for (Contact c : holders) {
            if (c.id().value().equals(origin)) {
                return true;
            }
        }
        return false;
    }

    private static RecordEvent eventOf(String namespace, byte[] key, WriteCommand command, WriteResult result,
                                       BigInteger origin) {
        if (command.op() == WriteCommand.Op.TOUCH || command.op() == WriteCommand.Op.CLEAR) {
            return null;
        }
        StoredRecord prev = result.previous();
        StoredRecord cur = result.current();
        if (command.op() == WriteCommand.Op.REMOVE) {
            return prev == null ? null : new RecordEvent(RecordEvent.Kind.REMOVED, namespace, key, prev.value(),
                    null, prev.version() + 1, origin);
        }
        if (cur == null) {
            return null;
        }
        return new RecordEvent(prev == null ? RecordEvent.Kind.CREATED : RecordEvent.Kind.UPDATED, namespace, key,
                prev == null ? null : prev.value(), cur.value(), cur.version(), origin);
    }

    /** This node's own write, not yet seen elsewhere: decided at once if this node is the owner. */
    CompletableFuture<Decision> decideOwn(BigInteger recordId, String namespace, byte[] key, WriteCommand command) {
        List<Contact> nearer = ownership.nearerThanSelf(recordId, List.of());
        if (!nearer.isEmpty()) {
            return CompletableFuture.completedFuture(Decision.redirect(nearer));
        }
        return ownerWrite(recordId, namespace, key, command, node.id().value(), null)
                .thenApply(w -> new Decision(w, null));
    }

    /**
     * Decides a write that reached this node: the same request decided before gets its first outcome
     * (also one this node learnt with a copy from a former owner); a node that knows nearer nodes sends
     * the requester on to them, unless the requester found them unreachable and this node, asking them
     * itself, finds so too. Only then does this node decide the write as the owner.
     */
    CompletableFuture<Decision> decide(BigInteger recordId, String namespace, byte[] key, WriteCommand command,
                                       BigInteger requester, BigInteger rpc, List<BigInteger> unreachable) {
        WriteAttempt attempt = rpc == null ? null : new WriteAttempt(requester, rpc);
        if (attempt != null) {
            Decision copied = copiedWrites.getIfPresent(attempt);
            if (copied != null) {
                return CompletableFuture.completedFuture(copied);
            }
            CompletableFuture<Decision> known = recentWrites.getIfPresent(attempt);
            if (known != null) {
                return known;
            }
        }
        List<Contact> nearer = ownership.nearerThanSelf(recordId, List.of());
        List<Contact> unverified = new ArrayList<>();
        List<Contact> toCheck = new ArrayList<>();
        for (Contact c : nearer) {
            (unreachable.contains(c.id().value()) ? toCheck : unverified).add(c);
        }
        if (!unverified.isEmpty()) {
            return CompletableFuture.completedFuture(Decision.redirect(unverified));
        }
        if (toCheck.isEmpty()) {
            if (attempt == null) {
                return ownerWrite(recordId, namespace, key, command, requester, null).thenApply(w -> new Decision(w, null));
            }
            return recentWrites.asMap().computeIfAbsent(attempt, k -> {
                Decision copied = copiedWrites.getIfPresent(attempt);
                return copied != null ? CompletableFuture.completedFuture(copied)
                        : ownerWrite(recordId, namespace, key, command, requester, rpc).thenApply(w -> new Decision(w, null));
            });
        }
        if (attempt == null) {
            return CompletableFuture.completedFuture(Decision.redirect(toCheck));
        }
        // the requester could not reach the nearer nodes: ask them ourselves before taking the write over;
        // the check is remembered under the request, so the requester's retries wait for the same one
        CompletableFuture<Decision> checked = recentWrites.asMap().computeIfAbsent(attempt, k -> {
            return probe(toCheck, recordId, namespace, key).thenCompose(alive -> {
                        if (!alive.isEmpty()) {
                            return CompletableFuture.completedFuture(Decision.redirect(alive));
                        }
                        // the former owner's copy of this very write may have come in during the check
                        Decision copied = copiedWrites.getIfPresent(attempt);
                        if (copied != null) {
                            return CompletableFuture.completedFuture(copied);
                        }
                        return ownerWrite(recordId, namespace, key, command, requester, rpc)
                                .thenApply(w -> new Decision(w, null));
                    });
        });
        return checked.thenApply(d -> {
            if (d.write() == null) {
                // a redirect is not an outcome: a later attempt is judged afresh
                recentWrites.asMap().remove(attempt, checked);
            }
            return d;
        });
    }

    /**
     * Whether this node serves a read of a record: completes with {@code null} if it does (it is the
     * owner; or the requester could not reach the nearer nodes, this node is one of the record's
     * holders, and its own check finds them unreachable too), else with the nearer nodes to ask instead
     * (empty when none is left that the requester could reach and this node holds no copy: the read
     * must fail rather than answer "absent"). A holder serves in the owner's place only when the owner
     * is gone: its copy may lack writes the owner applied while this holder was out of its replica set.
     */
    CompletableFuture<List<Contact>> mayServeRead(BigInteger recordId, String namespace, byte[] key,
                                                  BigInteger requester, BigInteger rpc,
                                                  List<BigInteger> unreachable) {
        List<Contact> nearer = ownership.nearerThanSelf(recordId, List.of());
        if (nearer.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<Contact> reachable = new ArrayList<>();
        for (Contact c : nearer) {
            if (!unreachable.contains(c.id().value())) {
                reachable.add(c);
            }
        }
        if (!reachable.isEmpty()) {
            return CompletableFuture.completedFuture(reachable);
        }
        if (nearer.size() >= node.config().replication()) {
            return CompletableFuture.completedFuture(List.of());
        }
        if (rpc == null) {
            return CompletableFuture.completedFuture(nearer);
        }
        // the check is remembered under the request, so the requester's retries wait for the same one
        WriteAttempt attempt = new WriteAttempt(requester, rpc);
        CompletableFuture<List<Contact>> checked = readChecks.asMap().computeIfAbsent(attempt,
                k -> probe(nearer, recordId, namespace, key).thenApply(alive -> alive.isEmpty() ? null : alive));
        return checked.whenComplete((r, e) -> {
            if (r != null) {
                readChecks.asMap().remove(attempt, checked);
            }
        });
    }

    /**
     * Asks nodes a requester could not reach for the record itself (a node that answers pings but not
     * records is no owner); the ones that do not answer leave this node's view.
     *
     * @return completes with the nodes that answered
     */
    private CompletableFuture<List<Contact>> probe(List<Contact> nodes, BigInteger recordId, String namespace,
                                                  byte[] key) {
        List<CompletableFuture<Message.Reply>> probes = new ArrayList<>();
        for (Contact c : nodes) {
            // several requests at once: the node counts as alive if any of them is answered
            List<CompletableFuture<Message.Reply>> burst = new ArrayList<>();
            for (int i = 0; i < PROBE_ATTEMPTS; i++) {
                burst.add(endpoint.request(c, c.address(), r -> new Message.GetRecord(node.id().value(),
                        node.peerInfo(), r, recordId, namespace, key)));
            }
            CompletableFuture<Message.Reply> any = new CompletableFuture<>();
            for (CompletableFuture<Message.Reply> f : burst) {
                f.thenAccept(any::complete);
            }
            CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
                if (e != null) {
                    any.completeExceptionally(e);
                }
            });
            probes.add(any);
        }
        return CompletableFuture.allOf(probes.stream().map(f -> f.handle((r, e) -> null))
                .toArray(CompletableFuture[]::new)).thenApply(v -> {
                    List<Contact> alive = new ArrayList<>();
                    for (int i = 0; i < nodes.size(); i++) {
                        if (probes.get(i).isCompletedExceptionally()) {
                            forget(nodes.get(i));
                        } else {
                            alive.add(nodes.get(i));
                        }
                    }
                    return alive;
                });
    }

    /** A node found unreachable by this node's own check: out of the view until it is heard from again. */
    private void forget(Contact c) {
        membership.remove(c.id());
        liveness.suspect(c.id(), node.scheduler().nowMillis());
        table.onFailure(c.id());
    }
}

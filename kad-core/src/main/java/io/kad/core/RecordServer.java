package io.kad.core;

import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.record.CopyOutcome;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordEngine;
import io.kad.core.record.RecordEvent;
import io.kad.core.record.RecordException;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.core.routing.Membership;
import io.kad.core.routing.RoutingTable;
import io.kad.core.wire.Message;
import io.kad.core.wire.MessageCodec;
import io.kad.spi.KeyHashFunction;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner side of the record protocol: decides the writes that reach this node (applies them as the
 * key's owner, redirects them to nearer nodes, or checks first that the nearer nodes a requester could
 * not reach are gone), copies applied writes to the replicas, serves reads, copies and scan pages, and
 * publishes the events of what it applied.
 *
 * <p>What keeps a key's operations linearizable through lost datagrams, dead owners and partitions:
 * <ul>
 *   <li>one owner decides, and acts as the owner only once it has <em>taken the record over</em>
 *       ({@link #takeOver}): it asked the other holders for their copies (keeping the newest) and for
 *       the outcome of the write being decided, and at least half of them answered, so a node cut off
 *       from the swarm takes nothing over. It is then the record's confirmed owner
 *       ({@link #confirmedOwner}) until its view loses a node near the record, another node takes the
 *       record over, or it learns it was itself found gone;</li>
 *   <li>a write is acknowledged once as many holders as the replica set counts acknowledged its copy
 *       (silent holders are replaced by the next nodes), writes of one record are decided one at a time,
 *       each once the copies of the one before are out, and reads answer with the record the holders have
 *       ({@link #ownerRead}): no answer shows a record that the owner's loss would lose. A write none of
 *       whose copies got out is undone;</li>
 *   <li>a node found gone is deposed ({@link #isDeposed}): the members are told
 *       ({@link Message.Deposed}), so they name it among the unreachable in their next request for each
 *       record, which makes it check with the other holders first, should it come back from being cut
 *       off; it gets the records taken over from it before it rejoins this node's view.</li>
 * </ul>
 *
 * <p>Owns the outcomes of decided writes ({@code recentWrites}), those learnt from copies
 * ({@code copiedWrites}), the confirmed records, the copies on their way, the deposed nodes and the checks
 * in progress: thread-safe maps and caches, touched on the protocol thread as requests arrive and on a
 * caller's thread when its own write is decided here (record-engine calls are atomic per key). Their
 * expiries run on the node's clock.
 */
final class RecordServer {

    /** Logs under the node's name: these are the node's messages. */
    private static final Logger LOG = LoggerFactory.getLogger(KadNode.class);

    /**
     * How many requests a node sends at once to an owner its requester could not reach before it takes
     * the owner's place, and again half a request timeout later: a live owner taken for dead splits the
     * key between two owners, so the check must not be fooled by lost datagrams, and all of them are
     * answered within one request timeout.
     */
    private static final int PROBE_ATTEMPTS = 4;
    /**
     * How many requests a node about to take a record over sends at once to each other holder: a few,
     * so a lost datagram or two does not make it count a live holder out.
     */
    private static final int SYNC_ATTEMPTS = 3;
    /** The most records a node remembers having confirmed its ownership of ({@link #confirmedOwner}). */
    private static final int CONFIRMED_RECORDS = 1_000_000;
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    /** Locks that make a record's check for copies on their way and its next write one step. */
    private static final Object[] WRITE_LOCKS = new Object[64];

    static {
        for (int i = 0; i < WRITE_LOCKS.length; i++) {
            WRITE_LOCKS[i] = new Object();
        }
    }
    /** How long after a node was found gone this node first asks whether it is back. */
    private static final long WATCH_FIRST_MILLIS = 1_000;
    /** The longest wait between two such questions. */
    private static final long WATCH_MAX_MILLIS = 30_000;
    /**
     * How long the other holders of a record must have been silent before a node takes it over without
     * any of them answering: the last node of a small swarm goes on alone, a node cut off for less waits.
     */
    private static final long ALONE_AFTER_MILLIS = 10 * 60_000;
    /** How long a node another one found gone is doubted ({@link #doubted}). */
    private static final Duration DOUBT_FOR = Duration.ofMinutes(1);
    /** The most records a doubted node is remembered to have answered for. */
    private static final int DOUBT_RECORDS = 10_000;
    /** How long a node found gone stays deposed: watched, and readmitted only after a hand-off. */
    private static final Duration DEPOSED_FOR = Duration.ofMinutes(10);
    /** How many times an owner sends a replica its copy before it gives up on that replica. */
    private static final int COPY_ATTEMPTS = 3;
    /**
     * What one remembered write outcome weighs besides its records' keys and values (ids, versions, the
     * map's entry): so a table of small outcomes is bounded by count too.
     */
    static final int OUTCOME_OVERHEAD_BYTES = 200;
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
    /**
     * The records this node confirmed it owns ({@link #takeOver}), with the view's removal count then: it
     * acts as their owner at once while no member nearer the record has left its view since.
     */
    private final Cache<BigInteger, Long> confirmed = Caffeine.newBuilder().maximumSize(CONFIRMED_RECORDS)
            .executor(Runnable::run).build();
    /** The nodes found gone by this node's own check ({@link #isDeposed}). */
    private final Cache<NodeId, Contact> deposed;
    /**
     * The nodes another node told this one it found gone ({@link Message.Deposed}), with the records each
     * answered since, once asked by a request naming it among the unreachable ({@link #doubted}).
     */
    private final Cache<NodeId, java.util.Set<BigInteger>> noticed;
    /** Deposed nodes heard from again, being handed their records before they rejoin the view. */
    private final Map<NodeId, Contact> returning = new ConcurrentHashMap<>();
    /** The copies of writes applied here still on their way, per record: the next write waits for them. */
    private final Map<BigInteger, CompletableFuture<Void>> commits = new ConcurrentHashMap<>();
    /** The records with copies on their way, and what their holders have ({@link #ownerRead}). */
    private final Map<BigInteger, Copying> inFlight = new ConcurrentHashMap<>();
    /** Takeovers for reads in progress, per record: the reads that meet one wait for it. */
    private final Cache<BigInteger, CompletableFuture<List<Contact>>> readTakeovers;
    /** Reads still waiting for this node's check of the nodes their requester could not reach. */
    private final Cache<WriteAttempt, CompletableFuture<List<Contact>>> readChecks;
    /**
     * Large records this node sent a takeover's requester lately, by requester and record: a takeover asks
     * each holder several times at once (against loss), and a record too large for one datagram goes out
     * once per burst, not as several transfers at once that the requester's per-peer bound would refuse.
     */
    private final Cache<TakeoverAnswer, Boolean> largeTakeoverAnswers;

    /** A record a takeover's requester was answered with. */
    private record TakeoverAnswer(BigInteger requester, BigInteger recordId) {
    }

    /** Whether a record travels as a transfer rather than in one datagram (about: encodings differ). */
    private boolean large(StoredRecord r) {
        return r != null && r.key().length + r.value().length > node.config().maxMessageBytes() / 2;
    }

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

    /**
     * The bytes each table of remembered write outcomes may hold: a sixteenth of the heap (the two tables
     * together an eighth, beside the storage tier's quarter), at least 16 MiB.
     *
     * @param maxHeap the JVM's maximum heap in bytes
     */
    static long outcomeBytes(long maxHeap) {
        return Math.max(16L << 20, maxHeap / 16);
    }

    /** What a remembered outcome weighs: its records' keys and values, and a fixed overhead. */
    static int weight(Decision d) {
        long bytes = OUTCOME_OVERHEAD_BYTES;
        if (d != null && d.write() != null) {
            WriteResult r = d.write().result();
            bytes += size(r.previous()) + size(r.current()) + size(r.expired());
        }
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    private static long size(StoredRecord r) {
        return r == null ? 0 : (long) r.key().length + r.value().length + r.namespace().length();
    }

    /** The bytes the tables of remembered write outcomes hold now, as they weigh them. */
    long rememberedOutcomeBytes() {
        long total = 0;
        for (var table : List.of(recentWrites, copiedWrites)) {
            table.cleanUp();
            var eviction = table.policy().eviction();
            if (eviction.isPresent() && eviction.get().weightedSize().isPresent()) {
                total += eviction.get().weightedSize().getAsLong();
            }
        }
        return total;
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
        // expiries run on the node's clock (virtual time in a simulation), like the retries they outlast
        Ticker clock = () -> TimeUnit.MILLISECONDS.toNanos(node.scheduler().nowMillis());
        // a caller repeats a write (same rpc_id), here or at another holder, until its operation deadline:
        // the outcome must be remembered at least that long, or a late repeat would be decided again
        Duration repeats = config.operationTimeout().plus(config.rpcTimeout().multipliedBy(2)).plusSeconds(1);
        // bounded by bytes (an outcome holds the records before and after its write, up to
        // kad.max-value-bytes each), and so by count: a stream of large writes cannot fill the heap with
        // outcomes kept for repeats that will mostly never come
        long outcomeBytes = outcomeBytes(Runtime.getRuntime().maxMemory());
        this.recentWrites = Caffeine.newBuilder().maximumWeight(outcomeBytes)
                .weigher((WriteAttempt a, CompletableFuture<Decision> d) -> weight(d.getNow(null)))
                .expireAfterWrite(repeats).ticker(clock).executor(Runnable::run).build();
        this.copiedWrites = Caffeine.newBuilder().maximumWeight(outcomeBytes)
                .weigher((WriteAttempt a, Decision d) -> weight(d))
                .expireAfterWrite(repeats).ticker(clock).executor(Runnable::run).build();
        this.deposed = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(DEPOSED_FOR).ticker(clock)
                .executor(Runnable::run).build();
        this.noticed = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(DOUBT_FOR).ticker(clock)
                .executor(Runnable::run).build();
        this.readTakeovers = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(1))
                .ticker(clock).executor(Runnable::run).build();
        this.readChecks = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(1))
                .ticker(clock).executor(Runnable::run).build();
        this.largeTakeoverAnswers = Caffeine.newBuilder().maximumSize(10_000)
                .expireAfterWrite(config.rpcTimeout()).ticker(clock).executor(Runnable::run).build();
    }

    // ------------------------------------------------------------------ requests

    void serveGet(InetSocketAddress from, Message.GetRecord get) {
        checkRecordId(get.id(), get.namespace(), get.key());
        if (get.takeover() != null) {
            serveTakeover(from, get);
            return;
        }
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
                        {
                            ReadResult r = ownerRead(get.id());
                            if (r.expired() != null) {
                                events.publish(new RecordEvent(RecordEvent.Kind.EXPIRED, get.namespace(), get.key(),
                                        r.expired().value(), null, r.expired().version() + 1, get.peerId()));
                            }
                            endpoint.send(from, new Message.RecordReply(self, node.peerInfo(), get.rpcId(),
                                    r.record(), r.expired()));
                        }
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
     * is within its source address's quota, or, from an address that has not answered as the copy's
     * sender, within the share of all such addresses, the address being pinged meanwhile
     * ({@link PeerQuotas}: one peer cannot fill the tier and have it evict other records, however many
     * addresses it forges), and the engine finds its version plausible and its expiry not past
     * ({@link RecordEngine#offerCopy}). Each refusal is counted. The copies are acknowledged unless every
     * one was refused: an owner takes an acknowledgement for a copy held.
     */
    void acceptCopies(InetSocketAddress from, Message.Replicate replicate) {
        NodeId sender = new NodeId(replicate.peerId(), NodeId.NODE_ID_BITS);
        int forged = 0;
        boolean firstTaken = false;
        // whether the address answered as the sender: copies from addresses that have not share one quota
        // (a forged source address cannot answer), and the address is checked for the next ones
        boolean verified = verifier.isVerified(sender, from);
        boolean checking = false;
        for (StoredRecord r : replicate.records()) {
            String refusal = refusal(r, sender);
            boolean creates = refusal == null && engine.tier().get(r.id()) == null;
            if (creates && !verified && !checking) {
                checking = true;
                verifier.verify(sender, from);
            }
            if (creates && !quotas.admitsNewCopy(from, verified)) {
                node.stats().copiesOverQuota.increment();
                refusal = verified
                        ? "its sender's address created its quota of " + quotas.copiesPerPeer() + " records here"
                        : "senders not yet verified at their addresses created their share of "
                                + quotas.unverifiedCopies() + " records here (" + from + " is being checked)";
            }
            CopyOutcome outcome = null;
            if (refusal == null) {
                outcome = engine.offerCopy(r);
                if (outcome == CopyOutcome.KEPT && creates) {
                    quotas.chargeCopy(from, r.id(), verified);
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
            } else {
                if (r == replicate.records().get(0)) {
                    firstTaken = true;
                }
                if (outcome == CopyOutcome.KEPT && confirmed.getIfPresent(r.id()) != null
                        && sender.distance(r.id()).compareTo(node.id().distance(r.id())) > 0) {
                    // a newer record from a farther node: another node acted as its owner in the meantime
                    notOwner(r.id());
                }
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

    /**
     * Whether this node may act at once as the owner of a record it owns in its view: it confirmed its
     * ownership ({@link #takeOver}) and no node has left its view since that was nearer the record, or
     * among the nodes it would ask before a takeover. A nearer node gone may have acted as the owner in
     * between; a holder gone (silent to this node's copies or checks) is a sign that this node itself may
     * have been cut off from the swarm, while another took the record over.
     */
    boolean confirmedOwner(BigInteger recordId) {
        Long since = confirmed.getIfPresent(recordId);
        if (since == null) {
            return false;
        }
        if (since == membership.removals()) {
            return true;
        }
        BigInteger bound = node.id().distance(recordId);
        List<Contact> near = membership.closest(recordId, 2 * (node.config().replication() - 1), null);
        if (!near.isEmpty()) {
            BigInteger farthest = near.get(near.size() - 1).id().distance(recordId);
            bound = bound.max(farthest.add(BigInteger.ONE));
        }
        return !membership.removedNearerSince(since, recordId, bound);
    }

    /** A node nearer the record is in the view: this node is not its owner, and must confirm again if it becomes it. */
    private void notOwner(BigInteger recordId) {
        confirmed.invalidate(recordId);
    }

    /**
     * A write's copies are on their way: the record's next write waits for them ({@link #ownerWrite}), and
     * reads answer from the record as it was before ({@link #ownerRead}).
     *
     * @param before the live record the write replaced, or {@code null}
     * @param stored the record the write stored (a tombstone for a removal)
     * @param round completes with whether the copies are out
     * @return completes as {@code round} does, once the owner's reads show what the round got out
     */
    private CompletableFuture<Boolean> copying(BigInteger recordId, StoredRecord before, StoredRecord stored,
                                               CompletableFuture<Boolean> round) {
        inFlight.compute(recordId, (id, c) -> c == null ? new Copying(before, 1) : c.more());
        // the write's outcome and the next write of the record wait for this: the owner's reads show what the
        // round got out before the requester hears of it, so a requester never reads, after its own write,
        // the record from before it
        CompletableFuture<Boolean> settled = round.handle((ok, e) -> {
            boolean out = e == null && ok;
            inFlight.compute(recordId, (id, c) -> {
                if (c == null) {
                    return null;
                }
                if (out && (c.out == null || stored.version() >= c.out.version())) {
                    // every holder has this record (and, as copies carry records whole, what came before it)
                    c.out = stored;
                }
                return --c.copying == 0 ? null : c;
            });
            return out;
        });
        CompletableFuture<Void> next = settled.thenApply(ok -> null);
        CompletableFuture<Void> all = commits.merge(recordId, next,
                (earlier, later) -> CompletableFuture.allOf(earlier, later));
        all.whenComplete((v, e) -> commits.remove(recordId, all));
        return settled;
    }

    /**
     * A record with writes whose copies are on their way: the newest record whose copies are out (before
     * the first of those writes: the record it replaced), and how many rounds of copies are still out.
     * Touched only inside {@code inFlight.compute}.
     */
    private static final class Copying {
        StoredRecord out;
        int copying;

        Copying(StoredRecord before, int copying) {
            this.out = before;
            this.copying = copying;
        }

        Copying more() {
            copying++;
            return this;
        }
    }

    /**
     * A read as the record's owner: the record as its holders have it. While a write's copies are on their
     * way, that is the record before the write (the write is not acknowledged yet: a read may come before
     * it), so a read never waits for copies, nor answers with a record that this node's loss would lose.
     */
    private ReadResult ownerRead(BigInteger recordId) {
        Copying[] c = new Copying[1];
        StoredRecord[] out = new StoredRecord[1];
        inFlight.computeIfPresent(recordId, (id, st) -> {
            c[0] = st;
            out[0] = st.out;
            return st;
        });
        if (c[0] == null) {
            return engine.read(recordId);
        }
        StoredRecord r = out[0];
        return new ReadResult(r != null && r.isLiveAt(engine.nowMillis()) ? r : null, null);
    }

    /**
     * Reads as the key's owner ({@link #ownerRead}); a record found expired is published as such.
     */
    CompletableFuture<ReadResult> localRead(BigInteger recordId, String namespace, byte[] key) {
        return CompletableFuture.completedFuture(readNow(recordId, namespace, key));
    }

    private ReadResult readNow(BigInteger recordId, String namespace, byte[] key) {
        ReadResult r = ownerRead(recordId);
        if (r.expired() != null) {
            events.publish(new RecordEvent(RecordEvent.Kind.EXPIRED, namespace, key, r.expired().value(), null,
                    r.expired().version() + 1, node.id().value()));
        }
        return r;
    }

    /**
     * Applies a write as the key's owner, copies it to the replicas, publishes the events. The copies
     * leave first: the write is acknowledged once as many holders as the replica set counts acknowledged
     * a copy (a holder that does not answer is replaced by the next node), and fails if that many could
     * not be reached: an acknowledged write survives its owner. Reads of the record, and refused writes,
     * are answered once the copies of the writes before them are out ({@link #committed}), so what they
     * report survives too. Events are sent and never waited for, so they are published as the copies
     * travel.
     */
    CompletableFuture<OwnerWrite> ownerWrite(BigInteger recordId, String namespace, byte[] key,
                                             WriteCommand command, BigInteger origin, BigInteger rpc) {
        // one write of a record at a time, each decided once the copies of the one before are out: its
        // outcome (the record it replaced, or the one that refused it) never shows a record that this
        // node's loss would lose, and that a retry of its write, decided again elsewhere, would apply twice
        Object lock = WRITE_LOCKS[Math.floorMod(recordId.hashCode(), WRITE_LOCKS.length)];
        CompletableFuture<Void> before;
        synchronized (lock) {
            before = commits.get(recordId);
            if (before == null) {
                // decided now only if this node still owns the record: a write that waited for the one
                // before may find that another node took the record over meanwhile
                if (!confirmedOwner(recordId)) {
                    return CompletableFuture.failedFuture(new NotOwner());
                }
                return writeNow(recordId, namespace, key, command, origin, rpc);
            }
        }
        return before.thenCompose(v -> ownerWrite(recordId, namespace, key, command, origin, rpc));
    }

    /** A write's turn came after this node stopped owning its record. */
    static final class NotOwner extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotOwner() {
            super("no longer the record's owner", null, false, false);
        }
    }

    /** A write decided as the owner ({@link #ownerWrite}), or sent on if this node no longer owns the record. */
    private CompletableFuture<Decision> asOwner(BigInteger recordId, String namespace, byte[] key,
                                                WriteCommand command, BigInteger origin, BigInteger rpc) {
        return ownerWrite(recordId, namespace, key, command, origin, rpc).handle((w, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(new Decision(w, null));
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            if (cause instanceof NotOwner) {
                return CompletableFuture.completedFuture(
                        Decision.redirect(ownership.nearerThanSelf(recordId, List.of())));
            }
            return CompletableFuture.<Decision>failedFuture(cause);
        }).thenCompose(java.util.function.Function.identity());
    }

    private CompletableFuture<OwnerWrite> writeNow(BigInteger recordId, String namespace, byte[] key,
                                                   WriteCommand command, BigInteger origin, BigInteger rpc) {
        StoredRecord raw = engine.tier().get(recordId);
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
            boolean copies = stored != null && node.config().replication() > 1;
            // the nearest members, answering lately or not (a silent one is replaced if it stays silent): the
            // nodes a later owner asks for the record are chosen the same way
            List<Contact> holders = copies || !origin.equals(node.id().value()) ? holders(recordId) : List.of();
            boolean requesterCopiesReply = requesterKeepsCopy(holders, command, result, origin);
            OwnerWrite applied = new OwnerWrite(reply, requesterCopiesReply);
            if (copies) {
                // the tag lets a replica that becomes the owner answer a retry of this write
                BigInteger tagRpc = rpc == null ? node.newRpcId() : rpc;
                Message.WriteTag tag = new Message.WriteTag(origin, new BigIntegerNode(tagRpc), reply.previous());
                CompletableFuture<Boolean> out = new CompletableFuture<>();
                CompletableFuture<Boolean> settled = copying(recordId, result.previous(), stored, out);
                copyOut(recordId, stored, tag, origin, requesterCopiesReply, raw, node.deadline(), true, out);
                done = settled.thenCompose(ok -> ok ? CompletableFuture.completedFuture(applied)
                        : CompletableFuture.failedFuture(new RecordException("write of " + recordId
                                + " applied by its owner " + node.id().shortHex() + " but its copies did not reach"
                                + " its holders within " + node.config().operationTimeout().toMillis() + " ms")));
            } else {
                done = CompletableFuture.completedFuture(applied);
            }
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
     * A record's holders as an owner sees them: itself and the nearest members, {@code replication} in
     * all, nearest first, whether they answered lately or not (suspicion differs from node to node; a
     * holder that does not answer its copies leaves the view instead).
     */
    private List<Contact> holders(BigInteger recordId) {
        List<Contact> out = new ArrayList<>(membership.closest(recordId, node.config().replication() - 1, null));
        out.add(node.self());
        out.sort((a, b) -> a.id().distance(recordId).compareTo(b.id().distance(recordId)));
        return out;
    }

    /**
     * Gets a write's copies out: a round of copies to the record's holders (as this node sees them now),
     * and, if it falls short after some holder took a copy, another round (the silent holders have left
     * the view meanwhile), until the deadline. A first round no copy of which got out undoes the write.
     *
     * @param out completed with whether the copies got out
     */
    private void copyOut(BigInteger recordId, StoredRecord stored, Message.WriteTag tag, BigInteger origin,
                         boolean requesterCopiesReply, StoredRecord raw, long deadline, boolean first,
                         CompletableFuture<Boolean> out) {
        List<Contact> holders = holders(recordId);
        List<Contact> targets = new ArrayList<>();
        for (Contact c : holders) {
            if (!c.id().equals(node.id()) && !(requesterCopiesReply && c.id().value().equals(origin))) {
                targets.add(c);
            }
        }
        CopyRound round = new CopyRound(recordId, stored, tag, targets, spares(recordId, holders, origin,
                requesterCopiesReply), first ? raw : stored);
        round.done.whenComplete((ok, e) -> {
            if (e == null && ok) {
                out.complete(true);
            } else if (!endpoint.closed() && node.scheduler().nowMillis() < deadline
                    && (!first || round.acked() > 0)) {
                node.scheduler().schedule(() -> copyOut(recordId, stored, tag, origin, requesterCopiesReply, raw,
                        deadline, false, out), Math.max(1, node.config().rpcTimeout().toMillis() / 4));
            } else {
                out.complete(false);
            }
        });
        round.begin();
    }

    /**
     * The nodes a write's copy goes to in place of holders that do not answer: the next nearest members
     * after the holders, twice as many as there are other holders; and last, a requester that is a holder
     * and keeps its copy from the reply. Its acknowledgement shows, as any other holder's, that this node
     * reaches the swarm, so that a holder silent through the round leaves the view: without it, the last
     * two nodes of a swarm whose third holder died could never write a record the requester holds.
     */
    private List<Contact> spares(BigInteger recordId, List<Contact> holders, BigInteger origin,
                                 boolean requesterCopiesReply) {
        int want = 2 * (node.config().replication() - 1);
        List<Contact> out = new ArrayList<>(want + 1);
        for (Contact c : membership.closest(recordId, holders.size() + want + 1, null)) {
            if (out.size() == want) {
                break;
            }
            if (!holders.contains(c) && !(requesterCopiesReply && c.id().value().equals(origin))) {
                out.add(c);
            }
        }
        if (requesterCopiesReply) {
            for (Contact c : holders) {
                if (c.id().value().equals(origin)) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    /**
     * The copies of one applied write: to each holder, repeated on a timeout; the first timeout of a
     * holder also sends a copy to the next spare, so a dead holder costs one request timeout. Done with
     * {@code true} once as many nodes acknowledged a copy as there are holders, with {@code false} once
     * that can no longer happen. Its state is guarded by its own lock: copies leave from the thread that
     * applied the write, acknowledgements arrive on the protocol thread.
     */
    private final class CopyRound {
        final BigInteger recordId;
        final StoredRecord stored;
        final Message.WriteTag tag;
        final List<Contact> targets;
        final List<Contact> spares;
        final int needed;
        final CompletableFuture<Boolean> done = new CompletableFuture<>();
        private int nextSpare;
        private int acked;
        private int inFlight;

        /** The record as it was before the write, put back if no copy of the write got out. */
        final StoredRecord before;

        CopyRound(BigInteger recordId, StoredRecord stored, Message.WriteTag tag, List<Contact> targets,
                  List<Contact> spares, StoredRecord before) {
            this.before = before;
            this.recordId = recordId;
            this.stored = stored;
            this.tag = tag;
            this.targets = targets;
            this.spares = spares;
            // every holder's copy is waited for, but for holders that never answered this node lately (the
            // copy goes to them all the same): a member that never answers does not stop every write
            int answering = 0;
            for (Contact c : targets) {
                if (liveness.answeredWithin(c.id(), ALONE_AFTER_MILLIS)) {
                    answering++;
                }
            }
            this.needed = answering;
        }

        synchronized int acked() {
            return acked;
        }

        /** Holders silent through every attempt before any holder answered this round (guarded by this). */
        private final List<Contact> silent = new ArrayList<>(2);

        /**
         * No copy of the write got out (this node was cut off, or its holders all gone): the write is undone,
         * so that nobody reads a record that no other node has, and that a retry of the write elsewhere
         * would apply a second time.
         */
        private void undo() {
            engine.tier().compute(recordId, cur -> cur != null && cur.version() == stored.version()
                    && cur.tombstone() == stored.tombstone() && java.util.Arrays.equals(cur.value(), stored.value())
                    ? before : cur);
        }

        void begin() {
            if (needed == 0) {
                done.complete(true);
            }
            synchronized (this) {
                inFlight = targets.size();
            }
            for (Contact c : targets) {
                send(c, COPY_ATTEMPTS, false);
            }
        }

        private void send(Contact to, int attemptsLeft, boolean spareSent) {
            endpoint.request(to, to.address(), r -> new Message.Replicate(node.id().value(), node.peerInfo(), r,
                    List.of(stored), tag)).whenComplete((reply, e) -> {
                        Contact spare = null;
                        boolean again = false;
                        List<Contact> forgetLater = List.of();
                        Boolean outcome = null;
                        synchronized (this) {
                            if (e == null) {
                                acked++;
                                inFlight--;
                                // an answer: this node reaches the swarm, so the holders silent so far are gone
                                forgetLater = List.copyOf(silent);
                                silent.clear();
                            } else {
                                boolean timedOut = e instanceof java.util.concurrent.TimeoutException
                                        || e.getCause() instanceof java.util.concurrent.TimeoutException;
                                if (timedOut && !spareSent && nextSpare < spares.size() && acked < needed) {
                                    spare = spares.get(nextSpare++);
                                    inFlight++;
                                }
                                again = timedOut && attemptsLeft > 1;
                                if (!again) {
                                    inFlight--;
                                    LOG.debug("replica copy of {} to {} not acknowledged: {}", recordId, to,
                                            e.getMessage());
                                    if (timedOut) {
                                        // silent through every attempt: out of the view, as a failed check
                                        // leaves it, so the next writes copy to the next nearest node; but
                                        // only once another holder answered this round: if none does, this
                                        // node may be the one cut off, and the holders are not to blame
                                        if (acked > 0) {
                                            forgetLater = List.of(to);
                                        } else {
                                            silent.add(to);
                                        }
                                    }
                                }
                            }
                            // a holder given up on: a spare takes its place if one is left
                            while (spare == null && acked + inFlight < needed && nextSpare < spares.size()) {
                                spare = spares.get(nextSpare++);
                                inFlight++;
                            }
                            if (acked >= needed) {
                                outcome = true;
                            } else if (inFlight == 0) {
                                outcome = false;
                            }
                        }
                        for (Contact gone : forgetLater) {
                            node.onProtocolThread(() -> forget(gone));
                        }
                        if (outcome != null && !outcome && acked() == 0) {
                            undo();
                        }
                        if (outcome != null) {
                            done.complete(outcome);
                        }
                        if (spare != null) {
                            send(spare, COPY_ATTEMPTS, true);
                        }
                        if (again) {
                            send(to, attemptsLeft - 1, spareSent || spare != null);
                        }
                    });
        }
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

    /**
     * This node's own write, not yet seen elsewhere: decided at once if this node is the confirmed owner,
     * after it took the record over if it is the owner in its view only, else sent on to the nearer nodes
     * (an empty list: it could not take the record over).
     */
    CompletableFuture<Decision> decideOwn(BigInteger recordId, String namespace, byte[] key, WriteCommand command) {
        List<Contact> nearer = ownership.nearerThanSelf(recordId, List.of());
        if (!nearer.isEmpty()) {
            notOwner(recordId);
            return CompletableFuture.completedFuture(Decision.redirect(nearer));
        }
        BigInteger self = node.id().value();
        if (confirmedOwner(recordId)) {
            return asOwner(recordId, namespace, key, command, self, null);
        }
        return takeOver(recordId, namespace, key, List.of(), null).thenCompose(claim -> claim.redirect() != null
                ? CompletableFuture.completedFuture(Decision.redirect(claim.redirect()))
                : asOwner(recordId, namespace, key, command, self, null));
    }

    /**
     * Decides a write that reached this node: the same request decided before gets its first outcome
     * (also one this node learnt with a copy from a former owner); a node that knows nearer nodes sends
     * the requester on to them, unless the requester found them unreachable and this node, asking them
     * itself, finds so too. Only then does this node decide the write as the owner, and only as the
     * confirmed owner ({@link #takeOver}): a write whose requester could not reach a nearer node may
     * be a repeat of one a former owner decided, so its outcome is asked of the other holders first.
     */
    CompletableFuture<Decision> decide(BigInteger recordId, String namespace, byte[] key, WriteCommand command,
                                       BigInteger requester, BigInteger rpc, List<BigInteger> unreachable) {
        WriteAttempt attempt = rpc == null ? null : new WriteAttempt(requester, rpc);
        if (attempt != null) {
            CompletableFuture<Decision> known = recentWrites.getIfPresent(attempt);
            if (known != null) {
                return known;
            }
        }
        // an outcome learnt from a former owner's copy is given only by the owner (below): a holder that
        // is not, answering it, could acknowledge a write whose copies are not all out yet
        List<Contact> nearer = ownership.nearerThanSelf(recordId, List.of());
        List<Contact> unverified = new ArrayList<>();
        List<Contact> toCheck = new ArrayList<>();
        for (Contact c : nearer) {
            (unreachable.contains(c.id().value()) ? toCheck : unverified).add(c);
        }
        if (!unverified.isEmpty()) {
            notOwner(recordId);
            return CompletableFuture.completedFuture(Decision.redirect(unverified));
        }
        if (attempt == null) {
            // a requester that sends no rpc_id cannot repeat a write: decided as a new one
            if (toCheck.isEmpty() && confirmedOwner(recordId)) {
                return asOwner(recordId, namespace, key, command, requester, null);
            }
            return takeOver(recordId, namespace, key, toCheck, null).thenCompose(claim -> claim.redirect() != null
                    ? CompletableFuture.completedFuture(Decision.redirect(claim.redirect()))
                    : asOwner(recordId, namespace, key, command, requester, null));
        }
        // a repeat may come from a requester that tried another node first, or this one without an answer:
        // it names that node (this one, if it was cut off from the swarm and another took the record over)
        boolean mayRepeat = !unreachable.isEmpty();
        boolean atOnce = toCheck.isEmpty() && !mayRepeat && confirmedOwner(recordId);
        // decided once per request, so the requester's retries wait for the same decision
        CompletableFuture<Decision> decided = recentWrites.asMap().computeIfAbsent(attempt, k -> {
            if (atOnce) {
                Decision copied = copiedWrites.getIfPresent(attempt);
                return copied != null ? CompletableFuture.completedFuture(copied)
                        : asOwner(recordId, namespace, key, command, requester, rpc);
            }
            return takeOver(recordId, namespace, key, toCheck, attempt).thenCompose(claim -> {
                if (claim.redirect() != null) {
                    return CompletableFuture.completedFuture(Decision.redirect(claim.redirect()));
                }
                // the former owner's copy of this very write may have come in, or a holder knew its outcome
                Decision copied = copiedWrites.getIfPresent(attempt);
                if (copied != null) {
                    return CompletableFuture.completedFuture(copied);
                }
                return asOwner(recordId, namespace, key, command, requester, rpc);
            });
        });
        return decided.whenComplete((d, e) -> {
            if (e == null && d.write() == null) {
                // a redirect is not an outcome: a later attempt is judged afresh (a failure may be one: a
                // write applied whose copies did not get out is answered as failed again)
                recentWrites.asMap().remove(attempt, decided);
            } else if (e == null) {
                // weighed again now that its records are known (a pending decision weighs its overhead)
                recentWrites.asMap().replace(attempt, decided, decided);
            }
        });
    }

    /**
     * Whether this node serves a read of a record: completes with {@code null} if it does (it is the
     * confirmed owner, or it took the record over: it is the owner in its view, or the requester could
     * not reach the nearer nodes, this node is one of the record's holders, and its own check finds them
     * unreachable too), else with the nearer nodes to ask instead (empty when none is left that the
     * requester could reach and this node may not serve: the read must fail rather than answer from a
     * copy that may be stale). A holder serves in the owner's place only when the owner is gone: its copy
     * may lack writes the owner applied while this holder was out of its replica set.
     */
    CompletableFuture<List<Contact>> mayServeRead(BigInteger recordId, String namespace, byte[] key,
                                                  BigInteger requester, BigInteger rpc,
                                                  List<BigInteger> unreachable) {
        List<Contact> nearer = ownership.nearerThanSelf(recordId, List.of());
        if (nearer.isEmpty()) {
            // a requester that names this node could not reach it: it may have been cut off from the swarm,
            // and another node may have taken the record over meanwhile
            if (confirmedOwner(recordId) && !unreachable.contains(node.id().value())) {
                return CompletableFuture.completedFuture(null);
            }
            // the takeover of a record is shared by the reads that wait for it
            CompletableFuture<List<Contact>> claimed = readTakeovers.asMap().computeIfAbsent(recordId,
                    k -> takeOver(recordId, namespace, key, List.of(), null).thenApply(Claim::redirect));
            return claimed.whenComplete((r, e) -> readTakeovers.asMap().remove(recordId, claimed));
        }
        List<Contact> reachable = new ArrayList<>();
        for (Contact c : nearer) {
            if (!unreachable.contains(c.id().value())) {
                reachable.add(c);
            }
        }
        if (!reachable.isEmpty()) {
            notOwner(recordId);
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
                k -> takeOver(recordId, namespace, key, nearer, null).thenApply(Claim::redirect));
        return checked.whenComplete((r, e) -> {
            if (r != null || e != null) {
                readChecks.asMap().remove(attempt, checked);
            }
        });
    }

    /**
     * How a node's attempt to act as a record's owner ended: it may ({@code redirect} null; with the
     * outcome of the write being decided, if a former owner decided it), or it must send the requester
     * on to the nodes named (empty: it could not confirm its ownership).
     */
    private record Claim(BigInteger recordId, List<Contact> redirect, Decision known) {
    }

    /**
     * Takes a record over: checks that the nearer nodes named (and the nearer ones this node found gone
     * before) are gone ({@link #probe}) and, at the same time, asks the other holders of the record (the
     * nearest members but for those, twice as many as the other holders of a replica set, whether they
     * answered lately or not; {@link #syncTargets}) for their copies as they are, and for the outcome of
     * the write being decided if a former owner decided it ({@link Message.Takeover}). A holder that knows
     * a node nearer than this one, other than the gone ones (or heard from one of those just now), names
     * it instead, and this node sends the requester there. With answers from at least half of the other
     * holders, of the ones that served it records lately (so a node cut off from the swarm never takes a
     * record over, while the last node of a small swarm does), this node keeps the newest copy, the gone
     * nodes leave its view (deposed, and the members told), and it is the confirmed owner of the record
     * from then on ({@link #confirmedOwner}).
     */
    private CompletableFuture<Claim> takeOver(BigInteger recordId, String namespace, byte[] key, List<Contact> gone,
                                              WriteAttempt attempt) {
        // the nodes nearer the record this node found gone before are named gone too, so the holders do not
        // send it back to them
        List<Contact> check = new ArrayList<>(gone);
        List<Contact> named = new ArrayList<>(gone);
        BigInteger mine = node.id().distance(recordId);
        for (Contact d : deposed.asMap().values()) {
            if (d.id().distance(recordId).compareTo(mine) < 0 && !named.contains(d)) {
                named.add(d);
            }
        }
        if (check.isEmpty()) {
            return sync(recordId, namespace, key, named, attempt).thenApply(this::claimed);
        }
        // the holders are asked while the nearer nodes are checked, not after: their answers show that this
        // node could reach the swarm at the moment it found the nearer nodes silent (a node cut off finds
        // everyone silent, and must not take the record over on a check made before its link came back)
        CompletableFuture<List<Contact>> alive = probe(check, recordId, namespace, key);
        CompletableFuture<Claim> synced = sync(recordId, namespace, key, named, attempt);
        return alive.thenCombine(synced, (stillThere, claim) -> {
            if (!stillThere.isEmpty()) {
                if (claim.redirect() == null) {
                    // the nearer node answered after all: it is the owner, this node's claim is withdrawn
                    notOwner(recordId);
                }
                return new Claim(recordId, stillThere, null);
            }
            if (claim.redirect() == null) {
                // gone, and this node could reach the other holders meanwhile: they are out of its view
                for (Contact c : check) {
                    depose(c);
                }
            }
            return claimed(claim);
        });
    }

    /** A takeover that holds: this node is the record's confirmed owner from now on. */
    private Claim claimed(Claim claim) {
        if (claim.redirect() == null) {
            // marked after the check of the nearer nodes: their removal does not count against the claim
            confirmed.put(claim.recordId(), membership.removals());
        }
        return claim;
    }

    private CompletableFuture<Claim> sync(BigInteger recordId, String namespace, byte[] key, List<Contact> gone,
                                          WriteAttempt attempt) {
        List<Contact> others = syncTargets(recordId, gone);
        // half the other holders must answer, of the ones that answered this node lately: a node cut off from
        // the swarm had answers from them before, and waits; a node whose other holders all fell silent long ago (the
        // last of a small swarm) acts alone
        int lately = 0;
        for (Contact c : others) {
            if (liveness.answeredWithin(c.id(), ALONE_AFTER_MILLIS)) {
                lately++;
            }
        }
        int need = Math.min(node.config().replication() / 2, lately);
        // the holders are told which nearer nodes this node is finding gone, so they do not send it back
        // to them
        List<BigInteger> goneIds = new ArrayList<>();
        for (Contact c : gone) {
            if (goneIds.size() < MessageCodec.MAX_UNREACHABLE) {
                goneIds.add(c.id().value());
            }
        }
        // the holders are told which copy this node holds: one that holds the same (or an older) copy
        // answers without it, so a takeover among holders that agree moves no value
        StoredRecord mine = engine.tier().get(recordId);
        Message.Takeover question = (attempt == null ? Message.Takeover.READ
                : new Message.Takeover(attempt.requester(), new BigIntegerNode(attempt.rpc())))
                .holding(mine != null && engine.versionPlausible(mine) ? mine : null);
        List<CompletableFuture<Message.Reply>> answers = new ArrayList<>();
        // a record too large for one datagram comes back as a transfer, which keeps its request open while it
        // progresses: one request to each holder, repeated only if unanswered, not a burst of transfers at once;
        // a small one is asked again a tenth of a request timeout later while unanswered, so a lost datagram
        // costs no request timeout and the first write or read of a key sends one request per holder
        boolean large = large(mine);
        long spacing = Math.max(1, node.config().rpcTimeout().toMillis() / 10);
        for (Contact c : others) {
            java.util.function.Function<com.fasterxml.jackson.databind.JsonNode, Message.Request> ask =
                    r -> new Message.GetRecord(node.id().value(), node.peerInfo(), r, recordId, namespace, key,
                            goneIds, question);
            answers.add(large ? endpoint.requestRetrying(c, ask, SYNC_ATTEMPTS)
                    : hedged(SYNC_ATTEMPTS, spacing, () -> endpoint.request(c, c.address(), ask)));
        }
        // every answer, or, once enough answered, a short while for the others: a dead holder among the
        // ones asked does not cost a request timeout
        CompletableFuture<Void> heard = new CompletableFuture<>();
        CompletableFuture.allOf(answers.stream().map(f -> f.handle((r, e) -> null)).toArray(CompletableFuture[]::new))
                .thenRun(() -> heard.complete(null));
        java.util.concurrent.atomic.AtomicInteger answeredSoFar = new java.util.concurrent.atomic.AtomicInteger();
        for (CompletableFuture<Message.Reply> f : answers) {
            f.thenAccept(r -> {
                if (answeredSoFar.incrementAndGet() == Math.max(1, need)) {
                    node.scheduler().schedule(() -> heard.complete(null), syncGraceMillis());
                }
            });
        }
        return heard.thenApply(v -> {
            List<Contact> nearer = new ArrayList<>();
            List<StoredRecord> copies = new ArrayList<>();
            WriteResult outcome = null;
            int answered = 0;
            int ix = 0;
            for (CompletableFuture<Message.Reply> f : answers) {
                Message.Reply reply = f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
                if (reply instanceof Message.RecordReply rr) {
                    answered++;
                    if (rr.record() != null && rr.record().id().equals(recordId) && idMatches(rr.record())) {
                        copies.add(rr.record());
                    }
                    if (rr.outcome() != null && outcome == null) {
                        outcome = rr.outcome();
                    }
                } else if (reply instanceof Message.Redirect r) {
                    for (Contact c : r.nearest()) {
                        if (!c.id().equals(node.id()) && !nearer.contains(c) && !gone.contains(c)) {
                            nearer.add(c);
                        }
                    }
                }
            }
            if (!nearer.isEmpty()) {
                notOwner(recordId);
                for (Contact c : nearer) {
                    // back in the view (heard of from a holder that just heard from it): the requester goes there
                    if (!isDeposed(c.id())) {
                        membership.add(c);
                    }
                }
                nearer.sort((a, b) -> a.id().distance(recordId).compareTo(b.id().distance(recordId)));
                return new Claim(recordId, nearer, null);
            }
            if (answered < need) {
                node.stats().takeoversRefused.increment();
                LOG.debug("record {} not taken over: {} of {} other holders answered, {} needed", recordId, answered,
                        others.size(), need);
                return new Claim(recordId, List.of(), null);
            }
            for (StoredRecord copy : copies) {
                engine.offerCopy(copy);
            }
            Decision known = null;
            if (outcome != null && attempt != null) {
                known = new Decision(new OwnerWrite(outcome, false), null);
                copiedWrites.put(attempt, known);
            }
            node.stats().takeovers.increment();
            return new Claim(recordId, null, known);
        });
    }

    /**
     * The other holders a node asks before it takes a record over: the nearest members but for the gone
     * ones, whether they answered lately or not (a node cut off from the swarm suspects everyone, and
     * must still ask them), twice as many as the other holders of a replica set, so that the ones an
     * owner's copies went to in place of silent holders are asked too.
     */
    private List<Contact> syncTargets(BigInteger recordId, List<Contact> gone) {
        int want = 2 * (node.config().replication() - 1);
        List<Contact> candidates = new ArrayList<>(membership.closest(recordId, want, gone::contains));
        // the nodes this node found gone but that are farther from the record than itself are asked too: it
        // may be this node that was cut off, while one of them took the record over
        BigInteger mine = node.id().distance(recordId);
        for (Contact c : deposed.asMap().values()) {
            if (c.id().distance(recordId).compareTo(mine) > 0 && !gone.contains(c)) {
                candidates.add(c);
            }
        }
        for (Contact c : returning.values()) {
            if (!gone.contains(c) && !candidates.contains(c)) {
                candidates.add(c);
            }
        }
        candidates.sort((a, b) -> a.id().distance(recordId).compareTo(b.id().distance(recordId)));
        return candidates.size() <= want ? candidates : new ArrayList<>(candidates.subList(0, want));
    }

    /** How long a takeover waits for the other holders once enough of them answered. */
    private long syncGraceMillis() {
        return Math.max(1, node.config().rpcTimeout().toMillis() / 4);
    }

    /**
     * Sends a request, and again every {@code spacingMillis} while none of the ones sent is answered, up to
     * {@code attempts} in all: completes with the first answer, or fails once every one sent failed.
     */
    private CompletableFuture<Message.Reply> hedged(int attempts, long spacingMillis,
                                                    java.util.function.Supplier<CompletableFuture<Message.Reply>> send) {
        CompletableFuture<Message.Reply> any = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (any.isDone()) {
                return;
            }
            int n = sent.incrementAndGet();
            if (n > attempts) {
                return;
            }
            if (n < attempts) {
                node.scheduler().schedule(next[0], spacingMillis);
            }
            send.get().whenComplete((r, e) -> {
                if (e == null) {
                    any.complete(r);
                } else if (failed.incrementAndGet() == attempts) {
                    any.completeExceptionally(e);
                } else if (failed.get() == sent.get() && sent.get() < attempts) {
                    // every request sent so far failed before the next one was due: the next goes now
                    node.scheduler().execute(next[0]);
                }
            });
        };
        next[0].run();
        return any;
    }

    /** Sends a request several times at once: completes with the first answer, or fails if none came. */
    private static CompletableFuture<Message.Reply> firstOf(
            int copies, java.util.function.Supplier<CompletableFuture<Message.Reply>> send) {
        List<CompletableFuture<Message.Reply>> burst = new ArrayList<>(copies);
        for (int i = 0; i < copies; i++) {
            burst.add(send.get());
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
        return any;
    }

    /**
     * Answers a node about to take a record over ({@link Message.Takeover}): with this node's copy as it
     * is (none if the copy the requester holds covers it), once the writes this node applied to it have
     * their copies out, and the outcome of the write named if this node knows it; or, if this node knows
     * nodes nearer the record than the requester (itself included) that the requester did not find gone,
     * with those. The requester, nearer than
     * this node, is in this node's view from now on (it was learnt with the request), so this node sends
     * the record's requests there.
     */
    void serveTakeover(InetSocketAddress from, Message.GetRecord get) {
        BigInteger recordId = get.id();
        BigInteger self = node.id().value();
        BigInteger requesterDistance = get.peerId().xor(recordId);
        List<Contact> nearer = new ArrayList<>();
        if (node.id().distance(recordId).compareTo(requesterDistance) < 0) {
            nearer.add(node.self());
        }
        // a node the requester finds gone that this node heard from just now is not gone: the requester's
        // check was fooled (lost datagrams, a link of its own down), and the node is sent back to it
        long justNow = Math.max(1, node.config().rpcTimeout().toMillis() / 2);
        for (Contact c : membership.closest(recordId, Ownership.NEIGHBOURS, null)) {
            if (c.id().distance(recordId).compareTo(requesterDistance) >= 0) {
                break;
            }
            if (!get.unreachable().contains(c.id().value()) || liveness.heardWithin(c.id(), justNow)) {
                nearer.add(c);
            }
        }
        if (!nearer.isEmpty()) {
            nearer.sort((a, b) -> a.id().distance(recordId).compareTo(b.id().distance(recordId)));
            endpoint.send(from, new Message.Redirect(self, node.peerInfo(), get.rpcId(), nearer));
            return;
        }
        notOwner(recordId);
        {
            WriteResult outcome = null;
            Message.Takeover t = get.takeover();
            if (t.asksForWrite()) {
                WriteAttempt attempt = new WriteAttempt(t.requester(), RpcEndpoint.rpcKey(t.rpcId()));
                Decision d = copiedWrites.getIfPresent(attempt);
                if (d == null) {
                    CompletableFuture<Decision> mine = recentWrites.getIfPresent(attempt);
                    d = mine != null && mine.isDone() && !mine.isCompletedExceptionally() ? mine.join() : null;
                }
                if (d != null && d.write() != null && d.write().result().applied()) {
                    outcome = d.write().result();
                }
            }
            StoredRecord held = engine.tier().get(recordId);
            if (held != null && t.held() != null && t.held().covers(held)) {
                // the requester holds this copy, or a newer one: the answer need not carry it
                held = null;
            }
            if (large(held) && largeTakeoverAnswers.asMap().putIfAbsent(new TakeoverAnswer(get.peerId(), recordId),
                    Boolean.TRUE) != null) {
                // another request of the same burst is being answered with this record already
                return;
            }
            endpoint.send(from, new Message.RecordReply(self, node.peerInfo(), get.rpcId(), held, null, outcome));
        }
    }

    /**
     * Checks nodes a requester could not reach: alive if any of the requests answers, a read of the record
     * or, from a node that served records lately, a ping (a node that answers pings but not records is no
     * owner). The caller decides what becomes of the silent ones ({@link #takeOver}).
     *
     * @return completes with the nodes that answered
     */
    private CompletableFuture<List<Contact>> probe(List<Contact> nodes, BigInteger recordId, String namespace,
                                                  byte[] key) {
        List<CompletableFuture<Message.Reply>> probes = new ArrayList<>();
        for (Contact c : nodes) {
            // several requests at once, and as many again half a request timeout later, all answered within
            // the first one's timeout: the node counts as alive if any of them is answered, so lost datagrams
            // (a tenth of them, say) practically never make a live owner look gone
            long timeout = node.config().rpcTimeout().toMillis();
            long half = Math.max(1, timeout / 2);
            // reads of the record, and pings: a read may wait for the node's own takeover of the record, a
            // ping is answered at once, but counts only from a node that served records lately (a node that
            // answers pings and not records is no owner)
            boolean servesRecords = liveness.answeredWithin(c.id(), ALONE_AFTER_MILLIS);
            int[] turn = {0};
            java.util.function.Function<Long, CompletableFuture<Message.Reply>> ask = t -> {
                if (servesRecords && turn[0]++ % 2 == 1) {
                    return endpoint.request(c, c.address(), r -> new Message.Ping(node.id().value(), node.peerInfo(),
                            r), t);
                }
                return endpoint.request(c, c.address(), r -> new Message.GetRecord(node.id().value(), node.peerInfo(),
                        r, recordId, namespace, key), t);
            };
            CompletableFuture<Message.Reply> first = firstOf(PROBE_ATTEMPTS, () -> ask.apply(timeout));
            CompletableFuture<Message.Reply> second = new CompletableFuture<>();
            node.scheduler().schedule(() -> {
                if (first.isDone() && !first.isCompletedExceptionally()) {
                    second.complete(first.join());
                    return;
                }
                firstOf(PROBE_ATTEMPTS, () -> ask.apply(timeout - half)).whenComplete((r, e) -> {
                    if (e == null) {
                        second.complete(r);
                    } else {
                        second.completeExceptionally(e);
                    }
                });
            }, half);
            CompletableFuture<Message.Reply> any = new CompletableFuture<>();
            first.thenAccept(any::complete);
            second.thenAccept(any::complete);
            first.exceptionally(e -> {
                second.whenComplete((r, e2) -> {
                    if (e2 != null) {
                        any.completeExceptionally(e2);
                    }
                });
                return null;
            });
            probes.add(any);
        }
        return CompletableFuture.allOf(probes.stream().map(f -> f.handle((r, e) -> null))
                .toArray(CompletableFuture[]::new)).thenApply(v -> {
                    List<Contact> alive = new ArrayList<>();
                    for (int i = 0; i < nodes.size(); i++) {
                        if (!probes.get(i).isCompletedExceptionally()) {
                            alive.add(nodes.get(i));
                        }
                    }
                    return alive;
                });
    }

    /**
     * A node found unreachable by this node's own check: out of the view until it answers again, and,
     * as this node may take its records over, deposed ({@link #isDeposed}) and watched for its return.
     */
    /**
     * A nearer node found gone by this node's check before it takes a record over: forgotten, and the
     * members of the view told ({@link Message.Deposed}), so that none of them takes an answer of the
     * node's, should it come back from being cut off, without the node checking first.
     */
    private void depose(Contact c) {
        boolean news = !isDeposed(c.id());
        forget(c);
        if (news) {
            Message.Deposed notice = new Message.Deposed(node.id().value(), node.peerInfo(), c.id().value());
            for (Contact m : membership.all()) {
                endpoint.send(m.address(), notice);
            }
        }
    }

    /**
     * Another node found {@code node} gone: this node doubts it for a while ({@link #doubted}); if it is
     * this node itself, it was cut off from the swarm, and checks every record with the other holders
     * before it acts as its owner again.
     */
    void onDeposed(Message.Deposed notice) {
        if (notice.node().equals(node.id().value())) {
            confirmed.invalidateAll();
            return;
        }
        noticed.put(new NodeId(notice.node(), NodeId.NODE_ID_BITS), ConcurrentHashMap.newKeySet());
    }

    /**
     * Whether a request to a node names it among the unreachable: this node was told another found it
     * gone, and it has not answered for this record since. A node so named that owns the record checks
     * with the other holders before it answers ({@link #mayServeRead}, {@link #decide}).
     */
    boolean doubted(Contact target, BigInteger recordId) {
        java.util.Set<BigInteger> answered = noticed.getIfPresent(target.id());
        return answered != null && !answered.contains(recordId);
    }

    /** A doubted node answered a request for a record that named it: it checked that record. */
    void answered(Contact target, BigInteger recordId) {
        java.util.Set<BigInteger> answered = noticed.getIfPresent(target.id());
        if (answered != null && answered.size() < DOUBT_RECORDS) {
            answered.add(recordId);
        }
    }

    private void forget(Contact c) {
        membership.remove(c.id());
        liveness.suspect(c.id(), node.scheduler().nowMillis());
        table.onFailure(c.id());
        returning.remove(c.id());
        if (deposed.getIfPresent(c.id()) == null) {
            deposed.put(c.id(), c);
            watch(c, WATCH_FIRST_MILLIS);
        }
    }

    /**
     * Whether a node was found gone by this node's own check, lately: should it come back (cut off for a
     * while, not dead), it may hold records older than the ones this node took over, and must get them
     * before this node sends it requests again (the node readmits it only after a hand-off,
     * {@link HandOff#returning}).
     */
    boolean isDeposed(NodeId id) {
        return deposed.getIfPresent(id) != null || returning.containsKey(id);
    }

    /**
     * A deposed node was heard from: no longer gone (a takeover no longer names it so), but out of the
     * view until it has its records ({@link #readmitted}).
     */
    void returning(Contact c) {
        deposed.invalidate(c.id());
        returning.put(c.id(), c);
    }

    /** A returning node did not take its records: deposed again, until it is heard from again. */
    void stillGone(Contact c) {
        if (returning.remove(c.id()) != null) {
            deposed.put(c.id(), c);
        }
    }

    /** A deposed node has the records this node took over from it: an ordinary member again. */
    void readmitted(NodeId id) {
        returning.remove(id);
    }

    /**
     * Asks a deposed node, now and then (the wait doubling up to {@link #WATCH_MAX_MILLIS}), for the nodes
     * nearest this one: its answer, if it comes back, starts its readmission. Ends when it is no longer
     * deposed.
     */
    private void watch(Contact c, long delayMillis) {
        node.scheduler().schedule(() -> {
            if (endpoint.closed() || !isDeposed(c.id()) || membership.contains(c.id())) {
                return;
            }
            // should it be back, it learns first that this node may have taken records over from it
            endpoint.send(c.address(), new Message.Deposed(node.id().value(), node.peerInfo(), c.id().value()));
            endpoint.request(c, c.address(), r -> new Message.FindNode(node.id().value(), node.peerInfo(), r,
                    node.id().value())).whenComplete((reply, e) -> {
                        if (e != null) {
                            watch(c, Math.min(2 * delayMillis, WATCH_MAX_MILLIS));
                        }
                    });
        }, delayMillis);
    }
}

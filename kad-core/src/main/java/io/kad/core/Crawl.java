package io.kad.core;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.routing.Membership;
import io.kad.core.transport.Scheduler;
import io.kad.core.wire.Message;
import java.math.BigInteger;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crawl that keeps the membership view whole, as a job the node's scheduler drives step by step:
 * a sweep of the id space in order (see {@link #step()}). Owns the sweep's cursor, jump and pace and its
 * next timer; all are touched on the protocol thread only, but for the pace, which an operation that met
 * a stale view reads from its own thread ({@link #staleView()}).
 */
final class Crawl {

    /** Logs under the node's name: these are the node's messages. */
    private static final Logger LOG = LoggerFactory.getLogger(KadNode.class);

    /** The pace of a sweep of the crawl: one request every 100 ms. */
    private static final long CRAWL_FAST_MILLIS = 100;
    /** The pause between two sweeps, unless an operation meets a stale view first: ten minutes. */
    private static final long CRAWL_IDLE_MILLIS = 600_000;
    /**
     * The first pause after a sweep that learnt members: a minute, doubling while sweeps go on learning,
     * up to {@link #CRAWL_IDLE_MILLIS}.
     */
    private static final long CRAWL_AGAIN_MILLIS = 60_000;

    private final NodeContext node;
    private final RpcEndpoint endpoint;
    private final Membership membership;
    private final PeerLiveness liveness;
    /** Learns the members an answer names. */
    private final Consumer<List<Contact>> learn;

    /** The sweep's position in the id space. */
    private BigInteger crawlCursor = BigInteger.ZERO;
    /** How far the cursor jumps when an answer held nothing beyond it: grows until it finds nodes. */
    private BigInteger crawlJump = BigInteger.ONE;
    /** The crawl's current pace; see {@link #step()}. */
    private volatile long crawlInterval = CRAWL_IDLE_MILLIS;
    private Scheduler.Cancellable nextCrawl;
    private boolean crawlInFlight;
    /** Members the current sweep learnt that the view did not hold. */
    private int learntThisSweep;
    /** The pause after the next sweep, should it learn members. */
    private long againMillis = CRAWL_AGAIN_MILLIS;

    Crawl(NodeContext node, RpcEndpoint endpoint, Membership membership, PeerLiveness liveness,
          Consumer<List<Contact>> learn) {
        this.node = node;
        this.endpoint = endpoint;
        this.membership = membership;
        this.liveness = liveness;
        this.learn = learn;
    }

    /**
     * Schedules the first sweep: the join taught the node some members of every region, so it waits for
     * the pause or a stale view.
     */
    void start() {
        node.onProtocolThread(() -> scheduleCrawl(CRAWL_IDLE_MILLIS));
    }

    /** An operation met a stale view (a redirect): the crawl sweeps fast again, unless it does already. */
    void staleView() {
        if (crawlInterval > CRAWL_FAST_MILLIS) {
            hurryCrawl();
        }
    }

    /**
     * One step of the crawl, a sweep of the id space in order: asks the member nearest the sweep's
     * cursor for the nodes it knows nearest it, learns them, and moves the cursor past the highest id of
     * the block of the id space the answer covered. A sweep learns a swarm of n nodes in about n / 10
     * requests, one every {@link #CRAWL_FAST_MILLIS}; a sweep starts {@link #CRAWL_IDLE_MILLIS} after the
     * node started or the last sweep ended, and at once when an operation meets a stale view (a
     * redirect). go-libp2p-kad-dht's full-routing-table client crawls likewise, once an hour and
     * all at once. A member that does not answer is passed over for a while (a suspect) but stays in the
     * view: only a failed ownership check removes it.
     */
    private void step() {
        if (endpoint.closed()) {
            return;
        }
        try {
            if (crawlCursor.signum() == 0) {
                crawlInterval = CRAWL_FAST_MILLIS; // a sweep begins
            }
            BigInteger target = crawlCursor;
            List<Contact> nearest = membership.closest(target, 1, c -> liveness.isSuspect(c.id()));
            if (!nearest.isEmpty()) {
                Contact c = nearest.get(0);
                crawlInFlight = true;
                endpoint.requestRetrying(c, rpc -> new Message.FindNode(node.id().value(), node.peerInfo(), rpc,
                        target), RpcEndpoint.RPC_ATTEMPTS).whenComplete((reply, e) -> node.onProtocolThread(() -> {
                            crawlInFlight = false;
                            BigInteger farthest = null;
                            boolean all = false;
                            if (e == null && reply instanceof Message.FoundNodes fn) {
                                List<Contact> unknown = new java.util.ArrayList<>();
                                for (Contact n : fn.nearest()) {
                                    if (!n.id().equals(node.id()) && !membership.contains(n.id())) {
                                        unknown.add(n);
                                    }
                                }
                                learn.accept(fn.nearest());
                                for (Contact n : unknown) {
                                    if (membership.contains(n.id())) {
                                        learntThisSweep++;
                                    }
                                }
                                for (Contact n : fn.nearest()) {
                                    BigInteger d = n.id().value().xor(target);
                                    if (farthest == null || d.compareTo(farthest) > 0) {
                                        farthest = d;
                                    }
                                }
                                // fewer than K: the answerer knows no more nodes around the target
                                all = fn.nearest().size() < node.config().k();
                            } else if (e instanceof TimeoutException) {
                                // passed over for a while; only a failed ownership check removes a member
                                liveness.suspect(c.id(), node.scheduler().nowMillis());
                            }
                            advanceCrawl(target, all ? null : farthest, all);
                            scheduleCrawl(crawlInterval);
                        }));
                return;
            }
        } catch (RuntimeException e) {
            LOG.warn("crawl step failed", e);
        }
        scheduleCrawl(crawlInterval);
    }

    /**
     * Moves the sweep past the block of the id space an answer covered. The answer holds the K nodes
     * nearest the target, so every node nearer than the farthest of them is in it: the aligned block
     * around the target whose ids are all nearer than that one is known completely, and the sweep goes
     * on after it.
     *
     * @param farthest the XOR distance of the farthest node of the answer, {@code null} if none
     * @param everything whether the answer held every node its sender knows around the target
     */
    private void advanceCrawl(BigInteger target, BigInteger farthest, boolean everything) {
        BigInteger next;
        if (everything) {
            next = BigInteger.ONE.shiftLeft(NodeId.NODE_ID_BITS);
        } else if (farthest != null && farthest.signum() > 0) {
            int m = farthest.bitLength() - 1; // ids within 2^m of the target are all in the answer
            next = target.shiftRight(m).add(BigInteger.ONE).shiftLeft(m);
            crawlJump = BigInteger.ONE;
        } else {
            crawlJump = crawlJump.shiftLeft(4);
            next = target.add(crawlJump);
        }
        if (next.bitLength() > NodeId.NODE_ID_BITS) {
            // a sweep is complete: the next one after the pause, or when an operation meets a stale view. A
            // sweep learns from answers that are only as whole as their senders' views, and the views of a
            // swarm that formed lately are not whole yet: a sweep that learnt members is followed by another
            // sooner, the pause doubling while sweeps go on learning (joins), so the views close their gaps
            // within minutes, not ten minutes per sweep
            next = BigInteger.ZERO;
            crawlJump = BigInteger.ONE;
            if (learntThisSweep > 0) {
                crawlInterval = againMillis;
                againMillis = Math.min(CRAWL_IDLE_MILLIS, 2 * againMillis);
            } else {
                crawlInterval = CRAWL_IDLE_MILLIS;
                againMillis = CRAWL_AGAIN_MILLIS;
            }
            learntThisSweep = 0;
        }
        crawlCursor = next;
    }

    private void scheduleCrawl(long delayMillis) {
        nextCrawl = node.scheduler().schedule(this::step, delayMillis);
    }

    /** An operation met a stale view: the crawl sweeps fast again, from now rather than its next idle step. */
    private void hurryCrawl() {
        node.onProtocolThread(() -> {
            if (endpoint.closed() || crawlInterval == CRAWL_FAST_MILLIS) {
                return;
            }
            crawlInterval = CRAWL_FAST_MILLIS;
            if (!crawlInFlight) {
                if (nextCrawl != null) {
                    nextCrawl.cancel();
                }
                scheduleCrawl(CRAWL_FAST_MILLIS);
            }
        });
    }
}

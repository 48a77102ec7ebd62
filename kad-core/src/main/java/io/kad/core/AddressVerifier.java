package io.kad.core;

import io.kad.core.id.NodeId;
import io.kad.core.wire.Message;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;

/**
 * Checks that a node is at the address a message of it came from before this node sends there much
 * more than the message itself: a scan page (up to 64 keys and 20 contacts, for a request of some forty
 * bytes) or a hand-off of records (unasked). A UDP source address can be forged, and without the check
 * one small datagram under a victim's address would make this node send the victim many times its
 * size. A node that answered a request of this node at that address is there; any other is pinged
 * there first, and is verified once its answer carries the id it claimed. So what an unverified
 * address gets is one ping (about 150 bytes: under four times the smallest scan request), shared by
 * every request from it while the ping is out.
 *
 * <p>Contract:
 * <ul>
 *   <li>one ping per address at a time: requests from an address under check wait for the same answer;</li>
 *   <li>at most {@link #MAX_CHECKS} addresses under check at once; beyond, an unverified address is
 *       refused at once (a flood from forged addresses costs this node no more pings than that);</li>
 *   <li>an address that does not answer is not blamed on the id it claimed (which may be another
 *       node's): no suspect, no routing failure;</li>
 *   <li>each ping sent is counted in {@link NodeStats#addressVerifications()}.</li>
 * </ul>
 * Thread-safe; its futures complete on the protocol thread.
 */
final class AddressVerifier {

    /** The most addresses under check at once. */
    static final int MAX_CHECKS = 10_000;

    private final NodeContext node;
    private final RpcEndpoint endpoint;
    /** Whether a node answered a request of this node at an address. */
    private final BiPredicate<NodeId, InetSocketAddress> answeredAt;
    /** The pings under way, by address: complete when answered or timed out. */
    private final Map<InetSocketAddress, CompletableFuture<Void>> checks = new ConcurrentHashMap<>();

    AddressVerifier(NodeContext node, RpcEndpoint endpoint, BiPredicate<NodeId, InetSocketAddress> answeredAt) {
        this.node = node;
        this.endpoint = endpoint;
        this.answeredAt = answeredAt;
    }

    /** @return whether a node answered a request of this node at an address: verified, no ping needed */
    boolean isVerified(NodeId claimed, InetSocketAddress at) {
        return answeredAt.test(claimed, at);
    }

    /**
     * Verifies that a node is at an address.
     *
     * @param claimed the id the message claimed
     * @param at the address it came from
     * @return completes with whether the node answered there (at once if it had before)
     */
    CompletableFuture<Boolean> verify(NodeId claimed, InetSocketAddress at) {
        if (answeredAt.test(claimed, at)) {
            return CompletableFuture.completedFuture(true);
        }
        CompletableFuture<Void> check = checks.get(at);
        if (check == null) {
            if (checks.size() >= MAX_CHECKS) {
                return CompletableFuture.completedFuture(false);
            }
            CompletableFuture<Void> fresh = new CompletableFuture<>();
            check = checks.putIfAbsent(at, fresh);
            if (check == null) {
                check = fresh;
                node.stats().addressVerifications.increment();
                // no contact to blame: the claimed id may be another node's, which did nothing wrong
                endpoint.request(null, at, rpc -> new Message.Ping(node.id().value(), node.peerInfo(), rpc))
                        .whenComplete((pong, e) -> {
                            checks.remove(at, fresh);
                            fresh.complete(null);
                        });
            }
        }
        // the answer was observed (answeredAt learnt) before the request's future completed
        return check.thenApply(v -> answeredAt.test(claimed, at));
    }
}

package io.kad.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.kad.core.id.Contact;
import io.kad.core.lookup.Lookup;
import io.kad.core.lookup.Step;
import io.kad.core.routing.RoutingTable;
import io.kad.core.wire.Message;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Drives iterative lookups (paper 2.3): starts a {@link Lookup} from the live contacts of the routing
 * table nearest the target, sends the queries it asks for, feeds it the answers, failures and the peer
 * timeout, and completes its future when it finishes. Holds no state of its own; each lookup's state
 * (the {@link Lookup} and the value found) is touched on the protocol thread only.
 */
final class LookupDriver {

    private final NodeContext node;
    private final RpcEndpoint endpoint;
    private final RoutingTable table;
    private final PeerLiveness liveness;
    /** Learns the record nodes an answer names. */
    private final Consumer<List<Contact>> learn;

    LookupDriver(NodeContext node, RpcEndpoint endpoint, RoutingTable table, PeerLiveness liveness,
                 Consumer<List<Contact>> learn) {
        this.node = node;
        this.endpoint = endpoint;
        this.table = table;
        this.liveness = liveness;
        this.learn = learn;
    }

    /** Starts a lookup on the protocol thread. */
    CompletableFuture<KadNode.LookupResult> run(BigInteger target, Lookup.Kind kind) {
        CompletableFuture<KadNode.LookupResult> done = new CompletableFuture<>();
        node.onProtocolThread(() -> {
            NodeConfig config = node.config();
            node.stats().lookups.increment();
            List<Contact> initial = liveness.liveClosest(table, target, config.k());
            Lookup lookup = new Lookup(target, initial, config.k(), config.alpha(), node.id(), kind,
                    config.rpcTimeout().toMillis());
            drive(lookup, done, new JsonNode[1]);
        });
        return done;
    }

    /**
     * Moves a lookup on, on the protocol thread only (a lookup is not thread-safe): sends the queries it
     * asks for, and wakes it at the peer timeout so a silent peer frees its slot.
     */
    private void drive(Lookup lookup, CompletableFuture<KadNode.LookupResult> done, JsonNode[] value) {
        if (done.isDone()) {
            return;
        }
        boolean sent = false;
        while (true) {
            Step step = lookup.next(node.scheduler().nowMillis());
            if (step instanceof Step.Query q) {
                query(lookup, q.to(), done, value);
                sent = true;
            } else if (step instanceof Step.Finished f) {
                node.stats().lookupRounds.add(f.rounds());
                // a lookup refreshes the bucket of its target (paper 2.3): no refresh needed there
                table.touch(lookup.target(), node.scheduler().nowMillis());
                done.complete(new KadNode.LookupResult(f.closest(), Optional.ofNullable(value[0]), f.rounds()));
                return;
            } else {
                break;
            }
        }
        if (sent) {
            node.scheduler().schedule(() -> drive(lookup, done, value), node.config().rpcTimeout().toMillis());
        }
    }

    private void query(Lookup lookup, Contact c, CompletableFuture<KadNode.LookupResult> done, JsonNode[] value) {
        BigInteger target = lookup.target();
        BigInteger self = node.id().value();
        endpoint.requestRetrying(c, rpc -> lookup.kind() == Lookup.Kind.VALUE
                ? new Message.FindValue(self, node.peerInfo(), rpc, target)
                : new Message.FindNode(self, node.peerInfo(), rpc, target), RpcEndpoint.RPC_ATTEMPTS)
                .whenComplete((r, e) -> node.onProtocolThread(() -> {
                    long now = node.scheduler().nowMillis();
                    if (e != null) {
                        lookup.onFailure(c, now);
                    } else if (r instanceof Message.FoundValue fv) {
                        value[0] = fv.value();
                        lookup.onValueFound(c, now);
                    } else if (r instanceof Message.FoundNodes fn) {
                        List<Contact> closer = new ArrayList<>();
                        for (Contact n : fn.nearest()) {
                            if (!n.id().equals(node.id())) {
                                closer.add(n);
                            }
                        }
                        learn.accept(closer);
                        lookup.onResponse(c, closer, now);
                    } else {
                        lookup.onFailure(c, now);
                    }
                    drive(lookup, done, value);
                }));
    }
}

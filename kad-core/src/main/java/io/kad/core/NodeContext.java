package io.kad.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.transport.Scheduler;
import java.math.BigInteger;
import java.util.Random;

/**
 * What every part of one node shares: its configuration, its id and contact, the {@code peer_info} it
 * sends, its scheduler (the protocol thread and the clock), its counters and its source of randomness.
 * Holds no state of its own that changes (the counters are thread-safe adders); any thread.
 *
 * @param config the node's configuration
 * @param id the node's id
 * @param self the node as a contact of its own replica sets
 * @param peerInfo the {@code peer_info} this node sends (never modified)
 * @param scheduler the node's scheduler: its protocol thread, timers and clock
 * @param stats the node's counters
 * @param random the source of {@code rpc_id}s and refresh targets
 */
record NodeContext(NodeConfig config, NodeId id, Contact self, ObjectNode peerInfo, Scheduler scheduler,
                   NodeStats stats, Random random) {

    /** @return a new random {@code rpc_id} */
    BigInteger newRpcId() {
        return new BigInteger(128, random);
    }

    /** @return when an operation started now must be over */
    long deadline() {
        return scheduler.nowMillis() + config.operationTimeout().toMillis();
    }

    /** Runs a task on the protocol thread: now if this is it, else soon. */
    void onProtocolThread(Runnable task) {
        if (scheduler.inProtocolThread()) {
            task.run();
        } else {
            scheduler.execute(task);
        }
    }
}

package io.kad.core;

import io.kad.core.id.Contact;
import io.kad.core.record.RecordEngine;
import io.kad.core.wire.Message;
import io.kad.spi.StoredRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands records to the nodes that now hold them (paper 2.5): the members learnt since the last hand-off
 * get, in one pass over the records a short while later, copies of the records whose replica sets they
 * joined; and copies travel in batches that fit a datagram, also for the republish of
 * {@link Maintenance}. A hand-off is many times the message a newcomer was learnt from (a
 * {@code find_node} under a new id), and unasked, so it goes, as a republish does, only to a node
 * verified at its address ({@link AddressVerifier}): a forged address gets a ping, not the records. Owns the set of
 * newcomers, guarded by its own lock: members are learnt on the protocol thread, and the hand-off runs
 * there too, as a task of the scheduler.
 */
final class HandOff {

    /** Logs under the node's name: these are the node's messages. */
    private static final Logger LOG = LoggerFactory.getLogger(KadNode.class);

    /** How long a batch of newly learnt members waits before their records are handed off to them. */
    private static final long HAND_OFF_DELAY_MILLIS = 100;
    /** Key and value bytes one batch of copies carries at most (base64 makes them 4/3 larger). */
    private static final int COPY_BATCH_BYTES = 40_000;
    /** How many times a batch for a returning node is sent before its readmission waits for next time. */
    private static final int RETURN_ATTEMPTS = 3;

    private final NodeContext node;
    private final RecordEngine engine;
    private final RpcEndpoint endpoint;
    private final Ownership ownership;
    private final AddressVerifier verifier;
    /** Members learnt since the last hand-off: one pass over the records serves them all. */
    private final Set<Contact> newcomers = new HashSet<>();

    HandOff(NodeContext node, RecordEngine engine, RpcEndpoint endpoint, Ownership ownership,
            AddressVerifier verifier) {
        this.verifier = verifier;
        this.node = node;
        this.engine = engine;
        this.endpoint = endpoint;
        this.ownership = ownership;
    }

    /** A new member: it gets its records with the next hand-off, unless this node holds none. */
    void newMember(Contact contact) {
        if (engine.tier().size() == 0) {
            return;
        }
        synchronized (newcomers) {
            newcomers.add(contact);
            if (newcomers.size() == 1) {
                node.scheduler().schedule(this::handOff, HAND_OFF_DELAY_MILLIS);
            }
        }
    }

    private void handOff() {
        List<Contact> batchOf;
        synchronized (newcomers) {
            batchOf = new ArrayList<>(newcomers);
            newcomers.clear();
        }
        if (endpoint.closed() || batchOf.isEmpty()) {
            return;
        }
        Map<Contact, List<StoredRecord>> batches = new HashMap<>();
        for (StoredRecord r : engine.snapshot()) {
            if ((r.namespace().isEmpty() && r.key().length == 0) || engine.dueForReclaim(r)) {
                continue;
            }
            List<Contact> holders = ownership.replicaSet(r.id());
            for (Contact c : batchOf) {
                if (holders.contains(c)) {
                    batches.computeIfAbsent(c, x -> new ArrayList<>()).add(r);
                }
            }
        }
        batches.forEach(this::sendCopiesIfVerified);
    }

    /**
     * Sends copies to a node once it is known to be at its address ({@link AddressVerifier}): copies are
     * unasked and many times anything the node sent, and the node may be hearsay (named by another node,
     * at an address of that node's choosing), so a forged address gets a ping, not the records.
     */
    void sendCopiesIfVerified(Contact to, List<StoredRecord> records) {
        verifier.verify(to.id(), to.address()).thenAccept(verified -> {
            if (verified) {
                sendCopiesInBatches(to, records);
            } else {
                node.stats().unverifiedRefused.increment();
                LOG.debug("copies of {} records to {} not sent: no answer at that address", records.size(), to);
            }
        });
    }

    /**
     * Hands a node that comes back after this node found it gone the records it is nearer than this
     * node, which this node may have taken over from it meanwhile: it must hold them before any request
     * is sent its way again.
     *
     * @param to the returning node
     * @return completes with whether every batch of copies was acknowledged
     */
    java.util.concurrent.CompletableFuture<Boolean> returning(Contact to) {
        List<StoredRecord> theirs = new ArrayList<>();
        for (StoredRecord r : engine.snapshot()) {
            if ((r.namespace().isEmpty() && r.key().length == 0) || engine.dueForReclaim(r)) {
                continue;
            }
            if (to.id().distance(r.id()).compareTo(node.id().distance(r.id())) < 0) {
                theirs.add(r);
            }
        }
        List<java.util.concurrent.CompletableFuture<Boolean>> acks = new ArrayList<>();
        for (List<StoredRecord> batch : batches(theirs)) {
            acks.add(endpoint.requestRetrying(to, rpc -> new Message.Replicate(node.id().value(), node.peerInfo(), rpc,
                    batch), RETURN_ATTEMPTS).handle((r, e) -> e == null));
        }
        return java.util.concurrent.CompletableFuture.allOf(acks.toArray(java.util.concurrent.CompletableFuture[]::new))
                .thenApply(v -> acks.stream().allMatch(java.util.concurrent.CompletableFuture::join));
    }

    /** Copies travel in batches small enough for one datagram each (a large record alone). */
    void sendCopiesInBatches(Contact to, List<StoredRecord> records) {
        for (List<StoredRecord> batch : batches(records)) {
            sendCopies(to, batch);
        }
    }

    private static List<List<StoredRecord>> batches(List<StoredRecord> records) {
        List<List<StoredRecord>> out = new ArrayList<>();
        List<StoredRecord> batch = new ArrayList<>();
        int bytes = 0;
        for (StoredRecord r : records) {
            int size = r.key().length + r.value().length + r.namespace().length();
            if (!batch.isEmpty() && (batch.size() == 16 || bytes + size > COPY_BATCH_BYTES)) {
                out.add(List.copyOf(batch));
                batch.clear();
                bytes = 0;
            }
            batch.add(r);
            bytes += size;
        }
        if (!batch.isEmpty()) {
            out.add(List.copyOf(batch));
        }
        return out;
    }

    /** Sends copies of records to a node; the acknowledgement only confirms, nothing waits for it. */
    private void sendCopies(Contact to, List<StoredRecord> records) {
        endpoint.request(to, to.address(), rpc -> new Message.Replicate(node.id().value(), node.peerInfo(), rpc,
                        records))
                .whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.debug("copies of {} records to {} not acknowledged: {}", records.size(), to, e.getMessage());
                    }
                });
    }
}

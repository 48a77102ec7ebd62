package io.kad.core;

import io.kad.core.transport.Scheduler;
import io.kad.core.transport.Transport;
import io.kad.core.wire.DatagramAuthenticator;
import io.kad.core.wire.TransferFrame;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries record-protocol messages too large for one datagram between two nodes of this project, as a
 * fragmented transfer over the node's own UDP socket ({@link TransferFrame}): the sender keeps a window
 * of fragments in flight, the receiver acknowledges every fragment with what it holds, lost fragments
 * are sent again, and the whole message, reassembled, goes on to the node like any datagram.
 *
 * <p>Contract:
 * <ul>
 *   <li>protocol thread only: {@link #send}, {@link #onFrame}, the timer and {@link #busyWith} touch the
 *       state from the node's scheduler, never from a caller's thread; nothing sleeps;</li>
 *   <li>flow control: at most {@link #WINDOW} fragments of one transfer are unacknowledged at a time,
 *       and at most {@link #ACTIVE_PER_PEER} transfers to one peer send at once (the others wait their
 *       turn), so a node's single datagrams (a small get, its reply) are never queued behind a large
 *       transfer: they leave at once, between fragments;</li>
 *   <li>loss: a fragment is sent again when {@link #REORDERING} fragments sent after it were acknowledged
 *       first, or when it has waited a retransmission timeout (twice the smoothed round trip, doubled on
 *       each expiry, within {@link #MIN_RTO_MILLIS} .. the RPC timeout);</li>
 *   <li>bounds at the receiver: a transfer's declared size at most the largest message, the partial
 *       transfers of one peer at most {@link #PEER_BOUND_MESSAGES} largest messages and those of all peers
 *       at most {@link #TOTAL_BOUND_MESSAGES}; a transfer over a bound is refused (an abort frame). A partial
 *       transfer that receives nothing for the stall timeout (twice the RPC timeout, at least one second)
 *       is dropped and its memory released;</li>
 *   <li>bounds at the sender: a transfer whose acknowledgements stop for the stall timeout is dropped (the
 *       request it carried then times out as any request); the messages waiting or sending take at most
 *       {@link #TOTAL_BOUND_MESSAGES} largest messages, beyond which a send is refused;</li>
 *   <li>every frame is tagged with the swarm secret, when there is one, and checked before use by the
 *       endpoint; a receiver remembers completed transfers for the stall timeout, so a repeated last
 *       fragment is acknowledged again, not delivered twice.</li>
 * </ul>
 */
final class FragmentedTransfers {

    private static final Logger LOG = LoggerFactory.getLogger(KadNode.class);

    /**
     * The bytes of a message one data frame carries: a fragment and its header stay far below a
     * loopback datagram, and a window of them well within a socket's receive buffer.
     */
    static final int FRAGMENT_BYTES = 8192;
    /** The most unacknowledged fragments of one transfer. */
    static final int WINDOW = 32;
    /** The most transfers to one peer sending at once. */
    static final int ACTIVE_PER_PEER = 4;
    /** Fragments sent later and acknowledged before a fragment counts as lost. */
    static final int REORDERING = 3;
    /** The smallest retransmission timeout. */
    static final long MIN_RTO_MILLIS = 30;
    /** Partial inbound transfers one peer may have, in largest messages. */
    static final int PEER_BOUND_MESSAGES = 2;
    /** Partial inbound transfers of all peers, and outbound transfers, in largest messages. */
    static final int TOTAL_BOUND_MESSAGES = 4;
    /** How many completed inbound transfers are remembered, to acknowledge their repeated fragments. */
    private static final int COMPLETED_REMEMBERED = 1024;

    private record Key(InetSocketAddress peer, long id) {
    }

    private final NodeContext node;
    private final Transport transport;
    private final DatagramAuthenticator authenticator;
    /** The node id last heard from an address, or null: the recipient a tagged frame names. */
    private final java.util.function.Function<InetSocketAddress, java.math.BigInteger> recipientAt;
    private final BiConsumer<InetSocketAddress, byte[]> deliver;
    private final int maxMessageBytes;
    private final long stallMillis;
    private final long maxRtoMillis;

    private final Map<Key, Outbound> outbound = new HashMap<>();
    private final Map<InetSocketAddress, ArrayDeque<Outbound>> waiting = new HashMap<>();
    private final Map<InetSocketAddress, Integer> activeTo = new HashMap<>();
    /**
     * Until when a peer that just received a large request counts as busy with it: a write's owner
     * forwards its copies before it answers, which takes about as long again as the write's transfer.
     */
    private final Map<InetSocketAddress, Long> busyUntil = new HashMap<>();
    private long outboundBytes;

    private final Map<Key, Inbound> inbound = new HashMap<>();
    private final Map<InetSocketAddress, Long> inboundBytesFrom = new HashMap<>();
    private long inboundBytes;
    /** Completed inbound transfers and when they completed, oldest first. */
    private final LinkedHashMap<Key, Long> completed = new LinkedHashMap<>();

    private Scheduler.Cancellable timer;
    private long timerDue = Long.MAX_VALUE;
    private volatile boolean closed;

    FragmentedTransfers(NodeContext node, Transport transport, DatagramAuthenticator authenticator,
                        java.util.function.Function<InetSocketAddress, java.math.BigInteger> recipientAt,
                        int maxMessageBytes, BiConsumer<InetSocketAddress, byte[]> deliver) {
        this.node = node;
        this.transport = transport;
        this.authenticator = authenticator;
        this.recipientAt = recipientAt;
        this.maxMessageBytes = maxMessageBytes;
        this.deliver = deliver;
        long rpc = node.config().rpcTimeout().toMillis();
        this.stallMillis = Math.max(1000, 2 * rpc);
        this.maxRtoMillis = Math.max(MIN_RTO_MILLIS, rpc);
    }

    // ------------------------------------------------------------------ sending

    /** One message on its way to a peer. */
    private final class Outbound {
        final Key key;
        final byte[] message;
        final int count;
        final boolean[] sent;
        final boolean[] acked;
        final long[] sentAt;
        final long[] sentOrder;
        final boolean[] resent;
        int ackedCount;
        int firstUnacked;
        int next;
        int outstanding;
        long order;
        long highestAckedOrder = -1;
        long lastProgress;
        long startedAt;
        long srtt = -1;
        long rto;

        Outbound(Key key, byte[] message) {
            this.key = key;
            this.message = message;
            this.count = TransferFrame.fragmentCount(message.length, FRAGMENT_BYTES);
            this.sent = new boolean[count];
            this.acked = new boolean[count];
            this.sentAt = new long[count];
            this.sentOrder = new long[count];
            this.resent = new boolean[count];
            this.rto = Math.min(maxRtoMillis, Math.max(MIN_RTO_MILLIS, node.config().rpcTimeout().toMillis() / 4));
        }

        void transmit(int i, long now) {
            if (sent[i]) {
                resent[i] = true;
                node.stats().fragmentsRetransmitted.increment();
            } else {
                sent[i] = true;
                outstanding++;
            }
            sentAt[i] = now;
            sentOrder[i] = order++;
            node.stats().fragmentsSent.increment();
            sendFrame(key.peer(), TransferFrame.data(key.id(), message, FRAGMENT_BYTES, i));
        }

        void fill(long now) {
            while (outstanding < WINDOW && next < count) {
                transmit(next++, now);
            }
        }
    }

    /**
     * Sends a message as a fragmented transfer.
     *
     * @param to the peer
     * @param message the encoded message, at most the largest message
     * @return whether it was taken (false: the sender's bound is reached, or the node closed)
     */
    boolean send(InetSocketAddress to, byte[] message) {
        if (closed || message.length > maxMessageBytes) {
            return false;
        }
        if (outboundBytes + message.length > (long) TOTAL_BOUND_MESSAGES * maxMessageBytes) {
            node.stats().transfersDropped.increment();
            LOG.debug("transfer of {} bytes to {} refused: {} bytes already waiting or sending", message.length,
                    to, outboundBytes);
            return false;
        }
        Key key;
        do {
            key = new Key(to, node.random().nextLong());
        } while (outbound.containsKey(key));
        Outbound t = new Outbound(key, message);
        outbound.put(key, t);
        outboundBytes += message.length;
        if (activeTo.getOrDefault(to, 0) < ACTIVE_PER_PEER) {
            activate(t);
        } else {
            waiting.computeIfAbsent(to, p -> new ArrayDeque<>()).add(t);
        }
        return true;
    }

    private void activate(Outbound t) {
        activeTo.merge(t.key.peer(), 1, Integer::sum);
        long now = node.scheduler().nowMillis();
        t.lastProgress = now;
        t.startedAt = now;
        t.fill(now);
        armTimer(t.rto);
    }

    private void finish(Outbound t) {
        if (outbound.remove(t.key) != t) {
            return;
        }
        outboundBytes -= t.message.length;
        InetSocketAddress peer = t.key.peer();
        int active = activeTo.merge(peer, -1, Integer::sum);
        if (active <= 0) {
            activeTo.remove(peer);
        }
        ArrayDeque<Outbound> queue = waiting.get(peer);
        if (queue != null) {
            Outbound nextUp = queue.poll();
            if (queue.isEmpty()) {
                waiting.remove(peer);
            }
            if (nextUp != null) {
                activate(nextUp);
            }
        }
    }

    private void onAck(InetSocketAddress from, TransferFrame.Ack ack) {
        Outbound t = outbound.get(new Key(from, ack.transferId()));
        if (t == null || t.next == 0) {
            return; // finished, dropped, or still waiting: nothing of it was sent
        }
        long now = node.scheduler().nowMillis();
        int upTo = Math.min(ack.contiguous(), t.next);
        boolean progress = false;
        for (int i = t.firstUnacked; i < upTo; i++) {
            progress |= markAcked(t, i, now);
        }
        long beyond = ack.beyond();
        for (int bit = 0; beyond != 0 && bit < 64; bit++, beyond >>>= 1) {
            int i = ack.contiguous() + 1 + bit;
            if ((beyond & 1) != 0 && i < t.next) {
                progress |= markAcked(t, i, now);
            }
        }
        while (t.firstUnacked < t.count && t.acked[t.firstUnacked]) {
            t.firstUnacked++;
        }
        if (t.ackedCount == t.count) {
            node.stats().transfersSent.increment();
            busyUntil.merge(from, now + 2 * (now - t.startedAt), Math::max);
            finish(t);
            return;
        }
        if (progress) {
            t.lastProgress = now;
        }
        // a fragment overtaken by enough later ones is lost: send it again now, not at its timeout
        for (int i = t.firstUnacked; i < t.next; i++) {
            if (!t.acked[i] && t.sentOrder[i] + REORDERING < t.highestAckedOrder) {
                t.transmit(i, now);
            }
        }
        t.fill(now);
    }

    private boolean markAcked(Outbound t, int i, long now) {
        if (t.acked[i] || !t.sent[i]) {
            return false;
        }
        t.acked[i] = true;
        t.ackedCount++;
        t.outstanding--;
        t.highestAckedOrder = Math.max(t.highestAckedOrder, t.sentOrder[i]);
        if (!t.resent[i]) {
            long sample = Math.max(0, now - t.sentAt[i]);
            t.srtt = t.srtt < 0 ? sample : (7 * t.srtt + sample) / 8;
            t.rto = Math.min(maxRtoMillis, Math.max(MIN_RTO_MILLIS, 2 * t.srtt + 10));
        }
        return true;
    }

    private void onAbort(InetSocketAddress from, TransferFrame.Abort abort) {
        Outbound t = outbound.get(new Key(from, abort.transferId()));
        if (t != null && t.next > 0) {
            LOG.debug("transfer of {} bytes to {} refused by the receiver", t.message.length, from);
            node.stats().transfersDropped.increment();
            finish(t);
        }
    }

    // ------------------------------------------------------------------ receiving

    /** A message arriving from a peer, fragment by fragment. */
    private static final class Inbound {
        final Key key;
        final int total;
        final int fragmentBytes;
        final byte[][] fragments;
        int received;
        int contiguous;
        long lastActivity;

        Inbound(Key key, int total, int fragmentBytes) {
            this.key = key;
            this.total = total;
            this.fragmentBytes = fragmentBytes;
            this.fragments = new byte[TransferFrame.fragmentCount(total, fragmentBytes)][];
        }

        long beyond() {
            long bits = 0;
            for (int bit = 0; bit < 64; bit++) {
                int i = contiguous + 1 + bit;
                if (i >= fragments.length) {
                    break;
                }
                if (fragments[i] != null) {
                    bits |= 1L << bit;
                }
            }
            return bits;
        }

        byte[] assemble() {
            byte[] out = new byte[total];
            int at = 0;
            for (byte[] f : fragments) {
                System.arraycopy(f, 0, out, at, f.length);
                at += f.length;
            }
            return out;
        }
    }

    /**
     * Takes a frame that passed the secret's check: a fragment is kept and acknowledged (and a message
     * it completes is delivered), an acknowledgement or abort moves its transfer on.
     *
     * @param from the sender
     * @param frame the frame
     */
    void onFrame(InetSocketAddress from, TransferFrame frame) {
        if (closed) {
            return;
        }
        if (frame instanceof TransferFrame.Data data) {
            onData(from, data);
        } else if (frame instanceof TransferFrame.Ack ack) {
            onAck(from, ack);
        } else if (frame instanceof TransferFrame.Abort abort) {
            onAbort(from, abort);
        }
    }

    private void onData(InetSocketAddress from, TransferFrame.Data data) {
        Key key = new Key(from, data.transferId());
        long now = node.scheduler().nowMillis();
        Inbound t = inbound.get(key);
        if (t == null) {
            if (completed.containsKey(key)) {
                // our last acknowledgement was lost: say again that we have it all
                sendFrame(from, TransferFrame.ack(key.id(), data.count(), 0));
                return;
            }
            if (!admit(from, data)) {
                node.stats().transfersDropped.increment();
                sendFrame(from, TransferFrame.abort(key.id(), TransferFrame.REFUSED));
                return;
            }
            t = new Inbound(key, data.totalBytes(), data.fragmentBytes());
            inbound.put(key, t);
            inboundBytesFrom.merge(from, (long) t.total, Long::sum);
            inboundBytes += t.total;
            node.stats().transferBytesHeld.add(t.total);
            armTimer(stallMillis);
        } else if (t.total != data.totalBytes() || t.fragmentBytes != data.fragmentBytes()) {
            node.stats().datagramsDropped.increment();
            return;
        }
        t.lastActivity = now;
        int i = data.index();
        if (t.fragments[i] == null) {
            byte[] copy = new byte[data.length()];
            System.arraycopy(data.payload(), data.offset(), copy, 0, data.length());
            t.fragments[i] = copy;
            t.received++;
            while (t.contiguous < t.fragments.length && t.fragments[t.contiguous] != null) {
                t.contiguous++;
            }
        }
        sendFrame(from, TransferFrame.ack(key.id(), t.contiguous, t.beyond()));
        if (t.received == t.fragments.length) {
            release(t);
            remember(key, now);
            node.stats().transfersReceived.increment();
            deliver.accept(from, t.assemble());
        }
    }

    private boolean admit(InetSocketAddress from, TransferFrame.Data data) {
        long size = data.totalBytes();
        if (size > maxMessageBytes) {
            LOG.debug("transfer of {} bytes from {} refused: larger than the {}-byte message bound", size, from,
                    maxMessageBytes);
            return false;
        }
        long fromPeer = inboundBytesFrom.getOrDefault(from, 0L);
        if (fromPeer + size > (long) PEER_BOUND_MESSAGES * maxMessageBytes
                || inboundBytes + size > (long) TOTAL_BOUND_MESSAGES * maxMessageBytes) {
            LOG.debug("transfer of {} bytes from {} refused: {} bytes partial from it, {} in all", size, from,
                    fromPeer, inboundBytes);
            return false;
        }
        return true;
    }

    private void release(Inbound t) {
        if (inbound.remove(t.key) != t) {
            return;
        }
        inboundBytes -= t.total;
        node.stats().transferBytesHeld.add(-t.total);
        inboundBytesFrom.computeIfPresent(t.key.peer(), (p, b) -> b - t.total <= 0 ? null : b - t.total);
    }

    private void remember(Key key, long now) {
        completed.put(key, now);
        if (completed.size() > COMPLETED_REMEMBERED) {
            Iterator<Key> oldest = completed.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    // ------------------------------------------------------------------ timers

    private void armTimer(long delayMillis) {
        if (closed) {
            return;
        }
        long due = node.scheduler().nowMillis() + Math.max(1, delayMillis);
        if (timer != null && timerDue <= due) {
            return;
        }
        if (timer != null) {
            timer.cancel();
        }
        timerDue = due;
        timer = node.scheduler().schedule(this::tick, Math.max(1, delayMillis));
    }

    /** Sends again what waited too long, and drops the transfers that stalled. */
    private void tick() {
        timer = null;
        timerDue = Long.MAX_VALUE;
        if (closed) {
            return;
        }
        long now = node.scheduler().nowMillis();
        long nextDelay = Long.MAX_VALUE;
        List<Outbound> stalled = new ArrayList<>();
        for (Outbound t : outbound.values()) {
            if (t.next == 0) {
                continue; // waiting for its turn
            }
            if (now - t.lastProgress >= stallMillis) {
                stalled.add(t);
                continue;
            }
            boolean expired = false;
            long earliest = Long.MAX_VALUE;
            for (int i = t.firstUnacked; i < t.next; i++) {
                if (!t.acked[i]) {
                    if (t.sentAt[i] + t.rto <= now) {
                        t.transmit(i, now);
                        expired = true;
                    }
                    earliest = Math.min(earliest, t.sentAt[i]);
                }
            }
            if (expired) {
                t.rto = Math.min(maxRtoMillis, 2 * t.rto);
            }
            t.fill(now);
            nextDelay = Math.min(nextDelay, earliest == Long.MAX_VALUE ? t.rto : earliest + t.rto - now);
        }
        for (Outbound t : stalled) {
            LOG.debug("transfer of {} bytes to {} dropped: no acknowledgement for {} ms", t.message.length,
                    t.key.peer(), now - t.lastProgress);
            node.stats().transfersDropped.increment();
            finish(t);
        }
        for (Inbound t : List.copyOf(inbound.values())) {
            if (now - t.lastActivity >= stallMillis) {
                LOG.debug("partial transfer of {} bytes from {} dropped: {} of {} fragments, none for {} ms",
                        t.total, t.key.peer(), t.received, t.fragments.length, now - t.lastActivity);
                node.stats().transfersDropped.increment();
                release(t);
            } else {
                nextDelay = Math.min(nextDelay, t.lastActivity + stallMillis - now);
            }
        }
        busyUntil.values().removeIf(until -> until <= now);
        for (Iterator<Long> it = completed.values().iterator(); it.hasNext(); ) {
            if (now - it.next() < stallMillis) {
                break;
            }
            it.remove();
        }
        if (!completed.isEmpty()) {
            nextDelay = Math.min(nextDelay, stallMillis);
        }
        if (nextDelay != Long.MAX_VALUE) {
            armTimer(Math.max(1, nextDelay));
        }
    }

    // ------------------------------------------------------------------ queries

    /**
     * @param peer a peer
     * @param now the time
     * @return whether a transfer with the peer is under way: one to it that has not stalled, one that it
     *     received in full less than twice its duration ago (it may be forwarding copies), or one from it
     *     that received a fragment within the RPC timeout (a request to that peer is then not timed out:
     *     its reply may be on its way)
     */
    boolean busyWith(InetSocketAddress peer, long now) {
        if (outbound.isEmpty() && inbound.isEmpty() && busyUntil.isEmpty()) {
            return false;
        }
        if (busyUntil.getOrDefault(peer, Long.MIN_VALUE) > now) {
            return true;
        }
        for (Outbound t : outbound.values()) {
            if (t.key.peer().equals(peer)) {
                return true;
            }
        }
        long window = node.config().rpcTimeout().toMillis();
        for (Inbound t : inbound.values()) {
            if (t.key.peer().equals(peer) && now - t.lastActivity < window) {
                return true;
            }
        }
        return false;
    }

    /** Drops every transfer: the node closed (any thread; the memory is let go on the protocol thread). */
    void close() {
        closed = true;
        node.onProtocolThread(this::clear);
    }

    private void clear() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        for (Inbound t : List.copyOf(inbound.values())) {
            release(t);
        }
        outbound.clear();
        busyUntil.clear();
        waiting.clear();
        activeTo.clear();
        outboundBytes = 0;
    }

    private void sendFrame(InetSocketAddress to, byte[] frame) {
        byte[] data = authenticator == null ? frame
                : authenticator.sign(frame, node.scheduler().nowMillis(), recipientAt.apply(to));
        node.stats().datagramsSent.increment();
        transport.send(to, data);
    }
}

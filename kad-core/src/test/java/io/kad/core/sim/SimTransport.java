package io.kad.core.sim;

import io.kad.core.transport.Transport;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Transport} endpoint of a {@link SimulatedNetwork}: datagrams go through the network's
 * latency, loss and partitions and arrive on its event loop.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #send} copies the bytes and never throws for a dropped datagram; the network counts
 *       it by cause.</li>
 *   <li>The {@link Receiver} is called on the network's event loop, one call per datagram, with a
 *       byte array it owns.</li>
 *   <li>{@link #start} may be called once. After {@link #close()} (or
 *       {@link SimulatedNetwork#kill}) nothing is delivered, including datagrams already in flight,
 *       and nothing is sent. The address is never reused.</li>
 * </ul>
 */
public final class SimTransport implements Transport {

    private final SimulatedNetwork network;
    private final InetSocketAddress address;
    private final List<SimScheduler> boundSchedulers = new ArrayList<>(1);
    private Receiver receiver;
    private boolean closed;
    private long sent;
    private long received;

    SimTransport(SimulatedNetwork network, InetSocketAddress address) {
        this.network = network;
        this.address = address;
    }

    @Override
    public void start(Receiver receiver) {
        Objects.requireNonNull(receiver, "receiver");
        if (closed) {
            throw new IllegalStateException("simulated endpoint " + address + " is closed");
        }
        if (this.receiver != null) {
            throw new IllegalStateException("simulated endpoint " + address + " already started");
        }
        this.receiver = receiver;
    }

    @Override
    public void send(InetSocketAddress to, byte[] data) {
        sent++;
        network.send(this, to, data);
    }

    @Override
    public InetSocketAddress localAddress() {
        return address;
    }

    @Override
    public int maxDatagramBytes() {
        return SimulatedNetwork.MAX_DATAGRAM_BYTES;
    }

    /** @return the number of datagrams this endpoint was asked to send */
    public long datagramsSent() {
        return sent;
    }

    /** @return the number of datagrams delivered to this endpoint's receiver */
    public long datagramsReceived() {
        return received;
    }

    /** @return whether this endpoint is closed */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "SimTransport[" + address + (closed ? ", closed" : "") + "]";
    }

    SimulatedNetwork network() {
        return network;
    }

    boolean isStarted() {
        return receiver != null;
    }

    void bind(SimScheduler scheduler) {
        if (closed) {
            scheduler.close();
        }
        boundSchedulers.add(scheduler);
    }

    /** Closes this endpoint and the schedulers of the node that owns it. */
    void kill() {
        close();
        for (SimScheduler scheduler : boundSchedulers) {
            scheduler.close();
        }
    }

    void deliver(InetSocketAddress from, byte[] data) {
        received++;
        receiver.onDatagram(from, data);
    }
}

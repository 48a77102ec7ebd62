package io.kad.core.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} over one UDP socket: everything is sent from the socket the node listens on, as
 * kad.py requires (a kad.py node learns a peer's address only from the source of its datagrams).
 *
 * <p>One named daemon thread receives; {@link #send} writes from the caller's thread (a
 * {@code DatagramSocket} is safe for concurrent sends). Send errors (an unreachable port, a full
 * buffer) are logged at debug level and otherwise treated as loss.
 */
public final class UdpTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(UdpTransport.class);

    /** The largest UDP payload over IPv4. */
    public static final int MAX_DATAGRAM = 65_507;

    private final DatagramSocket socket;
    private final InetSocketAddress localAddress;
    private volatile boolean closed;
    private Thread receiverThread;

    private UdpTransport(DatagramSocket socket, InetSocketAddress localAddress) {
        this.socket = socket;
        this.localAddress = localAddress;
    }

    /**
     * Binds a UDP socket.
     *
     * @param host the address to bind (e.g. {@code 127.0.0.1}, or {@code 0.0.0.0} for every interface)
     * @param port the port, 0 for an ephemeral one
     * @return the bound transport
     * @throws UncheckedIOException if the socket cannot be bound, naming the address
     */
    public static UdpTransport bind(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range 0..65535: " + port);
        }
        try {
            InetAddress address = InetAddress.getByName(host);
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress(address, port));
            socket.setReceiveBufferSize(4 * 1024 * 1024);
            socket.setSendBufferSize(4 * 1024 * 1024);
            InetSocketAddress bound = new InetSocketAddress(address, socket.getLocalPort());
            return new UdpTransport(socket, bound);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind UDP " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void start(Receiver receiver) {
        Objects.requireNonNull(receiver, "receiver");
        if (receiverThread != null) {
            throw new IllegalStateException("already started");
        }
        receiverThread = new Thread(() -> receiveLoop(receiver), "kad-udp-" + localAddress.getPort());
        receiverThread.setDaemon(true);
        receiverThread.start();
    }

    private void receiveLoop(Receiver receiver) {
        byte[] buffer = new byte[MAX_DATAGRAM + 1];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        while (!closed) {
            try {
                packet.setLength(buffer.length);
                socket.receive(packet);
                byte[] data = Arrays.copyOfRange(buffer, packet.getOffset(), packet.getOffset() + packet.getLength());
                InetSocketAddress from = (InetSocketAddress) packet.getSocketAddress();
                receiver.onDatagram(from, data);
            } catch (SocketException e) {
                if (!closed) {
                    LOG.warn("UDP socket {} failed: {}", localAddress, e.getMessage());
                }
                return;
            } catch (IOException e) {
                LOG.debug("receive failed on {}: {}", localAddress, e.getMessage());
            } catch (VirtualMachineError e) {
                throw e;
            } catch (RuntimeException | LinkageError | AssertionError e) {
                // a bug in the receiver (or a class missing from the class path) must not silently kill
                // the only receiving thread: the node would stop answering
                LOG.error("datagram handler failed on {}", localAddress, e);
            }
        }
    }

    @Override
    public void send(InetSocketAddress to, byte[] data) {
        if (closed) {
            return;
        }
        if (data.length > MAX_DATAGRAM) {
            throw new IllegalArgumentException("datagram of " + data.length + " bytes exceeds " + MAX_DATAGRAM);
        }
        try {
            socket.send(new DatagramPacket(data, data.length, to));
        } catch (IOException e) {
            LOG.debug("send to {} failed: {}", to, e.getMessage());
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public int maxDatagramBytes() {
        return MAX_DATAGRAM;
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            t = receiverThread;
        }
        socket.close();
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

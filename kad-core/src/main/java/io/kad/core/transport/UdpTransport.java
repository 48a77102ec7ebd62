package io.kad.core.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} over one UDP socket: everything is sent from the socket the node listens on, as
 * kad.py requires (a kad.py node learns a peer's address only from the source of its datagrams).
 *
 * <p>Datagrams are received on an {@link EventLoop}'s thread (the node's protocol thread, when the
 * node was given the same loop as its scheduler), so nothing hands a datagram from one thread to
 * another. {@link #send} writes from the caller's thread (a {@code DatagramChannel} is safe for
 * concurrent sends) and never blocks: a full socket buffer, an unreachable port or any other send error
 * is logged at debug level and otherwise treated as loss.
 */
public final class UdpTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(UdpTransport.class);

    /** The largest UDP payload over IPv4. */
    public static final int MAX_DATAGRAM = 65_507;
    /** The most datagrams read in one turn of the event loop. */
    static final int RECEIVE_BATCH = 64;

    private final DatagramChannel channel;
    private final InetSocketAddress localAddress;
    private final EventLoop loop;
    private final boolean ownsLoop;
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(MAX_DATAGRAM + 1);
    private volatile boolean closed;
    private boolean started;

    private UdpTransport(DatagramChannel channel, InetSocketAddress localAddress, EventLoop loop, boolean ownsLoop) {
        this.channel = channel;
        this.localAddress = localAddress;
        this.loop = loop;
        this.ownsLoop = ownsLoop;
    }

    /**
     * Binds a UDP socket received on its own event loop thread.
     *
     * @param host the address to bind (e.g. {@code 127.0.0.1}, or {@code 0.0.0.0} for every interface)
     * @param port the port, 0 for an ephemeral one
     * @return the bound transport
     * @throws UncheckedIOException if the socket cannot be bound, naming the address
     */
    public static UdpTransport bind(String host, int port) {
        Objects.requireNonNull(host, "host");
        checkPort(port);
        EventLoop loop = new EventLoop("kad-udp-" + host + ":" + port);
        try {
            return bind(host, port, loop, true);
        } catch (RuntimeException e) {
            loop.close();
            throw e;
        }
    }

    /**
     * Binds a UDP socket received on a given event loop (the node's scheduler).
     *
     * @param host the address to bind
     * @param port the port, 0 for an ephemeral one
     * @param loop the loop whose thread receives; not closed by this transport
     * @return the bound transport
     * @throws UncheckedIOException if the socket cannot be bound, naming the address
     */
    public static UdpTransport bind(String host, int port, EventLoop loop) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(loop, "loop");
        checkPort(port);
        return bind(host, port, loop, false);
    }

    private static void checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range 0..65535: " + port);
        }
    }

    private static UdpTransport bind(String host, int port, EventLoop loop, boolean ownsLoop) {
        DatagramChannel channel = null;
        try {
            InetAddress address = InetAddress.getByName(host);
            channel = DatagramChannel.open(address instanceof java.net.Inet6Address
                    ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 * 1024 * 1024);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, 4 * 1024 * 1024);
            channel.bind(new InetSocketAddress(address, port));
            channel.configureBlocking(false);
            InetSocketAddress bound = new InetSocketAddress(address,
                    ((InetSocketAddress) channel.getLocalAddress()).getPort());
            return new UdpTransport(channel, bound, loop, ownsLoop);
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // the bind error is the one to report
                }
            }
            throw new UncheckedIOException("cannot bind UDP " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void start(Receiver receiver) {
        Objects.requireNonNull(receiver, "receiver");
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        loop.register(channel, key -> receiveAll(receiver));
    }

    /**
     * Reads the datagrams waiting, on the loop thread: at most {@link #RECEIVE_BATCH} at a time, so that
     * the loop's timers and tasks (a caller's request among them) run between the fragments of a large
     * transfer; the selector reports the socket readable again at once.
     */
    private void receiveAll(Receiver receiver) {
        for (int n = 0; n < RECEIVE_BATCH && !closed; n++) {
            SocketAddress from;
            try {
                receiveBuffer.clear();
                from = channel.receive(receiveBuffer);
            } catch (IOException e) {
                if (!closed) {
                    LOG.debug("receive failed on {}: {}", localAddress, e.getMessage());
                }
                return;
            }
            if (from == null) {
                return;
            }
            receiveBuffer.flip();
            byte[] data = new byte[receiveBuffer.remaining()];
            receiveBuffer.get(data);
            receiver.onDatagram((InetSocketAddress) from, data);
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
            if (channel.send(ByteBuffer.wrap(data), to) == 0) {
                LOG.debug("send buffer full: datagram to {} dropped", to);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("send to {} failed: {}", to, e.toString());
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
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing {} failed: {}", localAddress, e.getMessage());
        }
        if (ownsLoop) {
            loop.close();
        }
    }
}

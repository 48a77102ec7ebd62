package io.kad.core.interop;

import com.fasterxml.jackson.databind.JsonNode;
import io.kad.core.wire.MessageCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A plain UDP socket on 127.0.0.1 that plays a peer by hand: it sends datagrams built by the test and
 * reads what comes back, with a receive timeout so a missing reply fails fast.
 */
public final class RawPeer implements AutoCloseable {

    private final DatagramSocket socket;

    public RawPeer() {
        try {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
    }

    public void send(InetSocketAddress to, String text) {
        send(to, text.getBytes(StandardCharsets.UTF_8));
    }

    public void send(InetSocketAddress to, byte[] data) {
        try {
            socket.send(new DatagramPacket(data, data.length, to));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One received datagram and where it came from. */
    public record Datagram(InetSocketAddress from, byte[] data) {
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            try {
                return MessageCodec.mapper().readTree(data);
            } catch (IOException e) {
                throw new AssertionError("datagram is not JSON: " + text(), e);
            }
        }

        public String type() {
            return json().path("message_type").asText(null);
        }
    }

    /**
     * @param timeoutMillis how long to wait
     * @return the next datagram, or empty if none arrived in time
     */
    public Optional<Datagram> receive(int timeoutMillis) {
        byte[] buffer = new byte[65_536];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
            socket.setSoTimeout(timeoutMillis);
            socket.receive(packet);
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] data = java.util.Arrays.copyOf(buffer, packet.getLength());
        return Optional.of(new Datagram((InetSocketAddress) packet.getSocketAddress(), data));
    }

    /** @return the next datagram; fails if none arrives within two seconds */
    public Datagram expectReply() {
        return receive(2000).orElseThrow(() -> new AssertionError("no reply within 2000 ms"));
    }

    @Override
    public void close() {
        socket.close();
    }
}

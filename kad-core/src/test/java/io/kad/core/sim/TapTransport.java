package io.kad.core.sim;

import io.kad.core.transport.Transport;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulated endpoint that records what its node sends, as an eavesdropper on the wire would: the
 * datagrams a replay or a fuzzer starts from. Keeps at most {@code limit} datagrams.
 */
public final class TapTransport implements Transport {

    /** One datagram sent: where to, and its bytes. */
    public record Sent(InetSocketAddress to, byte[] data) {
    }

    private final SimTransport inner;
    private final int limit;
    private final List<Sent> sent = new ArrayList<>();

    /**
     * @param inner the endpoint that carries the datagrams
     * @param limit the most datagrams kept
     */
    public TapTransport(SimTransport inner, int limit) {
        this.inner = inner;
        this.limit = limit;
    }

    /** @return every datagram kept, in the order sent */
    public List<Sent> sent() {
        return sent;
    }

    /**
     * @param to a destination
     * @param from how many datagrams to skip (the size of {@link #sent()} at some earlier point)
     * @return the bytes sent to {@code to} since then
     */
    public List<byte[]> sentTo(InetSocketAddress to, int from) {
        List<byte[]> out = new ArrayList<>();
        for (Sent s : sent.subList(from, sent.size())) {
            if (s.to().equals(to)) {
                out.add(s.data());
            }
        }
        return out;
    }

    @Override
    public void start(Receiver receiver) {
        inner.start(receiver);
    }

    @Override
    public void send(InetSocketAddress to, byte[] data) {
        if (sent.size() < limit) {
            sent.add(new Sent(to, data.clone()));
        }
        inner.send(to, data);
    }

    @Override
    public InetSocketAddress localAddress() {
        return inner.localAddress();
    }

    @Override
    public int maxDatagramBytes() {
        return inner.maxDatagramBytes();
    }

    @Override
    public void close() {
        inner.close();
    }
}

package io.kad.core.transport;

import java.net.InetSocketAddress;

/**
 * Moves datagrams between nodes: UDP in production ({@link UdpTransport}), an in-memory simulated
 * network in tests. A transport knows nothing of the protocol.
 *
 * <p>Contract: {@link #send} never blocks on the network and never throws for a lost or refused
 * datagram (loss is normal); received datagrams go to the {@link Receiver} given to {@link #start}, one
 * call per datagram; after {@link #close()} nothing is delivered and nothing sent.
 */
public interface Transport extends AutoCloseable {

    /** Receives the datagrams that arrive at a transport. */
    @FunctionalInterface
    interface Receiver {
        /**
         * @param from the sender's address
         * @param data the datagram's bytes (owned by the receiver from now on)
         */
        void onDatagram(InetSocketAddress from, byte[] data);
    }

    /**
     * Starts delivering received datagrams.
     *
     * @param receiver where they go
     */
    void start(Receiver receiver);

    /**
     * Sends one datagram from this transport's address.
     *
     * @param to the destination
     * @param data the bytes; at most {@link #maxDatagramBytes()}
     */
    void send(InetSocketAddress to, byte[] data);

    /** @return the address this transport receives on and sends from */
    InetSocketAddress localAddress();

    /** @return the largest datagram this transport sends or accepts */
    int maxDatagramBytes();

    /** Stops receiving and sending and releases the socket or simulated endpoint. */
    @Override
    void close();
}

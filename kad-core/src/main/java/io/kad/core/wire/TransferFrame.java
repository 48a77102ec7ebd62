package io.kad.core.wire;

import java.nio.ByteBuffer;

/**
 * The binary datagrams of a fragmented transfer: how a record-protocol message too large for one
 * datagram travels between two nodes of this project, as fragments acknowledged by the receiver.
 *
 * <p>Every frame starts with {@link #MAGIC}, a byte that never begins a JSON datagram (it is not even
 * valid UTF-8), then a kind byte and the sender's 64-bit transfer id, big-endian:
 * <table>
 *   <caption>frames</caption>
 *   <tr><th>kind</th><th>after the transfer id</th></tr>
 *   <tr><td>{@code 'D'} data</td><td>total message bytes (int), fragment size (int), fragment index (int),
 *       then the fragment's bytes: {@code fragmentBytes} of them, fewer for the last fragment</td></tr>
 *   <tr><td>{@code 'A'} acknowledgement</td><td>{@code contiguous} (int: fragments 0 .. contiguous-1 all
 *       received; the fragment count once the message is complete), {@code beyond} (long: bit i set when
 *       fragment {@code contiguous + 1 + i} was received)</td></tr>
 *   <tr><td>{@code 'X'} abort</td><td>a reason byte ({@link #REFUSED}: the receiver will not take the
 *       transfer)</td></tr>
 * </table>
 * With a swarm secret, a frame carries a 16-byte tag at its end ({@link DatagramAuthenticator#sign}),
 * as a JSON datagram carries its {@code mac} field. Contract: {@link #decode} throws only
 * {@link MalformedMessageException}, for any input.
 */
public sealed interface TransferFrame {

    /** The first byte of every frame. */
    byte MAGIC = (byte) 0xF5;
    /** The bytes before a data frame's payload. */
    int DATA_HEADER_BYTES = 22;
    /** The smallest fragment size a receiver accepts. */
    int MIN_FRAGMENT_BYTES = 256;
    /** The largest fragment size a receiver accepts (with its header and tag, still one datagram). */
    int MAX_FRAGMENT_BYTES = 60_000;
    /** Abort reason: the receiver is at its bound for this sender or in all. */
    byte REFUSED = 1;

    /** @return the sender's id of the transfer */
    long transferId();

    /**
     * One fragment of a message.
     *
     * @param transferId the transfer
     * @param totalBytes the whole message's length
     * @param fragmentBytes every fragment's length but the last one's
     * @param index this fragment's position, from 0
     * @param payload the datagram holding the bytes
     * @param offset where the bytes start in {@code payload}
     * @param length how many bytes
     */
    record Data(long transferId, int totalBytes, int fragmentBytes, int index, byte[] payload, int offset,
                int length) implements TransferFrame {

        /** @return how many fragments the message has */
        public int count() {
            return fragmentCount(totalBytes, fragmentBytes);
        }
    }

    /**
     * What a receiver has of a transfer.
     *
     * @param transferId the transfer
     * @param contiguous fragments 0 .. contiguous-1 are received (all of them: the message is complete)
     * @param beyond bit i: fragment {@code contiguous + 1 + i} is received
     */
    record Ack(long transferId, int contiguous, long beyond) implements TransferFrame {
    }

    /**
     * The receiver gives a transfer up.
     *
     * @param transferId the transfer
     * @param reason why ({@link #REFUSED})
     */
    record Abort(long transferId, byte reason) implements TransferFrame {
    }

    /**
     * @param totalBytes a message's length
     * @param fragmentBytes the fragment size
     * @return how many fragments carry it
     */
    static int fragmentCount(int totalBytes, int fragmentBytes) {
        return (int) (((long) totalBytes + fragmentBytes - 1) / fragmentBytes);
    }

    /**
     * @param datagram a received datagram
     * @return whether it is a frame (else it is JSON, or garbage)
     */
    static boolean isFrame(byte[] datagram) {
        return datagram.length > 0 && datagram[0] == MAGIC;
    }

    /**
     * Builds a data frame with room for a tag after it.
     *
     * @param transferId the transfer
     * @param message the whole message
     * @param fragmentBytes the fragment size
     * @param index which fragment
     * @return the frame
     */
    static byte[] data(long transferId, byte[] message, int fragmentBytes, int index) {
        int from = index * fragmentBytes;
        int length = Math.min(fragmentBytes, message.length - from);
        ByteBuffer b = ByteBuffer.allocate(DATA_HEADER_BYTES + length);
        b.put(MAGIC).put((byte) 'D').putLong(transferId).putInt(message.length).putInt(fragmentBytes).putInt(index)
                .put(message, from, length);
        return b.array();
    }

    /**
     * @param transferId the transfer
     * @param contiguous fragments received from 0 without a gap
     * @param beyond received fragments after the gap
     * @return the acknowledgement frame
     */
    static byte[] ack(long transferId, int contiguous, long beyond) {
        return ByteBuffer.allocate(22).put(MAGIC).put((byte) 'A').putLong(transferId).putInt(contiguous)
                .putLong(beyond).array();
    }

    /**
     * @param transferId the transfer
     * @param reason why
     * @return the abort frame
     */
    static byte[] abort(long transferId, byte reason) {
        return ByteBuffer.allocate(11).put(MAGIC).put((byte) 'X').putLong(transferId).put(reason).array();
    }

    /**
     * Reads a frame (its tag already checked and removed), validating every field.
     *
     * @param d the frame
     * @return the frame
     * @throws MalformedMessageException if it is not a well-formed frame
     */
    static TransferFrame decode(byte[] d) throws MalformedMessageException {
        if (d.length < 11 || d[0] != MAGIC) {
            throw new MalformedMessageException("not a transfer frame");
        }
        ByteBuffer b = ByteBuffer.wrap(d);
        b.position(2);
        long id = b.getLong();
        switch (d[1]) {
            case 'D' -> {
                if (d.length <= DATA_HEADER_BYTES) {
                    throw new MalformedMessageException("data frame without data");
                }
                int total = b.getInt();
                int fragmentBytes = b.getInt();
                int index = b.getInt();
                if (fragmentBytes < MIN_FRAGMENT_BYTES || fragmentBytes > MAX_FRAGMENT_BYTES || total <= 0) {
                    throw new MalformedMessageException("data frame with fragment size " + fragmentBytes
                            + " of " + total + " bytes");
                }
                int count = fragmentCount(total, fragmentBytes);
                if (index < 0 || index >= count) {
                    throw new MalformedMessageException("fragment " + index + " of " + count);
                }
                int expected = index < count - 1 ? fragmentBytes : total - index * fragmentBytes;
                int length = d.length - DATA_HEADER_BYTES;
                if (length != expected) {
                    throw new MalformedMessageException("fragment " + index + " of " + length + " bytes, expected "
                            + expected);
                }
                return new Data(id, total, fragmentBytes, index, d, DATA_HEADER_BYTES, length);
            }
            case 'A' -> {
                if (d.length != 22) {
                    throw new MalformedMessageException("acknowledgement of " + d.length + " bytes");
                }
                int contiguous = b.getInt();
                if (contiguous < 0) {
                    throw new MalformedMessageException("acknowledgement of " + contiguous + " fragments");
                }
                return new Ack(id, contiguous, b.getLong());
            }
            case 'X' -> {
                if (d.length != 11) {
                    throw new MalformedMessageException("abort of " + d.length + " bytes");
                }
                return new Abort(id, b.get());
            }
            default -> throw new MalformedMessageException("unknown transfer frame kind " + d[1]);
        }
    }
}

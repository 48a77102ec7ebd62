package io.kad.core.id;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.Random;

/**
 * A Kademlia identifier: an unsigned integer below {@code 2^bits}. Node ids and record ids share
 * this space; their XOR is the distance between them (Maymounkov &amp; Mazi&egrave;res 2002, section 2.1).
 *
 * @param value the identifier, {@code 0 <= value < 2^bits}
 * @param bits the width of the id space
 */
public record NodeId(BigInteger value, int bits) implements Comparable<NodeId> {

    /**
     * The width of node ids: 128 bits, whatever the key hash. kad.py rejects a {@code peer_id} of
     * {@code 2^128} or more, and a 128-bit node id still orders nodes correctly for wider key ids (the
     * key's high bits are XORed with zeros for every node alike).
     */
    public static final int NODE_ID_BITS = 128;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Checks the range. */
    public NodeId {
        Objects.requireNonNull(value, "value");
        if (bits < 1 || bits > 4096) {
            throw new IllegalArgumentException("id width must be 1..4096 bits, was " + bits);
        }
        if (value.signum() < 0) {
            throw new IllegalArgumentException("id must not be negative: " + value);
        }
        if (value.bitLength() > bits) {
            throw new IllegalArgumentException("id " + value + " does not fit in " + bits + " bits");
        }
    }

    /**
     * @param bits the width of the id space
     * @return a uniformly random id
     */
    public static NodeId random(int bits) {
        return random(bits, RANDOM);
    }

    /**
     * @param bits the width of the id space
     * @param random the source of randomness (seeded in simulations)
     * @return a uniformly random id
     */
    public static NodeId random(int bits, Random random) {
        return new NodeId(new BigInteger(bits, random), bits);
    }

    /**
     * Reads an unsigned big-endian id, as a {@link io.kad.spi.KeyHashFunction} returns it.
     *
     * @param bytes the id bytes
     * @param bits the width of the id space
     * @return the id
     */
    public static NodeId fromBytes(byte[] bytes, int bits) {
        return new NodeId(new BigInteger(1, bytes), bits);
    }

    /**
     * @param other an id of the same space
     * @return the XOR distance between the two ids
     */
    public BigInteger distance(NodeId other) {
        return value.xor(other.value);
    }

    /**
     * @param other an id
     * @return the XOR distance between this id and {@code other}
     */
    public BigInteger distance(BigInteger other) {
        return value.xor(other);
    }

    /**
     * The index of the k-bucket that holds {@code other} in this node's table: the position of the
     * highest bit in which they differ ({@code bitLength(this XOR other) - 1}), or -1 if equal.
     *
     * @param other another id
     * @return the bucket index, {@code -1 .. bits-1}
     */
    public int bucketIndex(NodeId other) {
        return distance(other).bitLength() - 1;
    }

    @Override
    public int compareTo(NodeId o) {
        return value.compareTo(o.value);
    }

    /** @return a short hex form for logs */
    public String shortHex() {
        String hex = value.toString(16);
        return hex.length() <= 10 ? hex : hex.substring(0, 10) + "…";
    }

    @Override
    public String toString() {
        return value.toString();
    }
}

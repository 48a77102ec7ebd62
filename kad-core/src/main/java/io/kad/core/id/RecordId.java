package io.kad.core.id;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A record id held in fixed width: an unsigned number of up to {@value #WORD_BITS} bits as four
 * 64-bit words, so that equality, hashing, ordering, XOR distance and bucket index read the id
 * object alone and allocate nothing. A record is looked up on every cache operation, and a
 * {@link BigInteger} there costs the number, its magnitude array and a conversion per lookup.
 *
 * <p>Contract:
 * <ul>
 *   <li>two ids are equal when their values are, however they were made ({@link #fromBytes} of a
 *       digest, {@link #of} a {@code BigInteger}); the width of the hash that made them does not count;</li>
 *   <li>ids above {@code 2^256} (a {@link io.kad.spi.KeyHashFunction} wider than 256 bits) are held as a
 *       {@code BigInteger} and work alike, allocating as {@code BigInteger} does;</li>
 *   <li>immutable and thread-safe; {@link #toBigInteger()} is computed once, when first asked for.</li>
 * </ul>
 */
public final class RecordId implements Comparable<RecordId> {

    /** The widest id held in words; wider ones keep their {@code BigInteger}. */
    public static final int WORD_BITS = 256;

    private static final int WORD_BYTES = WORD_BITS / 8;
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** The words, {@code w3} the most significant; all zero for a wide id. */
    private final long w3;
    private final long w2;
    private final long w1;
    private final long w0;
    /** The value when it does not fit in the words, else {@code null}. */
    private final BigInteger wide;
    private final int hash;
    /** {@link #toBigInteger()} once computed: written at most once per thread, always the same value. */
    private BigInteger value;

    private RecordId(long w3, long w2, long w1, long w0, BigInteger wide, BigInteger value) {
        this.w3 = w3;
        this.w2 = w2;
        this.w1 = w1;
        this.w0 = w0;
        this.wide = wide;
        this.value = value;
        // every word counts, so ids chosen to share a low word (a peer's Store names its id) still
        // spread; the low word alone would do for digests
        this.hash = wide != null ? wide.hashCode()
                : Long.hashCode(w0 ^ Long.rotateLeft(w1, 16) ^ Long.rotateLeft(w2, 32) ^ Long.rotateLeft(w3, 48));
    }

    /**
     * Reads an unsigned big-endian id, as a {@link io.kad.spi.KeyHashFunction} returns it, without an
     * intermediate number.
     *
     * @param bigEndian the id bytes, any length
     * @return the id
     */
    public static RecordId fromBytes(byte[] bigEndian) {
        Objects.requireNonNull(bigEndian, "bigEndian");
        int n = bigEndian.length;
        if (n == WORD_BYTES) {
            // a 256-bit digest, the default hash's: four loads
            return new RecordId((long) WORDS.get(bigEndian, 0), (long) WORDS.get(bigEndian, 8),
                    (long) WORDS.get(bigEndian, 16), (long) WORDS.get(bigEndian, 24), null, null);
        }
        int first = 0;
        if (n > WORD_BYTES) {
            for (int i = 0; i < n - WORD_BYTES; i++) {
                if (bigEndian[i] != 0) {
                    BigInteger v = new BigInteger(1, bigEndian);
                    return new RecordId(0, 0, 0, 0, v, v);
                }
            }
            first = n - WORD_BYTES;
        }
        return new RecordId(word(bigEndian, first, n - 24), word(bigEndian, first, n - 16),
                word(bigEndian, first, n - 8), word(bigEndian, first, n), null, null);
    }

    /** The 8 bytes ending at {@code end} as a word; bytes before {@code first} count as zero. */
    private static long word(byte[] b, int first, int end) {
        long w = 0;
        for (int i = Math.max(first, end - 8); i < end; i++) {
            w = (w << 8) | (b[i] & 0xFF);
        }
        return w;
    }

    /**
     * @param id a non-negative id
     * @return the same id in fixed width
     * @throws IllegalArgumentException if {@code id} is negative
     */
    public static RecordId of(BigInteger id) {
        Objects.requireNonNull(id, "id");
        if (id.signum() < 0) {
            throw new IllegalArgumentException("id must not be negative: " + id);
        }
        if (id.bitLength() > WORD_BITS) {
            return new RecordId(0, 0, 0, 0, id, id);
        }
        if (id.bitLength() <= 63) {
            return new RecordId(0, 0, 0, id.longValue(), null, id);
        }
        byte[] bytes = id.toByteArray(); // big-endian, at most 33 bytes (a leading zero byte for the sign)
        int end = bytes.length;
        return new RecordId(word(bytes, 0, end - 24), word(bytes, 0, end - 16), word(bytes, 0, end - 8),
                word(bytes, 0, end), null, id);
    }

    /** @return the id as a number (computed once) */
    public BigInteger toBigInteger() {
        BigInteger v = value;
        if (v == null) {
            byte[] bytes = new byte[WORD_BYTES];
            put(bytes, 0, w3);
            put(bytes, 8, w2);
            put(bytes, 16, w1);
            put(bytes, 24, w0);
            v = new BigInteger(1, bytes);
            value = v; // a race computes the same value twice; BigInteger is safely published (final fields)
        }
        return v;
    }

    private static void put(byte[] b, int at, long w) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) w;
            w >>>= 8;
        }
    }

    /**
     * The index of the k-bucket that holds {@code other} in a table around this id: the position of the
     * highest bit in which they differ, or -1 if they are equal (Maymounkov &amp; Mazi&egrave;res 2002,
     * section 2.2).
     *
     * @param other another id
     * @return the bucket index
     */
    public int bucketIndex(RecordId other) {
        if (wide != null || other.wide != null) {
            return toBigInteger().xor(other.toBigInteger()).bitLength() - 1;
        }
        long d = w3 ^ other.w3;
        if (d != 0) {
            return 255 - Long.numberOfLeadingZeros(d);
        }
        d = w2 ^ other.w2;
        if (d != 0) {
            return 191 - Long.numberOfLeadingZeros(d);
        }
        d = w1 ^ other.w1;
        if (d != 0) {
            return 127 - Long.numberOfLeadingZeros(d);
        }
        return 63 - Long.numberOfLeadingZeros(w0 ^ other.w0);
    }

    /**
     * Orders two ids by their XOR distance to this one (section 2.1 of the paper).
     *
     * @param a an id
     * @param b another id
     * @return negative, zero or positive as {@code a} is nearer this id than {@code b}, as near, or farther
     */
    public int compareDistance(RecordId a, RecordId b) {
        if (wide != null || a.wide != null || b.wide != null) {
            BigInteger t = toBigInteger();
            return t.xor(a.toBigInteger()).compareTo(t.xor(b.toBigInteger()));
        }
        int c = Long.compareUnsigned(a.w3 ^ w3, b.w3 ^ w3);
        if (c == 0) {
            c = Long.compareUnsigned(a.w2 ^ w2, b.w2 ^ w2);
        }
        if (c == 0) {
            c = Long.compareUnsigned(a.w1 ^ w1, b.w1 ^ w1);
        }
        return c != 0 ? c : Long.compareUnsigned(a.w0 ^ w0, b.w0 ^ w0);
    }

    /** Orders by value. */
    @Override
    public int compareTo(RecordId o) {
        if (wide != null || o.wide != null) {
            if (wide == null) {
                return -1; // every id held in words is below every wide one
            }
            return o.wide == null ? 1 : wide.compareTo(o.wide);
        }
        int c = Long.compareUnsigned(w3, o.w3);
        if (c == 0) {
            c = Long.compareUnsigned(w2, o.w2);
        }
        if (c == 0) {
            c = Long.compareUnsigned(w1, o.w1);
        }
        return c != 0 ? c : Long.compareUnsigned(w0, o.w0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecordId k && w0 == k.w0 && w1 == k.w1 && w2 == k.w2 && w3 == k.w3
                && Objects.equals(wide, k.wide);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** @return the id in decimal, as {@link NodeId} and the record's {@code BigInteger} id print */
    @Override
    public String toString() {
        return toBigInteger().toString();
    }
}

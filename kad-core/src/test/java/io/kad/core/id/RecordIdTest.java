package io.kad.core.id;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The fixed-width record id agrees with the {@code BigInteger} it stands for: equality, order, XOR
 * distance and bucket index, for ids of every width up to 512 bits (wider than the words hold).
 */
class RecordIdTest {

    @Provide
    Arbitrary<BigInteger> ids() {
        // widths around the word boundaries, full ones and tiny ones, so equal high words are common
        Arbitrary<Integer> widths = Arbitraries.of(1, 8, 63, 64, 65, 127, 128, 129, 160, 255, 256, 257, 512);
        return Combinators.combine(widths, Arbitraries.longs()).as((bits, seed) ->
                new BigInteger(bits, new java.util.Random(seed)));
    }

    /** The unsigned big-endian bytes of an id, with {@code pad} leading zero bytes. */
    private static byte[] bytes(BigInteger id, int pad) {
        byte[] magnitude = id.toByteArray();
        int skip = magnitude.length > 1 && magnitude[0] == 0 ? 1 : 0;
        byte[] out = new byte[pad + magnitude.length - skip];
        System.arraycopy(magnitude, skip, out, pad, magnitude.length - skip);
        return out;
    }

    @Property
    void bytesAndNumberGiveTheSameId(@ForAll("ids") BigInteger x, @ForAll("pads") int pad) {
        RecordId fromBytes = RecordId.fromBytes(bytes(x, pad));
        RecordId of = RecordId.of(x);
        assertThat(fromBytes).isEqualTo(of);
        assertThat(fromBytes.hashCode()).isEqualTo(of.hashCode());
        assertThat(fromBytes.toBigInteger()).isEqualTo(x);
        assertThat(of.toBigInteger()).isEqualTo(x);
        assertThat(fromBytes.toString()).isEqualTo(x.toString());
    }

    @Provide
    Arbitrary<Integer> pads() {
        return Arbitraries.integers().between(0, 40);
    }

    @Property
    void equalityAndOrderAreTheNumbers(@ForAll("ids") BigInteger x, @ForAll("ids") BigInteger y) {
        RecordId a = RecordId.fromBytes(bytes(x, 0));
        RecordId b = RecordId.of(y);
        assertThat(a.equals(b)).isEqualTo(x.equals(y));
        assertThat(Integer.signum(a.compareTo(b))).isEqualTo(Integer.signum(x.compareTo(y)));
    }

    @Property
    void distanceOrderIsTheXorOrder(@ForAll("ids") BigInteger t, @ForAll("ids") BigInteger x,
                                    @ForAll("ids") BigInteger y) {
        int expected = Integer.signum(t.xor(x).compareTo(t.xor(y)));
        assertThat(Integer.signum(RecordId.of(t).compareDistance(RecordId.of(x), RecordId.of(y))))
                .isEqualTo(expected);
    }

    @Property
    void bucketIndexIsTheHighestDifferingBit(@ForAll("ids") BigInteger x, @ForAll("ids") BigInteger y) {
        assertThat(RecordId.of(x).bucketIndex(RecordId.of(y))).isEqualTo(x.xor(y).bitLength() - 1);
    }

    @Property
    void idsSharingTheLowWordStayApart(@ForAll("ids") BigInteger x) {
        // the same low word with another bit above it, within the words and beyond them
        BigInteger y = x.flipBit(200);
        BigInteger z = x.flipBit(300);
        assertThat(RecordId.of(x)).isNotEqualTo(RecordId.of(y)).isNotEqualTo(RecordId.of(z));
        assertThat(RecordId.of(y)).isNotEqualTo(RecordId.of(z));
    }

    @Example
    void aNodeIdsBucketIndexIsTheSame() {
        NodeId a = new NodeId(BigInteger.ONE.shiftLeft(127).add(BigInteger.valueOf(5)), NodeId.NODE_ID_BITS);
        NodeId b = new NodeId(BigInteger.valueOf(4), NodeId.NODE_ID_BITS);
        assertThat(RecordId.of(a.value()).bucketIndex(RecordId.of(b.value()))).isEqualTo(a.bucketIndex(b)).isEqualTo(127);
        assertThat(RecordId.of(b.value()).bucketIndex(RecordId.of(b.value()))).isEqualTo(-1);
    }

    @Example
    void aNegativeNumberIsNoId() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RecordId.of(BigInteger.valueOf(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Example
    void aDigestOfAllOnesReadsAsItsNumber() {
        byte[] ones = new byte[32];
        Arrays.fill(ones, (byte) 0xFF);
        assertThat(RecordId.fromBytes(ones).toBigInteger())
                .isEqualTo(BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE));
        assertThat(RecordId.fromBytes(new byte[0])).isEqualTo(RecordId.of(BigInteger.ZERO));
    }
}

package io.kad.core.id;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Properties of the XOR metric (Maymounkov & Mazières 2002, section 2.1). */
class DistancePropertiesTest {

    private static final BigInteger LIMIT_128 = BigInteger.ONE.shiftLeft(NodeId.NODE_ID_BITS);
    private static final BigInteger LIMIT_256 = BigInteger.ONE.shiftLeft(256);

    @Provide
    Arbitrary<NodeId> ids() {
        // mix full-width ids with tiny ones, so that equal high bits and small distances are common
        Arbitrary<BigInteger> wide = Arbitraries.bigIntegers().between(BigInteger.ZERO, LIMIT_128.subtract(BigInteger.ONE));
        Arbitrary<BigInteger> tiny = Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.valueOf(255));
        return Arbitraries.oneOf(wide, tiny).map(v -> new NodeId(v, NodeId.NODE_ID_BITS));
    }

    @Provide
    Arbitrary<BigInteger> distances() {
        return Arbitraries.bigIntegers().between(BigInteger.ZERO, LIMIT_128.subtract(BigInteger.ONE));
    }

    @Provide
    Arbitrary<BigInteger> keys256() {
        return Arbitraries.bigIntegers().between(BigInteger.ZERO, LIMIT_256.subtract(BigInteger.ONE));
    }

    @Property
    void distanceToItselfIsZero(@ForAll("ids") NodeId x) {
        assertThat(x.distance(x)).isZero();
    }

    @Property
    void distanceIsPositiveBetweenDistinctIds(@ForAll("ids") NodeId x, @ForAll("ids") NodeId y) {
        assertThat(x.distance(y).signum() > 0).isEqualTo(!x.equals(y));
    }

    @Property
    void distanceIsSymmetric(@ForAll("ids") NodeId x, @ForAll("ids") NodeId y) {
        assertThat(x.distance(y)).isEqualTo(y.distance(x));
    }

    @Property
    void distanceSatisfiesTriangleInequality(
            @ForAll("ids") NodeId x, @ForAll("ids") NodeId y, @ForAll("ids") NodeId z) {
        assertThat(x.distance(z)).isLessThanOrEqualTo(x.distance(y).add(y.distance(z)));
        // the XOR form it comes from: d(x,z) = d(x,y) XOR d(y,z)
        assertThat(x.distance(z)).isEqualTo(x.distance(y).xor(y.distance(z)));
    }

    @Property
    void exactlyOneIdLiesAtAGivenDistance(@ForAll("ids") NodeId x, @ForAll("distances") BigInteger d) {
        NodeId y = new NodeId(x.value().xor(d), NodeId.NODE_ID_BITS);
        assertThat(x.distance(y)).isEqualTo(d);
    }

    @Property
    void distinctIdsAreAtDistinctDistances(@ForAll("ids") NodeId x, @ForAll("ids") NodeId y, @ForAll("ids") NodeId z) {
        // unidirectionality: d(x,y) = d(x,z) implies y = z
        assertThat(x.distance(y).equals(x.distance(z))).isEqualTo(y.equals(z));
    }

    @Property
    void bucketIndexIsTheHighestDifferingBit(@ForAll("ids") NodeId x, @ForAll("ids") NodeId y) {
        int i = x.bucketIndex(y);
        if (x.equals(y)) {
            assertThat(i).isEqualTo(-1);
        } else {
            BigInteger d = x.distance(y);
            assertThat(d).isGreaterThanOrEqualTo(BigInteger.ONE.shiftLeft(i)).isLessThan(BigInteger.ONE.shiftLeft(i + 1));
            assertThat(i).isEqualTo(y.bucketIndex(x));
        }
    }

    @Property
    void nodeOrderForAWideKeyDependsOnlyOnItsLowBits(
            @ForAll("ids") NodeId a, @ForAll("ids") NodeId b, @ForAll("keys256") BigInteger key) {
        BigInteger low = key.mod(LIMIT_128);
        int wide = a.distance(key).compareTo(b.distance(key));
        int narrow = a.distance(low).compareTo(b.distance(low));
        assertThat(Integer.signum(wide)).isEqualTo(Integer.signum(narrow));
    }

    @Example
    void handComputedSmallDistances() {
        NodeId five = new NodeId(BigInteger.valueOf(0b0101), NodeId.NODE_ID_BITS);
        NodeId twelve = new NodeId(BigInteger.valueOf(0b1100), NodeId.NODE_ID_BITS);
        assertThat(five.distance(twelve)).isEqualTo(BigInteger.valueOf(0b1001));
        assertThat(five.bucketIndex(twelve)).isEqualTo(3);
    }
}

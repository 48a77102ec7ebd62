package io.kad.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The membership view's nearest-members answer equals a brute-force sort by XOR distance, whatever the
 * population, the count asked, the members passed over and the width of the target.
 */
class MembershipTest {

    private static Contact contact(BigInteger id, boolean records) {
        return new Contact(new NodeId(id, NodeId.NODE_ID_BITS), InetSocketAddress.createUnresolved("10.0.0.1", 4000),
                records);
    }

    /**
     * A random id that shares all but its low {@code spread} bits with {@code prefix}: small spreads put
     * members, target and local node in one narrow block, so that the search runs through block widths
     * near and below 64 bits (the boundary between the view's two words), not only through the top bits.
     */
    private static BigInteger near(BigInteger prefix, int spread, int bits, Random random) {
        BigInteger low = new BigInteger(spread, random);
        return prefix.shiftRight(spread).shiftLeft(spread).or(low).and(BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE));
    }

    @Property(tries = 400)
    void closestEqualsABruteForceSortByXorDistance(@ForAll long seed, @ForAll @IntRange(min = 0, max = 400) int size,
                                                   @ForAll @IntRange(min = 0, max = 30) int n,
                                                   @ForAll boolean wideTarget, @ForAll boolean skipSome,
                                                   @ForAll @IntRange(min = 1, max = 128) int spread) {
        Random random = new Random(seed);
        BigInteger prefix = new BigInteger(NodeId.NODE_ID_BITS, random);
        NodeId self = new NodeId(near(prefix, spread, NodeId.NODE_ID_BITS, random), NodeId.NODE_ID_BITS);
        Membership view = new Membership(self, 1_000);
        List<Contact> all = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Contact c = contact(near(prefix, spread, NodeId.NODE_ID_BITS, random), true);
            if (view.add(c)) {
                all.add(c);
            }
        }
        BigInteger target = wideTarget
                ? new BigInteger(128, random).shiftLeft(128).or(near(prefix, spread, NodeId.NODE_ID_BITS, random))
                : near(prefix, spread, NodeId.NODE_ID_BITS, random);
        Predicate<Contact> skip = skipSome ? c -> c.id().value().testBit(3) : null;
        List<Contact> expected = all.stream().filter(c -> skip == null || !skip.test(c))
                .sorted(Comparator.comparing(c -> c.id().value().xor(target)))
                .limit(n).toList();
        assertThat(view.closest(target, n, skip)).containsExactlyElementsOf(expected);

        BigInteger low = target.and(BigInteger.ONE.shiftLeft(NodeId.NODE_ID_BITS).subtract(BigInteger.ONE));
        boolean nearer = all.stream().anyMatch(c -> c.id().value().xor(low).compareTo(self.value().xor(low)) < 0);
        assertThat(view.anyNearerThanSelf(target)).as("a member nearer the target than the local node").isEqualTo(nearer);
    }

    @Example
    void theLocalNodeAndNodesWithoutTheRecordProtocolAreNeverMembers() {
        NodeId self = NodeId.random(NodeId.NODE_ID_BITS, new Random(1));
        Membership view = new Membership(self, 10);
        assertThat(view.add(contact(self.value(), true))).isFalse();
        assertThat(view.add(contact(BigInteger.ONE, false))).isFalse();
        assertThat(view.size()).isZero();
    }

    @Example
    void aFullViewRefusesNewMembersAndCountsThemButKeepsTheKnownOnes() {
        Membership view = new Membership(new NodeId(BigInteger.ZERO, NodeId.NODE_ID_BITS), 3);
        for (int i = 1; i <= 5; i++) {
            view.add(contact(BigInteger.valueOf(i), true));
        }
        assertThat(view.size()).isEqualTo(view.capacity()).isEqualTo(3);
        assertThat(view.refused()).isEqualTo(2);
        assertThat(view.contains(new NodeId(BigInteger.ONE, NodeId.NODE_ID_BITS))).isTrue();
        assertThat(view.remove(new NodeId(BigInteger.ONE, NodeId.NODE_ID_BITS))).isTrue();
        assertThat(view.add(contact(BigInteger.valueOf(9), true))).as("room again after a removal").isTrue();
    }
}

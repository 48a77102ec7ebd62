package io.kad.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The k-bucket table (Maymounkov & Mazières 2002, sections 2.2 and 4.1). Many tests use tiny ids:
 * node ids are 128 bits wide, but with the local id 0 a contact {@code v} falls in bucket
 * {@code bitLength(v) - 1}, so bucket 2 holds 4..7, bucket 3 holds 8..15, and so on.
 */
class RoutingTableTest {

    private static final NodeId ZERO = id(0);

    static NodeId id(long v) {
        return new NodeId(BigInteger.valueOf(v), NodeId.NODE_ID_BITS);
    }

    static Contact contact(long v) {
        return contact(id(v), 4000);
    }

    static Contact contact(NodeId id, int port) {
        return new Contact(id, InetSocketAddress.createUnresolved("10.0.0.1", port), true);
    }

    static List<Long> values(List<Contact> contacts) {
        return contacts.stream().map(c -> c.id().value().longValueExact()).toList();
    }

    @Example
    void contactsFallInTheBucketOfTheirHighestDifferingBit() {
        RoutingTable t = new RoutingTable(ZERO, RoutingTable.K);
        for (long v : new long[] {1, 2, 3, 4, 7, 8, 200}) {
            assertThat(t.observe(contact(v), 0)).isInstanceOf(ObserveResult.Inserted.class);
        }
        assertThat(values(t.bucket(0))).containsExactly(1L);
        assertThat(values(t.bucket(1))).containsExactly(2L, 3L);
        assertThat(values(t.bucket(2))).containsExactly(4L, 7L);
        assertThat(values(t.bucket(3))).containsExactly(8L);
        assertThat(values(t.bucket(7))).containsExactly(200L);
        assertThat(t.size()).isEqualTo(7);
        assertThat(t.bucketCount()).isEqualTo(128);
    }

    @Example
    void selfIsNeverInserted() {
        RoutingTable t = new RoutingTable(id(5), 4);
        assertThat(t.observe(contact(5), 0)).isInstanceOf(ObserveResult.Ignored.class);
        assertThat(t.size()).isZero();
        assertThat(t.get(id(5))).isEmpty();
    }

    @Example
    void contactOfAnotherIdWidthIsIgnored() {
        RoutingTable t = new RoutingTable(ZERO, 4);
        Contact wide = contact(new NodeId(BigInteger.ONE, 256), 1);
        assertThat(t.observe(wide, 0)).isInstanceOf(ObserveResult.Ignored.class);
        assertThat(t.size()).isZero();
    }

    @Example
    void seenContactMovesToTheTailAndTakesItsNewAddress() {
        RoutingTable t = new RoutingTable(ZERO, 4);
        t.observe(contact(4), 0);
        t.observe(contact(5), 1);
        t.observe(contact(6), 2);
        Contact moved = new Contact(id(4), InetSocketAddress.createUnresolved("10.0.0.9", 9), false);
        assertThat(t.observe(moved, 3)).isEqualTo(new ObserveResult.Refreshed(moved));
        assertThat(values(t.bucket(2))).containsExactly(5L, 6L, 4L);
        Contact stored = t.get(id(4)).orElseThrow();
        assertThat(stored.address().getPort()).isEqualTo(9);
        assertThat(stored.speaksRecords()).isFalse();
    }

    /** Later than this, the contacts observed at time 0 and 1 are no longer taken as alive without a ping. */
    private static final long LATER = RoutingTable.LIVE_CONTACT_MILLIS + 1;

    @Example
    void fullBucketAsksToPingItsLeastRecentlySeenContact() {
        RoutingTable t = new RoutingTable(ZERO, 2);
        t.observe(contact(4), 0);
        t.observe(contact(5), 1);
        ObserveResult r = t.observe(contact(6), LATER);
        assertThat(r).isEqualTo(new ObserveResult.PingHead(contact(4), contact(6)));
        assertThat(values(t.bucket(2))).containsExactly(4L, 5L);
        assertThat(values(t.replacements(2))).containsExactly(6L);
        // a second newcomer while the ping is pending: queued, no second ping
        assertThat(t.observe(contact(7), LATER + 1)).isEqualTo(new ObserveResult.Queued(contact(7)));
        assertThat(values(t.replacements(2))).containsExactly(7L, 6L);
    }

    @Example
    void newcomerToAFullBucketWhoseHeadWasHeardLatelyWaitsWithoutAPing() {
        RoutingTable t = new RoutingTable(ZERO, 2);
        t.observe(contact(4), 0);
        t.observe(contact(5), 1);
        for (long v = 6; v < 8; v++) {
            assertThat(t.observe(contact(v), RoutingTable.LIVE_CONTACT_MILLIS - 1))
                    .isEqualTo(new ObserveResult.Queued(contact(v)));
        }
        assertThat(values(t.bucket(2))).containsExactly(4L, 5L);
        assertThat(values(t.replacements(2))).containsExactly(7L, 6L);
        // once the head has been silent that long, the next newcomer asks for its ping
        assertThat(t.observe(contact(6), RoutingTable.LIVE_CONTACT_MILLIS))
                .isEqualTo(new ObserveResult.PingHead(contact(4), contact(6)));
    }

    @Example
    void contactPromotedFromTheReplacementCacheIsPingedBeforeItKeepsANewcomerOut() {
        RoutingTable t = new RoutingTable(ZERO, 1);
        t.observe(contact(4), 0);
        assertThat(t.observe(contact(5), LATER)).isEqualTo(new ObserveResult.PingHead(contact(4), contact(5)));
        assertThat(t.onPingTimeout(contact(4))).contains(contact(5));
        // 5 sits in the bucket without having been heard from since: the next newcomer asks for its ping
        assertThat(t.observe(contact(6), LATER + 1)).isEqualTo(new ObserveResult.PingHead(contact(5), contact(6)));
    }

    @Example
    void deadHeadIsEvictedAndMostRecentReplacementPromoted() {
        RoutingTable t = new RoutingTable(ZERO, 2);
        t.observe(contact(4), 0);
        t.observe(contact(5), 1);
        t.observe(contact(6), 2);
        t.observe(contact(7), 3);
        assertThat(t.onPingTimeout(contact(4))).contains(contact(7));
        assertThat(values(t.bucket(2))).containsExactly(5L, 7L);
        assertThat(values(t.replacements(2))).containsExactly(6L);
        assertThat(t.get(id(4))).isEmpty();
    }

    @Example
    void headThatAnswersThePingStaysAndCandidateWaits() {
        RoutingTable t = new RoutingTable(ZERO, 2);
        t.observe(contact(4), 0);
        t.observe(contact(5), 1);
        t.observe(contact(6), LATER);
        assertThat(t.observe(contact(4), LATER + 1)).isInstanceOf(ObserveResult.Refreshed.class);
        assertThat(values(t.bucket(2))).containsExactly(5L, 4L);
        assertThat(values(t.replacements(2))).containsExactly(6L);
        // the pending ping was answered, so the next newcomer asks to ping the new head, silent since 1
        assertThat(t.observe(contact(7), LATER + 2)).isEqualTo(new ObserveResult.PingHead(contact(5), contact(7)));
    }

    @Example
    void unresolvedPingIsRequestedAgainAfterItExpires() {
        RoutingTable t = new RoutingTable(ZERO, 1);
        t.observe(contact(4), 0);
        assertThat(t.observe(contact(5), LATER)).isInstanceOf(ObserveResult.PingHead.class);
        assertThat(t.observe(contact(6), LATER + 1)).isInstanceOf(ObserveResult.Queued.class);
        assertThat(t.observe(contact(7), LATER + RoutingTable.PENDING_PING_EXPIRY_MILLIS))
                .isEqualTo(new ObserveResult.PingHead(contact(4), contact(7)));
    }

    @Example
    void replacementCacheIsBoundedAndKeepsTheMostRecent() {
        RoutingTable t = new RoutingTable(ZERO, 2);
        for (long v = 8; v < 16; v++) {
            t.observe(contact(v), v);
        }
        assertThat(values(t.bucket(3))).containsExactly(8L, 9L);
        assertThat(values(t.replacements(3))).containsExactly(15L, 14L);
    }

    @Example
    void contactIsEvictedAfterConsecutiveFailuresWhenAReplacementWaits() {
        RoutingTable t = new RoutingTable(ZERO, 2);
        t.observe(contact(4), 0);
        t.observe(contact(5), 1);
        t.observe(contact(6), 2);
        for (int i = 1; i < RoutingTable.MAX_CONSECUTIVE_FAILURES; i++) {
            assertThat(t.onFailure(id(5))).isFalse();
        }
        assertThat(t.onFailure(id(5))).isTrue();
        assertThat(values(t.bucket(2))).containsExactly(4L, 6L);
        assertThat(t.replacements(2)).isEmpty();
    }

    @Example
    void successResetsTheFailureCount() {
        RoutingTable t = new RoutingTable(ZERO, 2);
        t.observe(contact(4), 0);
        t.observe(contact(5), 1);
        t.observe(contact(6), 2);
        for (int i = 1; i < RoutingTable.MAX_CONSECUTIVE_FAILURES; i++) {
            t.onFailure(id(5));
        }
        t.observe(contact(5), 3);
        assertThat(t.onFailure(id(5))).isFalse();
        assertThat(t.get(id(5))).isPresent();
    }

    @Example
    void staleContactWithoutReplacementStaysUntilANewcomerTakesItsPlace() {
        RoutingTable t = new RoutingTable(ZERO, 2);
        t.observe(contact(4), 0);
        t.observe(contact(5), 1);
        for (int i = 0; i < RoutingTable.MAX_CONSECUTIVE_FAILURES; i++) {
            assertThat(t.onFailure(id(4))).isFalse();
        }
        assertThat(t.get(id(4))).isPresent();
        assertThat(t.observe(contact(6), 2)).isEqualTo(new ObserveResult.Replaced(contact(6), contact(4)));
        assertThat(values(t.bucket(2))).containsExactly(5L, 6L);
    }

    @Example
    void failedReplacementIsDroppedFromTheCache() {
        RoutingTable t = new RoutingTable(ZERO, 1);
        t.observe(contact(4), 0);
        t.observe(contact(5), 1);
        assertThat(t.onFailure(id(5))).isFalse();
        assertThat(t.replacements(2)).isEmpty();
        assertThat(t.onPingTimeout(contact(4))).isEmpty();
        assertThat(t.size()).isZero();
    }

    @Example
    void removeFillsTheSlotFromTheReplacementCache() {
        RoutingTable t = new RoutingTable(ZERO, 1);
        t.observe(contact(4), 0);
        t.observe(contact(5), 1);
        assertThat(t.remove(id(4))).isTrue();
        assertThat(values(t.bucket(2))).containsExactly(5L);
        assertThat(t.remove(id(4))).isFalse();
    }

    @Example
    void closestIsSortedByXorDistanceComputedByHand() {
        RoutingTable t = new RoutingTable(ZERO, RoutingTable.K);
        for (long v : new long[] {1, 2, 3, 4, 9, 12, 13}) {
            t.observe(contact(v), 0);
        }
        // distances to 12: 1->13, 2->14, 3->15, 4->8, 9->5, 12->0, 13->1
        assertThat(values(t.closest(BigInteger.valueOf(12), 4))).containsExactly(12L, 13L, 9L, 4L);
        assertThat(values(t.closest(BigInteger.valueOf(12), 100))).containsExactly(12L, 13L, 9L, 4L, 1L, 2L, 3L);
        assertThat(t.closest(BigInteger.valueOf(12), 0)).isEmpty();
    }

    @Example
    void closestWorksForKeysWiderThanNodeIds() {
        RoutingTable t = new RoutingTable(ZERO, RoutingTable.K);
        for (long v : new long[] {1, 6, 7}) {
            t.observe(contact(v), 0);
        }
        BigInteger key = BigInteger.ONE.shiftLeft(255).or(BigInteger.valueOf(6));
        assertThat(values(t.closest(key, 2))).containsExactly(6L, 7L);
    }

    @Property(tries = 200)
    void bucketsAreDisjointExhaustiveAndNeverOverfull(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int k, @ForAll @IntRange(min = 0, max = 400) int n) {
        Random random = new Random(seed);
        NodeId self = random.nextBoolean() ? NodeId.random(128, random) : id(random.nextInt(256));
        RoutingTable t = new RoutingTable(self, k);
        Set<NodeId> observed = new HashSet<>();
        for (int i = 0; i < n; i++) {
            NodeId id = random.nextBoolean() ? NodeId.random(128, random) : id(random.nextInt(512));
            t.observe(contact(id, i), i);
            observed.add(id);
            switch (random.nextInt(10)) {
                case 0 -> t.remove(id);
                case 1 -> t.onFailure(id);
                case 2 -> t.bucket(self.bucketIndex(id) < 0 ? 0 : self.bucketIndex(id)).stream().findFirst()
                        .ifPresent(t::onPingTimeout);
                default -> { }
            }
        }
        Set<NodeId> seen = new HashSet<>();
        int total = 0;
        for (int i = 0; i < t.bucketCount(); i++) {
            List<Contact> bucket = t.bucket(i);
            assertThat(bucket.size()).isLessThanOrEqualTo(k);
            assertThat(t.replacements(i).size()).isLessThanOrEqualTo(k);
            for (Contact c : bucket) {
                assertThat(self.bucketIndex(c.id())).isEqualTo(i);
                assertThat(seen.add(c.id())).as("in exactly one bucket").isTrue();
                assertThat(observed).contains(c.id());
                total++;
            }
            for (Contact r : t.replacements(i)) {
                assertThat(bucket).doesNotContain(r);
                assertThat(self.bucketIndex(r.id())).isEqualTo(i);
            }
        }
        assertThat(seen).doesNotContain(self);
        assertThat(t.size()).isEqualTo(total);
        assertThat(new HashSet<>(t.all())).hasSize(total);
    }

    @Property(tries = 200)
    void everyObservedContactIsStoredWhileItsBucketHasRoom(@ForAll long seed, @ForAll @IntRange(min = 0, max = 300) int n) {
        Random random = new Random(seed);
        RoutingTable t = new RoutingTable(NodeId.random(128, random), RoutingTable.K);
        for (int i = 0; i < n; i++) {
            Contact c = contact(NodeId.random(128, random), i);
            ObserveResult r = t.observe(c, i);
            if (r instanceof ObserveResult.Inserted || r instanceof ObserveResult.Refreshed) {
                assertThat(t.get(c.id())).contains(c);
            } else {
                assertThat(t.bucket(t.self().bucketIndex(c.id()))).hasSize(RoutingTable.K);
            }
        }
    }

    @Property(tries = 200)
    void closestEqualsBruteForceSort(
            @ForAll long seed, @ForAll @IntRange(min = 0, max = 300) int n, @ForAll @IntRange(min = 0, max = 40) int count) {
        Random random = new Random(seed);
        RoutingTable t = new RoutingTable(NodeId.random(128, random), 3);
        for (int i = 0; i < n; i++) {
            t.observe(contact(NodeId.random(128, random), i), i);
        }
        BigInteger target = new BigInteger(random.nextBoolean() ? 128 : 256, random);
        List<Contact> expected = new ArrayList<>(t.all());
        expected.sort(Comparator.comparing(c -> c.id().value().xor(target)));
        expected = expected.subList(0, Math.min(count, expected.size()));
        assertThat(t.closest(target, count)).containsExactlyElementsOf(expected);
    }

    @Example
    void idleBucketsFromTheClosestNeighbourOutwardAreRefreshed() {
        RoutingTable t = new RoutingTable(ZERO, RoutingTable.K);
        Random random = new Random(1);
        long hour = RoutingTable.DEFAULT_REFRESH_INTERVAL_MILLIS;
        t.observe(contact(4), 1_000); // bucket 2, the closest neighbour's
        t.observe(contact(200), 1_000); // bucket 7
        List<BigInteger> first = t.refreshTargets(1_000, hour, random);
        // buckets 0 and 1 lie nearer than the closest neighbour; 2 and 7 were just active
        List<Integer> indices = first.stream().map(x -> x.bitLength() - 1).toList();
        List<Integer> expected = new ArrayList<>();
        for (int i = 3; i < 128; i++) {
            if (i != 7) {
                expected.add(i);
            }
        }
        assertThat(indices).containsExactlyElementsOf(expected);
        // marked refreshed: nothing again within the interval
        assertThat(t.refreshTargets(1_000 + hour - 1, hour, random)).isEmpty();
        // everything from bucket 2 on after it
        List<BigInteger> later = t.refreshTargets(1_000 + hour, hour, random);
        assertThat(later).hasSize(126);
        assertThat(later.get(0).bitLength() - 1).isEqualTo(2);
    }

    @Example
    void touchedBucketIsNotRefreshed() {
        RoutingTable t = new RoutingTable(ZERO, RoutingTable.K);
        long hour = RoutingTable.DEFAULT_REFRESH_INTERVAL_MILLIS;
        t.observe(contact(1), 0);
        t.refreshTargets(0, hour, new Random(2));
        t.touch(BigInteger.valueOf(100), hour); // bucket 6
        List<Integer> indices = t.refreshTargets(hour, hour, new Random(3)).stream()
                .map(x -> x.bitLength() - 1).toList();
        assertThat(indices).hasSize(127).doesNotContain(6);
    }

    @Example
    void emptyTableHasNothingToRefresh() {
        RoutingTable t = new RoutingTable(ZERO, RoutingTable.K);
        assertThat(t.refreshTargets(0, 1, new Random(4))).isEmpty();
    }

    @Property(tries = 100)
    void refreshTargetLiesInsideItsBucket(@ForAll long seed) {
        Random random = new Random(seed);
        NodeId self = NodeId.random(128, random);
        RoutingTable t = new RoutingTable(self, RoutingTable.K);
        for (int i = 0; i < 128; i++) {
            BigInteger target = t.randomIdInBucket(i, random);
            assertThat(target.bitLength()).isLessThanOrEqualTo(128);
            assertThat(self.bucketIndex(new NodeId(target, 128))).isEqualTo(i);
        }
    }
}

package io.kad.core.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.core.id.Contact;
import io.kad.core.id.NodeId;
import io.kad.core.routing.RoutingTable;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The iterative lookup (Maymounkov & Mazières 2002, section 2.3) driven over a static random network:
 * each node knows the contents of a full routing table (every bucket holds as many nodes as it can,
 * up to {@code k}) and answers a query with the {@code k} it knows closest to the target. Replies arrive in random order.
 */
class LookupTest {

    private static final int K = 8;

    static NodeId id(long v) {
        return new NodeId(BigInteger.valueOf(v), NodeId.NODE_ID_BITS);
    }

    static Contact contact(NodeId id) {
        return new Contact(id, InetSocketAddress.createUnresolved("10.0.0.1", 4000), true);
    }

    static Contact contact(long v) {
        return contact(id(v));
    }

    static List<Contact> closestTo(BigInteger target, Iterable<Contact> among, int n) {
        List<Contact> all = new ArrayList<>();
        among.forEach(all::add);
        all.sort(Comparator.comparing(c -> c.id().distance(target)));
        return new ArrayList<>(all.subList(0, Math.min(n, all.size())));
    }

    /** Who knows whom, who is down, who holds the value. */
    static final class Network {
        final List<Contact> nodes = new ArrayList<>();
        final Map<NodeId, List<Contact>> knows = new HashMap<>();
        final Set<NodeId> down = new HashSet<>();
        final Set<NodeId> holders = new HashSet<>();

        /**
         * Every node's knowledge is a full routing table: it has seen every other node, in random
         * order, so each bucket holds min(k, population) nodes.
         */
        static Network random(Random random, int size, int k) {
            Network net = new Network();
            Set<NodeId> ids = new HashSet<>();
            while (ids.size() < size) {
                ids.add(NodeId.random(NodeId.NODE_ID_BITS, random));
            }
            ids.forEach(id -> net.nodes.add(contact(id)));
            for (Contact n : net.nodes) {
                RoutingTable table = new RoutingTable(n.id(), k);
                List<Contact> others = new ArrayList<>(net.nodes);
                Collections.shuffle(others, random);
                others.forEach(o -> table.observe(o, 0));
                net.knows.put(n.id(), table.all());
            }
            return net;
        }

        List<Contact> answer(Contact to, BigInteger target, int k) {
            return closestTo(target, knows.get(to.id()), k);
        }
    }

    /** Drives a lookup to its end, checking the invariants at every step. */
    static final class Driver {
        final Lookup lookup;
        final Network net;
        final BigInteger target;
        final int alpha;
        final Random random;
        final NodeId self;
        final List<Contact> pending = new ArrayList<>();
        final Set<NodeId> queried = new HashSet<>();
        final List<Contact> valueAnswers = new ArrayList<>();
        int steps;

        Driver(Network net, Contact self, BigInteger target, int k, int alpha, Lookup.Kind kind, Random random) {
            this.net = net;
            this.target = target;
            this.alpha = alpha;
            this.random = random;
            this.self = self.id();
            List<Contact> initial = net.answer(self, target, k);
            this.lookup = new Lookup(target, initial, k, alpha, self.id(), kind);
        }

        Step.Finished run(int k) {
            long now = 0;
            while (true) {
                steps++;
                assertThat(steps).as("bounded steps").isLessThanOrEqualTo(4 * net.nodes.size() + 10);
                now += 1;
                Step step = lookup.next(now);
                if (step instanceof Step.Query q) {
                    assertThat(q.to().id()).isNotEqualTo(self);
                    assertThat(queried.add(q.to().id())).as("queried twice: %s", q.to()).isTrue();
                    pending.add(q.to());
                    assertThat(pending).hasSizeLessThanOrEqualTo(alpha);
                    assertThat(lookup.inFlight()).isEqualTo(pending.size());
                } else if (step instanceof Step.Finished f) {
                    return f;
                } else {
                    assertThat(step).isInstanceOf(Step.Waiting.class);
                    assertThat(pending).as("waiting with nothing in flight").isNotEmpty();
                    Contact to = pending.remove(random.nextInt(pending.size()));
                    if (net.down.contains(to.id())) {
                        lookup.onFailure(to, now);
                    } else if (net.holders.contains(to.id()) && lookup.kind() == Lookup.Kind.VALUE) {
                        valueAnswers.add(to);
                        lookup.onValueFound(to, now);
                    } else {
                        lookup.onResponse(to, net.answer(to, target, k), now);
                    }
                }
            }
        }
    }

    @Property(tries = 60)
    void lookupFindsTheTrueKClosestInAConnectedNetworkWithoutFailures(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 250) int size, @ForAll @IntRange(min = 1, max = 4) int alpha) {
        Random random = new Random(seed);
        Network net = Network.random(random, size, K);
        Contact self = net.nodes.get(random.nextInt(size));
        BigInteger target = new BigInteger(random.nextBoolean() ? 128 : 256, random);
        Driver d = new Driver(net, self, target, K, alpha, Lookup.Kind.NODE, random);
        Step.Finished f = d.run(K);

        List<Contact> others = new ArrayList<>(net.nodes);
        others.remove(self);
        assertThat(f.closest()).containsExactlyElementsOf(closestTo(target, others, K));
        assertThat(f.valueFrom()).isEmpty();
        assertThat(d.pending).isEmpty();
        assertThat(d.lookup.queriesSent()).isEqualTo(d.queried.size());
        assertThat(d.lookup.responses()).isEqualTo(d.queried.size());
        assertThat(d.lookup.failures()).isZero();
        assertThat(f.rounds()).isEqualTo(d.lookup.rounds());
        assertThat(f.rounds() >= 1).isEqualTo(size > 1);
        assertThat(d.lookup.next(d.steps + 1)).isSameAs(f);
    }

    @Property(tries = 60)
    void lookupTerminatesAndExcludesNodesThatFail(
            @ForAll long seed, @ForAll @IntRange(min = 2, max = 250) int size, @ForAll @IntRange(min = 0, max = 60) int percentDown) {
        Random random = new Random(seed);
        Network net = Network.random(random, size, K);
        Contact self = net.nodes.get(random.nextInt(size));
        for (Contact c : net.nodes) {
            if (!c.equals(self) && random.nextInt(100) < percentDown) {
                net.down.add(c.id());
            }
        }
        BigInteger target = new BigInteger(128, random);
        Driver d = new Driver(net, self, target, K, Lookup.ALPHA, Lookup.Kind.NODE, random);
        Step.Finished f = d.run(K);

        assertThat(f.closest()).hasSizeLessThanOrEqualTo(K).doesNotContain(self);
        assertThat(f.closest()).allMatch(c -> !net.down.contains(c.id()) && d.queried.contains(c.id()));
        assertThat(f.closest()).isSortedAccordingTo(Comparator.comparing(c -> c.id().distance(target)));
        assertThat(d.pending).isEmpty();
        long failedQueries = d.queried.stream().filter(net.down::contains).count();
        assertThat(d.lookup.failures()).isEqualTo((int) failedQueries);
        assertThat(d.lookup.responses() + d.lookup.failures()).isEqualTo(d.lookup.queriesSent());
    }

    @Property(tries = 60)
    void valueLookupStopsAtTheFirstValue(@ForAll long seed, @ForAll @IntRange(min = 2, max = 250) int size) {
        Random random = new Random(seed);
        Network net = Network.random(random, size, K);
        Contact self = net.nodes.get(random.nextInt(size));
        BigInteger target = new BigInteger(128, random);
        List<Contact> others = new ArrayList<>(net.nodes);
        others.remove(self);
        // stored at the k closest nodes, as a store does
        closestTo(target, others, K).forEach(c -> net.holders.add(c.id()));
        Driver d = new Driver(net, self, target, K, Lookup.ALPHA, Lookup.Kind.VALUE, random);
        Step.Finished f = d.run(K);

        assertThat(d.valueAnswers).hasSize(1);
        assertThat(f.valueFrom()).contains(d.valueAnswers.get(0));
        assertThat(f.closest()).doesNotContain(d.valueAnswers.get(0)).allMatch(c -> !net.holders.contains(c.id()));
        int queriesAtEnd = d.lookup.queriesSent();
        assertThat(d.lookup.next(10_000)).isSameAs(f);
        assertThat(d.lookup.queriesSent()).isEqualTo(queriesAtEnd);
    }

    @Example
    void lookupNeverHasMoreThanAlphaInFlight() {
        List<Contact> initial = new ArrayList<>();
        for (long v = 1; v <= 10; v++) {
            initial.add(contact(v));
        }
        Lookup l = new Lookup(BigInteger.ZERO, initial, K, Lookup.ALPHA, id(1000), Lookup.Kind.NODE);
        assertThat(l.next(0)).isEqualTo(new Step.Query(contact(1)));
        assertThat(l.next(0)).isEqualTo(new Step.Query(contact(2)));
        assertThat(l.next(0)).isEqualTo(new Step.Query(contact(3)));
        assertThat(l.next(0)).isInstanceOf(Step.Waiting.class);
        assertThat(l.inFlight()).isEqualTo(3);
        l.onResponse(contact(2), List.of(), 1);
        assertThat(l.next(1)).isEqualTo(new Step.Query(contact(4)));
        assertThat(l.next(1)).isInstanceOf(Step.Waiting.class);
    }

    @Example
    void lookupNeverQueriesItselfNorReturnsItself() {
        Lookup l = new Lookup(BigInteger.ZERO, List.of(contact(1), contact(2)), K, Lookup.ALPHA, id(1), Lookup.Kind.NODE);
        assertThat(l.next(0)).isEqualTo(new Step.Query(contact(2)));
        l.onResponse(contact(2), List.of(contact(1), contact(3)), 1);
        assertThat(l.next(1)).isEqualTo(new Step.Query(contact(3)));
        l.onResponse(contact(3), List.of(contact(1)), 2);
        Step last = l.next(2);
        assertThat(last).isEqualTo(new Step.Finished(List.of(contact(2), contact(3)), Optional.empty(), 2));
    }

    @Example
    void duplicateContactsAreQueriedOnce() {
        Lookup l = new Lookup(BigInteger.ZERO, List.of(contact(1), contact(1), contact(2)), K, 5, id(99), Lookup.Kind.NODE);
        assertThat(l.next(0)).isEqualTo(new Step.Query(contact(1)));
        assertThat(l.next(0)).isEqualTo(new Step.Query(contact(2)));
        assertThat(l.next(0)).isInstanceOf(Step.Waiting.class);
        l.onResponse(contact(1), List.of(contact(2), contact(1)), 1);
        l.onResponse(contact(2), List.of(contact(1)), 1);
        assertThat(l.next(1)).isInstanceOf(Step.Finished.class);
        assertThat(l.queriesSent()).isEqualTo(2);
    }

    @Example
    void lookupWithNoContactsFinishesAtOnce() {
        Lookup l = new Lookup(BigInteger.TEN, List.of(), K, Lookup.ALPHA, id(1), Lookup.Kind.VALUE);
        assertThat(l.next(0)).isEqualTo(new Step.Finished(List.of(), Optional.empty(), 0));
    }

    @Example
    void lookupStopsOnceTheKClosestHaveAnswered() {
        // k = 2: after 1 and 2 answer (and nothing is in flight), farther 3 and 4 are never queried
        Lookup l = new Lookup(BigInteger.ZERO, List.of(contact(4), contact(3), contact(2), contact(1)), 2, 2, id(100), Lookup.Kind.NODE);
        assertThat(l.next(0)).isEqualTo(new Step.Query(contact(1)));
        assertThat(l.next(0)).isEqualTo(new Step.Query(contact(2)));
        l.onResponse(contact(1), List.of(), 1);
        l.onResponse(contact(2), List.of(), 1);
        assertThat(l.next(2)).isEqualTo(new Step.Finished(List.of(contact(1), contact(2)), Optional.empty(), 1));
        assertThat(l.queriesSent()).isEqualTo(2);
    }

    @Example
    void failedContactIsReplacedByTheNextClosest() {
        Lookup l = new Lookup(BigInteger.ZERO, List.of(contact(1), contact(2), contact(3)), 2, 1, id(100), Lookup.Kind.NODE);
        assertThat(l.next(0)).isEqualTo(new Step.Query(contact(1)));
        l.onFailure(contact(1), 1);
        assertThat(l.next(1)).isEqualTo(new Step.Query(contact(2)));
        l.onResponse(contact(2), List.of(contact(1)), 2);
        assertThat(l.next(2)).isEqualTo(new Step.Query(contact(3)));
        l.onResponse(contact(3), List.of(), 3);
        Step.Finished f = (Step.Finished) l.next(3);
        assertThat(f.closest()).containsExactly(contact(2), contact(3));
        assertThat(l.failures()).isEqualTo(1);
        assertThat(l.responses()).isEqualTo(2);
    }

    @Example
    void timedOutQueriesAreReportedByTheDriver() {
        Lookup l = new Lookup(BigInteger.ZERO, List.of(contact(1), contact(2)), K, Lookup.ALPHA, id(100), Lookup.Kind.NODE);
        l.next(0);
        l.next(500);
        assertThat(l.timedOut(999, 1000)).isEmpty();
        assertThat(l.timedOut(1000, 1000)).containsExactly(contact(1));
        assertThat(l.timedOut(1500, 1000)).containsExactly(contact(1), contact(2));
        l.timedOut(1500, 1000).forEach(c -> l.onFailure(c, 1500));
        assertThat(l.next(1500)).isEqualTo(new Step.Finished(List.of(), Optional.empty(), 0));
        assertThat(l.failures()).isEqualTo(2);
    }

    @Example
    void roundsCountTheHopDepthOfAnsweringContacts() {
        // 40 knows 20, 20 knows 10, 10 knows nobody closer: depths 1, 2, 3
        Lookup l = new Lookup(BigInteger.ZERO, List.of(contact(40)), K, Lookup.ALPHA, id(100), Lookup.Kind.NODE);
        l.next(0);
        l.onResponse(contact(40), List.of(contact(20)), 1);
        l.next(1);
        l.onResponse(contact(20), List.of(contact(10), contact(40)), 2);
        l.next(2);
        l.onResponse(contact(10), List.of(), 3);
        Step.Finished f = (Step.Finished) l.next(3);
        assertThat(f.rounds()).isEqualTo(3);
        assertThat(f.closest()).containsExactly(contact(10), contact(20), contact(40));
    }

    @Example
    void eventsForContactsNotInFlightAreIgnored() {
        Lookup l = new Lookup(BigInteger.ZERO, List.of(contact(1), contact(2)), K, 1, id(100), Lookup.Kind.NODE);
        l.next(0);
        l.onResponse(contact(2), List.of(contact(3)), 1); // not queried
        l.onFailure(contact(7), 1); // unknown
        l.onResponse(contact(1), List.of(), 1);
        l.onResponse(contact(1), List.of(contact(5)), 1); // duplicate answer
        assertThat(l.responses()).isEqualTo(1);
        assertThat(l.failures()).isZero();
        assertThat(l.next(2)).isEqualTo(new Step.Query(contact(2)));
        l.onResponse(contact(2), List.of(), 3);
        assertThat(l.next(3)).isEqualTo(new Step.Finished(List.of(contact(1), contact(2)), Optional.empty(), 1));
    }

    @Example
    void lateRepliesAfterAValueAreIgnored() {
        Lookup l = new Lookup(BigInteger.ZERO, List.of(contact(1), contact(2), contact(3)), K, Lookup.ALPHA, id(100), Lookup.Kind.VALUE);
        l.next(0);
        l.next(0);
        l.next(0);
        l.onResponse(contact(1), List.of(contact(4)), 1);
        l.onValueFound(contact(3), 2);
        Step.Finished f = (Step.Finished) l.next(2);
        assertThat(f.valueFrom()).contains(contact(3));
        assertThat(f.closest()).containsExactly(contact(1));
        l.onResponse(contact(2), List.of(contact(0)), 3);
        assertThat(l.next(3)).isSameAs(f);
    }

    @Example
    void nodeLookupRejectsAValue() {
        Lookup l = new Lookup(BigInteger.ZERO, List.of(contact(1)), K, Lookup.ALPHA, id(100), Lookup.Kind.NODE);
        l.next(0);
        assertThatThrownBy(() -> l.onValueFound(contact(1), 1)).isInstanceOf(IllegalStateException.class);
    }

    @Example
    void invalidParametersAreRejected() {
        assertThatThrownBy(() -> new Lookup(BigInteger.ONE, List.of(), 0, 3, id(1), Lookup.Kind.NODE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Lookup(BigInteger.ONE, List.of(), 1, 0, id(1), Lookup.Kind.NODE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Lookup(BigInteger.valueOf(-1), List.of(), 1, 1, id(1), Lookup.Kind.NODE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Example
    void aPeerSilentPastThePeerTimeoutFreesItsSlotAndItsLateAnswerStillCounts() {
        NodeId self = id(0);
        List<Contact> initial = List.of(contact(2), contact(3), contact(5));
        Lookup lookup = new Lookup(BigInteger.ZERO, initial, K, 1, self, Lookup.Kind.NODE, 100);
        Step first = lookup.next(0);
        assertThat(first).isInstanceOf(Step.Query.class);
        Contact slow = ((Step.Query) first).to();
        assertThat(lookup.next(50)).as("alpha 1: the slot is taken before the timeout").isInstanceOf(Step.Waiting.class);
        Step second = lookup.next(100);
        assertThat(second).as("at the peer timeout the slot goes to the next candidate").isInstanceOf(Step.Query.class);
        assertThat(((Step.Query) second).to()).isNotEqualTo(slow);
        assertThat(lookup.inFlight()).isEqualTo(1);
        // the slow peer answers late with a node nearer the target: it is learnt and queried
        lookup.onResponse(slow, List.of(contact(1)), 150);
        lookup.onResponse(((Step.Query) second).to(), List.of(), 150);
        Step third = lookup.next(150);
        assertThat(third).isInstanceOf(Step.Query.class);
        assertThat(((Step.Query) third).to()).isEqualTo(contact(1));
    }

    @Example
    void aPeerTimeoutBelowOneMillisecondIsRefused() {
        assertThatThrownBy(() -> new Lookup(BigInteger.ONE, List.of(), K, 1, id(0), Lookup.Kind.NODE, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("peer timeout");
    }
}

package io.kad.core.sim;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.core.sim.SimulatedNetwork.DropCause;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimulatedNetworkTest {

    /** A started endpoint that records what it receives. */
    private static final class Inbox {
        final SimTransport transport;
        final List<String> received = new ArrayList<>();
        final List<Long> receivedAt = new ArrayList<>();
        final List<InetSocketAddress> senders = new ArrayList<>();

        Inbox(SimulatedNetwork network) {
            transport = network.newTransport();
            transport.start((from, data) -> {
                senders.add(from);
                received.add(new String(data, UTF_8));
                receivedAt.add(network.now());
            });
        }

        InetSocketAddress address() {
            return transport.localAddress();
        }

        void send(Inbox to, String text) {
            transport.send(to.address(), text.getBytes(UTF_8));
        }
    }

    @Test
    void datagramIsDeliveredAfterTheLatencyInVirtualTime() {
        SimulatedNetwork network = new SimulatedNetwork(1).fixedLatency(25);
        Inbox a = new Inbox(network);
        Inbox b = new Inbox(network);
        long start = network.now();

        a.send(b, "hello");
        network.runFor(24);
        assertThat(b.received).isEmpty();
        assertThat(network.datagramsInFlight()).isEqualTo(1);

        network.runFor(1);
        assertThat(b.received).containsExactly("hello");
        assertThat(b.receivedAt).containsExactly(start + 25);
        assertThat(b.senders).containsExactly(a.address());
        assertThat(network.now()).isEqualTo(start + 25);
        assertThat(network.datagramsDelivered()).isEqualTo(1);
    }

    @Test
    void clockStartsAtAFixedInstantAndMovesOnlyWhenRun() {
        SimulatedNetwork network = new SimulatedNetwork(1);
        assertThat(network.now()).isEqualTo(SimulatedNetwork.DEFAULT_START_MILLIS);
        network.runFor(1_000);
        assertThat(network.now()).isEqualTo(SimulatedNetwork.DEFAULT_START_MILLIS + 1_000);
    }

    @Test
    void uniformLatencyStaysWithinItsBoundsAndVaries() {
        SimulatedNetwork network = new SimulatedNetwork(7).latency(10, 50);
        Inbox a = new Inbox(network);
        Inbox b = new Inbox(network);
        List<Long> latencies = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            long sentAt = network.now();
            a.send(b, "x");
            network.runUntil(() -> b.receivedAt.size() == latencies.size() + 1, 1_000);
            latencies.add(b.receivedAt.get(b.receivedAt.size() - 1) - sentAt);
        }
        assertThat(latencies).allSatisfy(l -> assertThat(l).isBetween(10L, 50L));
        assertThat(new HashSet<>(latencies)).contains(10L, 50L).hasSizeGreaterThan(30);
    }

    @Test
    void sendCopiesTheBytesSoLaterChangesByTheSenderAreNotSeen() {
        SimulatedNetwork network = new SimulatedNetwork(1);
        Inbox a = new Inbox(network);
        Inbox b = new Inbox(network);
        byte[] data = "abc".getBytes(UTF_8);

        a.transport.send(b.address(), data);
        data[0] = 'z';
        network.runFor(10);

        assertThat(b.received).containsExactly("abc");
    }

    @Test
    void endpointsGetDistinctResolvedAddressesWithoutDns() {
        SimulatedNetwork network = new SimulatedNetwork(1);
        Set<InetSocketAddress> addresses = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            SimTransport t = network.newTransport();
            assertThat(t.localAddress().isUnresolved()).isFalse();
            assertThat(t.maxDatagramBytes()).isEqualTo(65_000);
            addresses.add(t.localAddress());
        }
        assertThat(addresses).hasSize(1_000);
        // an address rebuilt from its text, as a decoder would, reaches the same endpoint
        InetSocketAddress first = addresses.iterator().next();
        assertThat(network.isOpen(new InetSocketAddress(first.getAddress().getHostAddress(), first.getPort())))
                .isTrue();
    }

    @Test
    void sameSeedReplaysIdenticalDeliveryOrderAndTimings() {
        List<String> first = pingPongTrace(42);
        List<String> second = pingPongTrace(42);
        List<String> otherSeed = pingPongTrace(43);

        assertThat(first).hasSizeGreaterThan(1_000);
        assertThat(second).isEqualTo(first);
        assertThat(otherSeed).isNotEqualTo(first);
    }

    /** Nodes answer each ping with a pong and start new pings at random, over a lossy, jittery network. */
    private static List<String> pingPongTrace(long seed) {
        SimulatedNetwork network = new SimulatedNetwork(seed).latency(5, 80).lossProbability(0.1);
        SplittableRandom scenario = network.newRandom();
        List<String> trace = new ArrayList<>();
        List<SimTransport> nodes = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            nodes.add(network.newTransport());
        }
        for (SimTransport node : nodes) {
            SimScheduler scheduler = network.schedulerFor(node);
            node.start((from, data) -> {
                String text = new String(data, UTF_8);
                trace.add(network.now() + " " + from + "->" + node.localAddress() + " " + text);
                if (text.startsWith("ping")) {
                    node.send(from, ("pong" + text.substring(4)).getBytes(UTF_8));
                }
            });
            Runnable[] pinger = new Runnable[1];
            pinger[0] = () -> {
                SimTransport peer = nodes.get(scenario.nextInt(nodes.size()));
                node.send(peer.localAddress(), ("ping " + scenario.nextInt(1_000)).getBytes(UTF_8));
                scheduler.schedule(pinger[0], scenario.nextLong(10, 200));
            };
            scheduler.schedule(pinger[0], scenario.nextLong(0, 100));
        }
        network.runFor(5_000);
        trace.add("sent=" + network.datagramsSent() + " lost=" + network.datagramsDropped(DropCause.LOSS));
        return trace;
    }

    @Test
    void lossRateIsCloseToTheConfiguredProbability() {
        SimulatedNetwork network = new SimulatedNetwork(2024).lossProbability(0.3);
        Inbox a = new Inbox(network);
        Inbox b = new Inbox(network);
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            a.send(b, "d");
        }
        network.runFor(10);

        // the standard deviation is sqrt(n p (1-p)) ~ 65 datagrams; the bound allows more than 4.5 of them
        assertThat(network.datagramsDropped(DropCause.LOSS)).isBetween(5_700L, 6_300L);
        assertThat(network.datagramsDelivered() + network.datagramsDropped()).isEqualTo(network.datagramsSent());
        assertThat(b.received).hasSize((int) network.datagramsDelivered());
    }

    @Test
    void lossProbabilityOfOneDropsEverythingAndZeroDropsNothing() {
        SimulatedNetwork network = new SimulatedNetwork(3).lossProbability(1.0);
        Inbox a = new Inbox(network);
        Inbox b = new Inbox(network);
        for (int i = 0; i < 100; i++) {
            a.send(b, "d");
        }
        network.lossProbability(0.0);
        for (int i = 0; i < 100; i++) {
            a.send(b, "d");
        }
        network.runFor(10);
        assertThat(network.datagramsDropped(DropCause.LOSS)).isEqualTo(100);
        assertThat(b.received).hasSize(100);
    }

    @Test
    void partitionDropsDatagramsInBothDirectionsAndHealRestoresThem() {
        SimulatedNetwork network = new SimulatedNetwork(5);
        Inbox a1 = new Inbox(network);
        Inbox a2 = new Inbox(network);
        Inbox b1 = new Inbox(network);
        network.partition(Set.of(a1.address(), a2.address()), Set.of(b1.address()));

        a1.send(b1, "a1->b1");
        b1.send(a1, "b1->a1");
        a1.send(a2, "a1->a2 same side");
        network.runFor(10);

        assertThat(b1.received).isEmpty();
        assertThat(a1.received).isEmpty();
        assertThat(a2.received).containsExactly("a1->a2 same side");
        assertThat(network.datagramsDropped(DropCause.PARTITION)).isEqualTo(2);

        network.heal();
        a1.send(b1, "a1->b1 healed");
        b1.send(a1, "b1->a1 healed");
        network.runFor(10);

        assertThat(b1.received).containsExactly("a1->b1 healed");
        assertThat(a1.received).containsExactly("b1->a1 healed");
    }

    @Test
    void datagramInFlightWhenAPartitionStartsIsDropped() {
        SimulatedNetwork network = new SimulatedNetwork(5).fixedLatency(50);
        Inbox a = new Inbox(network);
        Inbox b = new Inbox(network);

        a.send(b, "in flight");
        network.runFor(10);
        network.partition(Set.of(a.address()), Set.of(b.address()));
        network.runFor(100);

        assertThat(b.received).isEmpty();
        assertThat(network.datagramsDropped(DropCause.PARTITION)).isEqualTo(1);
    }

    @Test
    void datagramsToAClosedEndpointAreDroppedEvenWhenAlreadyInFlight() {
        SimulatedNetwork network = new SimulatedNetwork(9).fixedLatency(50);
        Inbox a = new Inbox(network);
        Inbox b = new Inbox(network);

        a.send(b, "in flight");
        network.runFor(10);
        network.kill(b.address());
        a.send(b, "after kill");
        network.runFor(100);

        assertThat(b.received).isEmpty();
        assertThat(network.isOpen(b.address())).isFalse();
        assertThat(network.datagramsDropped(DropCause.DESTINATION_CLOSED)).isEqualTo(2);
    }

    @Test
    void closedEndpointSendsNothing() {
        SimulatedNetwork network = new SimulatedNetwork(9);
        Inbox a = new Inbox(network);
        Inbox b = new Inbox(network);

        a.transport.close();
        a.send(b, "after close");
        network.runFor(10);

        assertThat(b.received).isEmpty();
        assertThat(network.datagramsDropped(DropCause.SENDER_CLOSED)).isEqualTo(1);
    }

    @Test
    void killingANodeAlsoCancelsItsSchedulersTasks() {
        SimulatedNetwork network = new SimulatedNetwork(9);
        SimTransport node = network.newTransport();
        SimScheduler scheduler = network.schedulerFor(node);
        List<String> ran = new ArrayList<>();
        scheduler.schedule(() -> ran.add("refresh"), 100);

        network.kill(node.localAddress());
        network.runFor(1_000);

        assertThat(ran).isEmpty();
        assertThat(scheduler.isClosed()).isTrue();
        assertThat(network.pendingEvents()).isZero();
    }

    @Test
    void unknownUnstartedAndOversizedDatagramsAreDroppedAndCounted() throws Exception {
        SimulatedNetwork network = new SimulatedNetwork(11);
        Inbox a = new Inbox(network);
        SimTransport notStarted = network.newTransport();

        a.transport.send(new InetSocketAddress(java.net.InetAddress.getByAddress(new byte[] {10, 9, 9, 9}), 1), new byte[1]);
        a.transport.send(notStarted.localAddress(), new byte[1]);
        a.transport.send(a.address(), new byte[SimulatedNetwork.MAX_DATAGRAM_BYTES + 1]);
        a.transport.send(a.address(), new byte[SimulatedNetwork.MAX_DATAGRAM_BYTES]);
        network.runFor(10);

        assertThat(network.datagramsDropped(DropCause.UNKNOWN_DESTINATION)).isEqualTo(1);
        assertThat(network.datagramsDropped(DropCause.NOT_STARTED)).isEqualTo(1);
        assertThat(network.datagramsDropped(DropCause.OVERSIZED)).isEqualTo(1);
        assertThat(a.received).hasSize(1);
        assertThat(network.datagramsSent()).isEqualTo(4);
    }

    @Test
    void rejectsInvalidConfiguration() {
        SimulatedNetwork network = new SimulatedNetwork(1);
        assertThatThrownBy(() -> network.latency(10, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> network.latency(-1, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> network.lossProbability(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> network.lossProbability(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> network.maxEventsPerRun(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> network.runFor(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tenThousandEndpointsExchangeOneHundredThousandDatagrams() {
        SimulatedNetwork network = new SimulatedNetwork(10_000).latency(1, 100);
        SplittableRandom scenario = network.newRandom();
        List<SimTransport> nodes = new ArrayList<>();
        long[] received = new long[1];
        for (int i = 0; i < 10_000; i++) {
            SimTransport node = network.newTransport();
            node.start((from, data) -> received[0]++);
            nodes.add(node);
        }
        byte[] payload = new byte[64];
        for (int i = 0; i < 100_000; i++) {
            SimTransport from = nodes.get(scenario.nextInt(nodes.size()));
            SimTransport to = nodes.get(scenario.nextInt(nodes.size()));
            from.send(to.localAddress(), payload);
        }

        assertThat(network.runUntilIdle(1_000)).isTrue();

        assertThat(received[0]).isEqualTo(100_000);
        assertThat(network.datagramsDelivered()).isEqualTo(100_000);
        assertThat(nodes.stream().mapToLong(SimTransport::datagramsReceived).sum()).isEqualTo(100_000);
    }
}

package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.WriteCommand;
import io.kad.core.sim.SimTransport;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.core.wire.MalformedMessageException;
import io.kad.core.wire.Message;
import io.kad.core.wire.MessageCodec;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Subscriptions multiply a node's writes into events, so a node takes them only from addresses that
 * answer, one per address and namespace: spoofed subscribes cannot turn writes into a flood of events
 * at a victim, and the ids they claim do not fill the node's view (an address holds one node; without
 * that, 50 subscribes under random ids made every write of the node time out at owners that do not
 * exist). Simulated network, no shared secret.
 */
class SubscriptionFloodTest {

    private static final String NS = "flood";
    private static final ObjectNode KAD = JsonNodeFactory.instance.objectNode().put("kad", 1);

    private SimulatedNetwork net;
    private KadNode node;
    private SimTransport attacker;
    private final MessageCodec codec = new MessageCodec(256);
    private final AtomicInteger eventsReceived = new AtomicInteger();
    private boolean answerPings;
    private boolean answerAsClaimed;
    /** The ids subscribed under, in the order sent. */
    private final java.util.Queue<BigInteger> claimed = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @BeforeEach
    void nodeAndAttacker() {
        net = new SimulatedNetwork(3).latency(1, 3);
        SimTransport t = net.newTransport();
        node = KadNode.start(NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(200))
                .operationTimeout(Duration.ofSeconds(5)).build(), t, net.schedulerFor(t), new Random(3));
        net.runUntilDone(node.joined(), 10_000);
        attacker = net.newTransport();
        attacker.start((from, data) -> {
            Message m;
            try {
                m = MessageCodec.isBinary(data) ? codec.decodeBinary(data) : codec.decode(data);
            } catch (MalformedMessageException e) {
                return;
            }
            if (m instanceof Message.Event) {
                eventsReceived.incrementAndGet();
            } else if (m instanceof Message.Ping ping && answerPings) {
                // as the id of the subscribe the ping checks (they come in the order sent), or as another
                BigInteger as = answerAsClaimed && !claimed.isEmpty() ? claimed.poll() : BigInteger.valueOf(7);
                attacker.send(from, codec.encode(new Message.Pong(as, KAD, ping.rpcId())));
            }
        });
    }

    private void subscribeUnder(int ids) {
        Random random = new Random(5);
        for (int i = 0; i < ids; i++) {
            BigInteger id = new BigInteger(128, random);
            claimed.add(id);
            attacker.send(node.address(), codec.encode(new Message.Subscribe(id, KAD, NS, 60_000)));
        }
        net.runFor(2_000);
    }

    private void writeTenTimes() {
        List<java.util.concurrent.CompletableFuture<?>> writes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            writes.add(node.records().write(NS, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    WriteCommand.put(new byte[100], false, StoredRecord.NEVER)));
        }
        for (java.util.concurrent.CompletableFuture<?> w : writes) {
            net.runUntilDone(w, 10_000);
        }
        net.runFor(1_000);
    }

    @Test
    void subscribesFromAnAddressThatDoesNotAnswerAreRefusedAndGetNoEvents() {
        answerPings = false;
        subscribeUnder(50);
        writeTenTimes();
        assertThat(eventsReceived).hasValue(0);
        assertThat(node.stats().subscriptionsRefused()).isEqualTo(50);
        assertThat(node.stats().eventsSent()).isZero();
        // nor do 50 ids at one address fill the view: the node's own writes above found their owner
        assertThat(node.peers().stream().filter(c -> c.address().equals(attacker.localAddress())).count())
                .isLessThanOrEqualTo(1);
    }

    @Test
    void manyIdsFromOneAnsweringAddressHoldOneSubscription() {
        answerPings = true;
        answerAsClaimed = true;
        subscribeUnder(50);
        writeTenTimes();
        assertThat(eventsReceived).as("one event per write, not one per claimed id").hasValue(10);
    }

    @Test
    void subscribesWhoseAddressAnswersAsAnotherNodeAreRefusedAndGetNoEvents() {
        answerPings = true;
        answerAsClaimed = false;
        subscribeUnder(50);
        writeTenTimes();
        assertThat(eventsReceived).hasValue(0);
        assertThat(node.stats().subscriptionsRefused()).isEqualTo(50);
        assertThat(node.stats().eventsSent()).isZero();
    }

    /** Nodes a forged {@code subscribers} names: they count what reaches them, and never answer. */
    private List<SimTransport> victims(int n, AtomicInteger received) {
        List<SimTransport> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SimTransport v = net.newTransport();
            v.start((from, data) -> received.incrementAndGet());
            out.add(v);
        }
        return out;
    }

    private void tellSubscribers(BigInteger sender, List<SimTransport> victims, int times) {
        List<io.kad.core.id.Contact> listed = new ArrayList<>();
        Random random = new Random(9);
        for (SimTransport v : victims) {
            listed.add(new io.kad.core.id.Contact(new io.kad.core.id.NodeId(new BigInteger(128, random), 128),
                    v.localAddress(), true));
        }
        for (int i = 0; i < times; i++) {
            attacker.send(node.address(), codec.encode(new Message.Subscribers(sender, KAD, NS, listed)));
        }
        net.runFor(2_000);
    }

    @Test
    void aSubscribersNoticeFromAnAddressThatDoesNotAnswerMakesTheNodePingNobodyItNames() {
        answerPings = false;
        AtomicInteger atVictims = new AtomicInteger();
        List<SimTransport> named = victims(20, atVictims);
        tellSubscribers(BigInteger.valueOf(11), named, 5);
        writeTenTimes();
        assertThat(atVictims).as("datagrams at the nodes named").hasValue(0);
        assertThat(node.stats().subscriptionsRefused()).isEqualTo(5);
    }

    @Test
    void aSubscribersNoticeFromAnAnsweringAddressCostsEachNodeNamedOnePingAndNoEvent() {
        answerPings = true;
        answerAsClaimed = true;
        BigInteger sender = BigInteger.valueOf(11);
        claimed.add(sender);
        AtomicInteger atVictims = new AtomicInteger();
        List<SimTransport> named = victims(20, atVictims);
        tellSubscribers(sender, named, 5);
        writeTenTimes();
        assertThat(atVictims).as("datagrams at the 20 nodes named, told of 5 times").hasValue(20);
        assertThat(node.stats().eventsSent()).isZero();
    }
}

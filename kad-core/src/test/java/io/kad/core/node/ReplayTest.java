package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.id.Contact;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.sim.SimTransport;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.core.sim.TapTransport;
import io.kad.core.transport.Transport;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * In a swarm with a shared secret, datagrams recorded off the wire and sent again are refused and
 * counted: a put replayed after the key's removal, a remove replayed after a newer put, a node's
 * datagrams replayed to another node; and a replayed datagram from another address does not re-point
 * the node it came from (simulated network, virtual time).
 */
class ReplayTest {

    private static final String NS = "replay";
    private static final String SECRET = "correct horse battery staple";

    private SimulatedNetwork net;
    private final List<KadNode> nodes = new ArrayList<>();
    private TapTransport tap;
    private KadNode writer;
    private SimTransport attacker;

    @BeforeEach
    void swarm() {
        net = new SimulatedNetwork(7).latency(1, 5);
        Random random = new Random(7);
        NodeConfig base = NodeConfig.builder().loadInterceptors(false).sharedSecret(SECRET)
                .rpcTimeout(Duration.ofMillis(200)).operationTimeout(Duration.ofSeconds(10)).replication(2).build();
        for (int i = 0; i < 4; i++) {
            SimTransport t = net.newTransport();
            Transport transport = t;
            if (i == 3) {
                tap = new TapTransport(t, Integer.MAX_VALUE);
                transport = tap;
            }
            List<InetSocketAddress> seeds = nodes.isEmpty() ? List.of() : List.of(nodes.get(0).address());
            KadNode node = KadNode.start(base.toBuilder().seeds(seeds).build(), transport, net.schedulerFor(t),
                    new Random(random.nextLong()));
            net.runUntilDone(node.joined(), 60_000);
            nodes.add(node);
        }
        writer = nodes.get(3);
        net.runFor(2_000);
        attacker = net.newTransport();
        attacker.start((from, data) -> { });
    }

    /** A key some other node owns, so that the writer's put travels as a datagram. */
    private byte[] keyOwnedElsewhere() {
        for (int i = 0; ; i++) {
            byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
            if (owner(key) != writer) {
                return key;
            }
        }
    }

    private KadNode owner(byte[] key) {
        BigInteger rid = RecordIds.of(writer.hashFunction(), NS, key);
        KadNode best = null;
        for (KadNode n : nodes) {
            if (best == null || n.id().distance(rid).compareTo(best.id().distance(rid)) < 0) {
                best = n;
            }
        }
        return best;
    }

    private static WriteCommand put(String value) {
        return WriteCommand.put(value.getBytes(StandardCharsets.UTF_8), false, StoredRecord.NEVER);
    }

    private String read(KadNode from, byte[] key) {
        ReadResult r = net.runUntilDone(from.records().read(NS, key), 60_000);
        return r.record() == null || r.record().tombstone() ? null
                : new String(r.record().value(), StandardCharsets.UTF_8);
    }

    private void replay(List<byte[]> datagrams, InetSocketAddress to) {
        for (byte[] d : datagrams) {
            attacker.send(to, d);
        }
        net.runFor(1_000);
    }

    @Test
    void aPutReplayedAfterTheKeysRemovalIsRefusedAndCounted() {
        byte[] key = keyOwnedElsewhere();
        KadNode owner = owner(key);
        int mark = tap.sent().size();
        net.runUntilDone(writer.records().write(NS, key, put("secret value")), 60_000);
        List<byte[]> put = tap.sentTo(owner.address(), mark);
        assertThat(put).isNotEmpty();
        net.runUntilDone(writer.records().write(NS, key, WriteCommand.remove()), 60_000);

        long before = owner.stats().replayedDatagrams();
        replay(put, owner.address());

        assertThat(owner.stats().replayedDatagrams() - before).isEqualTo(put.size());
        for (KadNode n : nodes) {
            assertThat(read(n, key)).as("read from %s", n.id().shortHex()).isNull();
        }
    }

    @Test
    void aRemoveReplayedAfterANewerPutIsRefusedAndCounted() {
        byte[] key = keyOwnedElsewhere();
        KadNode owner = owner(key);
        net.runUntilDone(writer.records().write(NS, key, put("v1")), 60_000);
        int mark = tap.sent().size();
        net.runUntilDone(writer.records().write(NS, key, WriteCommand.remove()), 60_000);
        List<byte[]> remove = tap.sentTo(owner.address(), mark);
        net.runUntilDone(writer.records().write(NS, key, put("v2")), 60_000);

        long before = owner.stats().replayedDatagrams();
        replay(remove, owner.address());

        assertThat(owner.stats().replayedDatagrams() - before).isEqualTo(remove.size());
        assertThat(read(nodes.get(0), key)).isEqualTo("v2");
    }

    @Test
    void aNodesDatagramsReplayedToAnotherNodeAreRefusedAsMisdirected() {
        byte[] key = keyOwnedElsewhere();
        KadNode owner = owner(key);
        KadNode other = nodes.stream().filter(n -> n != owner && n != writer).findFirst().orElseThrow();
        int mark = tap.sent().size();
        net.runUntilDone(writer.records().write(NS, key, put("v1")), 60_000);
        List<byte[]> put = tap.sentTo(owner.address(), mark);

        long before = other.stats().misdirectedDatagrams();
        replay(put, other.address());

        assertThat(other.stats().misdirectedDatagrams() - before).isEqualTo(put.size());
    }

    @Test
    void aReplayedFirstContactFromAnotherAddressDoesNotRePointTheNodeAndGoesStaleWithTheWindow() {
        // the writer's first datagram to its seed, sent before it knew the seed's id: it names no recipient
        byte[] firstContact = tap.sentTo(nodes.get(0).address(), 0).get(0);
        KadNode other = nodes.get(1);
        InetSocketAddress known = addressOf(other, writer);
        assertThat(known).isEqualTo(writer.address());

        replay(List.of(firstContact), other.address());
        assertThat(other.stats().addressChecks()).isPositive();
        net.runFor(2_000); // the check's ping to the attacker's address goes unanswered
        assertThat(other.stats().addressChanges()).isZero();
        assertThat(addressOf(other, writer)).isEqualTo(writer.address());

        net.runFor(DatagramAuthenticatorWindow.MILLIS + 1_000);
        long stale = other.stats().staleDatagrams();
        replay(List.of(firstContact), other.address());
        assertThat(other.stats().staleDatagrams() - stale).isEqualTo(1);
    }

    @Test
    void aNodeThatReallyMovedIsFollowedOnceItAnswersAtItsNewAddress() {
        KadNode seed = nodes.get(0);
        net.kill(writer.address()); // gone without a goodbye, as after a crash: the others still know it
        SimTransport t = net.newTransport();
        KadNode moved = KadNode.start(NodeConfig.builder().loadInterceptors(false).sharedSecret(SECRET)
                .rpcTimeout(Duration.ofMillis(200)).operationTimeout(Duration.ofSeconds(10)).replication(2)
                .nodeId(writer.id().value()).seeds(List.of(seed.address())).build(), t, net.schedulerFor(t),
                new Random(99));
        net.runUntilDone(moved.joined(), 60_000);
        net.runFor(2_000);
        assertThat(seed.stats().addressChanges()).isPositive();
        assertThat(addressOf(seed, moved)).isEqualTo(t.localAddress());
        moved.close();
    }

    private static InetSocketAddress addressOf(KadNode viewer, KadNode of) {
        return viewer.peers().stream().filter(c -> c.id().equals(of.id())).map(Contact::address).findFirst()
                .orElse(null);
    }

    /** The default window of the shared secret's timestamps. */
    private static final class DatagramAuthenticatorWindow {
        static final long MILLIS = io.kad.core.wire.DatagramAuthenticator.DEFAULT_WINDOW.toMillis();
    }
}

package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.core.sim.SimTransport;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.core.wire.TransferFrame;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Records larger than one datagram, over the simulated network: they travel as fragmented transfers
 * for writes, reads, copies, hand-off and scans, under loss, beside small operations, and a transfer
 * that never completes is dropped with its memory.
 */
class LargeValueTest {

    private static final long MINUTE = 60_000;
    private static final String NS = "large";

    private final SimulatedNetwork net = new SimulatedNetwork(11).fixedLatency(1);
    private final Random random = new Random(11);
    private final List<KadNode> nodes = new ArrayList<>();
    private final NodeConfig base = NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(300))
            .operationTimeout(Duration.ofMinutes(5)).replication(3).build();

    @AfterEach
    void closeNodes() {
        nodes.forEach(KadNode::close);
    }

    private KadNode startNode(NodeConfig config) {
        SimTransport t = net.newTransport();
        List<InetSocketAddress> seeds = nodes.isEmpty() ? List.of() : List.of(nodes.get(0).address());
        KadNode node = KadNode.start(config.toBuilder().seeds(seeds).build(), t, net.schedulerFor(t),
                new Random(random.nextLong()));
        net.runUntilDone(node.joined(), MINUTE);
        nodes.add(node);
        return node;
    }

    private void startSwarm(int size) {
        for (int i = 0; i < size; i++) {
            startNode(base);
        }
        net.runFor(2_000); // every node learns every other one
    }

    private static byte[] valueOf(int size, int seed) {
        byte[] v = new byte[size];
        new Random(seed).nextBytes(v);
        return v;
    }

    private static byte[] key(String k) {
        return k.getBytes(StandardCharsets.UTF_8);
    }

    private WriteResult put(KadNode via, String k, byte[] value) {
        return net.runUntilDone(via.records().write(NS, key(k), WriteCommand.put(value, false, StoredRecord.NEVER)),
                10 * MINUTE);
    }

    private byte[] get(KadNode via, String k) {
        ReadResult r = net.runUntilDone(via.records().read(NS, key(k)), 10 * MINUTE);
        return r.found() ? r.record().value() : null;
    }

    private BigInteger recordId(String k) {
        return RecordIds.of(nodes.get(0).hashFunction(), NS, key(k));
    }

    /** The live nodes nearest a record, nearest first: its owner and replicas. */
    private List<KadNode> holders(String k) {
        BigInteger id = recordId(k);
        return nodes.stream().filter(n -> net.isOpen(n.address()))
                .sorted(Comparator.comparing(n -> n.id().distance(id))).collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, 8 * 1024, 64 * 1024, 1024 * 1024, 8 * 1024 * 1024})
    void valuesOfEverySizeRoundTripAndAReplicaServesThemAfterTheOwnerStops(int size) {
        startSwarm(3);
        byte[] value = valueOf(size, size);
        String k = "value-" + size;
        KadNode writer = holders(k).get(2); // not the owner: the value travels to it and on to the replica
        assertThat(put(writer, k, value).applied()).isTrue();
        for (KadNode n : nodes) {
            assertThat(get(n, k)).as("read through %s", n).isEqualTo(value);
            StoredRecord held = n.storage().get(recordId(k));
            assertThat(held).as("copy on %s", n).isNotNull();
            assertThat(held.value()).isEqualTo(value);
        }
        KadNode owner = holders(k).get(0);
        net.kill(owner.address());
        owner.close();
        KadNode reader = holders(k).get(1);
        assertThat(get(reader, k)).as("read after the owner stopped").isEqualTo(value);
        if (size > 64 * 1024) {
            long fragments = nodes.stream().mapToLong(n -> n.stats().fragmentsSent()).sum();
            assertThat(fragments).as("fragments sent").isGreaterThan(0);
        }
    }

    /**
     * Writes a record at its owner, waits until its three holders have it, kills the owner: the node
     * returned, the next holder, takes the record over at its next read.
     */
    private KadNode ownerKilledAfterWriting(String k, byte[] value) {
        assertThat(put(holders(k).get(0), k, value).applied()).isTrue();
        BigInteger id = recordId(k);
        assertThat(net.runUntil(() -> holders(k).subList(0, 3).stream().allMatch(n -> n.storage().get(id) != null),
                MINUTE)).as("every holder has its copy").isTrue();
        KadNode owner = holders(k).get(0);
        net.kill(owner.address());
        owner.close();
        return holders(k).get(0);
    }

    /**
     * A node that takes a large record over asks the other holders for their copies, saying which one it
     * holds: holders that agree with it answer without the value, at 24 nodes as at 3.
     */
    @Test
    void aTakeoverAmongHoldersThatAgreeMovesNoValue() {
        startSwarm(24);
        byte[] value = valueOf(1024 * 1024, 5);
        String k = "agreed";
        KadNode next = ownerKilledAfterWriting(k, value);
        long takeovers = next.stats().takeovers();
        long fragments = nodes.stream().mapToLong(n -> n.stats().fragmentsSent()).sum();

        assertThat(get(next, k)).as("read at the next holder").isEqualTo(value);

        assertThat(next.stats().takeovers()).as("takeovers by the next holder").isGreaterThan(takeovers);
        assertThat(nodes.stream().mapToLong(n -> n.stats().fragmentsSent()).sum() - fragments)
                .as("fragments sent for the takeover").isZero();
    }

    /** A holder whose copy is newer than the taker's sends it, value and all, and the taker keeps it. */
    @Test
    void aTakeoverFetchesAHolderCopyNewerThanItsOwn() {
        startSwarm(24);
        byte[] value = valueOf(1024 * 1024, 6);
        String k = "newer-elsewhere";
        KadNode next = ownerKilledAfterWriting(k, value);
        BigInteger id = recordId(k);
        // the next holder missed the last write: it holds an older version, with another value
        StoredRecord newest = next.storage().get(id);
        StoredRecord older = new StoredRecord(id, newest.namespace(), newest.key(), valueOf(1024 * 1024, 7),
                newest.json(), newest.version() - 1, newest.expiresAtMillis(), false);
        next.storage().compute(id, cur -> older);
        long fragments = nodes.stream().mapToLong(n -> n.stats().fragmentsSent()).sum();

        assertThat(get(next, k)).as("read at the next holder").isEqualTo(value);

        assertThat(next.storage().get(id).version()).isEqualTo(newest.version());
        assertThat(nodes.stream().mapToLong(n -> n.stats().fragmentsSent()).sum() - fragments)
                .as("fragments sent for the takeover").isGreaterThan(0);
    }

    @Test
    void aJoiningNodeReceivesALargeRecordByHandOff() {
        startSwarm(3);
        byte[] value = valueOf(1024 * 1024, 3);
        assertThat(put(nodes.get(0), "handed", value).applied()).isTrue();
        BigInteger id = recordId("handed");
        // a node whose id is the record's (its low 128 bits): the nearest node there can be
        KadNode newcomer = startNode(base.toBuilder()
                .nodeId(id.and(BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE))).build());
        assertThat(net.runUntil(() -> newcomer.storage().get(id) != null, 10 * MINUTE))
                .as("hand-off reached the newcomer").isTrue();
        assertThat(newcomer.storage().get(id).value()).isEqualTo(value);
        assertThat(nodes.stream().mapToLong(n -> n.stats().transfersReceived()).sum()).isGreaterThan(0);
    }

    @Test
    void aNamespaceOfLargeValuesIsListedAndEveryValueRead() {
        startSwarm(3);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            values.add(valueOf(300_000 + i, i));
            assertThat(put(nodes.get(i % 3), "scan-" + i, values.get(i)).applied()).isTrue();
        }
        KadNode reader = nodes.get(1);
        List<byte[]> keys = net.runUntilDone(reader.records().keys(NS), 10 * MINUTE);
        assertThat(keys).extracting(b -> new String(b, StandardCharsets.UTF_8))
                .containsExactlyInAnyOrder("scan-0", "scan-1", "scan-2", "scan-3");
        for (byte[] k : keys) {
            String name = new String(k, StandardCharsets.UTF_8);
            int i = Integer.parseInt(name.substring("scan-".length()));
            assertThat(get(reader, name)).isEqualTo(values.get(i));
        }
    }

    @Test
    void aValueOverTheLimitFailsAtTheCallerNamingTheLimitAndWritesNothing() {
        startSwarm(3);
        KadNode writer = nodes.get(0);
        CompletableFuture<WriteResult> w = writer.records().write(NS, key("too-large"),
                WriteCommand.put(new byte[9 * 1024 * 1024], false, StoredRecord.NEVER));
        assertThatThrownBy(() -> net.runUntilDone(w, MINUTE))
                .isInstanceOf(CompletionException.class)
                .hasMessageContaining("kad.max-value-bytes")
                .hasMessageContaining(Integer.toString(NodeConfig.DEFAULT_MAX_VALUE_BYTES))
                .hasMessageContaining(Integer.toString(9 * 1024 * 1024));
        for (KadNode n : nodes) {
            assertThat(get(n, "too-large")).isNull();
            assertThat(n.storage().get(recordId("too-large"))).isNull();
            assertThat(n.stats().fragmentsSent()).isZero();
        }
    }

    @Test
    void aOneMebibyteTransferCompletesUnderTenPercentLoss() {
        startSwarm(3);
        net.lossProbability(0.10);
        byte[] value = valueOf(1024 * 1024, 5);
        KadNode writer = holders("lossy").get(2);
        assertThat(put(writer, "lossy", value).applied()).isTrue();
        assertThat(get(holders("lossy").get(1), "lossy")).isEqualTo(value);
        assertThat(nodes.stream().mapToLong(n -> n.stats().fragmentsRetransmitted()).sum())
                .as("fragments sent again").isGreaterThan(0);
        net.lossProbability(0);
        for (KadNode n : nodes) {
            assertThat(get(n, "lossy")).isEqualTo(value);
        }
    }

    @Test
    void aSmallReadCompletesWhileAnEightMebibyteTransferIsInFlight() {
        startSwarm(3);
        byte[] small = valueOf(100, 1);
        String bigKey = "big";
        KadNode writer = holders(bigKey).get(2);
        // a small record whose owner is not the writer: its read crosses the network too
        String smallKey = null;
        for (int i = 0; smallKey == null; i++) {
            if (!holders("small-" + i).get(0).equals(writer)) {
                smallKey = "small-" + i;
            }
        }
        put(writer, smallKey, small);
        CompletableFuture<WriteResult> big = writer.records().write(NS, key(bigKey),
                WriteCommand.put(valueOf(8 * 1024 * 1024, 8), false, StoredRecord.NEVER));
        assertThat(net.runUntil(() -> writer.stats().fragmentsSent() > 100, MINUTE)).isTrue();
        long start = net.now();
        CompletableFuture<ReadResult> read = writer.records().read(NS, key(smallKey));
        net.runUntilDone(read, MINUTE);
        assertThat(read.join().record().value()).isEqualTo(small);
        assertThat(net.now() - start).as("virtual ms the small read took").isLessThanOrEqualTo(20);
        assertThat(big).as("the large write is still under way").isNotDone();
        assertThat(net.runUntilDone(big, 10 * MINUTE).applied()).isTrue();
    }

    @Test
    void aTransferThatNeverCompletesIsDroppedAndItsMemoryReleased() {
        startSwarm(1);
        KadNode node = nodes.get(0);
        SimTransport stranger = net.newTransport();
        List<byte[]> received = new ArrayList<>();
        stranger.start((from, data) -> received.add(data));
        byte[] message = valueOf(1024 * 1024, 9);
        for (int i = 0; i < 10; i++) {
            stranger.send(node.address(), TransferFrame.data(42, message, 8192, i));
        }
        net.runFor(10);
        assertThat(node.stats().transferBytesHeld()).isEqualTo(message.length);
        assertThat(received).as("acknowledgements").hasSize(10);
        net.runFor(2 * MINUTE);
        assertThat(node.stats().transferBytesHeld()).isZero();
        assertThat(node.stats().transfersDropped()).isEqualTo(1);
        assertThat(node.stats().transfersReceived()).isZero();

        // a transfer declared larger than the largest message is refused at once
        received.clear();
        stranger.send(node.address(), TransferFrame.data(43, new byte[node.config().maxMessageBytes() + 1], 60_000, 0));
        net.runFor(10);
        assertThat(received).hasSize(1);
        assertThat(received.get(0)[1]).as("an abort frame").isEqualTo((byte) 'X');
        assertThat(node.stats().transferBytesHeld()).isZero();
    }

    @Test
    void partialTransfersOfOnePeerAreCappedAndOthersStillGetIn() {
        startSwarm(1);
        KadNode node = nodes.get(0);
        byte[] largest = new byte[node.config().maxMessageBytes()];
        SimTransport greedy = net.newTransport();
        List<byte[]> toGreedy = new ArrayList<>();
        greedy.start((from, data) -> toGreedy.add(data));
        for (long id = 1; id <= 3; id++) {
            greedy.send(node.address(), TransferFrame.data(id, largest, 60_000, 0));
        }
        net.runFor(10);
        assertThat(toGreedy).extracting(d -> (char) d[1]).containsExactly('A', 'A', 'X');
        assertThat(node.stats().transferBytesHeld()).isEqualTo(2L * largest.length);

        SimTransport other = net.newTransport();
        List<byte[]> toOther = new ArrayList<>();
        other.start((from, data) -> toOther.add(data));
        other.send(node.address(), TransferFrame.data(1, largest, 60_000, 0));
        net.runFor(10);
        assertThat(toOther).extracting(d -> (char) d[1]).containsExactly('A');
        net.runFor(MINUTE);
        assertThat(node.stats().transferBytesHeld()).isZero();
    }

    @Test
    void anEventCarryingALargeValueReachesItsSubscriber() {
        startSwarm(3);
        byte[] first = valueOf(512 * 1024, 21);
        byte[] second = valueOf(700 * 1024, 22);
        String k = "followed";
        KadNode follower = holders(k).get(2);
        List<io.kad.core.record.RecordEvent> events = new CopyOnWriteArrayList<>();
        net.runUntilDone(follower.records().subscribe(NS, events::add), MINUTE);
        KadNode writer = holders(k).get(1);
        put(writer, k, first);
        put(writer, k, second);
        // the event datagrams arrive in virtual time; the listener runs on the follower's event thread, in
        // real time, which the simulation does not wait for
        net.runFor(MINUTE);
        await("both events arrived").atMost(Duration.ofSeconds(10))
                .until(() -> events.size() == 2);
        assertThat(events.get(0).newValue()).isEqualTo(first);
        assertThat(events.get(1).oldValue()).isEqualTo(first);
        assertThat(events.get(1).newValue()).isEqualTo(second);
    }
}

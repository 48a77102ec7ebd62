package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.NodeStats;
import io.kad.core.id.NodeId;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.core.sim.SimTransport;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.core.wire.Message;
import io.kad.core.wire.MessageCodec;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Forged record-carrying messages from a peer of the simulated network: copies ({@code replicate}) whose
 * record id does not match their key, that are too large, that come from a node far from the record,
 * whose version no owner could have issued, or that expired long ago; remote writes beyond the size
 * bound; kad.py {@code store}s that are too large or land on a record of the record protocol. Each is
 * refused and counted, and the value written legitimately survives.
 */
class ForgedRecordMessagesTest {

    private static final String NS = "forged";
    private static final long MINUTE = 60_000;
    private static final BigInteger NODE_ID_MASK = BigInteger.ONE.shiftLeft(NodeId.NODE_ID_BITS)
            .subtract(BigInteger.ONE);

    private SwarmScaleTest.Swarm swarm;
    private SimTransport attacker;
    private MessageCodec codec;

    @AfterEach
    void stop() {
        if (swarm != null) {
            SwarmScaleTest.close(swarm);
        }
    }

    /** A swarm larger than replication + K, so that some nodes are too far from a record to hold it. */
    private void build(long seed, int size, NodeConfig base) {
        SimulatedNetwork net = new SimulatedNetwork(seed).latency(1, 10);
        Random random = new Random(seed);
        List<KadNode> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            nodes.add(SwarmScaleTest.join(net, nodes, base, random));
        }
        swarm = new SwarmScaleTest.Swarm(net, nodes, random);
        attacker = net.newTransport();
        attacker.start((from, data) -> { });
        codec = new MessageCodec(Math.max(nodes.get(0).hashFunction().idBits(), NodeId.NODE_ID_BITS));
        // let the crawl and the first maintenance settle, so every node knows the whole swarm
        net.runFor(MINUTE);
    }

    /** The value bound of the swarms of the size tests: small, so that a value over it fits a datagram. */
    private static final int VALUE_BOUND = 10_000;

    private void buildWithValueBound(long seed) {
        build(seed, 40, NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(200))
                .operationTimeout(Duration.ofSeconds(20)).replication(3).maxValueBytes(VALUE_BOUND).build());
    }

    private void build(long seed) {
        build(seed, 40, NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(200))
                .operationTimeout(Duration.ofSeconds(20)).replication(3)
                .republishInterval(Duration.ofSeconds(5)).build());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private BigInteger recordId(String key) {
        return RecordIds.of(swarm.nodes().get(0).hashFunction(), NS, bytes(key));
    }

    /** The id of a node next to the record: any node takes it for one of the record's holders. */
    private static BigInteger nearTo(BigInteger recordId) {
        return recordId.and(NODE_ID_MASK).xor(BigInteger.ONE);
    }

    /** The id of a node as far from the record as a node can be. */
    private static BigInteger farFrom(BigInteger recordId) {
        return recordId.and(NODE_ID_MASK).xor(NODE_ID_MASK);
    }

    /** The nodes nearest a record, nearest first: its holders, whatever any node's view says. */
    private List<KadNode> holders(BigInteger recordId) {
        List<KadNode> sorted = new ArrayList<>(swarm.nodes());
        sorted.sort(Comparator.comparing(n -> n.id().distance(recordId)));
        return sorted.subList(0, 3);
    }

    private void sendTo(List<KadNode> targets, Message message) {
        byte[] datagram = codec.encode(message);
        for (KadNode n : targets) {
            attacker.send(n.address(), datagram);
        }
        swarm.net().runFor(1_000);
    }

    private Message.Replicate replicate(BigInteger sender, StoredRecord record) {
        return new Message.Replicate(sender, NullNode.getInstance(), new BigIntegerNode(BigInteger.valueOf(7)),
                List.of(record));
    }

    private long sum(ToLongFunction<NodeStats> counter) {
        return swarm.nodes().stream().mapToLong(n -> counter.applyAsLong(n.stats())).sum();
    }

    private void write(String key, String value) {
        WriteResult w = swarm.run(swarm.any().records().write(NS, bytes(key),
                WriteCommand.put(bytes(value), false, StoredRecord.NEVER)));
        assertThat(w.applied()).isTrue();
    }

    private String read(KadNode from, String key) {
        ReadResult r = swarm.run(from.records().read(NS, bytes(key)));
        return r.record() == null ? null : new String(r.record().value(), StandardCharsets.UTF_8);
    }

    private long soon() {
        return (swarm.net().now() + 1_000) * 1000;
    }

    @Test
    void replicateWithAMismatchedRecordIdIsRefusedCountedAndNotListedByAScan() {
        build(101);
        write("k", "good");
        BigInteger id = recordId("k");
        // the key "injected" under the id of "k": would take over k's slot and list a key nobody wrote
        StoredRecord forged = new StoredRecord(id, NS, bytes("injected"), bytes("evil"), false, soon(),
                StoredRecord.NEVER, false);
        sendTo(swarm.nodes(), replicate(nearTo(id), forged));

        assertThat(sum(NodeStats::recordIdMismatches)).isEqualTo(swarm.nodes().size());
        List<String> keys = swarm.run(swarm.any().records().keys(NS)).stream()
                .map(k -> new String(k, StandardCharsets.UTF_8)).toList();
        assertThat(keys).containsExactly("k");
        assertThat(read(swarm.any(), "k")).isEqualTo("good");
    }

    @Test
    void aRecordWhoseIdDoesNotMatchItsKeyIsLeftOutOfScanPages() {
        build(102);
        write("k", "good");
        BigInteger id = recordId("k");
        KadNode holder = holders(id).get(1);
        // in the tier from before the checks: served scan pages leave it out
        BigInteger elsewhere = recordId("elsewhere");
        holder.storage().compute(elsewhere, cur -> new StoredRecord(elsewhere, NS, bytes("injected"), bytes("evil"),
                false, soon(), StoredRecord.NEVER, false));
        long before = holder.stats().recordIdMismatches();

        List<String> keys = swarm.run(swarm.anyBut(holder).records().keys(NS)).stream()
                .map(k -> new String(k, StandardCharsets.UTF_8)).toList();
        assertThat(keys).containsExactly("k");
        assertThat(holder.stats().recordIdMismatches()).isGreaterThan(before);
    }

    @Test
    void aRemoteWriteBeyondTheRecordBoundIsRefusedAtTheOwner() {
        buildWithValueBound(103);
        BigInteger id = recordId("big");
        KadNode owner = holders(id).get(0);
        byte[] value = new byte[VALUE_BOUND + 5_000];
        sendTo(List.of(owner), new Message.PutRecord(farFrom(id), NullNode.getInstance(),
                new BigIntegerNode(BigInteger.valueOf(9)), id, NS, bytes("big"),
                WriteCommand.put(value, false, StoredRecord.NEVER)));

        assertThat(owner.stats().oversizedRecordsRefused()).isEqualTo(1);
        assertThat(owner.stats().recordWrites()).isZero();
        for (KadNode n : swarm.nodes()) {
            assertThat(n.storage().get(id)).as("record on %s", n).isNull();
        }
    }

    @Test
    void aCopyBeyondTheRecordBoundIsRefused() {
        buildWithValueBound(104);
        BigInteger id = recordId("big");
        StoredRecord big = new StoredRecord(id, NS, bytes("big"), new byte[VALUE_BOUND + 5_000], false,
                soon(), StoredRecord.NEVER, false);
        sendTo(swarm.nodes(), replicate(nearTo(id), big));

        assertThat(sum(NodeStats::oversizedRecordsRefused)).isEqualTo(swarm.nodes().size());
        for (KadNode n : swarm.nodes()) {
            assertThat(n.storage().get(id)).as("record on %s", n).isNull();
        }
    }

    @Test
    void aCopyFromANodeFarFromTheRecordIsRefusedAndTheWrittenValueSurvives() {
        build(105);
        write("k", "good");
        BigInteger id = recordId("k");
        List<KadNode> holders = holders(id);
        StoredRecord forged = new StoredRecord(id, NS, bytes("k"), bytes("evil"), false, soon(), StoredRecord.NEVER,
                false);
        sendTo(holders, replicate(farFrom(id), forged));

        for (KadNode h : holders) {
            assertThat(h.stats().copiesFromNonHolders()).as("refused by %s", h).isEqualTo(1);
            assertThat(new String(h.storage().get(id).value(), StandardCharsets.UTF_8)).isEqualTo("good");
        }
        assertThat(read(swarm.any(), "k")).isEqualTo("good");
    }

    @Test
    void aCopyWithTheHighestVersionPinsNothing() {
        build(106);
        write("k", "first");
        BigInteger id = recordId("k");
        StoredRecord pinned = new StoredRecord(id, NS, bytes("k"), bytes("pinned"), false, Long.MAX_VALUE,
                StoredRecord.NEVER, false);
        sendTo(swarm.nodes(), replicate(nearTo(id), pinned));
        assertThat(sum(NodeStats::copiesVersionAhead)).isEqualTo(swarm.nodes().size());

        write("k", "second");
        // two republish rounds: what the holders keep goes round again
        swarm.net().runFor(12_000);
        assertThat(read(swarm.any(), "k")).isEqualTo("second");
        for (KadNode h : holders(id)) {
            StoredRecord kept = h.storage().get(id);
            assertThat(new String(kept.value(), StandardCharsets.UTF_8)).as("on %s", h).isEqualTo("second");
            assertThat(kept.version()).isLessThan(Long.MAX_VALUE);
        }
    }

    @Test
    void aCopyExpiredPastTheGraceOrAnExpiredCopyOfNothingIsRefused() {
        build(107);
        BigInteger gone = recordId("gone");
        long now = swarm.net().now();
        long grace = NodeConfig.DEFAULT_EXPIRY_GRACE.toMillis();
        StoredRecord oldTombstone = new StoredRecord(gone, NS, bytes("gone"), new byte[0], false, soon(),
                now - grace - 1_000, true);
        sendTo(swarm.nodes(), replicate(nearTo(gone), oldTombstone));
        BigInteger expired = recordId("expired");
        StoredRecord expiredValue = new StoredRecord(expired, NS, bytes("expired"), bytes("stale"), false, soon(),
                now - 1, false);
        sendTo(swarm.nodes(), replicate(nearTo(expired), expiredValue));

        assertThat(sum(NodeStats::copiesExpired)).isEqualTo(2L * swarm.nodes().size());
        for (KadNode n : swarm.nodes()) {
            assertThat(n.storage().get(gone)).as("tombstone on %s", n).isNull();
            assertThat(n.storage().get(expired)).as("expired record on %s", n).isNull();
        }
    }

    @Test
    void aKadpyStoreLargerThanKadpysBoundIsRefused() {
        build(108);
        KadNode target = swarm.any();
        BigInteger keyId = new BigInteger(1, target.hashFunction().hash(bytes("kadpy-big")));
        // written by hand: this codec refuses to encode a kad.py message beyond kad.py's bound
        String store = "{\"message_type\": \"store\", \"id\": " + keyId + ", \"value\": \""
                + "x".repeat(MessageCodec.KADPY_MAX_DATAGRAM + 100) + "\", \"peer_id\": " + farFrom(keyId)
                + ", \"peer_info\": null}";
        attacker.send(target.address(), bytes(store));
        swarm.net().runFor(1_000);

        assertThat(target.stats().kadpyStoresRefused()).isEqualTo(1);
        assertThat(target.storage().get(keyId)).isNull();
    }

    @Test
    void aKadpyStoreDoesNotOverwriteARecordOfTheRecordProtocol() {
        build(109);
        byte[] key = bytes("shared");
        BigInteger keyId = new BigInteger(1, swarm.any().hashFunction().hash(key));
        swarm.run(swarm.any().storeValue(keyId, key, TextNode.valueOf("good")));
        List<KadNode> holders = new ArrayList<>(swarm.nodes());
        holders.sort(Comparator.comparing(n -> n.id().distance(keyId)));
        holders = holders.subList(0, 3);
        sendTo(holders, new Message.Store(farFrom(keyId), NullNode.getInstance(), keyId, TextNode.valueOf("evil")));

        for (KadNode h : holders) {
            assertThat(h.stats().kadpyStoresRefused()).as("refused by %s", h).isEqualTo(1);
            assertThat(new String(h.storage().get(keyId).value(), StandardCharsets.UTF_8)).isEqualTo("\"good\"");
        }
        ReadResult r = swarm.run(swarm.any().records().read("", key));
        assertThat(new String(r.record().value(), StandardCharsets.UTF_8)).isEqualTo("\"good\"");
    }

    @Test
    void aKadpyStoreOfANewKeyIsStillTaken() {
        build(110);
        KadNode target = swarm.any();
        BigInteger keyId = new BigInteger(1, target.hashFunction().hash(bytes("kadpy")));
        sendTo(List.of(target), new Message.Store(farFrom(keyId), NullNode.getInstance(), keyId,
                TextNode.valueOf("fine")));

        assertThat(target.stats().kadpyStoresRefused()).isZero();
        assertThat(new String(target.storage().get(keyId).value(), StandardCharsets.UTF_8)).isEqualTo("\"fine\"");
    }
}

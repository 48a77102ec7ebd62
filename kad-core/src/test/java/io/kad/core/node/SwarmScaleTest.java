package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.ReadResult;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.core.sim.SimScheduler;
import io.kad.core.sim.SimTransport;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a record operation costs as the swarm grows: datagrams per remote get and per put, and per put
 * that creates its key and per get of a key never written (the first operation on a key, whose owner
 * confirms its ownership with the other holders), counted over every node of a simulated swarm of 3, 21,
 * 200 and 1,000 nodes (500 keys written from random nodes, each read once, then twelve minutes of
 * background crawl); no get sent on to another node (every view holds every member by then); one event
 * datagram per change at each of four followers in turn; and namespace scans that list and clear every
 * key whatever the size. A design that resolves owners with a full lookup shows here as tens of
 * datagrams per operation from 21 nodes on.
 */
class SwarmScaleTest {

    private static final Logger LOG = LoggerFactory.getLogger(SwarmScaleTest.class);
    static final long MINUTE = 60_000;
    static final int REPLICATION = 3;
    private static final String NS = "scale";

    record Swarm(SimulatedNetwork net, List<KadNode> nodes, Random random) {

        KadNode any() {
            return nodes.get(random.nextInt(nodes.size()));
        }

        /** The node whose id is nearest the record id: the owner, whatever any node's view says. */
        KadNode owner(byte[] key) {
            BigInteger rid = RecordIds.of(nodes.get(0).hashFunction(), NS, key);
            KadNode best = null;
            for (KadNode n : nodes) {
                if (best == null || n.id().distance(rid).compareTo(best.id().distance(rid)) < 0) {
                    best = n;
                }
            }
            return best;
        }

        KadNode anyBut(KadNode not) {
            while (true) {
                KadNode n = any();
                if (n != not) {
                    return n;
                }
            }
        }

        long recordDatagrams() {
            long sum = 0;
            for (KadNode n : nodes) {
                sum += n.stats().recordDatagramsSent();
            }
            return sum;
        }

        long eventsSent() {
            long sum = 0;
            for (KadNode n : nodes) {
                sum += n.stats().eventsSent();
            }
            return sum;
        }

        long redirects() {
            long sum = 0;
            for (KadNode n : nodes) {
                sum += n.stats().redirects();
            }
            return sum;
        }

        <T> T run(CompletableFuture<T> f) {
            return net.runUntilDone(f, 10 * MINUTE);
        }
    }

    static NodeConfig config() {
        return NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(300))
                .operationTimeout(Duration.ofSeconds(20)).replication(REPLICATION)
                .republishInterval(Duration.ofHours(1)).build();
    }

    /** Nodes join one after another, each through a random earlier node. */
    static Swarm build(long seed, int size) {
        return build(seed, size, config());
    }

    /** As {@link #build(long, int)}, with another configuration. */
    static Swarm build(long seed, int size, NodeConfig base) {
        SimulatedNetwork net = new SimulatedNetwork(seed).latency(1, 10);
        Random random = new Random(seed);
        List<KadNode> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            nodes.add(join(net, nodes, base, random));
        }
        return new Swarm(net, nodes, random);
    }

    static KadNode join(SimulatedNetwork net, List<KadNode> nodes, NodeConfig base, Random random) {
        SimTransport t = net.newTransport();
        SimScheduler s = net.schedulerFor(t);
        List<InetSocketAddress> seeds = nodes.isEmpty() ? List.of()
                : List.of(nodes.get(random.nextInt(nodes.size())).address());
        KadNode node = KadNode.start(base.toBuilder().seeds(seeds).build(), t, s, new Random(random.nextLong()));
        net.runUntilDone(node.joined(), 10 * MINUTE);
        return node;
    }

    static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] value(String v) {
        return v.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {3, 21, 200, 1000})
    void getsAndPutsCostTheSameDatagramsWhateverTheSwarmSizeAndScansReachEveryKey(int size) {
        Swarm swarm = build(size, size);
        int keys = 500;
        // writes from random nodes, then one read of each key from a random node: the views learn
        List<CompletableFuture<WriteResult>> puts = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            puts.add(swarm.any().records().write(NS, key(i), WriteCommand.put(value("v" + i), false,
                    StoredRecord.NEVER)));
        }
        swarm.run(CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)));
        List<CompletableFuture<ReadResult>> warm = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            warm.add(swarm.any().records().read(NS, key(i)));
        }
        swarm.run(CompletableFuture.allOf(warm.toArray(CompletableFuture[]::new)));
        // twelve minutes of background crawl (a first sweep ten minutes after a node started, the next sooner
        // while sweeps learn members): a swarm that has been up a while
        swarm.net().runFor(12 * MINUTE);

        // measured: one remote get of each key, from a node that is not its owner, one at a time
        long before = swarm.recordDatagrams();
        long redirectsBefore = swarm.redirects();
        for (int i = 0; i < keys; i++) {
            KadNode reader = swarm.anyBut(swarm.owner(key(i)));
            ReadResult r = swarm.run(reader.records().read(NS, key(i)));
            assertThat(r.record()).as("key-%d read from %s", i, reader).isNotNull();
            assertThat(new String(r.record().value(), StandardCharsets.UTF_8)).isEqualTo("v" + i);
        }
        double perGet = (swarm.recordDatagrams() - before) / (double) keys;
        long getRedirects = swarm.redirects() - redirectsBefore;

        // measured: one put of each key from a node that is not its owner
        before = swarm.recordDatagrams();
        long eventsBefore = swarm.eventsSent();
        for (int i = 0; i < keys; i++) {
            KadNode writer = swarm.anyBut(swarm.owner(key(i)));
            WriteResult w = swarm.run(writer.records().write(NS, key(i), WriteCommand.put(value("w" + i), false,
                    StoredRecord.NEVER)));
            assertThat(w.applied()).isTrue();
        }
        double perPut = (swarm.recordDatagrams() - before) / (double) keys;
        assertThat(swarm.eventsSent() - eventsBefore).as("events sent for puts nobody follows").isZero();
        LOG.info("{} nodes: {} datagrams per remote get ({} redirects in {} gets), {} per put", size,
                String.format("%.2f", perGet), getRedirects, keys, String.format("%.2f", perPut));
        assertThat(perGet).as("record datagrams per remote get at %d nodes", size).isLessThanOrEqualTo(2.2);
        // every view holds every member by now: each reader went to the key's owner at once
        assertThat(getRedirects).as("gets sent on to a nearer node at %d nodes", size).isZero();
        assertThat(perPut).as("record datagrams per put at %d nodes", size)
                .isLessThanOrEqualTo(2 + 2 * (REPLICATION - 1) + 0.5);

        // measured: puts that create keys, and gets of keys never written, each from a node that is not the
        // key's owner: the first operation on a key makes its owner confirm with the other holders that it
        // may act as the owner (no former owner decided a write to it): one request to each of them
        int fresh = 100;
        Random picks = new Random(size);
        before = swarm.recordDatagrams();
        for (int i = 0; i < fresh; i++) {
            byte[] k = ("new-" + i).getBytes(StandardCharsets.UTF_8);
            WriteResult w = swarm.run(notOwner(swarm, k, picks).records().write(NS, k,
                    WriteCommand.put(value("n" + i), false, StoredRecord.NEVER)));
            assertThat(w.applied()).isTrue();
        }
        double perCreatingPut = (swarm.recordDatagrams() - before) / (double) fresh;
        before = swarm.recordDatagrams();
        for (int i = 0; i < fresh; i++) {
            byte[] k = ("absent-" + i).getBytes(StandardCharsets.UTF_8);
            ReadResult r = swarm.run(notOwner(swarm, k, picks).records().read(NS, k));
            assertThat(r.record()).as("absent-%d", i).isNull();
        }
        double perMiss = (swarm.recordDatagrams() - before) / (double) fresh;
        LOG.info("{} nodes: {} datagrams per put that creates its key, {} per get of a key never written", size,
                String.format("%.2f", perCreatingPut), String.format("%.2f", perMiss));
        // the put's 6 plus a request and an answer per other holder asked (twice as many as a replica set has)
        int confirmation = size == 1 ? 0 : 2 * Math.min(size - 1, 2 * (REPLICATION - 1));
        assertThat(perCreatingPut).as("record datagrams per put that creates its key at %d nodes", size)
                .isLessThanOrEqualTo(2 + 2 * (REPLICATION - 1) + confirmation + 0.5);
        assertThat(perMiss).as("record datagrams per get of a key never written at %d nodes", size)
                .isLessThanOrEqualTo(2 + confirmation + 0.5);

        // a node that follows the namespace gets one event datagram per change, from the key's owner only
        // (none when it owns the key itself: the owner delivers to its own listeners in process); a follower
        // whose view missed the owner would miss the event, so several followers are tried
        for (int f = 0; f < 4; f++) {
            KadNode follower = swarm.any();
            List<io.kad.core.record.RecordEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            AutoCloseable subscription = swarm.run(follower.records().subscribe(NS, seen::add));
            eventsBefore = swarm.eventsSent();
            int changes = 0;
            for (int i = 0; i < 20; i++) {
                KadNode writer = swarm.anyBut(follower);
                swarm.run(writer.records().write(NS, key(i), WriteCommand.put(value("e" + f + "-" + i), false,
                        StoredRecord.NEVER)));
                if (swarm.owner(key(i)) != follower) {
                    changes++;
                }
            }
            assertThat(swarm.eventsSent() - eventsBefore)
                    .as("events sent for %d changes made away from their one follower %s", changes, follower)
                    .isEqualTo(changes);
            try {
                subscription.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        // scans from random nodes list every key once; clearing through the listing leaves none
        for (int round = 0; round < 3; round++) {
            KadNode scanner = swarm.any();
            List<byte[]> listed = swarm.run(scanner.records().keys(NS));
            Set<String> names = new HashSet<>();
            listed.forEach(k -> names.add(new String(k, StandardCharsets.UTF_8)));
            assertThat(names).as("keys listed from %s", scanner).hasSize(keys + fresh);
            assertThat(listed).hasSize(keys + fresh);
        }
        KadNode clearer = swarm.any();
        List<byte[]> listed = swarm.run(clearer.records().keys(NS));
        List<CompletableFuture<WriteResult>> removes = new ArrayList<>();
        for (byte[] k : listed) {
            removes.add(clearer.records().write(NS, k, WriteCommand.remove()));
        }
        swarm.run(CompletableFuture.allOf(removes.toArray(CompletableFuture[]::new)));
        assertThat(swarm.run(swarm.any().records().keys(NS))).as("keys left after clear").isEmpty();
        close(swarm);
    }

    /** A node that is not the key's owner, drawn from {@code random}. */
    private static KadNode notOwner(Swarm swarm, byte[] key, Random random) {
        KadNode owner = swarm.owner(key);
        while (true) {
            KadNode n = swarm.nodes().get(random.nextInt(swarm.nodes().size()));
            if (n != owner) {
                return n;
            }
        }
    }

    static void close(Swarm swarm) {
        for (KadNode n : swarm.nodes()) {
            n.close();
        }
    }
}

package io.kad.core.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.ReadResult;
import io.kad.core.record.WriteCommand;
import io.kad.core.sim.SimTransport;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.core.sim.TapTransport;
import io.kad.core.transport.Transport;
import io.kad.core.wire.MessageCodec;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * 100,000 hostile datagrams at a node of a simulated 4-node swarm: random bytes, and mutations of every
 * kind of datagram the swarm itself sent, in both dialects (flipped and cut bytes of JSON and binary
 * datagrams; fields replaced by values of any type and size; unsolicited replies; records under forged
 * ids), from one address and from many. Afterwards
 * the node still serves reads and writes, its view and storage stay bounded, and the data written
 * before is intact. Set {@code -Dkad.fuzz.datagrams=1000000} for a longer run.
 */
class DatagramFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MessageCodec CODEC = new MessageCodec(256);
    private static final String NS = "fuzz";
    private static final int DATAGRAMS = Integer.getInteger("kad.fuzz.datagrams", 100_000);

    @Test
    void aNodeSurvivesAHundredThousandHostileDatagramsAndKeepsItsData() throws Exception {
        SimulatedNetwork net = new SimulatedNetwork(17).latency(1, 5);
        Random random = new Random(17);
        NodeConfig base = NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(200))
                .operationTimeout(Duration.ofSeconds(10)).replication(3).build();
        List<KadNode> nodes = new ArrayList<>();
        TapTransport tap = null;
        for (int i = 0; i < 4; i++) {
            SimTransport t = net.newTransport();
            Transport transport = t;
            if (i == 1) {
                tap = new TapTransport(t, 5_000);
                transport = tap;
            }
            List<InetSocketAddress> seeds = nodes.isEmpty() ? List.of() : List.of(nodes.get(0).address());
            KadNode n = KadNode.start(base.toBuilder().seeds(seeds).build(), transport, net.schedulerFor(t),
                    new Random(random.nextLong()));
            net.runUntilDone(n.joined(), 60_000);
            nodes.add(n);
        }
        KadNode target = nodes.get(0);
        KadNode client = nodes.get(1);
        // traffic of every kind from the tapped node: writes, reads, a scan, a subscription and its events
        AutoCloseable sub = net.runUntilDone(client.records().subscribe(NS, e -> { }), 60_000);
        for (int i = 0; i < 40; i++) {
            byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
            net.runUntilDone(client.records().write(NS, key, WriteCommand.put(("v" + i).getBytes(
                    StandardCharsets.UTF_8), false, StoredRecord.NEVER)), 60_000);
            net.runUntilDone(nodes.get(2).records().write(NS, key, WriteCommand.put(("w" + i).getBytes(
                    StandardCharsets.UTF_8), false, StoredRecord.NEVER)), 60_000);
            net.runUntilDone(client.records().read(NS, key), 60_000);
        }
        net.runUntilDone(client.records().keys(NS), 60_000);
        net.runUntilDone(client.lookupNodes(new BigInteger(128, random)), 60_000);
        List<byte[]> templates = tap.sent().stream().map(TapTransport.Sent::data).toList();
        assertThat(templates).hasSizeGreaterThan(100);

        List<SimTransport> attackers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            SimTransport a = net.newTransport();
            a.start((from, data) -> { });
            attackers.add(a);
        }
        long storedBefore = target.storage().size();
        for (int i = 0; i < DATAGRAMS; i++) {
            byte[] d = random.nextInt(10) == 0 ? randomBytes(random)
                    : mutate(templates.get(random.nextInt(templates.size())), random);
            // mostly one address, sometimes many: fake ids from one address and from a crowd
            SimTransport from = random.nextInt(4) == 0 ? attackers.get(random.nextInt(attackers.size()))
                    : attackers.get(0);
            from.send(target.address(), d);
            if (i % 1_000 == 999) {
                net.runFor(50);
            }
        }
        net.runFor(5_000);
        sub.close();

        // still serving, with its data intact
        for (int i = 0; i < 40; i += 7) {
            byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
            ReadResult r = net.runUntilDone(nodes.get(3).records().read(NS, key), 60_000);
            assertThat(r.record()).as("key-%d", i).isNotNull();
        }
        byte[] fresh = "after".getBytes(StandardCharsets.UTF_8);
        CompletableFuture<?> w = target.records().write(NS, fresh, WriteCommand.put(fresh, false, StoredRecord.NEVER));
        net.runUntilDone(w, 60_000);
        assertThat(net.runUntilDone(nodes.get(2).records().read(NS, fresh), 60_000).record()).isNotNull();
        // bounded: the view holds the swarm and at most one id per attacking address; storage did not balloon
        assertThat(target.peers().size()).isLessThanOrEqualTo(nodes.size() - 1 + attackers.size());
        assertThat(target.storage().size()).isLessThanOrEqualTo(storedBefore + DATAGRAMS / 2);
        assertThat(target.stats().datagramsDropped()).isPositive();
        // the only messages whose handling threw are the refusals that throw on purpose (forged ids, sizes)
        assertThat(target.stats().handlerFailures()).isLessThanOrEqualTo(target.stats().recordIdMismatches()
                + target.stats().oversizedRecordsRefused());
    }

    private static byte[] randomBytes(Random random) {
        byte[] b = new byte[random.nextInt(300)];
        random.nextBytes(b);
        return b;
    }

    /** A template changed in one of several ways, keeping it JSON most of the time. */
    private static byte[] mutate(byte[] template, Random random) throws Exception {
        switch (random.nextInt(5)) {
            case 0 -> {
                byte[] b = template.clone();
                for (int i = 0, n = 1 + random.nextInt(4); i < n && b.length > 0; i++) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
                return b;
            }
            case 1 -> {
                byte[] b = new byte[random.nextInt(template.length + 1)];
                System.arraycopy(template, 0, b, 0, b.length);
                return b;
            }
            default -> {
                // a binary datagram is mutated field by field in its JSON form (its bytes by the cases above)
                JsonNode tree = MessageCodec.isBinary(template) ? CODEC.toTree(CODEC.decodeBinary(template))
                        : JSON.readTree(template);
                if (!(tree instanceof ObjectNode o) || o.isEmpty()) {
                    return template;
                }
                for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                    replaceSomewhere(o, random);
                }
                return JSON.writeValueAsBytes(o);
            }
        }
    }

    /** Replaces one field, at any depth, by a value of a random type. */
    private static void replaceSomewhere(ObjectNode o, Random random) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        String name = names.get(random.nextInt(names.size()));
        JsonNode child = o.get(name);
        if (child instanceof ObjectNode inner && !inner.isEmpty() && random.nextBoolean()) {
            replaceSomewhere(inner, random);
            return;
        }
        if (child instanceof ArrayNode arr && !arr.isEmpty() && random.nextBoolean()) {
            int at = random.nextInt(arr.size());
            if (arr.get(at) instanceof ObjectNode inner && !inner.isEmpty()) {
                replaceSomewhere(inner, random);
            } else {
                arr.set(at, randomValue(random));
            }
            return;
        }
        o.set(name, randomValue(random));
    }

    private static JsonNode randomValue(Random random) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (random.nextInt(12)) {
            case 0 -> f.nullNode();
            case 1 -> f.booleanNode(random.nextBoolean());
            case 2 -> f.numberNode(random.nextLong());
            case 3 -> f.numberNode(new BigInteger(1 + random.nextInt(300), random));
            case 4 -> f.numberNode(new BigInteger(128, random).negate());
            case 5 -> f.numberNode(random.nextDouble() * 1e40);
            case 6 -> f.textNode("x".repeat(random.nextInt(2_000)));
            case 7 -> f.textNode(java.util.Base64.getEncoder().encodeToString(randomBytes(random)));
            case 8 -> f.arrayNode().add(random.nextInt()).add("a").addNull();
            case 9 -> f.objectNode().put("kad", 1);
            case 10 -> f.numberNode(Long.MAX_VALUE);
            default -> f.numberNode(-1);
        };
    }
}

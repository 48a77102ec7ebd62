package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.ReadResult;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.core.sim.SimulatedNetwork;
import io.kad.spi.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A swarm that changes under a workload: a fifth of 200 simulated nodes is replaced, one node at a
 * time (killed without a goodbye, a new one joins), while writes and reads go on from random nodes.
 * Every read returns the latest acknowledged value, and the extra round trips that stale views cost
 * (redirects, requests to departed nodes) stay bounded.
 */
class ChurnTest {

    private static final Logger LOG = LoggerFactory.getLogger(ChurnTest.class);
    private static final String NS = "churn";

    @Test
    void readsReturnTheLatestAcknowledgedValueWhileAFifthOfTheSwarmIsReplaced() {
        long seed = 5;
        SimulatedNetwork net = new SimulatedNetwork(seed).latency(1, 10);
        Random random = new Random(seed);
        NodeConfig base = NodeConfig.builder().loadInterceptors(false).rpcTimeout(Duration.ofMillis(300))
                .operationTimeout(Duration.ofSeconds(20)).replication(3)
                .republishInterval(Duration.ofSeconds(30)).build();
        List<KadNode> nodes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            nodes.add(SwarmScaleTest.join(net, nodes, base, random));
        }
        SwarmScaleTest.Swarm swarm = new SwarmScaleTest.Swarm(net, nodes, random);
        int keys = 200;
        String[] latest = new String[keys];
        List<CompletableFuture<WriteResult>> puts = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            latest[i] = "v0-" + i;
            puts.add(swarm.any().records().write(NS, SwarmScaleTest.key(i), put(latest[i])));
        }
        swarm.run(CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)));

        int replaced = 40;
        int ops = 0;
        long redirectsBefore = swarm.redirects();
        for (int step = 1; step <= replaced; step++) {
            KadNode victim = nodes.remove(random.nextInt(nodes.size()));
            net.kill(victim.address());
            victim.close();
            nodes.add(SwarmScaleTest.join(net, nodes, base, random));
            // a little work after each change, then time for republish and hand-off to follow it
            for (int j = 0; j < 10; j++) {
                int k = random.nextInt(keys);
                String v = "v" + step + "-" + k;
                WriteResult w = swarm.run(swarm.any().records().write(NS, SwarmScaleTest.key(k), put(v)));
                assertThat(w.applied()).isTrue();
                latest[k] = v;
                ops++;
            }
            for (int j = 0; j < 10; j++) {
                int k = random.nextInt(keys);
                ReadResult r = swarm.run(swarm.any().records().read(NS, SwarmScaleTest.key(k)));
                assertThat(r.record()).as("key-%d after %d replacements", k, step).isNotNull();
                assertThat(new String(r.record().value(), StandardCharsets.UTF_8))
                        .as("key-%d after %d replacements", k, step).isEqualTo(latest[k]);
                ops++;
            }
            net.runFor(15_000);
        }
        // every key, read once more from a random node at the end
        for (int k = 0; k < keys; k++) {
            ReadResult r = swarm.run(swarm.any().records().read(NS, SwarmScaleTest.key(k)));
            assertThat(r.record()).as("key-%d at the end", k).isNotNull();
            assertThat(new String(r.record().value(), StandardCharsets.UTF_8)).as("key-%d at the end", k)
                    .isEqualTo(latest[k]);
            ops++;
        }
        long redirects = swarm.redirects() - redirectsBefore;
        LOG.info("{} nodes replaced of 200: {} operations, {} redirects", replaced, ops, redirects);
        assertThat(redirects).as("redirects of %d operations under churn", ops).isLessThan(ops / 2);
        SwarmScaleTest.close(swarm);
    }

    private static WriteCommand put(String v) {
        return WriteCommand.put(v.getBytes(StandardCharsets.UTF_8), false, StoredRecord.NEVER);
    }
}

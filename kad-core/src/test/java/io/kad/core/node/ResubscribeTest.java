package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.core.KadNode;
import io.kad.core.record.RecordEvent;
import io.kad.core.record.WriteCommand;
import io.kad.spi.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A node that ends its last subscription to a namespace and subscribes again at once gets every event
 * of the new subscription: the end, sent to every member, cannot overtake the new subscription on the
 * way (datagrams of the simulated network take 1 to 10 ms, in any order) and cancel it.
 */
class ResubscribeTest {

    private static final String NS = "scale";

    @Test
    void aSubscriptionMadeRightAfterTheLastOneEndedGetsEveryEvent() throws Exception {
        SwarmScaleTest.Swarm swarm = SwarmScaleTest.build(11, 21);
        KadNode follower = swarm.nodes().get(0);
        for (int round = 0; round < 5; round++) {
            AutoCloseable first = swarm.run(follower.records().subscribe(NS, e -> { }));
            first.close();
            List<RecordEvent> seen = new CopyOnWriteArrayList<>();
            AutoCloseable second = swarm.run(follower.records().subscribe(NS, seen::add));
            long sentBefore = swarm.eventsSent();
            int changes = 0;
            for (int i = 0; i < 20; i++) {
                byte[] key = ("r" + round + "-" + i).getBytes(StandardCharsets.UTF_8);
                if (swarm.owner(key) == follower) {
                    continue;
                }
                swarm.run(swarm.anyBut(follower).records().write(NS, key,
                        WriteCommand.put(SwarmScaleTest.value("v" + i), false, StoredRecord.NEVER)));
                changes++;
            }
            swarm.net().runFor(1_000);
            assertThat(swarm.eventsSent() - sentBefore)
                    .as("events sent in round %d after a subscription ended and a new one began", round)
                    .isEqualTo(changes);
            // listeners run on the node's event thread
            int expected = changes;
            int r = round;
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(seen)
                    .as("events delivered in round %d", r).hasSize(expected));
            second.close();
        }
        SwarmScaleTest.close(swarm);
    }
}

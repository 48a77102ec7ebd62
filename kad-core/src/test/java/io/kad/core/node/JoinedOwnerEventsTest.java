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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A listener hears of writes to keys whose owner joined the swarm after it subscribed, whatever the
 * swarm's size: a subscriber far from the newcomer in the id space learns of it only with a later crawl,
 * so the members nearest the newcomer, which learn of it by its join, tell it who subscribed
 * ({@code subscribers}), and it pings them so that they subscribe there. Counted in event datagrams sent
 * by the owners, then in events delivered.
 */
class JoinedOwnerEventsTest {

    private static final String NS = "scale";

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {21, 200})
    void writesAtNodesThatJoinedAfterTheSubscriptionReachTheListener(int size) {
        SwarmScaleTest.Swarm swarm = SwarmScaleTest.build(size, size);
        swarm.net().runFor(12 * SwarmScaleTest.MINUTE);
        KadNode follower = swarm.nodes().get(0);
        List<RecordEvent> seen = new CopyOnWriteArrayList<>();
        swarm.run(follower.records().subscribe(NS, seen::add));
        int writes = 0;
        long sentBefore = swarm.eventsSent();
        for (int j = 0; j < 10; j++) {
            KadNode joined = SwarmScaleTest.join(swarm.net(), swarm.nodes(), SwarmScaleTest.config(), swarm.random());
            swarm.nodes().add(joined);
            // a second after the join: far less than a crawl's pause
            swarm.net().runFor(1_000);
            int found = 0;
            for (int i = 0; found < 3; i++) {
                byte[] key = ("j" + j + "-" + i).getBytes(StandardCharsets.UTF_8);
                if (swarm.owner(key) != joined) {
                    continue;
                }
                found++;
                swarm.run(swarm.anyBut(follower).records().write(NS, key,
                        WriteCommand.put(SwarmScaleTest.value("x" + i), false, StoredRecord.NEVER)));
                writes++;
            }
        }
        assertThat(swarm.eventsSent() - sentBefore)
                .as("event datagrams for %d writes at nodes that joined after the subscription", writes)
                .isEqualTo(writes);
        int expected = writes;
        // listeners run on the node's event thread
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(seen).hasSize(expected));
        SwarmScaleTest.close(swarm);
    }
}

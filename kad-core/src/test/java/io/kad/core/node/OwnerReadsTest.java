package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A node answers a read from its own tier when it owns the key: alone, every key; once it knows a nearer
 * node, the read goes there, whatever copy it holds itself.
 */
class OwnerReadsTest {

    private static final String NS = "owner-reads";

    private static WriteCommand put(String value) {
        return new WriteCommand(WriteCommand.Op.PUT, SwarmScaleTest.value(value), false, WriteCommand.ANY_VERSION,
                StoredRecord.NEVER, StoredRecord.NEVER);
    }

    private static String value(SwarmScaleTest.Swarm swarm, KadNode reader, byte[] key) {
        StoredRecord r = swarm.run(reader.records().read(NS, key)).record();
        return r == null ? null : new String(r.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aNodeHoldingAStaleCopyReadsTheOwnersValueOnceItKnowsTheOwner() {
        NodeConfig base = SwarmScaleTest.config().toBuilder().replication(1).build();
        SwarmScaleTest.Swarm swarm = SwarmScaleTest.build(11, 1, base);
        KadNode first = swarm.nodes().get(0);
        try {
            // alone, the first node owns every key and answers from its own tier
            byte[] mine = SwarmScaleTest.key(-1);
            assertThat(swarm.run(first.records().write(NS, mine, put("alone"))).applied()).isTrue();
            assertThat(value(swarm, first, mine)).isEqualTo("alone");

            KadNode second = SwarmScaleTest.join(swarm.net(), swarm.nodes(), base, swarm.random());
            swarm.nodes().add(second);
            byte[] key = keyOwnedBy(swarm, second);
            assertThat(swarm.run(second.records().write(NS, key, put("new"))).applied()).isTrue();
            // a copy the first node would hold from before the second joined, older than the owner's
            BigInteger id = RecordIds.of(first.hashFunction(), NS, key);
            StoredRecord stale = new StoredRecord(id, NS, key, SwarmScaleTest.value("stale"), false, 1,
                    StoredRecord.NEVER, false);
            first.storage().compute(id, r -> stale);

            assertThat(value(swarm, first, key)).as("read from the owner, not the stale copy").isEqualTo("new");
            assertThat(first.storage().get(id).value()).isEqualTo(SwarmScaleTest.value("stale"));
        } finally {
            SwarmScaleTest.close(swarm);
        }
    }

    private static byte[] keyOwnedBy(SwarmScaleTest.Swarm swarm, KadNode owner) {
        for (int i = 0; ; i++) {
            byte[] key = SwarmScaleTest.key(i);
            BigInteger id = RecordIds.of(owner.hashFunction(), NS, key);
            KadNode nearest = swarm.nodes().stream()
                    .min(java.util.Comparator.comparing((KadNode n) -> n.id().distance(id))).orElseThrow();
            if (nearest == owner) {
                return key;
            }
        }
    }
}

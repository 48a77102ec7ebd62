package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.KadNode;
import io.kad.core.record.RecordIds;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.core.storage.MapStorageTier;
import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A node whose storage tier commits in the background (as the MVStore tier does) acknowledges a write,
 * and shows a record, only once the tier has committed it, and meanwhile goes on handling datagrams:
 * its protocol thread never waits for the disk. Run in a 21-node simulated swarm, where the owner is
 * found through the membership view and not by asking everyone.
 */
class DurableRepliesTest {

    private static final String NS = "durable";

    /** An in-memory tier whose commits the test holds back and releases. */
    private static final class HeldCommitsTier implements StorageTier {
        private final MapStorageTier records = new MapStorageTier(new ConcurrentHashMap<>());
        private final List<Runnable> waiting = new ArrayList<>();
        private boolean holding;
        private boolean uncommitted;
        int writes;

        synchronized void hold() {
            holding = true;
        }

        /** Commits everything written so far and runs what waited for it. */
        void release() {
            List<Runnable> ready;
            synchronized (this) {
                holding = false;
                uncommitted = false;
                ready = new ArrayList<>(waiting);
                waiting.clear();
            }
            ready.forEach(Runnable::run);
        }

        @Override
        public synchronized boolean allWritesDurable() {
            return !uncommitted;
        }

        @Override
        public void whenDurable(Runnable action) {
            synchronized (this) {
                if (uncommitted) {
                    waiting.add(action);
                    return;
                }
            }
            action.run();
        }

        @Override
        public StoredRecord get(BigInteger id) {
            return records.get(id);
        }

        @Override
        public StoredRecord compute(BigInteger id, UnaryOperator<StoredRecord> update) {
            StoredRecord result = records.compute(id, update);
            synchronized (this) {
                writes++;
                uncommitted |= holding;
            }
            return result;
        }

        @Override
        public void remove(BigInteger id) {
            records.remove(id);
            synchronized (this) {
                uncommitted |= holding;
            }
        }

        @Override
        public void forEach(Consumer<StoredRecord> action) {
            records.forEach(action);
        }

        @Override
        public long size() {
            return records.size();
        }

        @Override
        public void close() {
            records.close();
        }
    }

    @Test
    void aWriteIsAcknowledgedOnlyOnceCommittedWhileTheOwnerKeepsAnsweringEverythingElse() {
        SwarmScaleTest.Swarm swarm = SwarmScaleTest.build(21, 20);
        HeldCommitsTier tier = new HeldCommitsTier();
        KadNode owner = SwarmScaleTest.join(swarm.net(), swarm.nodes(),
                SwarmScaleTest.config().toBuilder().storageTier(tier).build(), swarm.random());
        swarm.nodes().add(owner);
        try {
            byte[] key = keyOwnedBy(owner, swarm.nodes());
            KadNode writer = swarm.anyBut(owner);
            KadNode reader = swarm.anyBut(owner);
            WriteCommand put = new WriteCommand(WriteCommand.Op.PUT, SwarmScaleTest.value("v1"), false,
                    WriteCommand.ANY_VERSION, StoredRecord.NEVER, StoredRecord.NEVER);
            assertThat(swarm.run(writer.records().write(NS, key, put)).applied()).isTrue();
            int writesBefore = tier.writes;

            tier.hold();
            WriteCommand overwrite = new WriteCommand(WriteCommand.Op.PUT, SwarmScaleTest.value("v2"), false,
                    WriteCommand.ANY_VERSION, StoredRecord.NEVER, StoredRecord.NEVER);
            CompletableFuture<WriteResult> write = writer.records().write(NS, key, overwrite);
            // less than one RPC timeout (300 ms): a commit is slow, not a dead owner
            swarm.net().runFor(150);
            assertThat(tier.writes).as("the owner applied the write").isGreaterThan(writesBefore);
            assertThat(write).as("acknowledged before its commit").isNotDone();
            var read = reader.records().read(NS, key);
            // the owner's own read, answered in place for a committed record, waits for the commit too
            var ownRead = owner.records().read(NS, key);
            // the owner still handles datagrams: a lookup through it completes while the commit is held
            CompletableFuture<List<io.kad.core.id.Contact>> lookup = reader.lookupNodes(owner.id().value());
            swarm.net().runFor(100);
            assertThat(lookup).as("the owner answers find_node during a held commit").isDone();
            assertThat(read).as("the uncommitted value shown").isNotDone();
            assertThat(ownRead).as("the uncommitted value shown to the owner's caller").isNotDone();
            assertThat(write).isNotDone();

            tier.release();
            assertThat(swarm.run(write).applied()).isTrue();
            assertThat(new String(swarm.run(read).record().value())).isEqualTo("v2");
            assertThat(new String(swarm.run(ownRead).record().value())).isEqualTo("v2");
            assertThat(new String(swarm.run(owner.records().read(NS, key)).record().value()))
                    .as("committed: answered at once").isEqualTo("v2");
        } finally {
            SwarmScaleTest.close(swarm);
        }
    }

    /** A key whose nearest node, of all in the swarm, is {@code owner}. */
    private static byte[] keyOwnedBy(KadNode owner, List<KadNode> nodes) {
        for (int i = 0; ; i++) {
            byte[] key = SwarmScaleTest.key(i);
            BigInteger id = RecordIds.of(owner.hashFunction(), NS, key);
            Optional<KadNode> nearest = nodes.stream()
                    .min(Comparator.comparing((KadNode n) -> n.id().value().xor(id)));
            if (nearest.orElseThrow() == owner) {
                return key;
            }
        }
    }
}

package io.kad.core.storage;

import static io.kad.core.storage.TestRecords.expiringAt;
import static io.kad.core.storage.TestRecords.live;
import static io.kad.core.storage.TestRecords.tombstone;
import static io.kad.core.storage.TestRecords.weighing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CaffeineStorageTierTest {

    private static final long START = 1_700_000_000_000L;

    private final List<StoredRecord> evicted = new CopyOnWriteArrayList<>();

    private CaffeineStorageTier.Builder deterministic() {
        return CaffeineStorageTier.builder()
                .executor(Runnable::run)
                .evictionListener(evicted::add);
    }

    @Test
    void countBoundEvictsAndReportsEachDroppedRecord() {
        CaffeineStorageTier tier = deterministic().maximumSize(10).build();
        for (int i = 0; i < 100; i++) {
            StoredRecord record = live(i, 1);
            tier.compute(record.id(), r -> record);
        }
        tier.cleanUp();

        assertThat(tier.size()).isEqualTo(10);
        assertThat(evicted).hasSize(90);
        Set<BigInteger> present = new HashSet<>();
        tier.forEach(r -> present.add(r.id()));
        Set<BigInteger> dropped = new HashSet<>();
        evicted.forEach(r -> dropped.add(r.id()));
        assertThat(present).doesNotContainAnyElementsOf(dropped);
        assertThat(present.size() + dropped.size()).isEqualTo(100);
    }

    @Test
    void weightBoundKeepsTotalWeightWithinBytesAndReportsDrops() {
        CaffeineStorageTier tier = deterministic().maximumWeight(10_000).build();
        for (int i = 0; i < 50; i++) {
            StoredRecord record = weighing(i, 1000);
            tier.compute(record.id(), r -> record);
        }
        tier.cleanUp();

        List<StoredRecord> present = new ArrayList<>();
        tier.forEach(present::add);
        assertThat(present.stream().mapToLong(StoredRecord::weight).sum()).isLessThanOrEqualTo(10_000);
        assertThat(present).hasSize(10);
        assertThat(evicted).hasSize(40);
    }

    @Test
    void recordHeavierThanTheWholeBoundIsDroppedAndReported() {
        CaffeineStorageTier tier = deterministic().maximumWeight(500).build();
        StoredRecord heavy = weighing(7, 1000);
        tier.compute(heavy.id(), r -> heavy);
        tier.cleanUp();

        assertThat(tier.get(heavy.id())).isNull();
        assertThat(evicted).containsExactly(heavy);
    }

    @Test
    void expiredRecordsAndTombstonesStayUntilTheNodeReclaimsThem() {
        // the record protocol must find an expired record to report it expired; reclaim is the node's
        CaffeineStorageTier tier = deterministic().build();
        StoredRecord expired = expiringAt(1, START - Duration.ofDays(365).toMillis());
        StoredRecord tombstone = tombstone(2, 4, START - Duration.ofDays(365).toMillis());
        StoredRecord eternal = live(3, 1);
        for (StoredRecord r : List.of(expired, tombstone, eternal)) {
            tier.compute(r.id(), x -> r);
        }
        tier.cleanUp();

        assertThat(tier.get(expired.id())).isEqualTo(expired);
        assertThat(tier.get(tombstone.id())).isEqualTo(tombstone);
        assertThat(tier.get(eternal.id())).isEqualTo(eternal);
        assertThat(tier.size()).isEqualTo(3);
        assertThat(evicted).isEmpty();
    }

    @Test
    void idsOfEveryWidthAreKeptApart() {
        CaffeineStorageTier tier = deterministic().build();
        java.util.Random random = new java.util.Random(3);
        List<BigInteger> ids = new ArrayList<>(List.of(BigInteger.ZERO, BigInteger.ONE,
                BigInteger.ONE.shiftLeft(63), BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE),
                BigInteger.ONE.shiftLeft(64), BigInteger.ONE.shiftLeft(128).add(BigInteger.ONE),
                BigInteger.ONE.shiftLeft(255), BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE),
                BigInteger.ONE.shiftLeft(256), BigInteger.ONE.shiftLeft(300).add(BigInteger.ONE)));
        for (int bits : new int[] {1, 63, 64, 65, 128, 160, 255, 256, 257, 512}) {
            for (int i = 0; i < 50; i++) {
                BigInteger id = new BigInteger(bits, random);
                ids.add(id);
                // the same low word with a different high part: must not collide
                ids.add(id.or(BigInteger.ONE.shiftLeft(bits + 1)));
            }
        }
        List<BigInteger> distinct = ids.stream().distinct().toList();
        for (BigInteger id : distinct) {
            StoredRecord record = new StoredRecord(id, "ns", id.toByteArray(), new byte[] {1}, false, 1,
                    StoredRecord.NEVER, false);
            tier.compute(id, r -> {
                assertThat(r).as("no record yet under %s", id).isNull();
                return record;
            });
        }
        assertThat(tier.size()).isEqualTo(distinct.size());
        for (BigInteger id : distinct) {
            // an equal id made anew finds the record, as a number and in fixed width from its bytes
            assertThat(tier.get(new BigInteger(id.toByteArray())).id()).isEqualTo(id);
            assertThat(tier.get(io.kad.core.id.RecordId.fromBytes(id.toByteArray())).id()).isEqualTo(id);
        }
        List<BigInteger> seen = new ArrayList<>();
        tier.forEach(r -> seen.add(r.id()));
        assertThat(seen).containsExactlyInAnyOrderElementsOf(distinct);
        for (BigInteger id : distinct) {
            tier.remove(new BigInteger(id.toByteArray()));
        }
        assertThat(tier.size()).isZero();
    }

    @Test
    void computeReturningNullRemovesAndRemoveForgets() {
        CaffeineStorageTier tier = deterministic().build();
        tier.compute(BigInteger.ONE, r -> live(1, 1));
        assertThat(tier.compute(BigInteger.ONE, r -> null)).isNull();
        assertThat(tier.get(BigInteger.ONE)).isNull();

        tier.compute(BigInteger.TWO, r -> live(2, 1));
        tier.remove(BigInteger.TWO);
        assertThat(tier.get(BigInteger.TWO)).isNull();
        assertThat(evicted).isEmpty();
    }

    @Test
    void computeRejectsARecordWithAnotherIdAndKeepsTheOldOne() {
        CaffeineStorageTier tier = deterministic().build();
        tier.compute(BigInteger.ONE, r -> live(1, 1));

        assertThatThrownBy(() -> tier.compute(BigInteger.ONE, r -> live(2, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2");
        assertThat(tier.get(BigInteger.ONE)).isEqualTo(live(1, 1));
    }

    @Test
    void bothBoundsApplyAtOnce() {
        CaffeineStorageTier tier = deterministic().maximumSize(10).maximumWeight(100_000).build();
        for (int i = 0; i < 100; i++) {
            StoredRecord small = weighing(i, 100);
            tier.compute(small.id(), r -> small);
        }
        tier.cleanUp();
        assertThat(tier.size()).as("small records: the count bound").isEqualTo(10);
        for (int i = 100; i < 150; i++) {
            StoredRecord large = weighing(i, 30_000);
            tier.compute(large.id(), r -> large);
        }
        tier.cleanUp();
        List<StoredRecord> present = new ArrayList<>();
        tier.forEach(present::add);
        assertThat(present.stream().mapToLong(StoredRecord::weight).sum()).as("large records: the byte bound")
                .isLessThanOrEqualTo(100_000);
        assertThat(tier.weight()).isLessThanOrEqualTo(tier.maxBytes());
    }

    @Test
    void theDefaultBoundsAreTheRecordCountAndAQuarterOfTheHeap() {
        CaffeineStorageTier tier = deterministic().build();
        assertThat(tier.maxRecords()).isEqualTo(CaffeineStorageTier.DEFAULT_MAX_RECORDS);
        assertThat(tier.maxBytes()).isEqualTo(Runtime.getRuntime().maxMemory() / 4);
    }

    @Test
    void builderRejectsNonPositiveBounds() {
        assertThatThrownBy(() -> CaffeineStorageTier.builder().maximumSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> CaffeineStorageTier.builder().maximumWeight(-5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-5");
    }

    @Test
    void closeDiscardsRecordsWithoutReportingEvictions() {
        CaffeineStorageTier tier = deterministic().build();
        tier.compute(BigInteger.ONE, r -> live(1, 1));
        tier.close();
        assertThat(tier.size()).isZero();
        assertThat(evicted).isEmpty();
    }
}

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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CaffeineStorageTierTest {

    private static final long START = 1_700_000_000_000L;
    private static final Duration GRACE = Duration.ofSeconds(60);

    private final AtomicLong now = new AtomicLong(START);
    private final List<StoredRecord> evicted = new CopyOnWriteArrayList<>();

    private CaffeineStorageTier.Builder deterministic() {
        return CaffeineStorageTier.builder()
                .clock(now::get)
                .executor(Runnable::run)
                .expiryGrace(GRACE)
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
    void expiredRecordIsStillVisibleDuringTheGraceSoTheProtocolCanReportIt() {
        CaffeineStorageTier tier = deterministic().build();
        StoredRecord record = expiringAt(1, START + 1_000);
        tier.compute(record.id(), r -> record);

        now.set(START + 1_000);
        assertThat(tier.get(record.id())).isEqualTo(record);
        assertThat(tier.get(record.id()).isExpiredAt(now.get())).isTrue();

        now.set(START + 1_000 + GRACE.toMillis() - 1);
        tier.cleanUp();
        assertThat(tier.get(record.id())).isEqualTo(record);
    }

    @Test
    void expiredRecordIsReclaimedOnceTheGraceHasPassedWithoutBeingReportedAsEviction() {
        CaffeineStorageTier tier = deterministic().build();
        StoredRecord record = expiringAt(1, START + 1_000);
        tier.compute(record.id(), r -> record);

        now.set(START + 1_000 + GRACE.toMillis());
        assertThat(tier.get(record.id())).isNull();
        tier.cleanUp();
        assertThat(tier.size()).isZero();
        assertThat(evicted).isEmpty();
    }

    @Test
    void computeSeesNoRecordOnceItWasReclaimed() {
        CaffeineStorageTier tier = deterministic().build();
        StoredRecord record = expiringAt(1, START + 1_000);
        tier.compute(record.id(), r -> record);
        now.set(START + 1_000 + GRACE.toMillis());

        List<StoredRecord> seen = new ArrayList<>();
        tier.compute(record.id(), r -> {
            seen.add(r);
            return null;
        });
        assertThat(seen).containsExactly((StoredRecord) null);
    }

    @Test
    void recordThatNeverExpiresIsNeverReclaimed() {
        CaffeineStorageTier tier = deterministic().build();
        StoredRecord record = live(1, 1);
        tier.compute(record.id(), r -> record);

        now.addAndGet(Duration.ofDays(365L * 50).toMillis());
        tier.cleanUp();
        assertThat(tier.get(record.id())).isEqualTo(record);
    }

    @Test
    void tombstoneIsKeptUntilItsOwnExpiryPlusGrace() {
        CaffeineStorageTier tier = deterministic().build();
        StoredRecord tombstone = tombstone(3, 4, START + 5_000);
        tier.compute(tombstone.id(), r -> tombstone);

        now.set(START + 5_000 + GRACE.toMillis() - 1);
        tier.cleanUp();
        assertThat(tier.get(tombstone.id())).isEqualTo(tombstone);

        now.set(START + 5_000 + GRACE.toMillis());
        tier.cleanUp();
        assertThat(tier.get(tombstone.id())).isNull();
    }

    @Test
    void updateReschedulesReclaimFromTheNewRecordsExpiry() {
        CaffeineStorageTier tier = deterministic().build();
        StoredRecord first = expiringAt(1, START + 1_000);
        tier.compute(first.id(), r -> first);
        StoredRecord second = TestRecords.withVersion(live(1, 1), 2);
        tier.compute(first.id(), r -> second);

        now.set(START + 1_000 + GRACE.toMillis() * 10);
        tier.cleanUp();
        assertThat(tier.get(first.id())).isEqualTo(second);

        StoredRecord third = expiringAt(1, now.get() + 10);
        tier.compute(first.id(), r -> third);
        now.addAndGet(10 + GRACE.toMillis());
        assertThat(tier.get(first.id())).isNull();
    }

    @Test
    void recordAlreadyPastItsGraceWhenStoredIsNotKept() {
        CaffeineStorageTier tier = deterministic().build();
        StoredRecord stale = expiringAt(1, START - GRACE.toMillis() - 1);
        tier.compute(stale.id(), r -> stale);

        assertThat(tier.get(stale.id())).isNull();
    }

    @Test
    void zeroGraceReclaimsAtTheExpiryItself() {
        CaffeineStorageTier tier = deterministic().expiryGrace(Duration.ZERO).build();
        StoredRecord record = expiringAt(1, START + 1_000);
        tier.compute(record.id(), r -> record);

        now.set(START + 999);
        assertThat(tier.get(record.id())).isEqualTo(record);
        now.set(START + 1_000);
        assertThat(tier.get(record.id())).isNull();
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
    void builderRejectsTwoBoundsAndNonPositiveBounds() {
        assertThatThrownBy(() -> CaffeineStorageTier.builder().maximumSize(10).maximumWeight(10))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> CaffeineStorageTier.builder().maximumWeight(10).maximumSize(10))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> CaffeineStorageTier.builder().maximumSize(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CaffeineStorageTier.builder().expiryGrace(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closeDiscardsRecordsWithoutReportingEvictions() {
        CaffeineStorageTier tier = deterministic().build();
        tier.compute(BigInteger.ONE, r -> live(1, 1));
        tier.close();
        assertThat(tier.size()).isZero();
        assertThat(evicted).isEmpty();
    }

    @Test
    void tickerFollowsTheEpochClockInNanoseconds() {
        EpochMillisTicker ticker = new EpochMillisTicker(now::get);
        assertThat(ticker.read()).isEqualTo(START * 1_000_000L);
        now.addAndGet(3);
        assertThat(ticker.read()).isEqualTo((START + 3) * 1_000_000L);
        assertThat(new EpochMillisTicker(() -> Long.MAX_VALUE).read()).isEqualTo(Long.MAX_VALUE);
    }
}

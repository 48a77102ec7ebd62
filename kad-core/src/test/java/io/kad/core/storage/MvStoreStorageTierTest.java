package io.kad.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MvStoreStorageTierTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(MvStoreStorageTier.Sync.class)
    void reopenedTierOnTheSameFileHasEveryRecord(MvStoreStorageTier.Sync sync) {
        Path file = dir.resolve("node.mv.db");
        Map<BigInteger, StoredRecord> expected = new HashMap<>();
        try (MvStoreStorageTier tier = MvStoreStorageTier.open(file, sync, Duration.ofSeconds(1))) {
            for (int i = 0; i < 200; i++) {
                StoredRecord record = varied(i);
                tier.compute(record.id(), r -> record);
                expected.put(record.id(), record);
            }
            for (int i = 0; i < 200; i += 10) {
                tier.remove(BigInteger.valueOf(i));
                expected.remove(BigInteger.valueOf(i));
            }
            StoredRecord bumped = TestRecords.withVersion(varied(5), 99);
            tier.compute(bumped.id(), r -> bumped);
            expected.put(bumped.id(), bumped);
        }

        try (MvStoreStorageTier reopened = MvStoreStorageTier.open(file, sync, Duration.ofSeconds(1))) {
            Map<BigInteger, StoredRecord> actual = new HashMap<>();
            reopened.forEach(r -> actual.put(r.id(), r));
            assertThat(actual).isEqualTo(expected);
            assertThat(reopened.size()).isEqualTo(expected.size());
            assertThat(reopened.get(BigInteger.valueOf(5))).isEqualTo(expected.get(BigInteger.valueOf(5)));
            assertThat(reopened.get(BigInteger.valueOf(10))).isNull();
        }
    }

    @Test
    void hugeIdsAndEmptyFieldsSurviveAReopen() {
        Path file = dir.resolve("wide.mv.db");
        BigInteger wide = BigInteger.TWO.pow(256).subtract(BigInteger.ONE);
        StoredRecord record = new StoredRecord(wide, "", new byte[0], new byte[0], false, 0, StoredRecord.NEVER, true);
        try (MvStoreStorageTier tier = MvStoreStorageTier.open(file)) {
            tier.compute(wide, r -> record);
            tier.flush();
        }
        try (MvStoreStorageTier reopened = MvStoreStorageTier.open(file)) {
            assertThat(reopened.get(wide)).isEqualTo(record);
        }
    }

    @Test
    void computeSeesTheStoredRecordAndNullRemoves() {
        try (MvStoreStorageTier tier = MvStoreStorageTier.open(dir.resolve("c.mv.db"))) {
            tier.compute(BigInteger.ONE, r -> TestRecords.live(1, 1));
            StoredRecord next = tier.compute(BigInteger.ONE, r -> TestRecords.withVersion(r, r.version() + 1));
            assertThat(next.version()).isEqualTo(2);
            assertThat(tier.compute(BigInteger.ONE, r -> null)).isNull();
            assertThat(tier.get(BigInteger.ONE)).isNull();
            assertThat(tier.size()).isZero();
        }
    }

    @Test
    void computeRejectsARecordWithAnotherIdAndStoresNothing() {
        try (MvStoreStorageTier tier = MvStoreStorageTier.open(dir.resolve("r.mv.db"))) {
            assertThatThrownBy(() -> tier.compute(BigInteger.ONE, r -> TestRecords.live(2, 1)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(tier.size()).isZero();
        }
    }

    @Test
    void closedTierRefusesUseAndClosesTwiceQuietly() {
        MvStoreStorageTier tier = MvStoreStorageTier.open(dir.resolve("x.mv.db"));
        tier.close();
        tier.close();
        assertThatThrownBy(() -> tier.get(BigInteger.ONE)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tier.compute(BigInteger.ONE, r -> null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void syncModesReadAsTheirSettingValues() {
        assertThat(MvStoreStorageTier.Sync.fromSetting("every-write")).isEqualTo(MvStoreStorageTier.Sync.EVERY_WRITE);
        assertThat(MvStoreStorageTier.Sync.fromSetting("periodic")).isEqualTo(MvStoreStorageTier.Sync.PERIODIC);
        assertThat(MvStoreStorageTier.Sync.PERIODIC.settingValue()).isEqualTo("periodic");
        assertThatThrownBy(() -> MvStoreStorageTier.Sync.fromSetting("EVERY_WRITE"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyWriteIsInTheFileWhenTheActionWaitingForItRunsOnTheCommitterThread() throws Exception {
        Path file = dir.resolve("group.mv.db");
        Path snapshot = dir.resolve("snapshot.mv.db");
        List<String> threads = new CopyOnWriteArrayList<>();
        AtomicBoolean copied = new AtomicBoolean();
        try (MvStoreStorageTier tier = MvStoreStorageTier.open(file)) {
            for (int i = 0; i < 50; i++) {
                StoredRecord record = varied(i);
                tier.compute(record.id(), r -> record);
            }
            tier.whenDurable(() -> {
                threads.add(Thread.currentThread().getName());
                try {
                    // what the file holds at this moment, while the tier stays open
                    Files.copy(file, snapshot);
                    copied.set(true);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).untilTrue(copied);
            assertThat(tier.allWritesDurable()).isTrue();
        }
        try (MvStoreStorageTier reopened = MvStoreStorageTier.open(snapshot)) {
            assertThat(reopened.size()).isEqualTo(50);
            assertThat(reopened.get(varied(49).id())).isEqualTo(varied(49));
        }
        // at once on the caller when nothing waited, else after the commit on the committer
        assertThat(threads).allMatch(t -> t.equals("kad-mvstore-commit") || t.equals(Thread.currentThread().getName()));
    }

    @Test
    void withNothingAwaitingACommitTheActionRunsAtOnceAndAfterCloseEveryActionHasRun() {
        Path file = dir.resolve("close.mv.db");
        AtomicBoolean atOnce = new AtomicBoolean();
        List<Integer> ran = new CopyOnWriteArrayList<>();
        MvStoreStorageTier tier = MvStoreStorageTier.open(file);
        tier.whenDurable(() -> atOnce.set(true));
        assertThat(atOnce).isTrue();
        for (int i = 0; i < 20; i++) {
            StoredRecord record = varied(i);
            tier.compute(record.id(), r -> record);
            int n = i;
            tier.whenDurable(() -> ran.add(n));
        }
        tier.close();
        assertThat(ran).containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 20).boxed().toList());
    }

    @Test
    void aPeriodicTierPromisesNothingPerWriteAndRunsTheActionAtOnce() {
        try (MvStoreStorageTier tier = MvStoreStorageTier.open(dir.resolve("p.mv.db"),
                MvStoreStorageTier.Sync.PERIODIC, Duration.ofSeconds(60))) {
            StoredRecord record = varied(1);
            tier.compute(record.id(), r -> record);
            assertThat(tier.allWritesDurable()).isTrue();
            AtomicBoolean ran = new AtomicBoolean();
            tier.whenDurable(() -> ran.set(true));
            assertThat(ran).isTrue();
        }
    }

    private static StoredRecord varied(int i) {
        return new StoredRecord(
                BigInteger.valueOf(i).shiftLeft(i % 200),
                i % 3 == 0 ? "" : "cache-\u00e9\u4e2d-" + (i % 7),
                ("key-" + i).getBytes(StandardCharsets.UTF_8),
                i % 4 == 0 ? new byte[0] : ("\"value " + i + "\"").getBytes(StandardCharsets.UTF_8),
                i % 2 == 0,
                i,
                i % 5 == 0 ? StoredRecord.NEVER : 1_700_000_000_000L + i,
                i % 4 == 0);
    }
}

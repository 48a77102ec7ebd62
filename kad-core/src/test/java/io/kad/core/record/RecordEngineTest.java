package io.kad.core.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.storage.MapStorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The owner's conditional-write rules, on a fake clock. */
class RecordEngineTest {

    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private final RecordEngine engine = new RecordEngine(new MapStorageTier(new ConcurrentHashMap<>()),
            clock::get, 60_000);
    private final BigInteger id = BigInteger.valueOf(42);
    private final byte[] key = "k".getBytes(StandardCharsets.UTF_8);

    private WriteResult put(String value, long expectedVersion) {
        return engine.write(id, "ns", key, new WriteCommand(WriteCommand.Op.PUT,
                value.getBytes(StandardCharsets.UTF_8), false, expectedVersion, StoredRecord.NEVER,
                StoredRecord.NEVER));
    }

    @Test
    void aConditionalWriteAppliesOnlyAtTheExpectedVersion() {
        long v1 = put("a", WriteCommand.ABSENT).current().version();
        assertThat(put("b", WriteCommand.ABSENT).applied()).isFalse();
        assertThat(put("c", v1 + 1).applied()).isFalse();
        WriteResult ok = put("d", v1);
        assertThat(ok.applied()).isTrue();
        assertThat(ok.previous().version()).isEqualTo(v1);
        assertThat(ok.current().version()).isGreaterThan(v1);
    }

    @Test
    void anOwnerWithoutTheRecordNumbersItsWriteAboveCopiesMadeEarlier() {
        StoredRecord old = put("old", WriteCommand.ANY_VERSION).current();
        RecordEngine newOwner = new RecordEngine(new MapStorageTier(new ConcurrentHashMap<>()), clock::get, 60_000);
        clock.addAndGet(5);
        StoredRecord fresh = newOwner.write(id, "ns", key, new WriteCommand(WriteCommand.Op.PUT,
                "new".getBytes(StandardCharsets.UTF_8), false, WriteCommand.ANY_VERSION, StoredRecord.NEVER,
                StoredRecord.NEVER)).current();
        assertThat(fresh.version()).isGreaterThan(old.version());
        // the old holder's copy does not win back at the new owner; the new one replaces it at the old holder
        assertThat(newOwner.acceptCopy(old)).isFalse();
        assertThat(engine.acceptCopy(fresh)).isTrue();
        assertThat(engine.read(id).record().value()).isEqualTo("new".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void twoDifferentCopiesOfOneVersionResolveAlikeEverywhere() {
        StoredRecord a = new StoredRecord(id, "ns", key, new byte[] {1}, false, 7, StoredRecord.NEVER, false);
        StoredRecord b = new StoredRecord(id, "ns", key, new byte[] {2}, false, 7, StoredRecord.NEVER, false);
        RecordEngine one = new RecordEngine(new MapStorageTier(new ConcurrentHashMap<>()), clock::get, 60_000);
        RecordEngine two = new RecordEngine(new MapStorageTier(new ConcurrentHashMap<>()), clock::get, 60_000);
        one.acceptCopy(a);
        one.acceptCopy(b);
        two.acceptCopy(b);
        two.acceptCopy(a);
        assertThat(one.read(id).record()).isEqualTo(two.read(id).record());
    }

    @Test
    void anExpiredRecordIsReportedOnceAndThenAbsent() {
        engine.write(id, "ns", key, new WriteCommand(WriteCommand.Op.PUT, new byte[] {1}, false,
                WriteCommand.ANY_VERSION, clock.get() + 100, WriteCommand.KEEP_EXPIRY));
        clock.addAndGet(100);
        ReadResult first = engine.read(id);
        assertThat(first.record()).isNull();
        assertThat(first.expired()).isNotNull();
        assertThat(engine.read(id)).isEqualTo(ReadResult.ABSENT);
    }

    @Test
    void aReadByFixedWidthIdAgreesWithTheReadButLeavesAnExpiredRecordToIt() {
        RecordEngine caffeine = new RecordEngine(io.kad.core.storage.CaffeineStorageTier.builder()
                .executor(Runnable::run).build(), clock::get, 60_000);
        for (RecordEngine e : java.util.List.of(engine, caffeine)) {
            io.kad.core.id.RecordId rid = io.kad.core.id.RecordId.of(id);
            assertThat(e.readUnlessExpired(rid)).isEqualTo(ReadResult.ABSENT);
            e.write(id, "ns", key, new WriteCommand(WriteCommand.Op.PUT, new byte[] {1}, false,
                    WriteCommand.ANY_VERSION, clock.get() + 100, WriteCommand.KEEP_EXPIRY));
            assertThat(e.readUnlessExpired(rid)).isEqualTo(e.read(id));
            assertThat(e.readUnlessExpired(rid).record().value()).containsExactly(1);

            clock.addAndGet(100);
            assertThat(e.readUnlessExpired(rid)).as("expired: the full read's to report").isNull();
            assertThat(e.readUnlessExpired(rid)).as("and it changed nothing").isNull();
            assertThat(e.read(id).expired()).isNotNull();
            assertThat(e.readUnlessExpired(rid)).as("a tombstone now").isEqualTo(ReadResult.ABSENT);
        }
    }

    @Test
    void aRemovalLeavesATombstoneThatKeepsVersionsGrowing() {
        long v1 = put("a", WriteCommand.ANY_VERSION).current().version();
        WriteResult removed = engine.write(id, "ns", key, WriteCommand.remove());
        assertThat(removed.applied()).isTrue();
        assertThat(engine.read(id).found()).isFalse();
        assertThat(put("b", WriteCommand.ABSENT).current().version()).isGreaterThan(v1 + 1);
    }

    @Test
    void versionsNeverOverflowAndAStoredVersionBeyondTheClockPinsNothing() {
        assertThat(RecordEngine.nextVersion(Long.MAX_VALUE, clock.get())).isEqualTo(Long.MAX_VALUE);
        assertThat(RecordEngine.nextVersion(Long.MAX_VALUE - 1, clock.get())).isEqualTo(Long.MAX_VALUE);
        // a copy no owner could have issued is refused
        StoredRecord pinned = new StoredRecord(id, "ns", key, "pinned".getBytes(StandardCharsets.UTF_8), false,
                Long.MAX_VALUE, StoredRecord.NEVER, false);
        assertThat(engine.offerCopy(pinned)).isEqualTo(CopyOutcome.VERSION_AHEAD);
        long ahead = (clock.get() + RecordEngine.MAX_VERSION_AHEAD_MILLIS + 1) * 1000;
        assertThat(engine.offerCopy(new StoredRecord(id, "ns", key, new byte[] {1}, false, ahead,
                StoredRecord.NEVER, false))).isEqualTo(CopyOutcome.VERSION_AHEAD);
        assertThat(engine.tier().get(id)).isNull();
        // one stored before the bound existed gives way to the next write and to any plausible copy
        engine.tier().compute(id, cur -> pinned);
        WriteResult next = put("next", WriteCommand.ANY_VERSION);
        assertThat(next.applied()).isTrue();
        assertThat(next.current().version()).isLessThan(Long.MAX_VALUE).isGreaterThan(0);
        engine.tier().compute(id, cur -> pinned);
        assertThat(engine.acceptCopy(next.current())).isTrue();
        assertThat(engine.read(id).record().value()).isEqualTo("next".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void expiredCopiesAreTakenOnlyOverSomethingTheySupersede() {
        long now = clock.get();
        StoredRecord tombstone = new StoredRecord(id, "ns", key, new byte[0], false, now * 1000, now - 1, true);
        assertThat(engine.offerCopy(tombstone)).isEqualTo(CopyOutcome.EXPIRED);
        assertThat(engine.tier().get(id)).isNull();
        StoredRecord live = put("a", WriteCommand.ANY_VERSION).current();
        StoredRecord newer = new StoredRecord(id, "ns", key, new byte[0], false, live.version() + 1, now - 1, true);
        assertThat(engine.offerCopy(newer)).isEqualTo(CopyOutcome.KEPT);
        StoredRecord pastGrace = new StoredRecord(id, "ns", key, new byte[0], false, live.version() + 2,
                now - 60_001, true);
        assertThat(engine.offerCopy(pastGrace)).isEqualTo(CopyOutcome.EXPIRED);
    }
}

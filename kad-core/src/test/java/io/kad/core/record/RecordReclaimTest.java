package io.kad.core.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.core.storage.CaffeineStorageTier;
import io.kad.core.storage.MapStorageTier;
import io.kad.core.storage.MvStoreStorageTier;
import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The node reclaims expired records and old tombstones from whatever tier it stores in, after a grace
 * during which the first read of an expired record still reports it as expired.
 */
class RecordReclaimTest {

    private static final long START = 1_700_000_000_000L;
    private static final long GRACE = 60_000;
    private static final long TOMBSTONE_TTL = 10_000;

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(START);

    static Stream<Named<Function<Path, StorageTier>>> tiers() {
        return Stream.of(
                Named.of("caffeine", d -> CaffeineStorageTier.builder().executor(Runnable::run).build()),
                Named.of("map", d -> new MapStorageTier(new ConcurrentHashMap<>())),
                Named.of("mvstore", d -> MvStoreStorageTier.open(d.resolve("reclaim.mv.db"))));
    }

    private static WriteCommand put(String value, long expiresAt) {
        return new WriteCommand(WriteCommand.Op.PUT, value.getBytes(StandardCharsets.UTF_8), false,
                WriteCommand.ANY_VERSION, expiresAt, expiresAt);
    }

    private static WriteCommand remove() {
        return new WriteCommand(WriteCommand.Op.REMOVE, new byte[0], false, WriteCommand.ANY_VERSION,
                WriteCommand.KEEP_EXPIRY, WriteCommand.KEEP_EXPIRY);
    }

    private static byte[] key(String k) {
        return k.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void expiredRecordsAndTombstonesGoAfterTheGraceAndEternalOnesStay(Function<Path, StorageTier> factory) {
        try (StorageTier tier = factory.apply(dir)) {
            RecordEngine engine = new RecordEngine(tier, clock::get, TOMBSTONE_TTL);
            BigInteger expiring = BigInteger.ONE;
            BigInteger removed = BigInteger.TWO;
            BigInteger eternal = BigInteger.TEN;
            engine.write(expiring, "ns", key("a"), put("a", START + 1_000));
            engine.write(removed, "ns", key("b"), put("b", StoredRecord.NEVER));
            engine.write(removed, "ns", key("b"), remove()); // a tombstone expiring at START + TTL
            engine.write(eternal, "ns", key("c"), put("c", StoredRecord.NEVER));

            // within the grace: a read still finds the expired record and reports it once
            clock.set(START + 1_000 + GRACE - 1);
            assertThat(engine.reclaim(GRACE)).isZero();
            ReadResult read = engine.read(expiring);
            assertThat(read.record()).isNull();
            assertThat(read.expired()).isNotNull();
            assertThat(tier.size()).isEqualTo(3);

            // the read turned the expired record into a tombstone that expires TTL later; the removal's
            // tombstone expired at START + TTL, more than a grace ago now
            clock.set(START + TOMBSTONE_TTL + GRACE);
            assertThat(engine.reclaim(GRACE)).isEqualTo(1);
            assertThat(tier.get(removed)).isNull();
            assertThat(tier.get(expiring)).isNotNull();

            clock.set(START + 1_000 + GRACE - 1 + TOMBSTONE_TTL + GRACE);
            assertThat(engine.reclaim(GRACE)).isEqualTo(1);
            assertThat(tier.get(expiring)).isNull();

            clock.addAndGet(365L * 24 * 3600 * 1000);
            assertThat(engine.reclaim(GRACE)).isZero();
            assertThat(tier.get(eternal)).isNotNull();
            assertThat(engine.read(eternal).record().value()).isEqualTo(key("c"));
            assertThat(tier.size()).isEqualTo(1);
        }
    }

    @Test
    void aRecordRewrittenBetweenTheScanAndItsRemovalIsKept() {
        MapStorageTier map = new MapStorageTier(new ConcurrentHashMap<>());
        Runnable[] afterScan = {() -> { }};
        // a tier whose scan is followed, before reclaim removes anything, by a write from another thread
        StorageTier tier = new StorageTier() {
            @Override
            public StoredRecord get(BigInteger id) {
                return map.get(id);
            }

            @Override
            public StoredRecord compute(BigInteger id, java.util.function.UnaryOperator<StoredRecord> update) {
                return map.compute(id, update);
            }

            @Override
            public void remove(BigInteger id) {
                map.remove(id);
            }

            @Override
            public void forEach(java.util.function.Consumer<StoredRecord> action) {
                map.forEach(action);
                afterScan[0].run();
            }

            @Override
            public long size() {
                return map.size();
            }

            @Override
            public void close() {
                map.close();
            }
        };
        RecordEngine engine = new RecordEngine(tier, clock::get, TOMBSTONE_TTL);
        BigInteger id = BigInteger.ONE;
        engine.write(id, "ns", key("a"), put("old", START + 1_000));
        clock.set(START + 1_000 + GRACE);
        afterScan[0] = () -> engine.write(id, "ns", key("a"), put("new", StoredRecord.NEVER));

        assertThat(engine.reclaim(GRACE)).isZero();
        assertThat(engine.read(id).record().value()).isEqualTo(key("new"));
    }

    @Test
    void zeroGraceReclaimsAtTheExpiryItselfAndANegativeGraceIsRefused() {
        try (StorageTier tier = new MapStorageTier(new ConcurrentHashMap<>())) {
            RecordEngine engine = new RecordEngine(tier, clock::get, TOMBSTONE_TTL);
            engine.write(BigInteger.ONE, "ns", key("a"), put("a", START + 1_000));
            clock.set(START + 999);
            assertThat(engine.reclaim(0)).isZero();
            clock.set(START + 1_000);
            assertThat(engine.reclaim(0)).isEqualTo(1);
            assertThat(engine.snapshot()).isEqualTo(List.of());

            assertThatThrownBy(() -> engine.reclaim(-1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1");
        }
    }
}

package io.kad.core.storage;

import static io.kad.core.storage.TestRecords.live;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MapStorageTierTest {

    static Stream<Arguments> maps() {
        return Stream.of(
                Arguments.of(Named.<Supplier<Map<BigInteger, StoredRecord>>>of("HashMap", HashMap::new)),
                Arguments.of(Named.<Supplier<Map<BigInteger, StoredRecord>>>of("ConcurrentHashMap",
                        ConcurrentHashMap::new)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maps")
    void recordsLiveInTheCallersMap(Supplier<Map<BigInteger, StoredRecord>> maps) {
        Map<BigInteger, StoredRecord> map = maps.get();
        MapStorageTier tier = new MapStorageTier(map);

        StoredRecord stored = tier.compute(BigInteger.ONE, r -> live(1, 1));

        assertThat(stored).isEqualTo(live(1, 1));
        assertThat(map).containsEntry(BigInteger.ONE, live(1, 1));
        assertThat(tier.get(BigInteger.ONE)).isEqualTo(live(1, 1));
        assertThat(tier.size()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maps")
    void computeSeesTheCurrentRecordAndNullRemoves(Supplier<Map<BigInteger, StoredRecord>> maps) {
        MapStorageTier tier = new MapStorageTier(maps.get());
        List<StoredRecord> seen = new ArrayList<>();

        tier.compute(BigInteger.ONE, r -> {
            seen.add(r);
            return live(1, 1);
        });
        tier.compute(BigInteger.ONE, r -> {
            seen.add(r);
            return TestRecords.withVersion(r, 2);
        });
        tier.compute(BigInteger.ONE, r -> {
            seen.add(r);
            return null;
        });

        assertThat(seen).containsExactly(null, live(1, 1), TestRecords.withVersion(live(1, 1), 2));
        assertThat(tier.get(BigInteger.ONE)).isNull();
        assertThat(tier.size()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maps")
    void removeAndForEachCoverTheMap(Supplier<Map<BigInteger, StoredRecord>> maps) {
        MapStorageTier tier = new MapStorageTier(maps.get());
        for (int i = 0; i < 5; i++) {
            StoredRecord record = live(i, 1);
            tier.compute(record.id(), r -> record);
        }
        tier.remove(BigInteger.TWO);

        List<BigInteger> ids = new ArrayList<>();
        tier.forEach(r -> ids.add(r.id()));
        assertThat(ids).containsExactlyInAnyOrder(BigInteger.ZERO, BigInteger.ONE, BigInteger.valueOf(3),
                BigInteger.valueOf(4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maps")
    void forEachMayWriteToTheTierWithoutDeadlockOrConcurrentModification(
            Supplier<Map<BigInteger, StoredRecord>> maps) {
        MapStorageTier tier = new MapStorageTier(maps.get());
        for (int i = 0; i < 5; i++) {
            StoredRecord record = live(i, 1);
            tier.compute(record.id(), r -> record);
        }
        // a sweep that deletes what it visits, as expiry cleanup does
        tier.forEach(r -> tier.remove(r.id()));
        assertThat(tier.size()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maps")
    void computeRejectsARecordWithAnotherId(Supplier<Map<BigInteger, StoredRecord>> maps) {
        Map<BigInteger, StoredRecord> map = maps.get();
        MapStorageTier tier = new MapStorageTier(map);
        assertThatThrownBy(() -> tier.compute(BigInteger.ONE, r -> live(9, 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(map).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maps")
    void closeLeavesTheCallersRecordsAlone(Supplier<Map<BigInteger, StoredRecord>> maps) {
        Map<BigInteger, StoredRecord> map = maps.get();
        MapStorageTier tier = new MapStorageTier(map);
        tier.compute(BigInteger.ONE, r -> live(1, 1));
        tier.close();
        assertThat(map).hasSize(1);
    }
}

package io.kad.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StorageTierProvidersTest {

    @TempDir
    Path dir;

    private final List<StoredRecord> evicted = new CopyOnWriteArrayList<>();

    @Test
    void serviceLoaderFindsBothBuiltInProviders() {
        assertThat(StorageTierProviders.availableNames()).contains("caffeine", "mvstore");
        assertThat(StorageTierProviders.byName("caffeine")).isInstanceOf(CaffeineStorageTierProvider.class);
        assertThat(StorageTierProviders.byName("mvstore")).isInstanceOf(MvStoreStorageTierProvider.class);
    }

    @Test
    void unknownProviderIsRejectedWithTheNameAndTheAvailableOnes() {
        assertThatThrownBy(() -> StorageTierProviders.byName("redis"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("redis")
                .hasMessageContaining("caffeine")
                .hasMessageContaining("mvstore");
    }

    @Test
    void caffeineIsTheDefaultTier() {
        try (StorageTier tier = StorageTierProviders.create(Map.of(), evicted::add)) {
            assertThat(tier).isInstanceOf(CaffeineStorageTier.class);
        }
    }

    @Test
    void storageSettingSelectsTheTier() {
        Map<String, String> settings = Map.of("storage", "mvstore", "storage.path", dir.resolve("n.mv.db").toString());
        try (StorageTier tier = StorageTierProviders.create(settings, evicted::add)) {
            assertThat(tier).isInstanceOf(MvStoreStorageTier.class);
        }
    }

    @Test
    void maxRecordsBoundsTheCaffeineTierAndDropsAreReported() {
        CaffeineStorageTier tier = (CaffeineStorageTier) new CaffeineStorageTierProvider()
                .create(Map.of("storage.max-records", "3"), evicted::add);
        for (int i = 0; i < 10; i++) {
            StoredRecord record = TestRecords.live(i, 1);
            tier.compute(record.id(), r -> record);
        }
        tier.cleanUp();
        assertThat(tier.size()).isEqualTo(3);
        assertThat(evicted).hasSize(7);
    }

    @Test
    void maxBytesBoundsTheTierAsWellAsTheCount() {
        CaffeineStorageTier tier = (CaffeineStorageTier) new CaffeineStorageTierProvider()
                .create(Map.of("storage.max-records", "1000", "storage.max-bytes", "2000"), evicted::add);
        for (int i = 0; i < 5; i++) {
            StoredRecord record = TestRecords.weighing(i, 1000);
            tier.compute(record.id(), r -> record);
        }
        tier.cleanUp();
        assertThat(tier.size()).isEqualTo(2);
        assertThat(evicted).hasSize(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"storage.max-records", "storage.max-bytes"})
    void badNumberIsRejectedNamingTheKeyAndTheValue(String key) {
        assertThatThrownBy(() -> new CaffeineStorageTierProvider().create(Map.of(key, "12kb"), evicted::add))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kad." + key)
                .hasMessageContaining("12kb");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "99999999999999999999"})
    void outOfRangeBoundIsRejectedNamingTheKey(String value) {
        assertThatThrownBy(() -> new CaffeineStorageTierProvider()
                .create(Map.of("storage.max-records", value), evicted::add))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kad.storage.max-records")
                .hasMessageContaining(value);
    }

    @Test
    void mvstoreWithoutPathIsRejectedNamingThePathSetting() {
        assertThatThrownBy(() -> new MvStoreStorageTierProvider().create(Map.of(), evicted::add))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kad.storage.path");
        assertThatThrownBy(() -> new MvStoreStorageTierProvider().create(Map.of("storage.path", "  "), evicted::add))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kad.storage.path");
    }

    @Test
    void mvstoreWithUnknownSyncModeIsRejectedNamingTheKeyAndTheValue() {
        Map<String, String> settings = Map.of("storage.path", dir.resolve("s.mv.db").toString(),
                "storage.sync", "sometimes");
        assertThatThrownBy(() -> new MvStoreStorageTierProvider().create(settings, evicted::add))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kad.storage.sync")
                .hasMessageContaining("sometimes");
    }

    @Test
    void mvstoreWithBadSyncIntervalIsRejectedNamingTheKey() {
        Map<String, String> settings = Map.of("storage.path", dir.resolve("s.mv.db").toString(),
                "storage.sync", "periodic", "storage.sync-interval-ms", "soon");
        assertThatThrownBy(() -> new MvStoreStorageTierProvider().create(settings, evicted::add))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kad.storage.sync-interval-ms")
                .hasMessageContaining("soon");
    }

    @Test
    void mvstoreSettingsChooseThePeriodicMode() {
        Map<String, String> settings = Map.of("storage.path", dir.resolve("p.mv.db").toString(),
                "storage.sync", "periodic", "storage.sync-interval-ms", "200");
        try (StorageTier tier = new MvStoreStorageTierProvider().create(settings, evicted::add)) {
            assertThat(((MvStoreStorageTier) tier).sync()).isEqualTo(MvStoreStorageTier.Sync.PERIODIC);
        }
    }
}

package io.kad.core.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link StorageTier#compute} is atomic per id on every tier. */
class StorageTierConcurrencyTest {

    private static final int THREADS = 8;

    @TempDir
    Path dir;

    static Stream<Arguments> tiers() {
        return Stream.of(
                tier("caffeine", d -> CaffeineStorageTier.builder().build(), 10_000),
                tier("map over HashMap", d -> new MapStorageTier(new HashMap<>()), 10_000),
                tier("map over ConcurrentHashMap", d -> new MapStorageTier(new ConcurrentHashMap<>()), 10_000),
                tier("map over ConcurrentSkipListMap", d -> new MapStorageTier(new ConcurrentSkipListMap<>()), 10_000),
                tier("mvstore periodic", d -> MvStoreStorageTier.open(d.resolve("p.mv.db"),
                        MvStoreStorageTier.Sync.PERIODIC, Duration.ofMillis(50)), 10_000),
                // every write is a commit to the file: fewer writes keep the suite quick
                tier("mvstore every-write", d -> MvStoreStorageTier.open(d.resolve("e.mv.db")), 250));
    }

    private static Arguments tier(String name, Function<Path, StorageTier> factory, int perThread) {
        return Arguments.of(Named.of(name, factory), perThread);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tiers")
    void concurrentComputesOnOneIdLoseNoIncrement(Function<Path, StorageTier> factory, int perThread)
            throws Exception {
        BigInteger id = BigInteger.valueOf(42);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (StorageTier tier = factory.apply(dir)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        tier.compute(id, current -> current == null
                                ? TestRecords.live(42, 1)
                                : TestRecords.withVersion(current, current.version() + 1));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get(5, TimeUnit.MINUTES);
            }

            StoredRecord result = tier.get(id);
            assertThat(result.version()).isEqualTo((long) THREADS * perThread);
            assertThat(tier.size()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tiers")
    void concurrentComputesOnManyIdsKeepEveryRecord(Function<Path, StorageTier> factory, int perThread)
            throws Exception {
        int ids = 64;
        int rounds = Math.max(1, perThread / ids);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (StorageTier tier = factory.apply(dir)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < rounds; round++) {
                        for (int i = 0; i < ids; i++) {
                            long n = i;
                            tier.compute(BigInteger.valueOf(n), current -> current == null
                                    ? TestRecords.live(n, 1)
                                    : TestRecords.withVersion(current, current.version() + 1));
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get(5, TimeUnit.MINUTES);
            }

            List<StoredRecord> all = new ArrayList<>();
            tier.forEach(all::add);
            assertThat(all).hasSize(ids);
            assertThat(all).allSatisfy(r -> assertThat(r.version()).isEqualTo((long) THREADS * rounds));
        } finally {
            pool.shutdownNow();
        }
    }
}

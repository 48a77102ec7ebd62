package io.kad.jcache.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.cache.CacheException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile serialization streams fail their one decode with a {@link CacheException} naming the cause,
 * before they allocate or compute much. The timeouts only guard against a hang; none of these takes
 * more than milliseconds.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HostileStreamTest {

    private final KadCodec plain = codec(List.of());

    @Test
    void arrayBombIsRejectedBeforeItsArrayIsAllocated() {
        byte[] bomb = HostileStreams.arrayBomb(400_000_000);
        assertThat(bomb.length).isLessThan(64);
        assertThatThrownBy(() -> plain.decode(bomb, "value of key k of cache c"))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("value of key k of cache c")
                .hasMessageContaining("400000000")
                .hasMessageContaining("kad.serialization.max-array-length");
    }

    @Test
    void arrayBelowTheLengthBoundMustStillFitItsStream() {
        byte[] bomb = HostileStreams.arrayBomb(900_000);
        assertThatThrownBy(() -> plain.decode(bomb, "value"))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("cannot be in a");
        long[] genuine = new long[1000];
        genuine[999] = 7;
        assertThat((long[]) plain.decode(HostileStreams.serialize(genuine), "value")).isEqualTo(genuine);
    }

    @Test
    void nestedSetBombIsRejectedByClassByDefault() {
        byte[] bomb = HostileStreams.nestedSetBomb(60);
        assertThatThrownBy(() -> plain.decode(bomb, "value"))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("java.util.HashSet is not allowed");
    }

    @Test
    void nestedSetBombIsRejectedByDepthWhereHashingCollectionsAreAllowed() {
        KadCodec collections = codec(List.of("preset:collections"));
        assertThatThrownBy(() -> collections.decode(HostileStreams.nestedSetBomb(60), "value"))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.serialization.max-depth=20");
        Set<Object> shallow = new HashSet<>(List.of(Set.of(1, 2), new HashSet<>(List.of("a"))));
        assertThat(collections.decode(collections.encode(shallow, "v"), "v")).isEqualTo(shallow);
    }

    @Test
    void serializedLambdaIsRejectedEvenWhenAPatternCoversItsPackage() {
        assertThatThrownBy(() -> plain.decode(HostileStreams.serializedLambda(), "value"))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("java.lang.invoke.SerializedLambda");
        KadCodec broad = codec(List.of("java.lang.**", "io.kad.**"));
        assertThatThrownBy(() -> broad.decode(HostileStreams.serializedLambda(), "value"))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("java.lang.invoke.SerializedLambda");
    }

    @Test
    void dynamicProxyIsRejectedBeforeItsClassIsDefined() {
        KadCodec broad = codec(List.of("java.lang.**", "io.kad.**"));
        for (KadCodec c : List.of(plain, broad)) {
            assertThatThrownBy(() -> c.decode(HostileStreams.dynamicProxy(), "value"))
                    .isInstanceOf(CacheException.class)
                    .hasMessageContaining("dynamic proxy of java.lang.Comparable, java.io.Serializable");
        }
        KadCodec allowing = codec(List.of("java.lang.reflect.Proxy", "java.lang.Comparable",
                "java.io.Serializable", "io.kad.**"));
        assertThat(allowing.decode(HostileStreams.dynamicProxy(), "value")).isInstanceOf(Comparable.class);
    }

    @Test
    void priorityQueueAndOtherHashingOrSortingCollectionsNeedThePreset() {
        assertThatThrownBy(() -> plain.decode(HostileStreams.priorityQueue(), "value"))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("java.util.PriorityQueue is not allowed");
        for (Object value : List.of(new HashMap<>(Map.of("a", 1)), new java.util.TreeMap<>(Map.of("a", 1)),
                new java.util.concurrent.ConcurrentHashMap<>(Map.of("a", 1)), Set.of("a"), List.of("a"))) {
            byte[] bytes = plain.encode(value, "value");
            assertThatThrownBy(() -> plain.decode(bytes, "value")).isInstanceOf(CacheException.class)
                    .hasMessageContaining("is not allowed");
            KadCodec collections = codec(List.of("preset:collections"));
            assertThat(collections.decode(bytes, "value")).isEqualTo(value);
        }
    }

    @Test
    void tooManyReferencesOrBytesAreRejected() {
        List<Object> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(java.math.BigInteger.valueOf(i));
        }
        byte[] bytes = plain.encode(many, "value");
        KadCodec fewReferences = new KadCodec(getClass().getClassLoader(),
                AllowlistFilter.of(List.of(), List.of(), new SerializationLimits(20, 1000, 50, 1 << 20)));
        assertThatThrownBy(() -> fewReferences.decode(bytes, "value"))
                .hasMessageContaining("kad.serialization.max-references=50");
        KadCodec fewBytes = new KadCodec(getClass().getClassLoader(),
                AllowlistFilter.of(List.of(), List.of(), new SerializationLimits(20, 1000, 1000, 100)));
        assertThatThrownBy(() -> fewBytes.decode(bytes, "value"))
                .hasMessageContaining("kad.serialization.max-bytes=100");
        assertThat(plain.decode(bytes, "value")).isEqualTo(many);
    }

    @Test
    void plainValueTypesAndArraysOfInterfacesRoundTripWithoutConfiguration() {
        List<Object> values = List.of(
                new ArrayList<>(List.of(1, "two", java.time.Instant.ofEpochSecond(3), java.util.UUID.randomUUID())),
                new java.util.LinkedList<>(List.of(new java.math.BigDecimal("1.5"), java.time.LocalDate.of(2026, 1, 2))),
                java.util.Collections.unmodifiableList(new ArrayList<>(List.of("a"))),
                java.util.Collections.emptyMap(),
                new java.util.Date(5),
                java.util.EnumSet.of(java.time.DayOfWeek.MONDAY),
                new Serializable[] {1, "two", 3L});
        for (Object value : values) {
            Object back = plain.decode(plain.encode(value, "value"), "value");
            assertThat(back).isEqualTo(value);
        }
    }

    @Test
    void malformedEntriesAndUnknownPresetsAreRefused() {
        assertThat(AllowlistFilter.problemWith("com.example.**")).isNull();
        assertThat(AllowlistFilter.problemWith("preset:hibernate")).isNull();
        assertThat(AllowlistFilter.problemWith("preset:everything")).contains("unknown preset 'everything'");
        assertThat(AllowlistFilter.problemWith("com..example")).contains("neither a class name");
        assertThatThrownBy(() -> AllowlistFilter.of(List.of(), List.of("preset:nope")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private KadCodec codec(List<String> entries) {
        return new KadCodec(getClass().getClassLoader(), AllowlistFilter.of(List.of(), entries));
    }
}

package io.kad.jcache.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.cache.CacheException;
import org.junit.jupiter.api.Test;

class KadCodecTest {

    private final KadCodec base = new KadCodec(getClass().getClassLoader(), AllowlistFilter.of(List.of(), List.of()));

    @Test
    void jsonTypesRoundTripWithTheirOwnClass() {
        for (Object o : List.of("text", 42, 42L, 4.5d, 1.5f, (short) 7, (byte) 3, true, 'c',
                new BigInteger("123456789012345678901234567890"), new BigDecimal("1.50"), Double.NaN)) {
            Object back = base.decode(base.encode(o, "value"), "value");
            assertThat(back).isEqualTo(o).isExactlyInstanceOf(o.getClass());
        }
    }

    @Test
    void byteArraysTravelAsThemselvesAndComeBackAsACopy() {
        byte[] value = {0, 1, 2, (byte) 0xFF};
        byte[] encoded = base.encode(value, "value");
        assertThat(encoded).hasSize(value.length + 1);
        Object decoded = base.decode(encoded, "value");
        assertThat(decoded).isInstanceOf(byte[].class).isEqualTo(value).isNotSameAs(value);
        assertThat(base.decode(base.encode(new byte[0], "value"), "value")).isEqualTo(new byte[0]);
    }

    @Test
    void integersAndLongsKeepTheirTypeAndValueAtTheExtremes() {
        for (Object number : List.of(0, -1, 42, Integer.MIN_VALUE, Integer.MAX_VALUE,
                0L, -7L, Long.MIN_VALUE, Long.MAX_VALUE, 1_000_000_000_000L)) {
            Object back = base.decode(base.encode(number, "key"), "key");
            assertThat(back).isEqualTo(number).hasSameClassAs(number);
        }
        assertThat(new String(base.encode(-123, "key"), 1, 4, java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("-123");
    }

    @Test
    void wholeNumbersEncodeAsTheirDecimalTextSoRecordIdsNeverChange() {
        java.util.Random random = new java.util.Random(7);
        List<Long> samples = new java.util.ArrayList<>(List.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -0L));
        for (long p = 1; p > 0 && p <= Long.MAX_VALUE / 10; p *= 10) {
            samples.addAll(List.of(p - 1, p, p + 1, -p + 1, -p, -p - 1));
        }
        for (int i = 0; i < 10_000; i++) {
            samples.add(random.nextLong() >> random.nextInt(64));
        }
        for (long n : samples) {
            byte[] asLong = base.encode(n, "key");
            assertThat(new String(asLong, 1, asLong.length - 1, java.nio.charset.StandardCharsets.US_ASCII))
                    .isEqualTo(Long.toString(n));
            if (n == (int) n) {
                byte[] asInt = base.encode((int) n, "key");
                assertThat(new String(asInt, 1, asInt.length - 1, java.nio.charset.StandardCharsets.US_ASCII))
                        .isEqualTo(Integer.toString((int) n));
            }
        }
    }

    @Test
    void jsonTypesAreReadableJsonAfterTheTag() {
        byte[] bytes = base.encode("hello", "key");
        assertThat(new String(bytes, 1, bytes.length - 1, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("\"hello\"");
    }

    @Test
    void equalKeysEncodeToEqualBytes() {
        assertThat(base.encode(new String("k"), "key")).isEqualTo(base.encode("k", "key"));
        assertThat(base.encode(1000L, "key")).isEqualTo(base.encode(Long.valueOf(1000L), "key"));
        Point a = new Point(1, 2);
        Point b = new Point(1, 2);
        KadCodec allowing = codecAllowing("io.kad.jcache.codec.*");
        assertThat(allowing.encode(a, "key")).isEqualTo(allowing.encode(b, "key"));
        assertThat(base.encode(1, "key")).isNotEqualTo(base.encode(1L, "key"));
    }

    @Test
    void baseTypesDeserializeWithoutConfiguration() {
        List<Object> value = new ArrayList<>(List.of(1, "two", Instant.ofEpochSecond(3),
                java.util.Collections.singleton(4L)));
        assertThat(base.decode(base.encode(value, "value"), "value")).isEqualTo(value);
    }

    @Test
    void classOutsideTheAllowlistIsRejectedNamingTheClass() {
        byte[] bytes = base.encode(new Point(1, 2), "value");
        assertThatThrownBy(() -> base.decode(bytes, "value"))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining(Point.class.getName())
                .hasMessageContaining("kad.serialization.allow");
    }

    @Test
    void classAllowedByPatternOrByNameRoundTrips() {
        assertThat(codecAllowing("io.kad.**").decode(codecAllowing("io.kad.**").encode(new Point(1, 2), "v"), "v"))
                .isEqualTo(new Point(1, 2));
        KadCodec byName = new KadCodec(getClass().getClassLoader(),
                AllowlistFilter.of(List.of(Point.class), List.of()));
        assertThat(byName.decode(byName.encode(new Point(3, 4), "v"), "v")).isEqualTo(new Point(3, 4));
    }

    @Test
    void nestedDisallowedClassIsRejectedToo() {
        KadCodec c = codecAllowing("java.time.**");
        byte[] bytes = c.encode(new ArrayList<>(List.of(new Point(1, 2))), "value");
        assertThatThrownBy(() -> c.decode(bytes, "value")).hasMessageContaining(Point.class.getName());
    }

    @Test
    void unencodableObjectFailsWithCacheException() {
        assertThatThrownBy(() -> base.encode(new Object(), "value"))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("not Serializable");
        assertThatThrownBy(() -> base.encode(new ArrayList<>(List.of(new Object())), "value"))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("java.lang.Object");
    }

    @Test
    void singlePackagePatternDoesNotAllowSubPackages() {
        AllowlistFilter f = AllowlistFilter.of(List.of(), List.of("com.example.*"));
        assertThat(f.allows("com.example.A")).isTrue();
        assertThat(f.allows("com.example.sub.A")).isFalse();
        assertThat(AllowlistFilter.of(List.of(), List.of("com.example.**")).allows("com.example.sub.A")).isTrue();
        assertThat(f.allows("javax.management.ObjectName")).isFalse();
    }

    @Test
    void subclassOfAConfiguredApplicationTypeIsAllowedButObjectAllowsNothingExtra() {
        KadCodec bySupertype = new KadCodec(getClass().getClassLoader(),
                AllowlistFilter.of(List.of(Shape.class), List.of()));
        assertThat(bySupertype.decode(bySupertype.encode(new Square(2), "v"), "v")).isEqualTo(new Square(2));
        KadCodec byObject = new KadCodec(getClass().getClassLoader(),
                AllowlistFilter.of(List.of(Object.class, Serializable.class), List.of()));
        byte[] bytes = byObject.encode(new Square(2), "v");
        assertThatThrownBy(() -> byObject.decode(bytes, "v")).hasMessageContaining(Square.class.getName());
    }

    interface Shape extends Serializable {
    }

    record Square(int side) implements Shape {
    }

    private KadCodec codecAllowing(String pattern) {
        return new KadCodec(getClass().getClassLoader(), AllowlistFilter.of(List.of(), List.of(pattern)));
    }

    record Point(int x, int y) implements Serializable {
    }
}

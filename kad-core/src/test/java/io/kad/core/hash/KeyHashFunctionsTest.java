package io.kad.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.spi.KeyHashFunction;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyHashFunctionsTest {

    /** Key ids that kad.py 2018 put on the wire (wire/kadpy-2018-capture.meta.json): SHA-256. */
    @ParameterizedTest
    @CsvSource({
            "greeting, 11291368315213641659636739625592410603609357544876210314312757694886436206457",
            "my_key, 56673526291252304027181117137868339731206506572886671112048901241153276986893",
            "config, 83038326534092069707805262369435631022643107527702950123804946052048926030096",
            "no-such-key, 38956618020607149683141524377012743502831578435532190898849851366746146964791",
            "empty-list, 10088357650755124570246133747127494147507021448265282997096168653257373074975",
            "probe-key, 92864876802953682545229485093834801616825682191793678918962256798115535139265",
            "utf8-key, 77341661915670443736374327618406945903569472325853662959954643864847463786065",
            "big, 19057201585231259601148394200845015062712632848620195645449641996045320016849"
    })
    void sha256MatchesKadPy2018KeyIds(String key, BigInteger expected) {
        assertThat(idOf(new Sha256KeyHash(), key)).isEqualTo(expected);
    }

    /** Key ids that kad.py 2015 put on the wire (wire/kadpy-2015-capture.meta.json): MD5. */
    @ParameterizedTest
    @CsvSource({
            "greeting, 140389384658107858345462399076894470817",
            "my_key, 211133807669116029300598979639202096121",
            "config, 45552064897622078369877780550389403961",
            "no-such-key, 268501648963544075975177920169254139995",
            "empty-list, 281769360178636999835755188990774676834",
            "probe-key, 82330652411686009107282206299205640029",
            "utf8-key, 40738424676544402570657406830156315396",
            "big, 287619647964831553596802258931442670516"
    })
    void md5MatchesKadPy2015KeyIds(String key, BigInteger expected) {
        assertThat(idOf(new Md5KeyHash(), key)).isEqualTo(expected);
    }

    @Test
    void sha1MatchesTheStandardTestVector() {
        // FIPS 180 example: SHA-1("abc")
        assertThat(idOf(new Sha1KeyHash(), "abc"))
                .isEqualTo(new BigInteger("a9993e364706816aba3e25717850c26c9cd0d89d", 16));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha1", "sha256", "md5"})
    void outputIsExactlyIdBitsWideEvenWithLeadingZeroBytes(String name) {
        KeyHashFunction function = KeyHashFunctions.byName(name);
        assertThat(function.name()).isEqualTo(name);
        for (int i = 0; i < 2000; i++) {
            byte[] id = function.hash(("k" + i).getBytes(StandardCharsets.UTF_8));
            assertThat(id).hasSize(function.idBits() / 8);
            assertThat(new BigInteger(1, id).bitLength()).isLessThanOrEqualTo(function.idBits());
        }
        assertThat(function.hash(new byte[0])).hasSize(function.idBits() / 8);
    }

    @Test
    void widthsAreThoseOfTheDigests() {
        assertThat(new Sha1KeyHash().idBits()).isEqualTo(160);
        assertThat(new Sha256KeyHash().idBits()).isEqualTo(256);
        assertThat(new Md5KeyHash().idBits()).isEqualTo(128);
    }

    @Test
    void serviceLoaderFindsAllThreeBuiltIns() {
        assertThat(KeyHashFunctions.availableNames()).contains("sha1", "sha256", "md5");
        assertThat(KeyHashFunctions.byName("sha256")).isInstanceOf(Sha256KeyHash.class);
        assertThat(KeyHashFunctions.byName("md5")).isInstanceOf(Md5KeyHash.class);
        assertThat(KeyHashFunctions.byName("sha1")).isInstanceOf(Sha1KeyHash.class);
    }

    @Test
    void builtInsAreFoundWhenTheContextClassLoaderCannotSeeThem() {
        Thread thread = Thread.currentThread();
        ClassLoader saved = thread.getContextClassLoader();
        thread.setContextClassLoader(ClassLoader.getPlatformClassLoader());
        try {
            assertThat(KeyHashFunctions.byName("sha256")).isInstanceOf(Sha256KeyHash.class);
        } finally {
            thread.setContextClassLoader(saved);
        }
    }

    @Test
    void unknownNameIsRejectedWithTheNameAndTheAvailableOnes() {
        assertThatThrownBy(() -> KeyHashFunctions.byName("sha3-512"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sha3-512")
                .hasMessageContaining("sha1")
                .hasMessageContaining("sha256")
                .hasMessageContaining("md5");
    }

    @Test
    void oneInstanceHashesCorrectlyFromManyThreads() throws Exception {
        KeyHashFunction function = new Sha256KeyHash();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Set<BigInteger> seen = ConcurrentHashMap.newKeySet();
            List<Future<?>> futures = IntStream.range(0, 8)
                    .<Future<?>>mapToObj(t -> pool.submit(() -> {
                        for (int i = 0; i < 5000; i++) {
                            seen.add(idOf(function, "greeting"));
                        }
                    }))
                    .toList();
            for (Future<?> f : futures) {
                f.get(1, TimeUnit.MINUTES);
            }
            assertThat(seen).containsExactly(new BigInteger(
                    "11291368315213641659636739625592410603609357544876210314312757694886436206457"));
        } finally {
            pool.shutdownNow();
        }
    }

    private static BigInteger idOf(KeyHashFunction function, String key) {
        return new BigInteger(1, function.hash(key.getBytes(StandardCharsets.UTF_8)));
    }
}

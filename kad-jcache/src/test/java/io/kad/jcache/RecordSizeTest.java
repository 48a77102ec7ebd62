package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;

/** A value over {@code kad.max-value-bytes} fails at the caller, naming the bound, and nothing is written. */
class RecordSizeTest {

    private static Cache<String, byte[]> bytes(CacheManager manager) {
        return manager.createCache("sizes", new MutableConfiguration<String, byte[]>().setTypes(String.class,
                byte[].class));
    }

    @Test
    void aValueOverTheConfiguredBoundFailsAtTheCallerAndWritesNothing() {
        Properties p = new Properties();
        p.setProperty("kad.max-value-bytes", "20000");
        try (CacheManager manager = TestManagers.fresh(p)) {
            Cache<String, byte[]> cache = bytes(manager);
            cache.put("fits", new byte[19_000]);
            assertThat(cache.get("fits")).hasSize(19_000);
            assertThatThrownBy(() -> cache.put("too-large", new byte[30_000]))
                    .isInstanceOf(CacheException.class)
                    .hasMessageContaining("too large")
                    .hasMessageContaining("kad.max-value-bytes")
                    .hasMessageContaining("20000");
            assertThat(cache.containsKey("too-large")).isFalse();
            assertThatThrownBy(() -> cache.put("fits", new byte[30_000])).isInstanceOf(CacheException.class);
            assertThat(cache.get("fits")).hasSize(19_000);
        }
    }

    @Test
    void valuesLargerThanADatagramFitTheDefaultBoundAndNineMebibytesDoNot() {
        try (CacheManager manager = TestManagers.fresh()) {
            Cache<String, byte[]> cache = bytes(manager);
            byte[] mebibyte = new byte[1024 * 1024];
            new java.util.Random(1).nextBytes(mebibyte);
            cache.put("one", mebibyte);
            assertThat(cache.get("one")).isEqualTo(mebibyte);
            assertThatThrownBy(() -> cache.put("nine", new byte[9 * 1024 * 1024]))
                    .isInstanceOf(CacheException.class)
                    .hasMessageContaining("kad.max-value-bytes is 8388608");
            assertThat(cache.containsKey("nine")).isFalse();
        }
    }
}

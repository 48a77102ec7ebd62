package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;

/** A value too large for one datagram fails at the caller, naming the bound, and nothing is written. */
class RecordSizeTest {

    @Test
    void aValueTooLargeForADatagramFailsAtTheCallerAndWritesNothing() {
        try (CacheManager manager = TestManagers.fresh()) {
            Cache<String, byte[]> cache = manager.createCache("sizes",
                    new MutableConfiguration<String, byte[]>().setTypes(String.class, byte[].class));
            cache.put("fits", new byte[19_000]);
            assertThat(cache.get("fits")).hasSize(19_000);
            assertThatThrownBy(() -> cache.put("too-large", new byte[30_000]))
                    .isInstanceOf(CacheException.class)
                    .hasMessageContaining("too large")
                    .hasMessageContaining("20000");
            assertThat(cache.containsKey("too-large")).isFalse();
            assertThatThrownBy(() -> cache.put("fits", new byte[30_000])).isInstanceOf(CacheException.class);
            assertThat(cache.get("fits")).hasSize(19_000);
        }
    }
}

package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.Factory;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheWriter;
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

    @Test
    void aValueOverTheBoundFailsBeforeTheWriterSeesIt() {
        Properties p = new Properties();
        p.setProperty("kad.max-value-bytes", "20000");
        List<String> written = new CopyOnWriteArrayList<>();
        CacheWriter<String, byte[]> writer = new CacheWriter<>() {
            @Override
            public void write(Cache.Entry<? extends String, ? extends byte[]> entry) {
                written.add(entry.getKey());
            }

            @Override
            public void writeAll(Collection<Cache.Entry<? extends String, ? extends byte[]>> entries) {
                entries.forEach(this::write);
            }

            @Override
            public void delete(Object key) {
            }

            @Override
            public void deleteAll(Collection<?> keys) {
            }
        };
        try (CacheManager manager = TestManagers.fresh(p)) {
            Cache<String, byte[]> cache = manager.createCache("written", new MutableConfiguration<String, byte[]>()
                    .setTypes(String.class, byte[].class).setWriteThrough(true)
                    .setCacheWriterFactory((Factory<CacheWriter<String, byte[]>>) () -> writer));
            assertThatThrownBy(() -> cache.put("too-large", new byte[30_000]))
                    .isInstanceOf(CacheException.class).hasMessageContaining("kad.max-value-bytes is 20000");
            assertThatThrownBy(() -> cache.putIfAbsent("too-large", new byte[30_000]))
                    .isInstanceOf(CacheException.class);
            assertThatThrownBy(() -> cache.getAndPut("too-large", new byte[30_000]))
                    .isInstanceOf(CacheException.class);
            assertThat(written).as("the writer saw a value the cache refused").isEmpty();
            assertThat(cache.containsKey("too-large")).isFalse();
            cache.put("fits", new byte[10]);
            assertThat(written).containsExactly("fits");
        }
    }
}

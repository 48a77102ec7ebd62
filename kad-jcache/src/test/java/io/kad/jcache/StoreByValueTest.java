package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StoreByValueTest {

    private final CacheManager manager = TestManagers.fresh(allowing("io.kad.jcache.**"));

    @AfterEach
    void close() {
        manager.close();
    }

    private static Properties allowing(String pattern) {
        Properties p = new Properties();
        p.setProperty("kad.serialization.allow", pattern);
        return p;
    }

    @Test
    void mutatingTheObjectAfterPutDoesNotChangeTheCachedValue() {
        Cache<String, Box> cache = manager.createCache("byValue", new MutableConfiguration<>());
        Box box = new Box("original");
        cache.put("k", box);
        box.content = "changed";
        Box read = cache.get("k");
        assertThat(read.content).isEqualTo("original");
        read.content = "changed by reader";
        assertThat(cache.get("k").content).isEqualTo("original");
        assertThat(cache.get("k")).isNotSameAs(cache.get("k"));
    }

    @Test
    void storeByReferenceReturnsTheSameInstanceWhileUnchanged() {
        Cache<String, Box> cache = manager.createCache("byReference",
                new MutableConfiguration<String, Box>().setStoreByValue(false));
        Box box = new Box("original");
        cache.put("k", box);
        assertThat(cache.get("k")).isSameAs(box);
        Box other = new Box("other");
        cache.put("k", other);
        assertThat(cache.get("k")).isSameAs(other);
        assertThat(cache.getAndRemove("k")).isSameAs(other);
    }

    @Test
    void storeByReferenceKeepsObjectsThatCannotBeEncoded() {
        Cache<Object, Object> cache = manager.createCache("byReferenceLocal",
                new MutableConfiguration<>().setStoreByValue(false));
        Object key = new Object();
        Object value = new Object();
        cache.put(key, value);
        assertThat(cache.get(key)).isSameAs(value);
        assertThat(cache.iterator().next().getKey()).isSameAs(key);
    }

    @Test
    void valueOfAClassOutsideTheAllowlistCannotBeRead() {
        CacheManager strict = TestManagers.fresh();
        try {
            Cache<String, Box> cache = strict.createCache("strict", new MutableConfiguration<>());
            cache.put("k", new Box("x"));
            assertThatThrownBy(() -> cache.get("k"))
                    .isInstanceOf(CacheException.class)
                    .hasMessageContaining(Box.class.getName());
        } finally {
            strict.close();
        }
    }

    @Test
    void configuredValueTypeIsAllowedWithoutAPattern() {
        CacheManager strict = TestManagers.fresh();
        try {
            Cache<String, Box> cache = strict.createCache("typed",
                    new MutableConfiguration<String, Box>().setTypes(String.class, Box.class));
            cache.put("k", new Box("x"));
            assertThat(cache.get("k").content).isEqualTo("x");
        } finally {
            strict.close();
        }
    }

    static final class Box implements Serializable {
        private static final long serialVersionUID = 1L;
        String content;

        Box(String content) {
            this.content = content;
        }
    }
}

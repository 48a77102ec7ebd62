package io.kad.examples.jcache;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.jcache.KadCachingProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlainJCacheAppTest {

    @Test
    void theCacheDeclaredInKadPropertiesServesTheSecondRequestForAName() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        PlainJCacheApp.Result result = PlainJCacheApp.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                "Ada", "Grace", "Ada", "Grace");

        assertThat(result.managerUri()).isEqualTo(KadCachingProvider.DEFAULT_URI);
        assertThat(result.greetings()).containsExactly("Hello, Ada!", "Hello, Grace!", "Hello, Ada!", "Hello, Grace!");
        assertThat(result.computed()).isEqualTo(2);
        // both from src/main/resources/kad.properties
        assertThat(result.expiryAfterCreationMillis()).isEqualTo(10 * 60 * 1000L);
        assertThat(result.keyType()).isEqualTo(String.class);

        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).containsExactly(
                "cache manager kad:default from io.kad.jcache.KadCachingProvider; cache greetings expires 10 min after creation",
                "Hello, Ada! (computed and cached)",
                "Hello, Grace! (computed and cached)",
                "Hello, Ada! (from the cache)",
                "Hello, Grace! (from the cache)");
    }
}

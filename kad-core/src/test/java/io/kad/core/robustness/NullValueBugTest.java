package io.kad.core.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.Dht;
import io.kad.core.NodeConfig;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Dht's contract says falsy values, {@code null} included, round-trip like any other, and
 * {@code put} accepts {@code null}. {@code get} of a key whose value is JSON null throws
 * NoSuchElementException instead, while {@code asMap().containsKey} says the key is there:
 * {@code getAsync} maps the tree with {@code Optional.map(Dht::toJava)}, and {@code toJava(NullNode)}
 * returns null, which turns the Optional empty.
 */
@Disabled("bug in Dht.getAsync/get: a stored JSON null reads as absent; reported with a proposed fix")
class NullValueBugTest {

    @Test
    void storedNullValueIsReadBackAsNull() {
        try (Dht dht = Dht.create(NodeConfig.builder().host("127.0.0.1").port(0).loadInterceptors(false).build())) {
            dht.put("nothing", null);
            assertThat(dht.asMap().containsKey("nothing")).isTrue();
            assertThat(dht.get("nothing")).isNull();
        }
    }
}

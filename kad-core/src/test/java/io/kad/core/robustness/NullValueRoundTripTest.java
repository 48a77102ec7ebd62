package io.kad.core.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.Dht;
import io.kad.core.NodeConfig;
import org.junit.jupiter.api.Test;

/** A stored JSON {@code null} is a value like any other: it reads back as {@code null}, not as absent. */
class NullValueRoundTripTest {

    @Test
    void storedNullValueIsReadBackAsNull() {
        try (Dht dht = Dht.create(NodeConfig.builder().host("127.0.0.1").port(0).loadInterceptors(false).build())) {
            dht.put("nothing", null);
            assertThat(dht.get("nothing")).isNull();
        }
    }

    @Test
    void theMapViewSeesAStoredJsonNullAsNoValueAndPutIfAbsentReplacesIt() {
        try (Dht dht = Dht.create(NodeConfig.builder().host("127.0.0.1").port(0).loadInterceptors(false).build())) {
            dht.put("nothing", null);
            assertThat(dht.asMap().containsKey("nothing")).isFalse();
            assertThat(dht.asMap().putIfAbsent("nothing", 5)).isNull();
            assertThat(dht.asMap().get("nothing")).isEqualTo(5);
            assertThat(dht.asMap().computeIfAbsent("other", k -> 7)).isEqualTo(7);
            dht.put("merged", null);
            assertThat(dht.asMap().merge("merged", 9, (a, b) -> b)).isEqualTo(9);
            assertThat(dht.asMap().get("merged")).isEqualTo(9);
        }
    }
}

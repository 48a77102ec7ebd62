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
            assertThat(dht.asMap().containsKey("nothing")).isTrue();
            assertThat(dht.get("nothing")).isNull();
        }
    }
}

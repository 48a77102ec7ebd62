package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.core.Dht;
import io.kad.core.NodeConfig;
import io.kad.core.record.RecordException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A swarm that requires a shared secret: its members talk, anyone else is dropped and counted. */
class SharedSecretTest {

    private static NodeConfig.Builder node(String secret) {
        return NodeConfig.builder().host("127.0.0.1").port(0).loadInterceptors(false).sharedSecret(secret)
                .rpcTimeout(Duration.ofMillis(300)).operationTimeout(Duration.ofSeconds(2));
    }

    @Test
    void membersSharingTheSecretReadEachOthersValues() {
        try (Dht a = Dht.create(node("correct horse battery staple").build());
             Dht b = Dht.create(node("correct horse battery staple").seed(a.address()).build())) {
            a.put("k", List.of(1, 2, 3));
            assertThat(b.get("k")).isEqualTo(List.of(1, 2, 3));
            assertThat(a.node().stats().unauthenticated()).isZero();
        }
    }

    @Test
    void aNodeWithAnotherSecretCannotJoinAndIsCounted() {
        try (Dht a = Dht.create(node("correct horse battery staple").build())) {
            assertThatThrownBy(() -> Dht.create(node("a different secret entirely").seed(a.address()).build()))
                    .isInstanceOf(RecordException.class).hasMessageContaining("could not join");
            assertThat(a.node().stats().unauthenticated()).isPositive();
            assertThat(a.peers()).isEmpty();
        }
    }

    @Test
    void aNodeWithoutTheSecretCannotJoin() {
        try (Dht a = Dht.create(node("correct horse battery staple").build())) {
            assertThatThrownBy(() -> Dht.create(node(null).seed(a.address()).build()))
                    .isInstanceOf(RecordException.class);
            assertThat(a.node().stats().unauthenticated()).isPositive();
        }
    }

    @Test
    void aShortSecretIsRejectedNamingItsLength() {
        assertThatThrownBy(() -> node("short").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sharedSecret").hasMessageContaining("5");
    }
}

package io.kad.core.robustness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.core.Dht;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad arguments to the public surface fail at once, with a message that names what is wrong. */
class BadArgumentsTest {

    private Dht dht;

    @BeforeEach
    void start() {
        dht = Dht.create(NodeConfig.builder().host("127.0.0.1").port(0).loadInterceptors(false).build());
    }

    @AfterEach
    void stop() {
        dht.close();
    }

    /** Refers to itself: Jackson cannot write it. */
    public static final class SelfReferencing {
        public SelfReferencing getSelf() {
            return this;
        }
    }

    /** No properties: Jackson refuses it with FAIL_ON_EMPTY_BEANS. */
    public static final class NoProperties {
    }

    @Test
    void nullKeyIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> dht.put(null, "v")).isInstanceOf(NullPointerException.class).hasMessage("key");
        assertThatThrownBy(() -> dht.get(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
        assertThatThrownBy(() -> dht.getAsync(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 65536, 70000, Integer.MIN_VALUE})
    void portOutOfRangeIsRejectedNamingThePort(int port) {
        assertThatThrownBy(() -> NodeConfig.builder().port(port).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port")
                .hasMessageContaining(String.valueOf(port));
        assertThatThrownBy(() -> Dht.create("127.0.0.1", port))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port")
                .hasMessageContaining(String.valueOf(port));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "12s", "1.5", "99999999999999999999"})
    void badExpiryGraceIsRejectedNamingTheKeyAndTheValue(String value) {
        assertThatThrownBy(() -> NodeConfig.builder().storageSetting(NodeConfig.EXPIRY_GRACE_SETTING, value).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kad.storage.expiry-grace-ms")
                .hasMessageContaining("'" + value + "'");
        assertThat(NodeConfig.builder().storageSetting(NodeConfig.EXPIRY_GRACE_SETTING, "0").build().expiryGrace())
                .isZero();
        assertThat(NodeConfig.builder().build().expiryGrace()).isEqualTo(NodeConfig.DEFAULT_EXPIRY_GRACE);
    }

    @Test
    void unknownHashNameIsRejectedNamingTheHashWithoutLeakingThreads() {
        long before = MalformedInputTest.kadThreads();
        assertThatThrownBy(() -> KadNode.start(NodeConfig.builder().hashName("sha3-512-nope")
                .loadInterceptors(false).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'sha3-512-nope'")
                .hasMessageContaining("hash");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> MalformedInputTest.kadThreads() == before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "127.0.0.1:", ":4000", "127.0.0.1:abc", "127.0.0.1:0", "127.0.0.1:65536",
        "127.0.0.1:-3", "host:port:"})
    void unparsableSeedAddressIsRejectedQuotingIt(String text) {
        assertThatThrownBy(() -> Dht.parseAddress(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seed address '" + text + "'");
    }

    @Test
    void valueJacksonCannotWriteIsRejectedNamingItsType() {
        assertThatThrownBy(() -> dht.put("k", new SelfReferencing()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(SelfReferencing.class.getName())
                .hasMessageContaining("cannot be serialized");
        assertThatThrownBy(() -> dht.put("k", new NoProperties()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(NoProperties.class.getName())
                .hasMessageContaining("cannot be serialized");
        assertThatThrownBy(() -> dht.asMap().put("k", new NoProperties()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(NoProperties.class.getName());
    }
}

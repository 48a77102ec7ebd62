package io.kad.examples.kadpy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.hash.KeyHashFunctions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class CustomHashFunctionTest {

    @Test
    void serviceLoaderFindsTheCustomFunctionByName() {
        assertThat(KeyHashFunctions.availableNames()).contains("sha3-256", "sha256");
        assertThat(KeyHashFunctions.byName("sha3-256")).isInstanceOf(Sha3KeyHash.class);
    }

    @Test
    void customFunctionIsSha3OfTheKeyBytes() throws Exception {
        byte[] key = "my_key".getBytes(StandardCharsets.UTF_8);
        Sha3KeyHash hash = new Sha3KeyHash();

        assertThat(hash.hash(key)).hasSize(hash.idBits() / 8)
                .isEqualTo(MessageDigest.getInstance("SHA3-256").digest(key));
    }

    @Test
    void twoNodesSelectingTheCustomFunctionByNameExchangeAValueStoredUnderItsId() {
        CustomHashFunction.Outcome outcome = CustomHashFunction.run();

        assertThat(outcome.hashNames()).containsExactly("sha3-256", "sha3-256");
        assertThat(outcome.value()).isEqualTo("my_value");
        assertThat(outcome.storedUnderCustomId()).isTrue();
    }
}

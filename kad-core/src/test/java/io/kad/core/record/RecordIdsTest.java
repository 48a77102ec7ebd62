package io.kad.core.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.hash.KeyHashFunctions;
import io.kad.core.id.RecordId;
import io.kad.spi.KeyHashFunction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fixed-width record id of a key is the id the record protocol has always used for it. */
class RecordIdsTest {

    /** A hash wider than the id's words: SHA-512, 512 bits. */
    private static final KeyHashFunction SHA512 = new KeyHashFunction() {
        @Override
        public String name() {
            return "sha512-test";
        }

        @Override
        public int idBits() {
            return 512;
        }

        @Override
        public byte[] hash(byte[] key) {
            try {
                return MessageDigest.getInstance("SHA-512").digest(key);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    @Test
    void theFixedWidthIdIsTheNumberIdOfEveryHashAndNamespace() {
        List<KeyHashFunction> hashes = List.of(KeyHashFunctions.byName("sha256"), KeyHashFunctions.byName("sha1"),
                KeyHashFunctions.byName("md5"), SHA512);
        // namespaces alternate, so the encoding of the last one is reused and replaced; one is not ASCII
        List<String> namespaces = List.of("", "kad:one|cache", "kad:two|cache", "kad:ünï|cåche", "");
        for (KeyHashFunction hash : hashes) {
            for (int i = 0; i < 200; i++) {
                String namespace = namespaces.get(i % namespaces.size());
                byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
                RecordId id = RecordIds.idOf(hash, namespace, key);
                assertThat(id.toBigInteger()).as("%s, %s, key %d", hash.name(), namespace, i)
                        .isEqualTo(RecordIds.of(hash, namespace, key));
                assertThat(id).isEqualTo(RecordId.of(RecordIds.of(hash, namespace, key)));
            }
        }
    }

    @Test
    void equalKeysOfDifferentNamespacesHaveDifferentIds() {
        KeyHashFunction sha256 = KeyHashFunctions.byName("sha256");
        byte[] key = {1, 2, 3};
        assertThat(RecordIds.idOf(sha256, "a", key)).isNotEqualTo(RecordIds.idOf(sha256, "b", key))
                .isNotEqualTo(RecordIds.idOf(sha256, "", key));
        // the empty namespace hashes the key alone, as kad.py does
        assertThat(RecordIds.idOf(sha256, "", key)).isEqualTo(RecordId.fromBytes(sha256.hash(key)));
    }
}

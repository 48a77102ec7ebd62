package io.kad.examples.kadpy;

import io.kad.spi.KeyHashFunction;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * A custom key hash function, SHA3-256, registered with {@link java.util.ServiceLoader} in
 * {@code META-INF/services/io.kad.spi.KeyHashFunction} and selected by name:
 * {@code NodeConfig.builder().hashName("sha3-256")} or {@code kad.hash=sha3-256}.
 *
 * <p>Every node of a swarm must use the same function, or they look for a key in different places.
 */
public final class Sha3KeyHash implements KeyHashFunction {

    /** The name this function is selected by. */
    public static final String NAME = "sha3-256";

    /** Creates the function; it is stateless (ServiceLoader needs this constructor). */
    public Sha3KeyHash() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int idBits() {
        return 256;
    }

    @Override
    public byte[] hash(byte[] key) {
        Objects.requireNonNull(key, "key");
        try {
            // a MessageDigest is not thread-safe: one per call
            return MessageDigest.getInstance("SHA3-256").digest(key);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA3-256 is required of every Java 9+ runtime", e);
        }
    }
}

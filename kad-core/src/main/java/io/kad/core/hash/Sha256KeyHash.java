package io.kad.core.hash;

/**
 * {@code sha256}: SHA-256 of the key bytes, 256 bits; kad.py 2018's key id.
 *
 * <p>Thread-safe and stateless; registered with {@link java.util.ServiceLoader} under {@code "sha256"}.
 */
public final class Sha256KeyHash extends MessageDigestKeyHash {

    /** The name this function is selected by. */
    public static final String NAME = "sha256";

    /** Creates the function; it holds no mutable state, so one instance may be shared. */
    public Sha256KeyHash() {
        super(NAME, "SHA-256", 256);
    }
}

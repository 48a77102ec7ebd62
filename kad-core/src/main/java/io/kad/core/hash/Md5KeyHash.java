package io.kad.core.hash;

/**
 * {@code md5}: MD5 of the key bytes, 128 bits; kad.py 2015's key id.
 *
 * <p>Thread-safe and stateless; registered with {@link java.util.ServiceLoader} under {@code "md5"}.
 */
public final class Md5KeyHash extends MessageDigestKeyHash {

    /** The name this function is selected by. */
    public static final String NAME = "md5";

    /** Creates the function; it holds no mutable state, so one instance may be shared. */
    public Md5KeyHash() {
        super(NAME, "MD5", 128);
    }
}

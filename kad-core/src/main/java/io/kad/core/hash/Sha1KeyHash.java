package io.kad.core.hash;

/**
 * {@code sha1}: SHA-1 of the key bytes, 160 bits; the id width of the Kademlia paper
 * (Maymounkov &amp; Mazi&egrave;res 2002, section 2).
 *
 * <p>Thread-safe and stateless; registered with {@link java.util.ServiceLoader} under {@code "sha1"}.
 */
public final class Sha1KeyHash extends MessageDigestKeyHash {

    /** The name this function is selected by. */
    public static final String NAME = "sha1";

    /** Creates the function; it holds no mutable state, so one instance may be shared. */
    public Sha1KeyHash() {
        super(NAME, "SHA-1", 160);
    }
}

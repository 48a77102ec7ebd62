package io.kad.spi;

/**
 * Maps key bytes to a Kademlia identifier: the id of the record that holds the key, and so the nodes
 * responsible for it (the ones whose node ids are nearest to it in XOR distance).
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader} under their {@link #name()} and
 * may also be passed as instances. Contract:
 * <ul>
 *   <li>{@link #hash(byte[])} is a pure function: the same bytes always give the same id, on every node
 *       of a swarm and in every JVM;</li>
 *   <li>the result is an unsigned big-endian number of exactly {@code (idBits() + 7) / 8} bytes whose
 *       value is below {@code 2^idBits()};</li>
 *   <li>implementations are thread-safe.</li>
 * </ul>
 * Built in: {@code sha1} (160 bits, the Kademlia paper's), {@code md5} (128 bits, kad.py 2015) and
 * {@code sha256} (256 bits, kad.py 2018).
 */
public interface KeyHashFunction {

    /** The name under which this function is selected, e.g. {@code "sha256"}; lower case. */
    String name();

    /** The width of the ids this function produces, in bits (a multiple of 8, at least 8). */
    int idBits();

    /**
     * Hashes key bytes into an id.
     *
     * @param key the key bytes, never {@code null}
     * @return the id, unsigned big-endian, {@code (idBits() + 7) / 8} bytes long
     */
    byte[] hash(byte[] key);
}

package io.kad.core.record;

import io.kad.core.id.NodeId;
import io.kad.spi.KeyHashFunction;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Computes record ids: where in the id space a (namespace, key) pair lives.
 *
 * <ul>
 *   <li>the empty namespace hashes the key bytes alone, exactly as kad.py does, so records written
 *       through the kad.py dialect and through the {@code Dht} facade share ids with kad.py nodes;</li>
 *   <li>any other namespace hashes {@code len(namespace) (4 bytes, big-endian) || namespace (UTF-8) ||
 *       key}, so equal keys of different caches land on different ids.</li>
 * </ul>
 */
public final class RecordIds {

    private RecordIds() {
    }

    /**
     * @param hash the swarm's key hash function
     * @param namespace the namespace, empty for kad.py records
     * @param key the key bytes
     * @return the record id
     */
    public static BigInteger of(KeyHashFunction hash, String namespace, byte[] key) {
        if (namespace.isEmpty()) {
            return new BigInteger(1, hash.hash(key));
        }
        byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
        byte[] input = new byte[4 + ns.length + key.length];
        input[0] = (byte) (ns.length >>> 24);
        input[1] = (byte) (ns.length >>> 16);
        input[2] = (byte) (ns.length >>> 8);
        input[3] = (byte) ns.length;
        System.arraycopy(ns, 0, input, 4, ns.length);
        System.arraycopy(key, 0, input, 4 + ns.length, key.length);
        return new BigInteger(1, hash.hash(input));
    }

    /**
     * @param hash the swarm's key hash function
     * @param namespace the namespace
     * @param key the key bytes
     * @return the record id as a {@link NodeId} of the hash's width
     */
    public static NodeId nodeIdOf(KeyHashFunction hash, String namespace, byte[] key) {
        return new NodeId(of(hash, namespace, key), hash.idBits());
    }
}

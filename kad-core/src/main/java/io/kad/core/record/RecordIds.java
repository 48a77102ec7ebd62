package io.kad.core.record;

import io.kad.core.hash.MessageDigestKeyHash;
import io.kad.core.id.NodeId;
import io.kad.core.id.RecordId;
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
 * {@link #idOf} gives the same id in fixed width ({@link RecordId}), hashed once with no {@code BigInteger}
 * and, for the built-in hashes, no array but the id's.
 */
public final class RecordIds {

    private static final byte[] NO_PREFIX = new byte[0];

    /**
     * The prefix of the namespace used last: a node's operations mostly go to a few caches, so encoding the
     * namespace once per run of operations on it saves an array per operation. One entry, replaced whole.
     */
    private static volatile Prefix lastPrefix = new Prefix("", NO_PREFIX);

    private record Prefix(String namespace, byte[] bytes) {
    }

    private RecordIds() {
    }

    /**
     * @param hash the swarm's key hash function
     * @param namespace the namespace, empty for kad.py records
     * @param key the key bytes
     * @return the record id in fixed width, equal to {@code RecordId.of(of(hash, namespace, key))}
     */
    public static RecordId idOf(KeyHashFunction hash, String namespace, byte[] key) {
        if (hash instanceof MessageDigestKeyHash digest) {
            return digest.recordId(prefix(namespace), key);
        }
        return RecordId.fromBytes(hash.hash(input(namespace, key)));
    }

    /** {@code len(namespace) || namespace}, or nothing for the empty namespace. */
    private static byte[] prefix(String namespace) {
        Prefix last = lastPrefix;
        if (last.namespace().equals(namespace)) {
            return last.bytes();
        }
        if (namespace.isEmpty()) {
            return NO_PREFIX;
        }
        byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
        byte[] prefix = new byte[4 + ns.length];
        writeLength(prefix, ns.length);
        System.arraycopy(ns, 0, prefix, 4, ns.length);
        lastPrefix = new Prefix(namespace, prefix);
        return prefix;
    }

    private static void writeLength(byte[] into, int length) {
        into[0] = (byte) (length >>> 24);
        into[1] = (byte) (length >>> 16);
        into[2] = (byte) (length >>> 8);
        into[3] = (byte) length;
    }

    /** The bytes hashed for a key of a namespace. */
    private static byte[] input(String namespace, byte[] key) {
        if (namespace.isEmpty()) {
            return key;
        }
        byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
        byte[] input = new byte[4 + ns.length + key.length];
        writeLength(input, ns.length);
        System.arraycopy(ns, 0, input, 4, ns.length);
        System.arraycopy(key, 0, input, 4 + ns.length, key.length);
        return input;
    }

    /**
     * @param hash the swarm's key hash function
     * @param namespace the namespace, empty for kad.py records
     * @param key the key bytes
     * @return the record id
     */
    public static BigInteger of(KeyHashFunction hash, String namespace, byte[] key) {
        return new BigInteger(1, hash.hash(input(namespace, key)));
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

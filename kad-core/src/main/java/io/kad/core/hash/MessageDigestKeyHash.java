package io.kad.core.hash;

import io.kad.core.id.RecordId;
import io.kad.spi.KeyHashFunction;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * A {@link KeyHashFunction} that is a JDK {@link MessageDigest}: the id is the digest of the key bytes,
 * read as an unsigned big-endian number.
 *
 * <p>Contract:
 * <ul>
 *   <li>the digest's output length is exactly {@code idBits() / 8} bytes (checked at construction);</li>
 *   <li>thread-safe: each thread hashes with its own digest instance, cloned from a prototype that is
 *       never updated (or created anew when the provider's digest cannot be cloned);</li>
 *   <li>{@link #recordId} hashes a prefix and a key into a {@link RecordId}, the same id as
 *       {@link #hash} of their concatenation read by {@link RecordId#fromBytes}, with no array in
 *       between: the node computes every operation's record id this way.</li>
 * </ul>
 */
public abstract class MessageDigestKeyHash implements KeyHashFunction {

    private final String name;
    private final String algorithm;
    private final int idBits;
    private final MessageDigest prototype;
    private final boolean cloneable;
    private final ThreadLocal<PerThread> perThread = ThreadLocal.withInitial(() -> new PerThread(digest()));

    /** One thread's digest and the buffer its digests are written to. */
    private static final class PerThread {
        final MessageDigest digest;
        final byte[] out;

        PerThread(MessageDigest digest) {
            this.digest = digest;
            this.out = new byte[digest.getDigestLength()];
        }
    }

    /**
     * @param name the name this function is selected by, lower case
     * @param algorithm the JDK digest algorithm, e.g. {@code "SHA-256"}
     * @param idBits the digest's width in bits
     * @throws IllegalStateException if the JDK lacks the algorithm or its width is not {@code idBits}
     */
    protected MessageDigestKeyHash(String name, String algorithm, int idBits) {
        this.name = Objects.requireNonNull(name, "name");
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        this.idBits = idBits;
        this.prototype = newDigest(algorithm);
        if (prototype.getDigestLength() * 8 != idBits) {
            throw new IllegalStateException(algorithm + " produces " + prototype.getDigestLength() * 8
                    + " bits, expected " + idBits);
        }
        this.cloneable = canClone(prototype);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int idBits() {
        return idBits;
    }

    @Override
    public final byte[] hash(byte[] key) {
        Objects.requireNonNull(key, "key");
        // every cache operation hashes its key: reuse one digest per thread (digest() resets it)
        return perThread.get().digest.digest(key);
    }

    /**
     * Hashes {@code prefix || key} into a record id, without building the concatenation or the digest's
     * array: both go through this thread's digest, which writes into a buffer of its own.
     *
     * @param prefix the bytes hashed first, possibly empty
     * @param key the key bytes
     * @return the id, equal to {@code RecordId.fromBytes(hash(prefix || key))}
     */
    public final RecordId recordId(byte[] prefix, byte[] key) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(key, "key");
        PerThread t = perThread.get();
        t.digest.update(prefix);
        t.digest.update(key);
        try {
            t.digest.digest(t.out, 0, t.out.length); // resets the digest
        } catch (DigestException e) {
            // the buffer is the digest's length, checked at construction
            throw new IllegalStateException(algorithm + " refused a buffer of its own length", e);
        }
        return RecordId.fromBytes(t.out);
    }

    private MessageDigest digest() {
        if (cloneable) {
            try {
                return (MessageDigest) prototype.clone();
            } catch (CloneNotSupportedException e) {
                // canClone said otherwise; fall through to a fresh instance
            }
        }
        return newDigest(algorithm);
    }

    private static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            // every Java SE platform must provide MD5, SHA-1 and SHA-256
            throw new IllegalStateException("the JDK lacks the " + algorithm + " digest", e);
        }
    }

    private static boolean canClone(MessageDigest digest) {
        try {
            digest.clone();
            return true;
        } catch (CloneNotSupportedException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return name + " (" + idBits + " bits)";
    }
}

package io.kad.jcache;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The objects a store-by-reference cache holds in this JVM, and only while an entry of this manager
 * still stands for them.
 *
 * <p>Two kinds of object are held:
 * <ul>
 *   <li>per key, the key and value objects last written through this cache, with the record version they
 *       were written as, so that a read of that version returns the very objects put;</li>
 *   <li>objects that no codec can encode, under a token that stands in for their bytes in the swarm
 *       (readable through this manager only).</li>
 * </ul>
 *
 * <p>Contract:
 * <ul>
 *   <li>a write that replaced a key's entry releases what the entry held before ({@link #remember});</li>
 *   <li>a removal, an expiry, an eviction, another node's change, {@code clear} and {@code close}
 *       release what the entry held ({@link #forget}, {@link #forgetUpTo}, {@link #evicted},
 *       {@link #clear});</li>
 *   <li>an eviction may be reported before the write it evicted is remembered (a bounded tier can drop
 *       a newcomer while its own write completes): the write then holds nothing ({@link #evicted});</li>
 *   <li>a value token is held from just before its write ({@link #holdValue}) and released after it
 *       unless the write stored it ({@link #settle});</li>
 *   <li>a key token is held while an operation uses it ({@link #pinKey}/{@link #unpinKey}) or an entry
 *       stands for it, so that concurrent operations on one key object share one token.</li>
 * </ul>
 * Every method is synchronized: store-by-reference caches are for objects of one JVM, and the few maps
 * here change together.
 */
final class LocalReferences {

    /** Tag of a token: the first byte of bytes that stand for an object held here. */
    static final byte TAG = 0x7E;
    /** The most evictions kept for writes not yet remembered ({@link #evicted}). */
    static final int MAX_EVICTED_AHEAD = 1_024;

    private final byte[] prefix;
    private long counter;
    /** Per key bytes, what the entry last written through this cache holds. */
    private final Map<ByteKey, Ref> byKey = new HashMap<>();
    /** Tokens standing for objects that cannot be encoded: keys and values. */
    private final Map<ByteKey, Object> tokens = new HashMap<>();
    /** Key objects that cannot be encoded, by equality (as the cache compares keys), with their tokens. */
    private final Map<Object, KeyToken> keyTokens = new HashMap<>();
    /**
     * Per key bytes, the newest version evicted while no entry of that version or newer was remembered:
     * a write still completing whose record the tier already dropped. Oldest first, at most
     * {@link #MAX_EVICTED_AHEAD}: evictions of records this cache never wrote (another node's, or a
     * replica's) pass through it too.
     */
    private final Map<ByteKey, Long> evictedAhead = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteKey, Long> eldest) {
            return size() > MAX_EVICTED_AHEAD;
        }
    };

    LocalReferences() {
        UUID id = UUID.randomUUID();
        prefix = ByteBuffer.allocate(17).put(TAG)
                .putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
    }

    /**
     * @param bytes key or value bytes
     * @return whether they are a token of any manager (another manager's cannot be read here)
     */
    static boolean isToken(byte[] bytes) {
        return bytes.length > 0 && bytes[0] == TAG;
    }

    /**
     * @param bytes key or value bytes
     * @return whether they are a token this manager made (held or already released)
     */
    boolean isOwnToken(byte[] bytes) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    // ---------------------------------------------------------------- keys

    /**
     * The token of a key object that cannot be encoded, pinned until {@link #unpinKey}.
     *
     * @param key the key object
     * @return its token, the same for equal keys while any entry or operation uses it
     */
    synchronized byte[] pinKey(Object key) {
        KeyToken t = keyTokens.get(key);
        if (t == null) {
            t = new KeyToken(newToken());
            keyTokens.put(key, t);
            tokens.put(new ByteKey(t.token), key);
        }
        t.pins++;
        return t.token;
    }

    /**
     * Ends an operation's use of key bytes: a key token no entry stands for and no operation uses any
     * more is released. Bytes that are not a token are ignored.
     *
     * @param kb key bytes from {@link #pinKey} or a codec
     */
    synchronized void unpinKey(byte[] kb) {
        if (!isToken(kb)) {
            return;
        }
        Object key = tokens.get(new ByteKey(kb));
        KeyToken t = key == null ? null : keyTokens.get(key);
        if (t != null && Arrays.equals(t.token, kb)) {
            t.pins--;
            releaseKeyIfUnused(kb);
        }
    }

    private void releaseKeyIfUnused(byte[] kb) {
        ByteKey k = new ByteKey(kb);
        if (byKey.containsKey(k)) {
            return;
        }
        Object key = tokens.get(k);
        if (key == null) {
            return;
        }
        KeyToken t = keyTokens.get(key);
        if (t != null && Arrays.equals(t.token, kb)) {
            if (t.pins > 0) {
                return;
            }
            keyTokens.remove(key);
        }
        tokens.remove(k);
    }

    // ---------------------------------------------------------------- values

    /** @return a fresh token (not yet holding anything) */
    synchronized byte[] newToken() {
        counter++;
        return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(counter).array();
    }

    /**
     * Holds a value object under its token while it is being written.
     *
     * @param token a token from {@link #newToken}
     * @param value the object it stands for
     */
    synchronized void holdValue(byte[] token, Object value) {
        tokens.put(new ByteKey(token), value);
    }

    /**
     * After a write of {@code vb} under {@code kb} that did not store it (refused, failed, or expired at
     * once): releases the value's token unless the key's entry holds it.
     *
     * @param kb the key bytes
     * @param vb the value bytes written
     */
    synchronized void settle(byte[] kb, byte[] vb) {
        if (!isToken(vb)) {
            return;
        }
        Ref ref = byKey.get(new ByteKey(kb));
        if (ref == null || ref.valueToken() == null || !Arrays.equals(ref.valueToken(), vb)) {
            tokens.remove(new ByteKey(vb));
        }
    }

    // ---------------------------------------------------------------- entries

    /**
     * Records that the entry under {@code kb} now holds {@code value} at {@code version}, releasing what
     * it held before. A version older than the one remembered loses: its own token is released instead.
     *
     * @param kb the key bytes
     * @param key the key object
     * @param value the value object
     * @param version the version the write was given
     * @param vb the value bytes written (a token if the value could not be encoded)
     */
    synchronized void remember(byte[] kb, Object key, Object value, long version, byte[] vb) {
        ByteKey k = new ByteKey(kb);
        byte[] valueToken = isToken(vb) ? vb : null;
        Ref before = byKey.get(k);
        if (before != null && before.version() > version) {
            if (valueToken != null) {
                tokens.remove(new ByteKey(valueToken));
            }
            return;
        }
        Long evicted = evictedAhead.isEmpty() ? null : evictedAhead.remove(k);
        if (evicted != null && evicted >= version) {
            // the tier dropped this write's record before it was remembered: nothing stands for it
            if (valueToken != null) {
                tokens.remove(new ByteKey(valueToken));
            }
            forget(kb);
            return;
        }
        byKey.put(k, new Ref(key, value, version, valueToken));
        if (valueToken != null) {
            tokens.put(new ByteKey(valueToken), value);
        }
        if (isToken(kb) && !tokens.containsKey(k)) {
            // the token was released while the write was in flight: it stands for the key again
            tokens.put(k, key);
            keyTokens.putIfAbsent(key, new KeyToken(kb));
        }
        if (before != null) {
            releaseValue(before, valueToken);
        }
    }

    /**
     * Releases what the entry under {@code kb} holds: it was removed or cleared through this cache.
     *
     * @param kb the key bytes
     */
    synchronized void forget(byte[] kb) {
        ByteKey k = new ByteKey(kb);
        Ref before = byKey.remove(k);
        if (before != null) {
            releaseValue(before, null);
        }
        if (isToken(kb)) {
            releaseKeyIfUnused(kb);
        }
    }

    /**
     * Releases what the entry under {@code kb} holds if it was written at {@code version} or before:
     * another node changed it, or it expired or was evicted at that version.
     *
     * @param kb the key bytes
     * @param version the version the change applies to
     */
    synchronized void forgetUpTo(byte[] kb, long version) {
        Ref ref = byKey.get(new ByteKey(kb));
        if (ref != null && ref.version() <= version) {
            forget(kb);
        }
    }

    /**
     * Releases what the entry under {@code kb} holds if it was written at {@code version} or before: the
     * node's bounded tier dropped it. An eviction of a version not remembered yet is kept, so that the
     * write still completing under that version, when remembered, holds nothing.
     *
     * @param kb the key bytes
     * @param version the evicted record's version
     */
    synchronized void evicted(byte[] kb, long version) {
        ByteKey k = new ByteKey(kb);
        Ref ref = byKey.get(k);
        if (ref != null && ref.version() > version) {
            return;
        }
        if (ref != null) {
            forget(kb);
            if (ref.version() == version) {
                return;
            }
        }
        evictedAhead.merge(k, version, Math::max);
    }

    private void releaseValue(Ref ref, byte[] keep) {
        if (ref.valueToken() != null && (keep == null || !Arrays.equals(ref.valueToken(), keep))) {
            tokens.remove(new ByteKey(ref.valueToken()));
        }
    }

    /**
     * @param kb the key bytes
     * @param version a record's version
     * @return the value object written through this cache as that version, or null
     */
    synchronized Object valueAt(byte[] kb, long version) {
        Ref ref = byKey.get(new ByteKey(kb));
        return ref != null && ref.version() == version ? ref.value() : null;
    }

    /**
     * @param token a token
     * @return the object it stands for, or null if this manager does not hold it
     */
    synchronized Object held(byte[] token) {
        return tokens.get(new ByteKey(token));
    }

    /** Releases everything: the cache was closed. */
    synchronized void clear() {
        byKey.clear();
        tokens.clear();
        keyTokens.clear();
        evictedAhead.clear();
    }

    /** @return how many objects are held: entries' values and keys, and tokens' objects */
    synchronized int size() {
        return byKey.size() + tokens.size();
    }

    /** The token of a key object and how many operations use it now. */
    private static final class KeyToken {
        final byte[] token;
        int pins;

        KeyToken(byte[] token) {
            this.token = token;
        }
    }

    /** What one entry written through this cache holds. */
    private record Ref(Object key, Object value, long version, byte[] valueToken) {
    }

    /** Bytes as a map key. */
    private static final class ByteKey {
        private final byte[] bytes;
        private final int hash;

        ByteKey(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByteKey b && Arrays.equals(bytes, b.bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}

package io.kad.core.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tags and checks datagrams with a secret the swarm shares (principle 8: a swarm can require one), so
 * that a datagram is accepted once, from a member, while it is fresh.
 *
 * <p>A tagged datagram is the message's JSON object with four more fields appended, in this order:
 * {@code "to"} (the recipient's node id, 0 when the sender does not know it yet), {@code "ts"} (the
 * sender's clock, epoch milliseconds), {@code "nonce"} (a random 64-bit number, in base64) and
 * {@code "mac"}: the first 16 bytes of HMAC-SHA256(secret, everything before the {@code "mac"} field),
 * in base64. A datagram of the binary dialect (any datagram that does not start with <code>{</code>)
 * carries the same four as a binary trailer instead: the recipient's id (16 bytes, zeros when unknown),
 * the timestamp (8 bytes), the nonce (8 bytes) and the tag (16 bytes) over everything before it.
 * Contract:
 * <ul>
 *   <li>{@link #verify} returns the datagram as it was before tagging, or a refusal: a missing or wrong
 *       tag; a recipient that is another node (misdirected); a timestamp more than the
 *       {@linkplain #window() window} away from the receiver's clock (stale, or from a clock too far
 *       ahead); a nonce already accepted within the window (a replay); or, when
 *       the datagrams of the last window already fill the bounded memory of nonces, any new one (counted:
 *       only a member holding the secret can send that many);</li>
 *   <li>so a recorded datagram replayed to its receiver is refused, now or later, and so is one replayed
 *       to another member when it names its recipient; a datagram to a node not yet known (a joining
 *       node's first ping or lookup) names none and can be replayed to another member within the window:
 *       it carries only that request, and a node changes a contact's address only after that contact
 *       answers at the new one;</li>
 *   <li>members' clocks must agree within the window (30 seconds by default);</li>
 *   <li>comparison is constant-time; {@link #sign} is thread-safe, {@link #verify} too (its memory of
 *       nonces is guarded).</li>
 * </ul>
 */
public final class DatagramAuthenticator {

    /** How far a datagram's timestamp may be from the receiver's clock, either way. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);
    /** The most nonces remembered (one per datagram accepted within the window): 16 MiB of memory. */
    public static final int DEFAULT_NONCE_CAPACITY = 1 << 20;

    private static final byte[] TO_FIELD = ",\"to\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TS_FIELD = ",\"ts\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONCE_FIELD = ",\"nonce\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MAC_FIELD = "\",\"mac\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final int TAG_BYTES = 16;
    private static final int TAG_CHARS = 24; // base64 of 16 bytes, padded
    private static final int NONCE_CHARS = 12; // base64 of 8 bytes, padded
    /** {@code ,"mac":"<24>"}} after the nonce's closing quote is counted with MAC_FIELD. */
    private static final int MAC_SUFFIX = MAC_FIELD.length + TAG_CHARS + 2;

    /** Why a datagram was refused. */
    public enum Refusal {
        /** No tag, a malformed one, or one the secret did not make. */
        BAD_TAG,
        /** Meant for another node. */
        MISDIRECTED,
        /** A timestamp outside the window. */
        STALE,
        /** A nonce already accepted within the window. */
        REPLAYED,
        /** The memory of nonces is full for the current window. */
        NONCES_FULL
    }

    /**
     * The outcome of {@link #verify}: exactly one of the two is set.
     *
     * @param datagram the datagram without its tag fields, or {@code null} if refused
     * @param refusal why it was refused, or {@code null} if accepted
     */
    public record Verified(byte[] datagram, Refusal refusal) {
    }

    private final SecretKeySpec key;
    private final byte[] localId;
    private final byte[] localId16;
    private final ThreadLocal<Mac> macs;
    private final long windowMillis;
    private final NonceMemory nonces;

    /**
     * An authenticator with the default window and memory of nonces.
     *
     * @param secret the shared secret
     * @param localId the local node's id: datagrams naming another recipient are refused
     */
    public DatagramAuthenticator(String secret, BigInteger localId) {
        this(secret, localId, DEFAULT_WINDOW, DEFAULT_NONCE_CAPACITY);
    }

    /**
     * @param secret the shared secret
     * @param localId the local node's id: datagrams naming another recipient are refused
     * @param window how far a timestamp may be from the receiver's clock, at least a second
     * @param nonceCapacity the most nonces remembered, at least 16
     */
    public DatagramAuthenticator(String secret, BigInteger localId, Duration window, int nonceCapacity) {
        Objects.requireNonNull(secret, "secret");
        if (localId.signum() <= 0) {
            throw new IllegalArgumentException("localId must be positive (0 names no recipient), was " + localId);
        }
        this.localId = localId.toString().getBytes(StandardCharsets.US_ASCII);
        this.localId16 = id16(localId);
        if (window.toMillis() < 1000) {
            throw new IllegalArgumentException("window must be at least 1 s, was " + window);
        }
        if (nonceCapacity < 16) {
            throw new IllegalArgumentException("nonceCapacity must be at least 16, was " + nonceCapacity);
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
            }
        });
        this.windowMillis = window.toMillis();
        this.nonces = new NonceMemory(windowMillis, nonceCapacity);
    }

    /** @return how far a datagram's timestamp may be from the receiver's clock */
    public Duration window() {
        return Duration.ofMillis(windowMillis);
    }

    private byte[] tag(byte[] data, int length) {
        Mac mac = macs.get();
        mac.update(data, 0, length);
        return Arrays.copyOf(mac.doFinal(), TAG_BYTES);
    }

    /**
     * @param datagram an encoded message (a JSON object ending in '}')
     * @param nowMillis the sender's clock, epoch milliseconds
     * @param recipient the recipient's node id, or {@code null} if not known
     * @return the datagram with its recipient, timestamp, nonce and tag appended
     */
    public byte[] sign(byte[] datagram, long nowMillis, BigInteger recipient) {
        long nonce;
        do {
            nonce = ThreadLocalRandom.current().nextLong();
        } while (nonce == 0);
        if (datagram.length == 0 || datagram[0] != '{') {
            return signBinary(datagram, nowMillis, recipient, nonce);
        }
        byte[] to = (recipient == null ? "0" : recipient.toString()).getBytes(StandardCharsets.US_ASCII);
        byte[] ts = Long.toString(nowMillis).getBytes(StandardCharsets.US_ASCII);
        byte[] nonceB64 = Base64.getEncoder().encode(longBytes(nonce));
        int bodyEnd = datagram.length - 1; // without the closing brace
        byte[] out = new byte[bodyEnd + TO_FIELD.length + to.length + TS_FIELD.length + ts.length
                + NONCE_FIELD.length + NONCE_CHARS + MAC_SUFFIX];
        System.arraycopy(datagram, 0, out, 0, bodyEnd);
        int at = bodyEnd;
        at = put(out, at, TO_FIELD);
        at = put(out, at, to);
        at = put(out, at, TS_FIELD);
        at = put(out, at, ts);
        at = put(out, at, NONCE_FIELD);
        at = put(out, at, nonceB64);
        int tagged = at; // the tag covers everything up to the nonce's closing quote (exclusive)
        byte[] mac = Base64.getEncoder().encode(tag(out, tagged));
        at = put(out, at, MAC_FIELD);
        at = put(out, at, mac);
        out[at++] = '"';
        out[at] = '}';
        return out;
    }

    /**
     * Checks a datagram's tag, freshness and novelty, and remembers its nonce if it passes.
     *
     * @param datagram a received datagram
     * @param nowMillis the receiver's clock, epoch milliseconds
     * @return the datagram without its tag fields, or why it was refused
     */
    public Verified verify(byte[] datagram, long nowMillis) {
        if (datagram.length > 0 && datagram[0] != '{') {
            return verifyBinary(datagram, nowMillis);
        }
        int n = datagram.length;
        int macAt = n - MAC_SUFFIX;
        int nonceAt = macAt - NONCE_CHARS - NONCE_FIELD.length;
        if (nonceAt < 2 || datagram[n - 1] != '}' || datagram[n - 2] != '"'
                || !at(datagram, macAt, MAC_FIELD) || !at(datagram, nonceAt, NONCE_FIELD)) {
            return new Verified(null, Refusal.BAD_TAG);
        }
        int tsAt = lastIndexOf(datagram, TS_FIELD, nonceAt, 20);
        int toAt = tsAt < 1 ? -1 : lastIndexOf(datagram, TO_FIELD, tsAt, 80);
        if (toAt < 1) {
            return new Verified(null, Refusal.BAD_TAG);
        }
        byte[] claimed;
        long nonce;
        try {
            claimed = Base64.getDecoder().decode(Arrays.copyOfRange(datagram, macAt + MAC_FIELD.length, n - 2));
            nonce = bytesLong(Base64.getDecoder().decode(Arrays.copyOfRange(datagram, nonceAt + NONCE_FIELD.length,
                    macAt)));
        } catch (IllegalArgumentException e) {
            return new Verified(null, Refusal.BAD_TAG);
        }
        if (claimed.length != TAG_BYTES || !MessageDigest.isEqual(claimed, tag(datagram, macAt))) {
            return new Verified(null, Refusal.BAD_TAG);
        }
        int toFrom = toAt + TO_FIELD.length;
        boolean unnamed = tsAt - toFrom == 1 && datagram[toFrom] == '0';
        if (!unnamed && !Arrays.equals(datagram, toFrom, tsAt, localId, 0, localId.length)) {
            return new Verified(null, Refusal.MISDIRECTED);
        }
        long ts = parseMillis(datagram, tsAt + TS_FIELD.length, nonceAt);
        if (ts < 0 || Math.abs(nowMillis - ts) > windowMillis) {
            return new Verified(null, Refusal.STALE);
        }
        Refusal seen = nonces.remember(nonce, ts, nowMillis);
        if (seen != null) {
            return new Verified(null, seen);
        }
        byte[] original = Arrays.copyOf(datagram, toAt + 1);
        original[toAt] = '}';
        return new Verified(original, null);
    }

    /** The bytes a binary datagram's trailer takes. */
    public static final int BINARY_TRAILER = 16 + 8 + 8 + TAG_BYTES;

    private byte[] signBinary(byte[] datagram, long nowMillis, BigInteger recipient, long nonce) {
        byte[] out = Arrays.copyOf(datagram, datagram.length + BINARY_TRAILER);
        int at = datagram.length;
        at = put(out, at, recipient == null || recipient.signum() <= 0 || recipient.bitLength() > 128
                ? new byte[16] : id16(recipient));
        at = put(out, at, longBytes(nowMillis));
        at = put(out, at, longBytes(nonce));
        put(out, at, tag(out, at));
        return out;
    }

    private Verified verifyBinary(byte[] datagram, long nowMillis) {
        int n = datagram.length;
        int toAt = n - BINARY_TRAILER;
        if (toAt < 1) {
            return new Verified(null, Refusal.BAD_TAG);
        }
        int tagAt = n - TAG_BYTES;
        byte[] claimed = Arrays.copyOfRange(datagram, tagAt, n);
        if (!MessageDigest.isEqual(claimed, tag(datagram, tagAt))) {
            return new Verified(null, Refusal.BAD_TAG);
        }
        boolean unnamed = true;
        for (int i = 0; i < 16; i++) {
            unnamed &= datagram[toAt + i] == 0;
        }
        if (!unnamed && !Arrays.equals(datagram, toAt, toAt + 16, localId16, 0, 16)) {
            return new Verified(null, Refusal.MISDIRECTED);
        }
        long ts = bytesLong(Arrays.copyOfRange(datagram, toAt + 16, toAt + 24));
        if (ts < 0 || Math.abs(nowMillis - ts) > windowMillis) {
            return new Verified(null, Refusal.STALE);
        }
        long nonce = bytesLong(Arrays.copyOfRange(datagram, toAt + 24, toAt + 32));
        Refusal seen = nonces.remember(nonce, ts, nowMillis);
        if (seen != null) {
            return new Verified(null, seen);
        }
        return new Verified(Arrays.copyOf(datagram, toAt), null);
    }

    /** A node id (below 2^128) as 16 big-endian bytes. */
    private static byte[] id16(BigInteger id) {
        byte[] mag = id.toByteArray();
        byte[] out = new byte[16];
        int len = Math.min(16, mag.length);
        System.arraycopy(mag, mag.length - len, out, 16 - len, len);
        return out;
    }

    private static int put(byte[] out, int at, byte[] part) {
        System.arraycopy(part, 0, out, at, part.length);
        return at + part.length;
    }

    private static boolean at(byte[] data, int offset, byte[] expected) {
        if (offset < 0 || offset + expected.length > data.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (data[offset + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** The last occurrence of {@code field} that ends at most {@code digits} bytes before {@code end}, or -1. */
    private static int lastIndexOf(byte[] data, byte[] field, int end, int digits) {
        for (int i = end - field.length - 1; i >= Math.max(0, end - field.length - digits); i--) {
            if (at(data, i, field)) {
                return i;
            }
        }
        return -1;
    }

    /** Digits only, at most 18 of them (no overflow): else -1. */
    private static long parseMillis(byte[] data, int from, int to) {
        if (to <= from || to - from > 18) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = data[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) v;
            v >>>= 8;
        }
        return b;
    }

    private static long bytesLong(byte[] b) {
        if (b.length != 8) {
            throw new IllegalArgumentException("nonce of " + b.length + " bytes");
        }
        long v = 0;
        for (byte x : b) {
            v = (v << 8) | (x & 0xFF);
        }
        return v;
    }

    /**
     * The nonces accepted within the window, by the window-long period their timestamp falls in: a
     * period's nonces are forgotten once no timestamp in it can pass the window check any more, so at
     * most three periods are held. Open addressing over {@code long}s: 16 bytes per nonce at capacity.
     */
    private static final class NonceMemory {
        private final long period;
        private final int capacity;
        private final long[] periods = {Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE};
        private final LongSet[] sets = new LongSet[3];
        private int size;

        NonceMemory(long period, int capacity) {
            this.period = period;
            this.capacity = capacity;
        }

        synchronized Refusal remember(long nonce, long ts, long now) {
            // forget the periods every timestamp of which is now older than the window
            long oldestLive = Math.floorDiv(now - period, period);
            for (int i = 0; i < 3; i++) {
                if (sets[i] != null && periods[i] < oldestLive) {
                    size -= sets[i].size();
                    sets[i] = null;
                    periods[i] = Long.MIN_VALUE;
                }
            }
            // a nonce is seen whatever period a replay claims: the tag covers ts, so a replay repeats it
            long p = Math.floorDiv(ts, period);
            int slot = -1;
            for (int i = 0; i < 3; i++) {
                if (periods[i] == p) {
                    slot = i;
                }
            }
            if (slot >= 0 && sets[slot].contains(nonce)) {
                return Refusal.REPLAYED;
            }
            if (size >= capacity) {
                return Refusal.NONCES_FULL;
            }
            if (slot < 0) {
                for (int i = 0; i < 3 && slot < 0; i++) {
                    if (sets[i] == null) {
                        slot = i;
                    }
                }
                if (slot < 0) {
                    return Refusal.NONCES_FULL; // three live periods cover [now - window, now + window]
                }
                periods[slot] = p;
                sets[slot] = new LongSet();
            }
            sets[slot].add(nonce);
            size++;
            return null;
        }
    }

    /** A growable open-addressing set of non-zero longs. */
    private static final class LongSet {
        private long[] table = new long[64];
        private int size;

        int size() {
            return size;
        }

        boolean contains(long v) {
            int mask = table.length - 1;
            for (int i = mix(v) & mask; ; i = (i + 1) & mask) {
                if (table[i] == v) {
                    return true;
                }
                if (table[i] == 0) {
                    return false;
                }
            }
        }

        void add(long v) {
            if (2 * (size + 1) > table.length) {
                long[] old = table;
                table = new long[old.length * 2];
                size = 0;
                for (long x : old) {
                    if (x != 0) {
                        insert(x);
                    }
                }
            }
            insert(v);
        }

        private void insert(long v) {
            int mask = table.length - 1;
            for (int i = mix(v) & mask; ; i = (i + 1) & mask) {
                if (table[i] == v) {
                    return;
                }
                if (table[i] == 0) {
                    table[i] = v;
                    size++;
                    return;
                }
            }
        }

        private static int mix(long v) {
            long h = v * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }

    /**
     * @return the most bytes {@link #sign} adds to a datagram: the JSON fields (a 128-bit recipient, a
     *     timestamp of up to 19 digits) or the binary trailer, whichever is longer
     */
    public static int datagramTagBytes() {
        return TO_FIELD.length + 39 + TS_FIELD.length + 19 + NONCE_FIELD.length + NONCE_CHARS + MAC_SUFFIX;
    }
}

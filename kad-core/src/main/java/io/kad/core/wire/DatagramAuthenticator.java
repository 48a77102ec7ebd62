package io.kad.core.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tags and checks datagrams with a secret the swarm shares (principle 8: a swarm can require one).
 *
 * <p>A tagged datagram is the message's JSON object with one more field appended, {@code "mac"}: the
 * first 16 bytes of HMAC-SHA256(secret, the datagram without that field), in base64. Contract:
 * <ul>
 *   <li>{@link #verify} returns the datagram as it was before tagging, or {@code null} when the tag is
 *       missing or wrong (the caller drops and counts it);</li>
 *   <li>comparison is constant-time;</li>
 *   <li>a binary frame of a fragmented transfer ({@link TransferFrame}) carries the same 16-byte tag as
 *       raw bytes at its end ({@link #signFrame}, {@link #verifyFrame}): every fragment is checked alone,
 *       before any of it is kept;</li>
 *   <li>there is no replay protection: a recorded datagram can be sent again; requests are idempotent
 *       or carry versions, which bounds what a replay can do.</li>
 * </ul>
 */
public final class DatagramAuthenticator {

    private static final byte[] FIELD = ",\"mac\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final int TAG_BYTES = 16;
    /** The length of the appended field: the field name, 24 base64 characters, the quote and brace. */
    private static final int SUFFIX = FIELD.length + 24 + 2;

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    /**
     * @param secret the shared secret
     */
    public DatagramAuthenticator(String secret) {
        Objects.requireNonNull(secret, "secret");
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
    }

    private byte[] tag(byte[] data, int length) {
        Mac mac = macs.get();
        mac.update(data, 0, length);
        return Arrays.copyOf(mac.doFinal(), TAG_BYTES);
    }

    /**
     * @param datagram an encoded message (a JSON object ending in '}')
     * @return the datagram with its tag appended
     */
    public byte[] sign(byte[] datagram) {
        byte[] b64 = Base64.getEncoder().encode(tag(datagram, datagram.length));
        byte[] out = Arrays.copyOf(datagram, datagram.length - 1 + FIELD.length + b64.length + 2);
        int at = datagram.length - 1;
        System.arraycopy(FIELD, 0, out, at, FIELD.length);
        at += FIELD.length;
        System.arraycopy(b64, 0, out, at, b64.length);
        at += b64.length;
        out[at++] = '"';
        out[at] = '}';
        return out;
    }

    /**
     * @param datagram a received datagram
     * @return the datagram without its tag if the tag is valid, else {@code null}
     */
    public byte[] verify(byte[] datagram) {
        int n = datagram.length;
        if (n < SUFFIX + 2 || datagram[n - 1] != '}' || datagram[n - 2] != '"') {
            return null;
        }
        int fieldAt = n - SUFFIX;
        for (int i = 0; i < FIELD.length; i++) {
            if (datagram[fieldAt + i] != FIELD[i]) {
                return null;
            }
        }
        byte[] claimed;
        try {
            claimed = Base64.getDecoder().decode(Arrays.copyOfRange(datagram, fieldAt + FIELD.length, n - 2));
        } catch (IllegalArgumentException e) {
            return null;
        }
        byte[] original = Arrays.copyOf(datagram, fieldAt + 1);
        original[fieldAt] = '}';
        return MessageDigest.isEqual(claimed, tag(original, original.length)) ? original : null;
    }

    /**
     * @param frame a transfer frame
     * @return the frame with the 16 bytes of its tag appended
     */
    public byte[] signFrame(byte[] frame) {
        byte[] tag = tag(frame, frame.length);
        byte[] out = Arrays.copyOf(frame, frame.length + TAG_BYTES);
        System.arraycopy(tag, 0, out, frame.length, TAG_BYTES);
        return out;
    }

    /**
     * @param datagram a received transfer frame
     * @return the frame without its tag if the tag is valid, else {@code null}
     */
    public byte[] verifyFrame(byte[] datagram) {
        int n = datagram.length - TAG_BYTES;
        if (n <= 0) {
            return null;
        }
        byte[] claimed = Arrays.copyOfRange(datagram, n, datagram.length);
        return MessageDigest.isEqual(claimed, tag(datagram, n)) ? Arrays.copyOf(datagram, n) : null;
    }

    /** @return the bytes {@link #signFrame} adds */
    public static int frameTagBytes() {
        return TAG_BYTES;
    }

    /** @return the most bytes {@link #sign} adds to a datagram */
    public static int datagramTagBytes() {
        return SUFFIX - 1;
    }
}

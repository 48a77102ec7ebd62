package io.kad.core.storage;

import io.kad.spi.StoredRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * The compact binary form of a {@link StoredRecord} on disk, without its id (the id is the map key).
 *
 * <p>Layout, big-endian as {@link DataOutputStream} writes it:
 * <pre>
 *   byte    format (1)
 *   int     namespace length, then that many bytes of UTF-8
 *   int     key length, then the key bytes
 *   int     value length, then the value bytes
 *   byte    flags: bit 0 json, bit 1 tombstone
 *   long    version
 *   long    expiresAtMillis
 * </pre>
 * The namespace is length-prefixed UTF-8 rather than {@code writeUTF}, which is modified UTF-8 and
 * limited to 64 KiB.
 */
final class StoredRecordCodec {

    static final int FORMAT = 1;
    private static final int JSON = 1;
    private static final int TOMBSTONE = 2;

    private StoredRecordCodec() {
    }

    static byte[] encode(StoredRecord record) {
        byte[] namespace = record.namespace().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(
                1 + 12 + namespace.length + record.key().length + record.value().length + 1 + 16);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            writeBytes(out, namespace);
            writeBytes(out, record.key());
            writeBytes(out, record.value());
            out.writeByte((record.json() ? JSON : 0) | (record.tombstone() ? TOMBSTONE : 0));
            out.writeLong(record.version());
            out.writeLong(record.expiresAtMillis());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * @throws IllegalStateException if the bytes are not a record in a known format
     */
    static StoredRecord decode(BigInteger id, byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            int format = in.readUnsignedByte();
            if (format != FORMAT) {
                throw new IllegalStateException("record " + id + " has unknown storage format " + format);
            }
            String namespace = new String(readBytes(in), StandardCharsets.UTF_8);
            byte[] key = readBytes(in);
            byte[] value = readBytes(in);
            int flags = in.readUnsignedByte();
            long version = in.readLong();
            long expiresAt = in.readLong();
            if (in.available() != 0) {
                throw new IllegalStateException("record " + id + " has " + in.available() + " trailing bytes");
            }
            return new StoredRecord(id, namespace, key, value, (flags & JSON) != 0, version, expiresAt,
                    (flags & TOMBSTONE) != 0);
        } catch (IOException e) {
            throw new IllegalStateException("record " + id + " is truncated or corrupt", e);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("bad length " + length);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }
}

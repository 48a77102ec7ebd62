package io.kad.jcache.codec;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javax.cache.CacheException;

/**
 * Turns a cache's keys and values into the opaque bytes a record carries, and back.
 *
 * <p>Format: one tag byte, then either JSON text (for strings, numbers, booleans and characters, so
 * that non-Java clients can read them), the bytes themselves (for a {@code byte[]}), or a Java
 * serialization stream (any other {@link Serializable}).
 * Contract:
 * <ul>
 *   <li>encoding is deterministic for the JSON types and for serializable objects whose
 *       serialized form depends only on their state (equal keys give equal bytes, which is what
 *       makes the bytes usable as a record's identity);</li>
 *   <li>decoding a serialization stream runs behind an {@link AllowlistFilter} and its
 *       {@link SerializationLimits}; a class outside the list, or a stream past a limit (too deep, an
 *       array larger than the stream could hold...), fails fast with a {@link CacheException} naming
 *       the class or the limit, before the stream allocates or computes much;</li>
 *   <li>an object that cannot be encoded fails with a {@link CacheException} before anything is
 *       written.</li>
 * </ul>
 */
public final class KadCodec {

    /** Tag of a Java serialization stream. */
    static final byte SERIALIZED = 0x7F;
    /** Tag of a {@code byte[]}, carried as is: no serialization stream around an array of bytes. */
    static final byte BYTES = 0x40;
    private static final int INTEGER_TAG = 2;
    private static final int LONG_TAG = 3;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    /** The JSON-encoded types, by tag (index = tag). Their JSON form is canonical. */
    private static final List<Class<?>> JSON_TYPES = List.of(
            Void.class, // tag 0 unused
            String.class, Integer.class, Long.class, Double.class, Boolean.class,
            Float.class, Short.class, Byte.class, Character.class, BigInteger.class, BigDecimal.class);

    private final ClassLoader classLoader;
    private final AllowlistFilter filter;

    /**
     * @param classLoader the loader user classes are resolved with
     * @param filter which classes a serialization stream may contain
     */
    public KadCodec(ClassLoader classLoader, AllowlistFilter filter) {
        this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
        this.filter = Objects.requireNonNull(filter, "filter");
    }

    /** @return the allowlist this codec decodes behind */
    public AllowlistFilter filter() {
        return filter;
    }

    /**
     * The tag, then the same canonical JSON Jackson writes for a whole number (an optional '-', then
     * digits), written straight into the result: every operation on an Integer- or Long-keyed cache
     * encodes its key.
     */
    private static byte[] decimal(int tag, long value) {
        if (value == Long.MIN_VALUE) {
            byte[] digits = Long.toString(value).getBytes(StandardCharsets.US_ASCII);
            byte[] out = new byte[digits.length + 1];
            out[0] = (byte) tag;
            System.arraycopy(digits, 0, out, 1, digits.length);
            return out;
        }
        boolean negative = value < 0;
        long rest = negative ? -value : value;
        int digits = 1;
        for (long t = rest; t >= 10; t /= 10) {
            digits++;
        }
        byte[] out = new byte[1 + (negative ? 1 : 0) + digits];
        out[0] = (byte) tag;
        if (negative) {
            out[1] = '-';
        }
        for (int at = out.length - 1; at > out.length - 1 - digits; at--) {
            out[at] = (byte) ('0' + (int) (rest % 10));
            rest /= 10;
        }
        return out;
    }

    /**
     * @param object a key or value, not null
     * @param what what the object is, for messages ("key", "value")
     * @return the tagged bytes
     * @throws CacheException if the object can be neither JSON- nor Java-serialized
     */
    public byte[] encode(Object object, String what) {
        Objects.requireNonNull(object, what);
        if (object instanceof byte[] array) {
            byte[] out = new byte[array.length + 1];
            out[0] = BYTES;
            System.arraycopy(array, 0, out, 1, array.length);
            return out;
        }
        if (object instanceof Integer i) {
            return decimal(INTEGER_TAG, i);
        }
        if (object instanceof Long l) {
            return decimal(LONG_TAG, l);
        }
        int tag = JSON_TYPES.indexOf(object.getClass());
        try {
            if (tag > 0) {
                byte[] json = JSON.writeValueAsBytes(object instanceof Character c ? c.toString() : object);
                byte[] out = new byte[json.length + 1];
                out[0] = (byte) tag;
                System.arraycopy(json, 0, out, 1, json.length);
                return out;
            }
            if (!(object instanceof Serializable)) {
                throw new CacheException("cannot encode " + what + " of " + object.getClass().getName()
                        + ": it is not Serializable");
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
            bytes.write(SERIALIZED);
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(object);
            }
            return bytes.toByteArray();
        } catch (NotSerializableException e) {
            throw new CacheException("cannot encode " + what + " of " + object.getClass().getName()
                    + ": " + e.getMessage() + " is not Serializable", e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof CacheException ce) {
                throw ce;
            }
            throw new CacheException("cannot encode " + what + " of " + object.getClass().getName() + ": " + e, e);
        }
    }

    /**
     * @param bytes tagged bytes from {@link #encode}
     * @param what what the object is, for messages
     * @return a new object equal to the encoded one
     * @throws CacheException if the bytes are malformed or name a class outside the allowlist
     */
    public Object decode(byte[] bytes, String what) {
        return decode(bytes, () -> what);
    }

    /**
     * Like {@link #decode(byte[], String)}, with the description built only if a message needs it: a
     * cache decodes a value on every read.
     *
     * @param bytes tagged bytes from {@link #encode}
     * @param describe what the object is, for messages
     * @return a new object equal to the encoded one
     * @throws CacheException if the bytes are malformed or name a class outside the allowlist
     */
    public Object decode(byte[] bytes, Supplier<String> describe) {
        if (bytes.length == 0) {
            String what = describe.get();
            throw new CacheException("cannot decode " + what + ": empty record");
        }
        int tag = bytes[0];
        if (tag == BYTES) {
            return Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        if (tag == INTEGER_TAG || tag == LONG_TAG) {
            Long parsed = parseDigits(bytes);
            if (parsed != null) {
                if (tag == LONG_TAG) {
                    return parsed;
                }
                if (parsed >= Integer.MIN_VALUE && parsed <= Integer.MAX_VALUE) {
                    return (int) (long) parsed;
                }
            }
            // not plain digits (another writer's JSON): Jackson below reads or rejects it
        }
        try {
            if (tag > 0 && tag < JSON_TYPES.size()) {
                Class<?> type = JSON_TYPES.get(tag);
                if (type == Character.class) {
                    return JSON.readValue(bytes, 1, bytes.length - 1, String.class).charAt(0);
                }
                return JSON.readValue(bytes, 1, bytes.length - 1, type);
            }
            if (tag == SERIALIZED) {
                return readSerialized(bytes, describe);
            }
            throw new CacheException("cannot decode " + describe.get() + ": unknown tag " + tag);
        } catch (IOException | ClassNotFoundException e) {
            throw new CacheException("cannot decode " + describe.get() + ": " + e, e);
        }
    }

    private Object readSerialized(byte[] bytes, Supplier<String> describe) throws IOException, ClassNotFoundException {
        SerializationLimits limits = filter.limits();
        int length = bytes.length - 1;
        if (length > limits.maxBytes()) {
            throw new CacheException("cannot decode " + describe.get() + ": a stream of " + length
                    + " bytes exceeds kad.serialization.max-bytes=" + limits.maxBytes());
        }
        AllowlistFilter.Check check = filter.newCheck(length);
        try (ObjectInputStream in = new LoaderObjectInputStream(
                new ByteArrayInputStream(bytes, 1, length), classLoader, filter, check)) {
            in.setObjectInputFilter(check);
            return in.readObject();
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            String why = check.reason();
            if (why != null) {
                throw new CacheException("cannot decode " + describe.get() + ": " + why, e);
            }
            throw e;
        }
    }

    /** Reads {@code -?[0-9]{1,18}} after the tag, or returns {@code null} for anything else. */
    private static Long parseDigits(byte[] bytes) {
        int i = 1;
        boolean negative = bytes.length > 1 && bytes[1] == '-';
        if (negative) {
            i++;
        }
        int digits = bytes.length - i;
        if (digits < 1 || digits > 18) {
            return null;
        }
        long value = 0;
        for (; i < bytes.length; i++) {
            int d = bytes[i] - '0';
            if (d < 0 || d > 9) {
                return null;
            }
            value = value * 10 + d;
        }
        return negative ? -value : value;
    }

    /**
     * @param a tagged bytes
     * @param b tagged bytes
     * @return whether they encode the same object
     */
    public static boolean sameBytes(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }

    /**
     * Resolves classes with the cache's class loader rather than the caller's stack, and refuses a
     * dynamic proxy before its class is even defined unless the allowlist names
     * {@code java.lang.reflect.Proxy}.
     */
    private static final class LoaderObjectInputStream extends ObjectInputStream {
        private final ClassLoader loader;
        private final AllowlistFilter filter;
        private final AllowlistFilter.Check check;

        LoaderObjectInputStream(InputStream in, ClassLoader loader, AllowlistFilter filter, AllowlistFilter.Check check)
                throws IOException {
            super(in);
            this.loader = loader;
            this.filter = filter;
            this.check = check;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }

        @Override
        protected Class<?> resolveProxyClass(String[] interfaces) throws IOException, ClassNotFoundException {
            if (!filter.allowsProxies()) {
                check.rejectProxy(interfaces);
                throw new InvalidClassException("java.lang.reflect.Proxy", "dynamic proxies are not allowed");
            }
            Class<?>[] types = new Class<?>[interfaces.length];
            for (int i = 0; i < interfaces.length; i++) {
                types[i] = Class.forName(interfaces[i], false, loader);
            }
            @SuppressWarnings("deprecation")
            Class<?> proxy = Proxy.getProxyClass(loader, types);
            return proxy;
        }
    }
}

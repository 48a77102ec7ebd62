package io.kad.jcache.codec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Tagged value bytes a hostile peer could store, built the way such a peer would: a real stream with
 * a patched field, or objects whose reading is the attack. Each is what {@link KadCodec} finds after the
 * tag byte of a serialized value.
 */
public final class HostileStreams {

    private HostileStreams() {
    }

    /**
     * A {@code long[]} that declares {@code length} elements but carries none: the stream of an empty
     * {@code long[]} with its length field patched. Some 30 bytes that ask for {@code 8 * length} bytes
     * of heap.
     *
     * @param length the declared length
     * @return tagged bytes
     */
    public static byte[] arrayBomb(int length) {
        byte[] stream = serialize(new long[0]);
        // the stream ends with the array's length: TC_ARRAY, its class descriptor, then int length
        ByteBuffer.wrap(stream).putInt(stream.length - 4, length);
        return stream;
    }

    /**
     * Sets nested {@code depth} deep where each level holds two sets that share their children, so
     * that hashing the root while it is read takes about 2<sup>depth</sup> steps (a few kilobytes of
     * stream; at 60 levels reading never ends).
     *
     * @param depth levels
     * @return tagged bytes
     */
    public static byte[] nestedSetBomb(int depth) {
        Set<Object> root = new HashSet<>();
        Set<Object> left = root;
        Set<Object> right = new HashSet<>();
        for (int i = 0; i < depth; i++) {
            Set<Object> a = new HashSet<>();
            Set<Object> b = new HashSet<>();
            a.add("x");
            left.add(a);
            left.add(b);
            right.add(a);
            right.add(b);
            left = a;
            right = b;
        }
        return serialize(root);
    }

    /** @return tagged bytes of a serializable lambda, which travels as a {@code SerializedLambda} */
    public static byte[] serializedLambda() {
        Runnable lambda = (Runnable & Serializable) () -> { };
        return serialize(lambda);
    }

    /** @return tagged bytes of a dynamic proxy whose handler is serializable */
    public static byte[] dynamicProxy() {
        Object proxy = Proxy.newProxyInstance(HostileStreams.class.getClassLoader(),
                new Class<?>[] {Comparable.class, Serializable.class}, new Handler());
        return serialize(proxy);
    }

    /** @return tagged bytes of a priority queue, which compares its elements while it is read */
    public static byte[] priorityQueue() {
        return serialize(new PriorityQueue<>(List.of(3, 1, 2)));
    }

    /**
     * @param object a serializable object
     * @return the tag of a serialized value, then the object's stream
     */
    public static byte[] serialize(Object object) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(KadCodec.SERIALIZED);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** An invocation handler that would run on every call of the proxy. */
    static final class Handler implements InvocationHandler, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) {
            return 0;
        }
    }
}

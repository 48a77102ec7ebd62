package io.kad.jcache.codec;

/**
 * Bounds on one Java serialization stream read by a {@link KadCodec}, checked while it is read, so
 * that a hostile stream fails before it allocates or computes much.
 *
 * <p>The bounds, and why each default fits real cache values:
 * <ul>
 *   <li>{@code maxDepth}: nesting of objects inside objects. Records, beans, lists of beans and
 *       Hibernate's cache entries stay below 10; 20 also keeps the cost of hashing nested sets (when
 *       a user allows hashing collections) near 2<sup>20</sup> steps rather than 2<sup>60</sup>.</li>
 *   <li>{@code maxArrayLength}: elements of one array, including the internal arrays collections size
 *       from the stream ({@code ArrayList}, {@code HashMap}). Besides this bound, an array must fit the
 *       stream that declares it: a genuine stream holds every element, so a {@code long[n]} needs
 *       {@code 8n} bytes of stream; a few dozen bytes cannot declare a gigabyte array.</li>
 *   <li>{@code maxReferences}: objects and back-references in the stream, which bounds the heap a
 *       stream of many tiny objects can claim.</li>
 *   <li>{@code maxBytes}: the length of the stream itself.</li>
 * </ul>
 *
 * @param maxDepth deepest nesting allowed (at least 1)
 * @param maxArrayLength most elements of one array (at least 1)
 * @param maxReferences most objects and references (at least 1)
 * @param maxBytes longest stream, in bytes (at least 1)
 */
public record SerializationLimits(int maxDepth, int maxArrayLength, long maxReferences, long maxBytes) {

    /** Default nesting bound. */
    public static final int DEFAULT_MAX_DEPTH = 20;
    /** Default array bound, in elements. */
    public static final int DEFAULT_MAX_ARRAY_LENGTH = 1_000_000;
    /** Default bound on objects and references. */
    public static final long DEFAULT_MAX_REFERENCES = 1_000_000;
    /** Default stream length bound: 16 MiB, far above the largest value a record carries today. */
    public static final long DEFAULT_MAX_BYTES = 16L * 1024 * 1024;

    /** The defaults. */
    public static final SerializationLimits DEFAULTS = new SerializationLimits(DEFAULT_MAX_DEPTH,
            DEFAULT_MAX_ARRAY_LENGTH, DEFAULT_MAX_REFERENCES, DEFAULT_MAX_BYTES);

    /** Checks that every bound is positive. */
    public SerializationLimits {
        if (maxDepth < 1 || maxArrayLength < 1 || maxReferences < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("serialization limits must be positive: depth " + maxDepth
                    + ", array length " + maxArrayLength + ", references " + maxReferences + ", bytes " + maxBytes);
        }
    }
}

package io.kad.core.linearizability;

import java.util.Objects;

/**
 * One call on one key of a map, as the register model of that key sees it: what it asks and what a
 * correct map answers from a given state. The state is the key's value, {@code null} when the key has
 * none. Values are strings (the tests make every written value unique, so a value names its writer).
 *
 * @param kind the method
 * @param value the value the call writes ({@code put}, {@code putIfAbsent}, {@code replace}) or compares
 *     ({@code remove(k, v)}), else {@code null}
 * @param expected the value {@code replace(k, old, new)} compares, else {@code null}
 */
public record MapOp(Kind kind, String value, String expected) {

    /** The methods of {@link java.util.concurrent.ConcurrentMap} the model knows. */
    public enum Kind {
        /** {@code get(k)}: the value. */
        GET,
        /** {@code put(k, v)}: the previous value. */
        PUT,
        /** {@code putIfAbsent(k, v)}: the value present (and left), or {@code null} if {@code v} went in. */
        PUT_IF_ABSENT,
        /** {@code replace(k, v)}: the previous value, or {@code null} (and nothing written) if none. */
        REPLACE,
        /** {@code replace(k, old, new)}: whether the value was {@code old} (and is now {@code new}). */
        REPLACE_IF,
        /** {@code remove(k)}: the previous value. */
        REMOVE,
        /** {@code remove(k, v)}: whether the value was {@code v} (and is now gone). */
        REMOVE_IF
    }

    /**
     * What a call answers from a state, and the state it leaves.
     *
     * @param result the answer: the value (or {@code null}) for the value-returning methods, a
     *     {@link Boolean} for {@code replace(k, old, new)} and {@code remove(k, v)}
     * @param next the key's value afterwards
     */
    public record Step(Object result, String next) {
    }

    /** Checks the arguments. */
    public MapOp {
        Objects.requireNonNull(kind, "kind");
        boolean writes = kind == Kind.PUT || kind == Kind.PUT_IF_ABSENT || kind == Kind.REPLACE
                || kind == Kind.REPLACE_IF || kind == Kind.REMOVE_IF;
        if (writes != (value != null)) {
            throw new IllegalArgumentException(kind + (writes ? " needs" : " takes no") + " value");
        }
        if ((kind == Kind.REPLACE_IF) != (expected != null)) {
            throw new IllegalArgumentException(kind + (kind == Kind.REPLACE_IF ? " needs" : " takes no")
                    + " expected value");
        }
    }

    /** @return {@code get(k)} */
    public static MapOp get() {
        return new MapOp(Kind.GET, null, null);
    }

    /** @return {@code put(k, v)} */
    public static MapOp put(String v) {
        return new MapOp(Kind.PUT, v, null);
    }

    /** @return {@code putIfAbsent(k, v)} */
    public static MapOp putIfAbsent(String v) {
        return new MapOp(Kind.PUT_IF_ABSENT, v, null);
    }

    /** @return {@code replace(k, v)} */
    public static MapOp replace(String v) {
        return new MapOp(Kind.REPLACE, v, null);
    }

    /** @return {@code replace(k, old, new)} */
    public static MapOp replace(String old, String v) {
        return new MapOp(Kind.REPLACE_IF, v, old);
    }

    /** @return {@code remove(k)} */
    public static MapOp remove() {
        return new MapOp(Kind.REMOVE, null, null);
    }

    /** @return {@code remove(k, v)} */
    public static MapOp remove(String v) {
        return new MapOp(Kind.REMOVE_IF, v, null);
    }

    /**
     * @param state the key's value before the call, {@code null} for none
     * @return what a correct map answers, and the value it leaves
     */
    public Step apply(String state) {
        return switch (kind) {
            case GET -> new Step(state, state);
            case PUT -> new Step(state, value);
            case PUT_IF_ABSENT -> state == null ? new Step(null, value) : new Step(state, state);
            case REPLACE -> state == null ? new Step(null, null) : new Step(state, value);
            case REPLACE_IF -> expected.equals(state) ? new Step(true, value) : new Step(false, state);
            case REMOVE -> new Step(state, null);
            case REMOVE_IF -> value.equals(state) ? new Step(true, null) : new Step(false, state);
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case GET -> "get()";
            case PUT -> "put(" + value + ")";
            case PUT_IF_ABSENT -> "putIfAbsent(" + value + ")";
            case REPLACE -> "replace(" + value + ")";
            case REPLACE_IF -> "replace(" + expected + ", " + value + ")";
            case REMOVE -> "remove()";
            case REMOVE_IF -> "remove(" + value + ")";
        };
    }
}

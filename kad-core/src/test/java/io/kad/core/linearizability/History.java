package io.kad.core.linearizability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What several clients did to a map and what they were told: each operation with the moment it was
 * invoked and the moment it completed, and its outcome, either an answer ({@link Status#OK}) or a
 * failure ({@link Status#UNKNOWN}: it may or may not have taken effect, at any moment after its
 * invocation, so it stays open until the end of the history).
 *
 * <p>Real-time order is the order of events: each invocation and completion takes the next number of
 * one counter, so an operation precedes another exactly when it completed before the other was
 * invoked. Times (in milliseconds, from the clock given) are for reports. Operations are recorded by
 * {@link #invoke} then {@link #ok} or {@link #unknown}, or written down whole, with times, by
 * {@link #done} (hand-made histories: a completion at a moment precedes an invocation at the same
 * moment). Thread-safe.
 */
public final class History {

    /** How an operation ended. */
    public enum Status {
        /** Not complete yet: when the history is checked, treated as {@link #UNKNOWN}. */
        PENDING,
        /** Completed with an answer. */
        OK,
        /** Failed or timed out: it may or may not have taken effect. */
        UNKNOWN
    }

    /** One operation of one client on one key. */
    public static final class Op {
        final int index;
        final String client;
        final String key;
        final MapOp call;
        final long invokedAt;
        final long invokeOrder;
        long completedAt = -1;
        long completeOrder = Long.MAX_VALUE;
        Status status = Status.PENDING;
        Object result;
        String failure;

        Op(int index, String client, String key, MapOp call, long invokedAt, long invokeOrder) {
            this.index = index;
            this.client = client;
            this.key = key;
            this.call = call;
            this.invokedAt = invokedAt;
            this.invokeOrder = invokeOrder;
        }

        /** @return the client that invoked it */
        public String client() {
            return client;
        }

        /** @return the key */
        public String key() {
            return key;
        }

        /** @return the call */
        public MapOp call() {
            return call;
        }

        /** @return how it ended */
        public Status status() {
            return status;
        }

        /** @return why it failed, or {@code null} */
        public String failure() {
            return failure;
        }

        /** @return the answer of an {@link Status#OK} operation */
        public Object result() {
            return result;
        }

        /** @return when it was invoked */
        public long invokedAt() {
            return invokedAt;
        }

        /** @return when it completed, or -1 if it has not */
        public long completedAt() {
            return completedAt;
        }

        boolean open() {
            return status != Status.OK;
        }

        /**
         * @param origin the time reports count from
         * @return the operation as a report shows it
         */
        String describe(long origin) {
            String outcome = switch (status) {
                case OK -> "-> " + show(result);
                case UNKNOWN -> "-> failed (" + failure + ")";
                case PENDING -> "-> never completed";
            };
            String span = completedAt < 0 ? "[" + (invokedAt - origin) + " ms, ...)"
                    : "[" + (invokedAt - origin) + " ms, " + (completedAt - origin) + " ms]";
            return client + " " + call + " " + outcome + " " + span;
        }
    }

    private final LongSupplier clock;
    private final List<Op> ops = new ArrayList<>();
    private long order;
    private final long origin;

    /** @param clock the time operations are stamped with, in milliseconds */
    public History(LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.origin = clock.getAsLong();
    }

    /** A history written down by hand with {@link #done}: its times start at 0. */
    public History() {
        this.clock = () -> 0;
        this.origin = 0;
    }

    /**
     * @param client who invokes it
     * @param key the key
     * @param call the call
     * @return the operation, now in progress
     */
    public synchronized Op invoke(String client, String key, MapOp call) {
        Op op = new Op(ops.size(), client, key, call, clock.getAsLong(), order++);
        ops.add(op);
        return op;
    }

    /**
     * The operation completed with an answer.
     *
     * @param op an operation in progress
     * @param result its answer
     */
    public synchronized void ok(Op op, Object result) {
        complete(op, Status.OK, result, null, clock.getAsLong(), order++);
    }

    /**
     * The operation failed: it may or may not have taken effect.
     *
     * @param op an operation in progress
     * @param why the failure, for reports
     */
    public synchronized void unknown(Op op, String why) {
        complete(op, Status.UNKNOWN, null, why, clock.getAsLong(), order++);
    }

    /**
     * Writes down a completed operation (hand-made histories).
     *
     * @param client who invoked it
     * @param key the key
     * @param call the call
     * @param invokedAt when it was invoked
     * @param completedAt when it completed, not before {@code invokedAt}
     * @param result its answer
     * @return this history
     */
    public synchronized History done(String client, String key, MapOp call, long invokedAt, long completedAt,
                                     Object result) {
        Op op = written(client, key, call, invokedAt, completedAt);
        // a completion at t precedes the invocations at t, but follows its own
        complete(op, Status.OK, result, null, completedAt, completedAt == invokedAt ? op.invokeOrder + 1
                : 3 * completedAt);
        return this;
    }

    /**
     * Writes down a failed operation (hand-made histories): it may or may not have taken effect.
     *
     * @param client who invoked it
     * @param key the key
     * @param call the call
     * @param invokedAt when it was invoked
     * @param failedAt when its caller was told it failed
     * @return this history
     */
    public synchronized History failed(String client, String key, MapOp call, long invokedAt, long failedAt) {
        Op op = written(client, key, call, invokedAt, failedAt);
        complete(op, Status.UNKNOWN, null, "failed", failedAt, Long.MAX_VALUE);
        return this;
    }

    private Op written(String client, String key, MapOp call, long invokedAt, long completedAt) {
        if (completedAt < invokedAt) {
            throw new IllegalArgumentException("completed before invoked");
        }
        // a completion at t (3t) precedes an invocation at t (3t + 1)
        Op op = new Op(ops.size(), client, key, call, invokedAt, 3 * invokedAt + 1);
        ops.add(op);
        return op;
    }

    private void complete(Op op, Status status, Object result, String why, long at, long orderOfCompletion) {
        if (op.status != Status.PENDING) {
            throw new IllegalStateException("operation completed twice: " + op.describe(origin));
        }
        op.status = status;
        op.result = result;
        op.failure = why;
        op.completedAt = at;
        // a failed operation stays open: it may take effect at any later moment
        op.completeOrder = status == Status.OK ? orderOfCompletion : Long.MAX_VALUE;
    }

    /** @return every operation, in the order invoked */
    public synchronized List<Op> operations() {
        return Collections.unmodifiableList(new ArrayList<>(ops));
    }

    /** @return the operations of each key, in the order invoked */
    public synchronized Map<String, List<Op>> byKey() {
        Map<String, List<Op>> out = new LinkedHashMap<>();
        for (Op op : ops) {
            out.computeIfAbsent(op.key, k -> new ArrayList<>()).add(op);
        }
        return out;
    }

    /** @return the time reports count from */
    long origin() {
        return origin;
    }

    static String show(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    }
}

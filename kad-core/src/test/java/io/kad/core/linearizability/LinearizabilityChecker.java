package io.kad.core.linearizability;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks a {@link History} of map operations for linearizability, one key at a time (linearizability is
 * local: a history is linearizable exactly when each key's is), against the register model of
 * {@link MapOp}: is there one order of the operations, consistent with real time (an operation that
 * completed before another was invoked comes first), in which every answer is the one the model gives?
 *
 * <p>The search is Wing &amp; Gong's, with Lowe's memoization (as in Knossos and Porcupine): walk the
 * invocations and completions in real-time order; at an invocation, try to take that operation's effect
 * now (if the model gives its answer) and start again from the first event left; at the completion of
 * an operation not taken yet, undo the last choice. A (set of operations taken, state) pair seen before
 * is not explored twice. A failed operation has no completion: it may be taken anywhere after its
 * invocation, with any answer, or never.
 *
 * <p>A non-linearizable key is reported with the deepest point the search reached: the operations
 * taken, in order, and the state they leave; the completed operation that no choice could take before
 * its completion; and the operations open at that moment.
 */
public final class LinearizabilityChecker {

    /** A bound on search steps per key: a history this hard is reported as undecided. */
    private final long maxSteps;

    /** A checker with a bound of 50 million search steps per key. */
    public LinearizabilityChecker() {
        this(50_000_000L);
    }

    /** @param maxSteps the bound on search steps per key */
    public LinearizabilityChecker(long maxSteps) {
        this.maxSteps = maxSteps;
    }

    /**
     * One key whose operations have no linearization.
     *
     * @param key the key
     * @param explanation the counterexample, readable
     */
    public record Anomaly(String key, String explanation) {
        @Override
        public String toString() {
            return explanation;
        }
    }

    /**
     * What a check found.
     *
     * @param keys the keys checked
     * @param operations the operations checked
     * @param anomalies the keys whose operations have no linearization
     */
    public record Report(int keys, int operations, List<Anomaly> anomalies) {

        /** @return whether every key's operations are linearizable */
        public boolean linearizable() {
            return anomalies.isEmpty();
        }

        @Override
        public String toString() {
            if (anomalies.isEmpty()) {
                return operations + " operations on " + keys + " keys: linearizable";
            }
            StringBuilder b = new StringBuilder(operations + " operations on " + keys + " keys: "
                    + anomalies.size() + " not linearizable");
            for (Anomaly a : anomalies) {
                b.append("\n").append(a.explanation());
            }
            return b.toString();
        }
    }

    /**
     * @param history the history; operations still pending count as failed
     * @return the anomalies found, per key
     */
    public Report check(History history) {
        List<Anomaly> anomalies = new ArrayList<>();
        int count = 0;
        Map<String, List<History.Op>> byKey = history.byKey();
        for (Map.Entry<String, List<History.Op>> e : byKey.entrySet()) {
            count += e.getValue().size();
            Anomaly a = checkKey(e.getKey(), e.getValue(), history.origin());
            if (a != null) {
                anomalies.add(a);
            }
        }
        return new Report(byKey.size(), count, anomalies);
    }

    // ------------------------------------------------------------------ the search

    /** An invocation or a completion in the doubly linked list of events still to take. */
    private static final class Entry {
        final History.Op op;
        final int id;
        final boolean call;
        Entry match;
        Entry prev;
        Entry next;

        Entry(History.Op op, int id, boolean call) {
            this.op = op;
            this.id = id;
            this.call = call;
        }
    }

    private record Frame(Entry entry, String state) {
    }

    private record Seen(BitSet taken, String state) {
    }

    private Anomaly checkKey(String key, List<History.Op> ops, long origin) {
        // events in real-time order; a failed operation has no completion
        List<Entry> events = new ArrayList<>();
        List<long[]> orders = new ArrayList<>();
        int mustTake = 0;
        for (int i = 0; i < ops.size(); i++) {
            History.Op op = ops.get(i);
            Entry call = new Entry(op, i, true);
            events.add(call);
            orders.add(new long[] {op.invokeOrder});
            if (!op.open()) {
                Entry ret = new Entry(op, i, false);
                call.match = ret;
                events.add(ret);
                orders.add(new long[] {op.completeOrder});
                mustTake++;
            }
        }
        Integer[] idx = new Integer[events.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, Comparator.comparingLong(i -> orders.get(i)[0]));
        Entry head = new Entry(null, -1, false);
        Entry last = head;
        for (Integer i : idx) {
            Entry e = events.get(i);
            last.next = e;
            e.prev = last;
            last = e;
        }

        String state = null;
        BitSet taken = new BitSet(ops.size());
        Set<Seen> seen = new HashSet<>();
        Deque<Frame> stack = new ArrayDeque<>();
        int takenOk = 0;
        long steps = 0;
        // the deepest point reached, for the report
        List<Frame> deepest = List.of();
        String deepestState = null;
        Entry stuck = null;

        Entry entry = head.next;
        while (takenOk < mustTake) {
            if (++steps > maxSteps) {
                return new Anomaly(key, "key " + key + ": undecided after " + maxSteps + " search steps ("
                        + ops.size() + " operations); shorten the history");
            }
            if (entry != null && entry.call) {
                History.Op op = entry.op;
                MapOp.Step step = op.call.apply(state);
                if (op.open() || Objects.equals(step.result(), op.result)) {
                    taken.set(entry.id);
                    if (seen.add(new Seen((BitSet) taken.clone(), step.next()))) {
                        stack.push(new Frame(entry, state));
                        state = step.next();
                        if (!op.open()) {
                            takenOk++;
                        }
                        lift(entry);
                        entry = head.next;
                        continue;
                    }
                    taken.clear(entry.id);
                }
                entry = entry.next;
            } else {
                // a completion of an operation not taken yet (or the end): undo the last choice
                if (stack.size() >= deepest.size() && entry != null) {
                    List<Frame> path = new ArrayList<>(stack);
                    java.util.Collections.reverse(path);
                    deepest = path;
                    deepestState = state;
                    stuck = entry;
                }
                if (stack.isEmpty()) {
                    return anomaly(key, ops, deepest, deepestState, stuck, origin);
                }
                Frame f = stack.pop();
                state = f.state();
                taken.clear(f.entry().id);
                if (!f.entry().op.open()) {
                    takenOk--;
                }
                unlift(f.entry());
                entry = f.entry().next;
            }
        }
        return null;
    }

    private static void lift(Entry e) {
        e.prev.next = e.next;
        if (e.next != null) {
            e.next.prev = e.prev;
        }
        Entry m = e.match;
        if (m != null) {
            m.prev.next = m.next;
            if (m.next != null) {
                m.next.prev = m.prev;
            }
        }
    }

    private static void unlift(Entry e) {
        Entry m = e.match;
        if (m != null) {
            m.prev.next = m;
            if (m.next != null) {
                m.next.prev = m;
            }
        }
        e.prev.next = e;
        if (e.next != null) {
            e.next.prev = e;
        }
    }

    private static Anomaly anomaly(String key, List<History.Op> ops, List<Frame> path, String state, Entry stuck,
                                   long origin) {
        StringBuilder b = new StringBuilder();
        long unknown = ops.stream().filter(History.Op::open).count();
        b.append("key ").append(key).append(": no linearization of its ").append(ops.size()).append(" operations (")
                .append(unknown).append(" failed or pending, which may or may not have taken effect)\n");
        int shown = Math.min(path.size(), 12);
        b.append("  the longest linearizable prefix takes ").append(path.size()).append(" operations");
        if (shown < path.size()) {
            b.append(" (the last ").append(shown).append(" shown)");
        }
        b.append(":\n");
        for (Frame f : path.subList(path.size() - shown, path.size())) {
            b.append("    ").append(f.entry().op.describe(origin)).append("\n");
        }
        b.append("  and leaves the key ").append(state == null ? "absent" : "holding " + History.show(state))
                .append(";\n");
        if (stuck != null) {
            History.Op op = stuck.op;
            b.append("  then ").append(op.describe(origin)).append(" cannot take effect before it completes");
            MapOp.Step step = op.call.apply(state);
            b.append(" (from that state it would answer ").append(History.show(step.result())).append(")");
            b.append(", nor can any order of the operations open at that moment:\n");
            Set<Integer> onPath = new HashSet<>();
            for (Frame f : path) {
                onPath.add(f.entry().id);
            }
            int listed = 0;
            for (int i = 0; i < ops.size(); i++) {
                History.Op other = ops.get(i);
                if (other == op || onPath.contains(i) || other.invokeOrder > op.completeOrder) {
                    continue;
                }
                if (++listed > 12) {
                    b.append("    ...\n");
                    break;
                }
                b.append("    ").append(other.describe(origin)).append("\n");
            }
            if (listed == 0) {
                b.append("    (none)\n");
            }
        }
        return new Anomaly(key, b.toString().stripTrailing());
    }
}

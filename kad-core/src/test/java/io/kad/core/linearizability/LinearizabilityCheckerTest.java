package io.kad.core.linearizability;

import static io.kad.core.linearizability.MapOp.get;
import static io.kad.core.linearizability.MapOp.put;
import static io.kad.core.linearizability.MapOp.putIfAbsent;
import static io.kad.core.linearizability.MapOp.remove;
import static io.kad.core.linearizability.MapOp.replace;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The checker on histories small enough to judge by hand: linearizable ones pass (concurrency and
 * failed operations leave it a choice), the classic anomalies are reported with a counterexample that
 * names the operation no order can explain.
 */
class LinearizabilityCheckerTest {

    private final LinearizabilityChecker checker = new LinearizabilityChecker();

    @Test
    void aSequentialHistoryThatFollowsTheMapIsLinearizable() {
        History h = new History()
                .done("c1", "k", get(), 0, 1, null)
                .done("c1", "k", putIfAbsent("a"), 2, 3, null)
                .done("c2", "k", putIfAbsent("b"), 4, 5, "a")
                .done("c2", "k", replace("a", "b"), 6, 7, true)
                .done("c1", "k", replace("a", "c"), 8, 9, false)
                .done("c1", "k", replace("c"), 10, 11, "b")
                .done("c2", "k", remove("b"), 12, 13, false)
                .done("c2", "k", remove("c"), 14, 15, true)
                .done("c1", "k", replace("d"), 16, 17, null)
                .done("c1", "k", put("e"), 18, 19, null)
                .done("c2", "k", remove(), 20, 21, "e")
                .done("c2", "k", get(), 22, 23, null);
        LinearizabilityChecker.Report r = checker.check(h);
        assertThat(r.linearizable()).as(r.toString()).isTrue();
        assertThat(r.operations()).isEqualTo(12);
    }

    @Test
    void overlappingOperationsMayTakeEffectInEitherOrder() {
        // c2's putIfAbsent overlaps c1's and wins; c1's, taken after it, sees "b"; the reads overlap both
        History h = new History()
                .done("c1", "k", putIfAbsent("a"), 0, 10, "b")
                .done("c2", "k", putIfAbsent("b"), 2, 8, null)
                .done("c3", "k", get(), 1, 3, null)
                .done("c3", "k", get(), 4, 12, "b");
        assertThat(checker.check(h).linearizable()).isTrue();
    }

    @Test
    void aFailedWriteMayHaveTakenEffectLaterOrNever() {
        History seen = new History()
                .done("c1", "k", put("a"), 0, 1, null)
                .failed("c2", "k", put("b"), 2, 3)
                .done("c1", "k", get(), 4, 5, "a")
                // the failed put takes effect after it was reported failed
                .done("c1", "k", get(), 6, 7, "b")
                .done("c1", "k", get(), 8, 9, "b");
        assertThat(checker.check(seen).linearizable()).isTrue();
        History never = new History()
                .done("c1", "k", put("a"), 0, 1, null)
                .failed("c2", "k", put("b"), 2, 3)
                .done("c1", "k", get(), 4, 5, "a");
        assertThat(checker.check(never).linearizable()).isTrue();
        // but it takes effect once: "b", then "a" again, then "b" cannot be
        History twice = new History()
                .done("c1", "k", put("a"), 0, 1, null)
                .failed("c2", "k", put("b"), 2, 3)
                .done("c1", "k", get(), 4, 5, "b")
                .done("c1", "k", put("a"), 6, 7, "b")
                .done("c1", "k", get(), 8, 9, "b");
        assertThat(checker.check(twice).linearizable()).isFalse();
    }

    @Test
    void aStaleReadAfterAnAcknowledgedWriteIsReportedWithTheReadThatCannotBeExplained() {
        History h = new History()
                .done("c1", "k", put("a"), 0, 10, null)
                .done("c1", "k", put("b"), 20, 30, "a")
                .done("c2", "k", get(), 40, 50, "a");
        LinearizabilityChecker.Report r = checker.check(h);
        assertThat(r.linearizable()).isFalse();
        assertThat(r.anomalies()).hasSize(1);
        String why = r.anomalies().get(0).explanation();
        assertThat(why).contains("key k: no linearization")
                .contains("c2 get() -> \"a\" [40 ms, 50 ms] cannot take effect before it completes")
                .contains("leaves the key holding \"b\"")
                .contains("from that state it would answer \"b\"");
    }

    @Test
    void twoPutIfAbsentWinnersAreReported() {
        History h = new History()
                .done("c1", "k", putIfAbsent("a"), 0, 10, null)
                .done("c2", "k", putIfAbsent("b"), 5, 15, null);
        LinearizabilityChecker.Report r = checker.check(h);
        assertThat(r.linearizable()).isFalse();
        assertThat(r.anomalies().get(0).explanation()).contains("putIfAbsent").contains("-> null");
    }

    @Test
    void aRemoveOfAValueNeverWrittenIsReported() {
        History h = new History()
                .done("c1", "k", put("a"), 0, 10, null)
                .done("c2", "k", remove("z"), 20, 30, true);
        LinearizabilityChecker.Report r = checker.check(h);
        assertThat(r.linearizable()).isFalse();
        assertThat(r.anomalies().get(0).explanation())
                .contains("c2 remove(z) -> true [20 ms, 30 ms] cannot take effect")
                .contains("from that state it would answer false");
    }

    @Test
    void aPutIfAbsentThatReturnsItsOwnValueIsReported() {
        // what a lost reply turned into before: the retry, decided again, found the first attempt's value
        History h = new History()
                .done("c1", "k", putIfAbsent("a"), 0, 10, "a");
        assertThat(checker.check(h).linearizable()).isFalse();
    }

    @Test
    void keysAreCheckedApartAndOnlyTheBadOneIsReported() {
        History h = new History()
                .done("c1", "x", put("a"), 0, 10, null)
                .done("c1", "y", put("b"), 0, 10, null)
                .done("c2", "x", get(), 20, 30, "a")
                .done("c2", "y", get(), 20, 30, null);
        LinearizabilityChecker.Report r = checker.check(h);
        assertThat(r.keys()).isEqualTo(2);
        assertThat(r.anomalies()).extracting(LinearizabilityChecker.Anomaly::key).containsExactly("y");
    }

    @Test
    void aLongConcurrentHistoryOfACorrectRegisterChecksQuickly() {
        // five clients, 2,000 operations, each taking effect at a random moment inside its interval
        Random random = new Random(7);
        List<long[]> spans = new ArrayList<>();
        History h = new History();
        String state = null;
        long[] busyUntil = new long[5];
        List<Object[]> planned = new ArrayList<>();
        for (int t = 0; t < 2_000; t++) {
            int c = random.nextInt(5);
            long start = Math.max(busyUntil[c] + 1, t * 3L);
            long end = start + 1 + random.nextInt(12);
            busyUntil[c] = end;
            // times in tenths, the effect strictly inside: two effects at one moment come from overlapping
            // operations, so their order in the plan is one real time allows
            long effect = start * 10 + 1 + random.nextInt((int) (end - start) * 10 - 1);
            planned.add(new Object[] {c, start * 10, end * 10, effect});
        }
        planned.sort((a, b) -> Long.compare((long) a[3], (long) b[3]));
        int n = 0;
        for (Object[] p : planned) {
            MapOp op = switch (random.nextInt(6)) {
                case 0 -> get();
                case 1 -> putIfAbsent("v" + n);
                case 2 -> replace(state == null ? "v0" : state, "v" + n);
                case 3 -> remove(state == null ? "v0" : state);
                case 4 -> put("v" + n);
                default -> replace("v" + n);
            };
            n++;
            MapOp.Step s = op.apply(state);
            state = s.next();
            h.done("c" + p[0], "k", op, (long) p[1], (long) p[2], s.result());
            spans.add(new long[] {(long) p[1], (long) p[2]});
        }
        long started = System.nanoTime();
        LinearizabilityChecker.Report r = checker.check(h);
        assertThat(r.linearizable()).as(r.toString()).isTrue();
        assertThat((System.nanoTime() - started) / 1_000_000).as("milliseconds to check").isLessThan(10_000);
        assertThat(spans).hasSize(2_000);
    }
}

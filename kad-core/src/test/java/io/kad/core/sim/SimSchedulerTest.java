package io.kad.core.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.core.transport.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class SimSchedulerTest {

    private final SimulatedNetwork network = new SimulatedNetwork(17);
    private final SimScheduler scheduler = network.newScheduler();
    private final List<String> ran = new ArrayList<>();

    @Test
    void tasksRunInDueTimeOrderAndTiesInSubmissionOrder() {
        long start = scheduler.nowMillis();
        List<Long> at = new ArrayList<>();
        scheduler.schedule(() -> { ran.add("c"); at.add(scheduler.nowMillis()); }, 30);
        scheduler.schedule(() -> { ran.add("a"); at.add(scheduler.nowMillis()); }, 10);
        scheduler.schedule(() -> { ran.add("b1"); at.add(scheduler.nowMillis()); }, 20);
        scheduler.schedule(() -> { ran.add("b2"); at.add(scheduler.nowMillis()); }, 20);

        network.runFor(100);

        assertThat(ran).containsExactly("a", "b1", "b2", "c");
        assertThat(at).containsExactly(start + 10, start + 20, start + 20, start + 30);
    }

    @Test
    void executeRunsAtTheCurrentTimeAfterTasksAlreadyDueThen() {
        scheduler.execute(() -> {
            ran.add("first");
            scheduler.execute(() -> ran.add("nested"));
        });
        scheduler.execute(() -> ran.add("second"));
        long start = network.now();

        network.runFor(0);

        assertThat(ran).containsExactly("first", "second", "nested");
        assertThat(network.now()).isEqualTo(start);
    }

    @Test
    void nothingRunsOutsideTheRunMethods() {
        scheduler.execute(() -> ran.add("x"));
        assertThat(ran).isEmpty();
        assertThat(network.pendingEvents()).isEqualTo(1);
    }

    @Test
    void cancelledTaskNeverRuns() {
        Scheduler.Cancellable timeout = scheduler.schedule(() -> ran.add("timeout"), 50);
        scheduler.schedule(() -> ran.add("other"), 60);

        timeout.cancel();
        timeout.cancel();

        assertThat(network.pendingEvents()).isEqualTo(1);
        network.runFor(100);
        assertThat(ran).containsExactly("other");
    }

    @Test
    void manyCancelledTimeoutsDoNotDisturbTheTasksLeft() {
        List<Scheduler.Cancellable> timeouts = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            int n = i;
            timeouts.add(scheduler.schedule(() -> ran.add("timeout " + n), 1_000 + i));
        }
        for (int i = 0; i < 10_000; i++) {
            if (i % 100 != 0) {
                timeouts.get(i).cancel();
            }
        }

        assertThat(network.pendingEvents()).isEqualTo(100);
        assertThat(scheduler.pendingTasks()).isEqualTo(100);
        network.runFor(20_000);
        assertThat(ran).hasSize(100).startsWith("timeout 0", "timeout 100").endsWith("timeout 9900");
    }

    @Test
    void taskCanCancelAnotherDueAtTheSameTime() {
        Scheduler.Cancellable[] later = new Scheduler.Cancellable[1];
        scheduler.schedule(() -> later[0].cancel(), 10);
        later[0] = scheduler.schedule(() -> ran.add("later"), 10);

        network.runFor(20);

        assertThat(ran).isEmpty();
    }

    @Test
    void closeDropsPendingTasksAndIgnoresNewOnes() {
        SimScheduler other = network.newScheduler();
        scheduler.schedule(() -> ran.add("closed"), 10);
        other.schedule(() -> ran.add("other node"), 10);

        scheduler.close();
        scheduler.execute(() -> ran.add("after close"));
        network.runFor(20);

        assertThat(ran).containsExactly("other node");
        assertThat(scheduler.pendingTasks()).isZero();
        assertThat(network.pendingEvents()).isZero();
    }

    @Test
    void inProtocolThreadOnlyWithinTheSimulationLoop() {
        List<Boolean> inside = new ArrayList<>();
        scheduler.execute(() -> inside.add(scheduler.inProtocolThread()));

        assertThat(scheduler.inProtocolThread()).isFalse();
        network.runFor(0);
        assertThat(inside).containsExactly(true);
        assertThat(scheduler.inProtocolThread()).isFalse();
    }

    @Test
    void runUntilStopsWhenTheConditionHolds() {
        long start = network.now();
        scheduler.schedule(() -> ran.add("a"), 10);
        scheduler.schedule(() -> ran.add("b"), 20);

        assertThat(network.runUntil(() -> !ran.isEmpty(), 1_000)).isTrue();

        assertThat(ran).containsExactly("a");
        assertThat(network.now()).isEqualTo(start + 10);
    }

    @Test
    void runUntilReturnsFalseAndAdvancesTheClockWhenTheConditionNeverHolds() {
        long start = network.now();
        scheduler.schedule(() -> ran.add("late"), 2_000);

        assertThat(network.runUntil(() -> false, 1_000)).isFalse();

        assertThat(network.now()).isEqualTo(start + 1_000);
        assertThat(ran).isEmpty();
        assertThat(network.pendingEvents()).isEqualTo(1);
    }

    @Test
    void runUntilDoneReturnsTheFuturesValue() {
        CompletableFuture<String> reply = new CompletableFuture<>();
        scheduler.schedule(() -> reply.complete("pong"), 40);
        long start = network.now();

        assertThat(network.runUntilDone(reply, 1_000)).isEqualTo("pong");
        assertThat(network.now()).isEqualTo(start + 40);
    }

    @Test
    void runUntilDoneFailsClearlyOnVirtualTimeout() {
        CompletableFuture<String> never = new CompletableFuture<>();
        scheduler.schedule(() -> never.complete("too late"), 5_000);

        assertThatThrownBy(() -> network.runUntilDone(never, 1_000))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("not complete within 1000 virtual ms")
                .hasMessageContaining("seed 17");
    }

    @Test
    void runUntilDoneFailsClearlyWhenNoEventIsLeft() {
        CompletableFuture<String> orphan = new CompletableFuture<>();
        scheduler.schedule(() -> ran.add("unrelated"), 10);

        assertThatThrownBy(() -> network.runUntilDone(orphan, 1_000))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("no event left");
    }

    @Test
    void runUntilDoneRethrowsTheFuturesFailure() {
        CompletableFuture<String> rpc = new CompletableFuture<>();
        scheduler.schedule(() -> rpc.completeExceptionally(new TimeoutException("rpc")), 10);

        assertThatThrownBy(() -> network.runUntilDone(rpc, 1_000))
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(TimeoutException.class);
    }

    @Test
    void livelockIsReportedOnceTheEventBoundIsPassed() {
        network.maxEventsPerRun(10_000);
        Runnable[] spin = new Runnable[1];
        spin[0] = () -> scheduler.execute(spin[0]);
        scheduler.execute(spin[0]);

        assertThatThrownBy(() -> network.runFor(1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("more than 10000 events")
                .hasMessageContaining("livelock");
        // the simulation stays usable
        scheduler.close();
        network.runFor(1);
    }

    @Test
    void runCallsAreNotReentrant() {
        scheduler.execute(() -> network.runFor(10));

        assertThatThrownBy(() -> network.runFor(10))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not re-entrant");
    }

    @Test
    void exceptionFromATaskPropagatesAndTheSimulationContinues() {
        scheduler.schedule(() -> { throw new IllegalStateException("boom"); }, 10);
        scheduler.schedule(() -> ran.add("after"), 20);

        assertThatThrownBy(() -> network.runFor(100)).hasMessage("boom");
        network.runFor(100);

        assertThat(ran).containsExactly("after");
    }

    @Test
    void veryLongDelaysDoNotOverflowTheClock() {
        scheduler.schedule(() -> ran.add("never"), Long.MAX_VALUE);
        network.runFor(Long.MAX_VALUE);
        assertThat(network.now()).isEqualTo(Long.MAX_VALUE);
        assertThat(ran).containsExactly("never");
    }
}

package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class InFlightTest {

    @Test
    void startsAtMostTheBoundAndOneMoreForEachThatCompletes() throws Exception {
        List<CompletableFuture<Integer>> started = new CopyOnWriteArrayList<>();
        AtomicBoolean answerAtOnce = new AtomicBoolean();
        CompletableFuture<List<CompletableFuture<Integer>>> all = CompletableFuture.supplyAsync(() ->
                InFlight.start(200, i -> {
                    CompletableFuture<Integer> f = answerAtOnce.get()
                            ? CompletableFuture.completedFuture(i) : new CompletableFuture<>();
                    started.add(f);
                    return f;
                }, Duration.ofMinutes(1), 64));

        await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 64);
        // the 65th waits for the first: nothing completed, so nothing more started
        assertThat(all).isNotDone();
        assertThat(started).hasSize(64);

        started.get(0).complete(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 65);
        started.get(1).completeExceptionally(new IllegalStateException("lost"));
        await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 66);

        answerAtOnce.set(true);
        for (int i = 2; i < 66; i++) {
            started.get(i).complete(i);
        }
        List<CompletableFuture<Integer>> futures = all.get(10, TimeUnit.SECONDS);
        assertThat(futures).hasSize(200);
        assertThat(futures.get(1)).isCompletedExceptionally();
        assertThat(futures.get(199).get()).isEqualTo(199);
    }

    @Test
    void underAByteBudgetARequestWaitsForTheOldestUntilItFitsAndOneHeavierThanTheBudgetStartsAlone()
            throws Exception {
        List<CompletableFuture<Integer>> started = new CopyOnWriteArrayList<>();
        long[] weights = {40, 40, 40, 30, 500, 10};
        CompletableFuture<List<CompletableFuture<Integer>>> all = CompletableFuture.supplyAsync(() ->
                InFlight.start(weights.length, i -> {
                    CompletableFuture<Integer> f = new CompletableFuture<>();
                    started.add(f);
                    return f;
                }, i -> weights[i], 100, Duration.ofMinutes(1), 64));

        await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 2);
        assertThat(all).as("40 + 40 + 40 is over 100").isNotDone();
        assertThat(started).hasSize(2);

        started.get(0).complete(0);
        // 40 + 40 + 30 is over 100 too: the fourth waits for the second
        await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 3);
        assertThat(started).hasSize(3);
        started.get(1).complete(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 4);

        // the heavy one waits until nothing else is under way, then starts alone
        started.get(2).complete(2);
        assertThat(started).hasSize(4);
        started.get(3).complete(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 5);
        assertThat(started).hasSize(5);
        started.get(4).complete(4);
        await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 6);
        started.get(5).complete(5);
        assertThat(all.get(10, TimeUnit.SECONDS)).hasSize(6).allMatch(CompletableFuture::isDone);
    }

    @Test
    void aRequestThatThrowsBecomesAFailedFutureAndTheOthersStillStart() {
        List<CompletableFuture<String>> futures = InFlight.start(3, i -> {
            if (i == 1) {
                throw new IllegalArgumentException("bad request");
            }
            return CompletableFuture.completedFuture("r" + i);
        }, Duration.ofSeconds(1));
        assertThat(futures.get(0)).isCompletedWithValue("r0");
        assertThat(futures.get(1)).isCompletedExceptionally();
        assertThat(futures.get(2)).isCompletedWithValue("r2");
    }
}

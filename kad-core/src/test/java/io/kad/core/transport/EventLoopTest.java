package io.kad.core.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The protocol thread survives whatever its tasks and timers throw. */
class EventLoopTest {

    private static final List<Supplier<Throwable>> FAILURES = List.of(
            () -> new OutOfMemoryError("test: a handler ran out of memory"),
            () -> new StackOverflowError("test: a handler recursed too deep"),
            () -> new InternalError("test"),
            () -> new Error("test: an error of no standard kind"),
            () -> new ExceptionInInitializerError("test"),
            () -> new IllegalStateException("test"));

    private static Runnable throwing(Supplier<Throwable> failure) {
        return () -> {
            Throwable t = failure.get();
            if (t instanceof Error e) {
                throw e;
            }
            throw (RuntimeException) t;
        };
    }

    @Test
    void everyThrowableOfATaskOrTimerIsContainedCountedAndTheLoopGoesOn() throws Exception {
        EventLoop loop = new EventLoop("kad-test-loop");
        try {
            for (Supplier<Throwable> f : FAILURES) {
                loop.execute(throwing(f));
                loop.schedule(throwing(f), 1);
            }
            // twice over: later failures of a kind already logged are contained alike
            for (Supplier<Throwable> f : FAILURES) {
                loop.execute(throwing(f));
            }
            CompletableFuture<Boolean> after = new CompletableFuture<>();
            loop.schedule(() -> after.complete(loop.inProtocolThread()), 20);
            assertThat(after.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(loop.failures()).isEqualTo(3L * FAILURES.size());
            CompletableFuture<Void> still = new CompletableFuture<>();
            loop.execute(() -> still.complete(null));
            still.get(10, TimeUnit.SECONDS);
        } finally {
            loop.close();
        }
    }
}

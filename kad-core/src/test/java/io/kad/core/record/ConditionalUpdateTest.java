package io.kad.core.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.core.record.ConditionalUpdate.Decision;
import io.kad.core.storage.MapStorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The read, decide, conditional-write loop, over one record engine and a fake clock. */
class ConditionalUpdateTest {

    private static final String NS = "ns";
    private static final byte[] KEY = "k".getBytes(StandardCharsets.UTF_8);

    private final CountingClient records = new CountingClient();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(StoredRecord r) {
        return r == null ? null : new String(r.value(), StandardCharsets.UTF_8);
    }

    private ConditionalUpdate update() {
        return ConditionalUpdate.of(records, NS, KEY, "append");
    }

    /** Appends "+" to the value, or creates it as "+". */
    private static Decision<String> append(StoredRecord cur) {
        String next = (cur == null ? "" : text(cur)) + "+";
        return Decision.put(bytes(next), false, StoredRecord.NEVER, StoredRecord.NEVER, w -> text(w.current()));
    }

    @Test
    void anUpdateReadsOnceAndWritesOnCondition() {
        records.put("a");

        String result = update().run(ConditionalUpdateTest::append);

        assertThat(result).isEqualTo("a+");
        assertThat(records.reads).isEqualTo(1);
        assertThat(records.writes).hasSize(1);
        assertThat(records.writes.get(0).expectedVersion()).isEqualTo(records.versionBefore(1));
    }

    @Test
    void aRefusedWriteIsFollowedByADecisionFromTheRecordItReturnedWithoutAnotherRead() {
        records.put("a");
        // another writer changes the record between this update's read and its write
        records.beforeWrite = n -> {
            if (n == 1) {
                records.put("b");
            }
        };
        List<String> seen = new ArrayList<>();

        String result = update().run(cur -> {
            seen.add(text(cur));
            return append(cur);
        });

        assertThat(seen).containsExactly("a", "b");
        assertThat(result).isEqualTo("b+");
        assertThat(records.reads).as("reads").isEqualTo(1);
        assertThat(records.writes).hasSize(2);
        assertThat(records.writes.get(0).expectedVersion()).isNotEqualTo(records.writes.get(1).expectedVersion());
    }

    @Test
    void anAppliedWriteLeavesThePreviousValueOutOfItsReplyAndOnAppliedSeesTheRecordDecidedFrom() {
        records.put("a");

        StoredRecord previous = update().run(cur -> Decision.put(bytes("b"), false, StoredRecord.NEVER,
                StoredRecord.NEVER, WriteResult::previous));

        assertThat(records.writes.get(0).previousValue()).isEqualTo(WriteCommand.PreviousValue.OMIT);
        assertThat(text(previous)).isEqualTo("a");
    }

    @Test
    void anUpdateWhoseFirstWriteTheCallerSentResumesFromTheRecordItsRefusalReturned() {
        records.put("a");
        StoredRecord read = records.current();
        ConditionalUpdate.Write<String> first = (ConditionalUpdate.Write<String>) append(read);
        records.put("b");
        WriteResult refused = records.write(NS, KEY, first.command(read)).join();
        List<String> seen = new ArrayList<>();

        String result = update().resume(first, read, refused, cur -> {
            seen.add(text(cur));
            return append(cur);
        });

        assertThat(refused.applied()).isFalse();
        assertThat(seen).containsExactly("b");
        assertThat(result).isEqualTo("b+");
        assertThat(records.reads).isZero();
    }

    @Test
    void aDecisionToLeaveWritesNothing() {
        records.put("a");

        String result = update().run(cur -> Decision.leave("left " + text(cur)));

        assertThat(result).isEqualTo("left a");
        assertThat(records.writes).isEmpty();
        assertThat(text(records.current())).isEqualTo("a");
    }

    @Test
    void anUpdateFromAnAssumedAbsentKeyCreatesItWithoutARead() {
        String result = update().runFrom(null, ConditionalUpdateTest::append);

        assertThat(result).isEqualTo("+");
        assertThat(records.reads).isZero();
        assertThat(records.writes.get(0).expectedVersion()).isEqualTo(WriteCommand.ABSENT);
    }

    @Test
    void aWrongGuessOfAbsenceCostsOneRefusedWriteAndNoRead() {
        records.put("a");
        List<String> seen = new ArrayList<>();

        String result = update().runFrom(null, cur -> {
            seen.add(text(cur));
            return cur == null ? append(null) : Decision.leave("present " + text(cur));
        });

        assertThat(seen).containsExactly(null, "a");
        assertThat(result).isEqualTo("present a");
        assertThat(records.reads).isZero();
        assertThat(records.writes).hasSize(1);
    }

    @Test
    void aRemovalIsConditionalOnTheRecordDecidedFrom() {
        records.put("a");
        records.beforeWrite = n -> {
            if (n == 1) {
                records.put("b");
            }
        };

        boolean removed = update().run(cur -> "a".equals(text(cur)) ? Decision.remove(w -> true)
                : Decision.leave(false));

        assertThat(removed).isFalse();
        assertThat(text(records.current())).isEqualTo("b");
        assertThat(records.reads).isEqualTo(1);
    }

    @Test
    void anUpdateThatKeepsLosingFailsAtItsDeadlineNamingTheOperationAndTheTimeout() {
        records.put("a");
        // each attempt takes 2 s of the 5 s allowed, and another writer always gets there first
        records.beforeWrite = n -> {
            records.clock.addAndGet(2_000);
            records.put("other " + n);
        };

        assertThatThrownBy(() -> update().run(ConditionalUpdateTest::append))
                .isInstanceOf(UpdateTimeoutException.class)
                .hasMessageContaining("append")
                .hasMessageContaining("5000 ms")
                .satisfies(e -> assertThat(((UpdateTimeoutException) e).refusedWrites()).isEqualTo(3));
        assertThat(records.writes).hasSize(3);
        assertThat(records.reads).isEqualTo(1);
    }

    @Test
    void anOwnerThatDoesNotAnswerInTimeFailsTheUpdateWithTheTimeout() {
        records.silent = true;

        assertThatThrownBy(() -> update().run(ConditionalUpdateTest::append))
                .isInstanceOf(UpdateTimeoutException.class)
                .hasMessageContaining("append")
                .hasMessageContaining("5000 ms");
    }

    @Test
    void theObserverSeesEachWriteAroundItsSendingAndTheRecordsFoundExpired() {
        records.put("a");
        records.beforeWrite = n -> {
            if (n == 1) {
                records.put("b");
            }
        };
        List<String> seen = new ArrayList<>();
        ConditionalUpdate.Observer observer = new ConditionalUpdate.Observer() {
            @Override
            public void beforeWrite(WriteCommand command) {
                seen.add("before " + new String(command.value(), StandardCharsets.UTF_8));
            }

            @Override
            public void afterWrite(WriteCommand command, WriteResult outcome) {
                seen.add("after " + outcome.applied());
            }
        };

        update().observedBy(observer).run(ConditionalUpdateTest::append);

        assertThat(seen).containsExactly("before a+", "after false", "before b+", "after true");
    }

    /** A record client over one in-process record engine, counting its reads and writes. */
    private static final class CountingClient implements RecordClient {
        final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
        final RecordEngine engine = new RecordEngine(new MapStorageTier(new ConcurrentHashMap<>()), clock::get,
                60_000);
        final BigInteger id = BigInteger.ONE;
        final List<WriteCommand> writes = new ArrayList<>();
        final List<Long> versions = new ArrayList<>();
        int reads;
        /** Runs before each write of the update, with its number from 1: a concurrent writer's turn. */
        Consumer<Integer> beforeWrite = n -> { };
        /** Whether the owner never answers. */
        boolean silent;

        void put(String value) {
            engine.write(id, NS, KEY, WriteCommand.put(bytes(value), false, StoredRecord.NEVER));
        }

        StoredRecord current() {
            return engine.read(id).record();
        }

        long versionBefore(int write) {
            return versions.get(write - 1);
        }

        @Override
        public CompletableFuture<ReadResult> read(String namespace, byte[] key) {
            reads++;
            return silent ? new CompletableFuture<>() : CompletableFuture.completedFuture(engine.read(id));
        }

        @Override
        public CompletableFuture<WriteResult> write(String namespace, byte[] key, WriteCommand command) {
            beforeWrite.accept(writes.size() + 1);
            StoredRecord before = current();
            versions.add(before == null ? WriteCommand.ABSENT : before.version());
            writes.add(command);
            WriteResult outcome = engine.write(id, namespace, key, command);
            // as an owner answers
            return CompletableFuture.completedFuture(command.previousValue() == WriteCommand.PreviousValue.OMIT
                    ? outcome.withoutPreviousValue() : outcome);
        }

        @Override
        public CompletableFuture<List<byte[]>> keys(String namespace) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<AutoCloseable> subscribe(String namespace, Consumer<RecordEvent> listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> T await(CompletableFuture<T> future, long timeoutMillis) throws java.util.concurrent.TimeoutException,
                java.util.concurrent.ExecutionException, InterruptedException {
            if (!future.isDone()) {
                // a fake clock: the wait runs out at once
                clock.addAndGet(timeoutMillis);
                throw new java.util.concurrent.TimeoutException();
            }
            return future.get(0, TimeUnit.MILLISECONDS);
        }

        @Override
        public long nowMillis() {
            return clock.get();
        }

        @Override
        public Duration operationTimeout() {
            return Duration.ofSeconds(5);
        }
    }
}

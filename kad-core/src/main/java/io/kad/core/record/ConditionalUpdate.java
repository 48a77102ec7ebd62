package io.kad.core.record;

import io.kad.spi.StoredRecord;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A compound operation on one record, atomic per key across the swarm: read the record, let the caller
 * decide from it, and write on the condition that the record is still the one decided from. When another
 * writer got there first, the refused write's reply carries the record as it is now, and the caller
 * decides again from that one: a lost race costs one more write, never another read.
 *
 * <p>Contract:
 * <ul>
 *   <li>the decider sees the live record, or {@code null} if the key has none, and answers with a
 *       {@link Decision}: {@link Decision#leave leave} ends the update and writes nothing;
 *       {@link Decision#put put} and {@link Decision#remove remove} write conditionally on the version of
 *       the record decided from ({@link WriteCommand#ABSENT} for none), so a decision can never overwrite
 *       a change it did not see;</li>
 *   <li>the decider runs on the calling thread, once per attempt, and may run again after a refusal:
 *       whatever it does besides deciding (a write-through, a statistic) must be safe to repeat or guarded
 *       by the caller;</li>
 *   <li>the whole update, every attempt included, has one deadline: the record client's
 *       {@link RecordClient#operationTimeout() operation timeout} from its start; past it the update fails
 *       with an {@link UpdateTimeoutException} naming the operation and the timeout;</li>
 *   <li>an applied write replaced exactly the record decided from, which the caller has: its reply
 *       leaves out that record's value ({@link WriteCommand.PreviousValue#OMIT}), and {@code onApplied}
 *       sees the record decided from as the outcome's {@link WriteResult#previous() previous} record;</li>
 *   <li>a read or write that fails fails the update with a {@link RecordException} (the record client's
 *       own, naming the key's owner, where it gave one); what the decider throws passes through
 *       unchanged.</li>
 * </ul>
 *
 * <p>Instances are immutable and cheap; make one per operation.
 */
public final class ConditionalUpdate {

    /**
     * Time granted past the deadline for a read or write already sent, so that the record client's own
     * failure (which names the key's owner and its replicas) is the one reported when it has one.
     */
    static final long GRACE_MILLIS = 500;

    private final RecordClient records;
    private final String namespace;
    private final byte[] key;
    private final String operation;
    private final Observer observer;

    private ConditionalUpdate(RecordClient records, String namespace, byte[] key, String operation,
                              Observer observer) {
        this.records = Objects.requireNonNull(records, "records");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.key = Objects.requireNonNull(key, "key");
        this.operation = Objects.requireNonNull(operation, "operation");
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    /**
     * @param records the record client
     * @param namespace the namespace of the record
     * @param key the key bytes
     * @param operation what the update is, without the key (as it names the update in a failure):
     *     {@code "putIfAbsent"}, {@code "replace(key, old, new)"}
     * @return an update of that record, observed by no one
     */
    public static ConditionalUpdate of(RecordClient records, String namespace, byte[] key, String operation) {
        return new ConditionalUpdate(records, namespace, key, operation, Observer.NONE);
    }

    /**
     * @param observer told of the records the update meets and of each write around its sending
     * @return this update, observed by {@code observer}
     */
    public ConditionalUpdate observedBy(Observer observer) {
        return new ConditionalUpdate(records, namespace, key, operation, observer);
    }

    /**
     * Reads the record, then decides and writes until a write applies or the decider leaves.
     *
     * @param decider decides from the current record
     * @param <T> the update's result type
     * @return what the applied write's {@code onApplied}, or the leaving decision, gave
     * @throws UpdateTimeoutException if the deadline passed first
     * @throws RecordException if a read or write failed
     */
    public <T> T run(Decider<T> decider) {
        long deadline = deadline();
        ReadResult read = await(records.read(namespace, key), deadline, 0);
        if (read.expired() != null) {
            observer.expired(read.expired());
        }
        return decideAndWrite(read.record(), decider, deadline, 0);
    }

    /**
     * Decides first from a record known without a read: one a refused write returned, or {@code null} for
     * an update that expects the key to be absent (a wrong guess costs one refused write, which returns
     * the record to decide from).
     *
     * @param current the record believed current, or {@code null} for none
     * @param decider decides from the current record
     * @param <T> the update's result type
     * @return what the applied write's {@code onApplied}, or the leaving decision, gave
     * @throws UpdateTimeoutException if the deadline passed first
     * @throws RecordException if a write failed
     */
    public <T> T runFrom(StoredRecord current, Decider<T> decider) {
        return decideAndWrite(current, decider, deadline(), 0);
    }

    /**
     * Completes an update whose first write was sent by the caller (with others in flight together):
     * its outcome if it applied, else a new decision from the record the refused write returned. The
     * deadline of the attempts that follow counts from this call.
     *
     * @param first the first decision
     * @param decidedFrom the record it was taken from, or {@code null} for none
     * @param outcome the outcome of its write ({@link Write#command}, sent by the caller)
     * @param decider decides from the current record, for the attempts that follow
     * @param <T> the update's result type
     * @return what the applied write's {@code onApplied}, or the leaving decision, gave
     * @throws UpdateTimeoutException if the deadline passed first
     * @throws RecordException if a write failed
     */
    public <T> T resume(Write<T> first, StoredRecord decidedFrom, WriteResult outcome, Decider<T> decider) {
        if (outcome.applied()) {
            return first.onApplied().apply(replacing(decidedFrom, outcome));
        }
        return decideAndWrite(outcome.previous(), decider, deadline(), 1);
    }

    private long deadline() {
        return records.nowMillis() + records.operationTimeout().toMillis();
    }

    private <T> T decideAndWrite(StoredRecord first, Decider<T> decider, long deadline, int refusedBefore) {
        StoredRecord current = first;
        int refused = refusedBefore;
        while (true) {
            Decision<T> decision = Objects.requireNonNull(decider.decide(current), "decision");
            if (decision instanceof Leave<T> leave) {
                return leave.result();
            }
            Write<T> write = (Write<T>) decision;
            WriteCommand command = write.command(current);
            observer.beforeWrite(command);
            WriteResult w = null;
            try {
                w = await(records.write(namespace, key, command), deadline, refused);
                if (w.expired() != null) {
                    observer.expired(w.expired());
                }
            } finally {
                observer.afterWrite(command, w);
            }
            if (w.applied()) {
                return write.onApplied().apply(replacing(current, w));
            }
            // another writer changed the record since it was decided from: its reply says how it is now
            refused++;
            current = w.previous();
            if (records.nowMillis() >= deadline) {
                throw timedOut(refused, null);
            }
        }
    }

    /** An applied write's outcome, with the record it replaced: the one decided from, value included. */
    private static WriteResult replacing(StoredRecord decidedFrom, WriteResult applied) {
        return new WriteResult(true, decidedFrom, applied.current(), applied.expired());
    }

    private <T> T await(CompletableFuture<T> future, long deadline, int refused) {
        long remaining = Math.max(0, deadline - records.nowMillis());
        try {
            return records.await(future, remaining + GRACE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RecordException("interrupted: " + operation + " in '" + namespace + "'", e);
        } catch (TimeoutException e) {
            throw timedOut(refused, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof RecordException re) {
                throw re;
            }
            throw new RecordException(operation + " in '" + namespace + "' failed: " + cause.getMessage(), cause);
        }
    }

    private UpdateTimeoutException timedOut(int refused, Throwable cause) {
        return new UpdateTimeoutException(operation, namespace, records.operationTimeout().toMillis(), refused,
                cause);
    }

    /**
     * Decides, from the current record, what an update does.
     *
     * @param <T> the update's result type
     */
    @FunctionalInterface
    public interface Decider<T> {

        /**
         * @param current the live record, or {@code null} if the key has none
         * @return the decision: never {@code null}
         */
        Decision<T> decide(StoredRecord current);
    }

    /**
     * What a decider decided: leave the record as it is, or write it on the condition that it has not
     * changed.
     *
     * @param <T> the update's result type
     */
    public sealed interface Decision<T> permits Leave, Write {

        /**
         * @param result the update's result
         * @param <T> the result type
         * @return a decision that ends the update and writes nothing
         */
        static <T> Decision<T> leave(T result) {
            return new Leave<>(result);
        }

        /**
         * @param value the new value bytes
         * @param json whether they are UTF-8 JSON text
         * @param expiresAtIfCreated the expiry if the write creates the entry
         * @param expiresAtIfUpdated the expiry if it replaces one, or {@link WriteCommand#KEEP_EXPIRY}
         * @param onApplied gives the update's result from the applied write's outcome
         * @param <T> the result type
         * @return a decision to store the value, if the record is still the one decided from
         */
        static <T> Write<T> put(byte[] value, boolean json, long expiresAtIfCreated, long expiresAtIfUpdated,
                                Function<WriteResult, T> onApplied) {
            return new Write<>(WriteCommand.Op.PUT, value, json, expiresAtIfCreated, expiresAtIfUpdated, onApplied);
        }

        /**
         * @param onApplied gives the update's result from the applied removal's outcome
         * @param <T> the result type
         * @return a decision to remove the record, if it is still the one decided from
         */
        static <T> Write<T> remove(Function<WriteResult, T> onApplied) {
            return new Write<>(WriteCommand.Op.REMOVE, new byte[0], false, 0, WriteCommand.KEEP_EXPIRY, onApplied);
        }
    }

    /**
     * Ends the update without writing.
     *
     * @param result the update's result
     * @param <T> the result type
     */
    public record Leave<T>(T result) implements Decision<T> {
    }

    /**
     * Writes, on the condition that the record is still the one decided from.
     *
     * @param op {@link WriteCommand.Op#PUT} or {@link WriteCommand.Op#REMOVE}
     * @param value the value bytes of a put (empty for a removal)
     * @param json whether the value is UTF-8 JSON text
     * @param expiresAtIfCreated the expiry if the write creates the entry
     * @param expiresAtIfUpdated the expiry if it replaces one, or {@link WriteCommand#KEEP_EXPIRY}
     * @param onApplied gives the update's result from the applied write's outcome
     * @param <T> the result type
     */
    public record Write<T>(WriteCommand.Op op, byte[] value, boolean json, long expiresAtIfCreated,
                           long expiresAtIfUpdated, Function<WriteResult, T> onApplied) implements Decision<T> {

        /** Checks the fields. */
        public Write {
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(onApplied, "onApplied");
            if (op != WriteCommand.Op.PUT && op != WriteCommand.Op.REMOVE) {
                throw new IllegalArgumentException("a conditional update puts or removes, not " + op);
            }
        }

        /**
         * @param decidedFrom the record this decision was taken from, or {@code null} for none
         * @return the write, conditional on that record being still the live one; its applied reply leaves
         *     out the value of the record it replaced, which is the one decided from
         */
        public WriteCommand command(StoredRecord decidedFrom) {
            long expected = decidedFrom == null ? WriteCommand.ABSENT : decidedFrom.version();
            return new WriteCommand(op, value, json, expected, expiresAtIfCreated, expiresAtIfUpdated,
                    WriteCommand.PreviousValue.OMIT);
        }
    }

    /**
     * Told of what an update meets, for a caller that keeps books on records (events of expired entries,
     * objects held while a write is in flight). Every method has a default that does nothing.
     */
    public interface Observer {

        /** Observes nothing. */
        Observer NONE = new Observer() {
        };

        /**
         * A read or write found the record expired, and treated the key as absent.
         *
         * @param record the expired record
         */
        default void expired(StoredRecord record) {
        }

        /**
         * A write is about to be sent.
         *
         * @param command the write
         */
        default void beforeWrite(WriteCommand command) {
        }

        /**
         * A write ended.
         *
         * @param command the write
         * @param outcome its outcome, or {@code null} if it failed
         */
        default void afterWrite(WriteCommand command, WriteResult outcome) {
        }
    }
}

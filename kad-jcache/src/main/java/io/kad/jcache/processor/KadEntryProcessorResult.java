package io.kad.jcache.processor;

import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;

/**
 * The outcome of an entry processor on one key of {@code invokeAll}: its result or its failure.
 *
 * @param <T> the result type
 */
public final class KadEntryProcessorResult<T> implements EntryProcessorResult<T> {

    private final T result;
    private final EntryProcessorException failure;

    private KadEntryProcessorResult(T result, EntryProcessorException failure) {
        this.result = result;
        this.failure = failure;
    }

    /**
     * @param result the processor's result
     * @param <T> the result type
     * @return a successful outcome
     */
    public static <T> KadEntryProcessorResult<T> of(T result) {
        return new KadEntryProcessorResult<>(result, null);
    }

    /**
     * @param failure why the processor failed
     * @param <T> the result type
     * @return a failed outcome
     */
    public static <T> KadEntryProcessorResult<T> failed(EntryProcessorException failure) {
        return new KadEntryProcessorResult<>(null, failure);
    }

    @Override
    public T get() {
        if (failure != null) {
            throw failure;
        }
        return result;
    }
}

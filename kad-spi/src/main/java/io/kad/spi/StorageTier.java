package io.kad.spi;

import java.math.BigInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The local storage of one node: the records it is responsible for, keyed by record id.
 *
 * <p>The built-in tiers are a bounded Caffeine cache ({@code caffeine}, the default) and a persistent
 * embedded store ({@code mvstore}); any map can be adapted (kad.py's {@code storage=} parameter).
 * Contract:
 * <ul>
 *   <li>{@link #compute} is atomic per id: the node orders the writes to a key through it;</li>
 *   <li>all methods are thread-safe;</li>
 *   <li>a bounded tier may drop records to stay within its bound; it reports each through the
 *       listener given to {@link StorageTierProvider#create}.</li>
 * </ul>
 */
public interface StorageTier extends AutoCloseable {

    /**
     * @param id a record id
     * @return the record stored under the id, or {@code null}
     */
    StoredRecord get(BigInteger id);

    /**
     * Atomically replaces the record stored under an id by a function of it.
     *
     * @param id the record id
     * @param update receives the current record or {@code null}; returns the record to store, or
     *     {@code null} to store none. It must be quick and must not touch this tier.
     * @return the record stored afterwards, or {@code null}
     */
    StoredRecord compute(BigInteger id, UnaryOperator<StoredRecord> update);

    /**
     * Removes the record stored under an id.
     *
     * @param id the record id
     */
    void remove(BigInteger id);

    /**
     * Visits every stored record (weakly consistent: concurrent writes may or may not be seen).
     *
     * @param action receives each record
     */
    void forEach(Consumer<StoredRecord> action);

    /** @return the number of stored records, tombstones included (an estimate for some tiers) */
    long size();

    /** Makes every completed write durable, for tiers where that means anything. */
    default void flush() {
    }

    /**
     * Whether every write this tier has returned from is durable, as far as the tier promises
     * durability at all. A tier that commits in the background (a group commit) answers {@code false}
     * between a write and its commit; the node then holds back whatever would reveal or acknowledge
     * that write until {@link #whenDurable} runs.
     *
     * @return {@code true} unless some completed write still awaits its commit; always {@code true} by
     *     default (a tier that is durable at once, or promises nothing)
     */
    default boolean allWritesDurable() {
        return true;
    }

    /**
     * Runs an action once every write this tier has returned from before this call is durable. The
     * node calls it instead of blocking on the disk, so that its protocol thread never waits for a
     * commit. The action may run at once on the calling thread (the default, and whenever nothing
     * awaits a commit) or later on a thread of the tier's; it must be short and must not touch this
     * tier. After {@link #close()} pending actions still run (close commits first).
     *
     * @param action what to run once the earlier writes are durable
     */
    default void whenDurable(Runnable action) {
        action.run();
    }

    /** Flushes and releases the tier's resources. */
    @Override
    void close();
}

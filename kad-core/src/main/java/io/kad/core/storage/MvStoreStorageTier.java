package io.kad.core.storage;

import io.kad.spi.StorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.StringDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A persistent {@link StorageTier} in one H2 MVStore file, so that a node restarts with its records.
 *
 * <p>Records live in the map {@value #MAP_NAME}, keyed by the record id in lower-case hexadecimal, each
 * value a record in the compact binary form of {@code StoredRecordCodec} (format byte, namespace, key,
 * value, flags, version, expiry).
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #compute} and {@link #remove} hold one of 64 locks chosen by the id, so
 *       writes to one id are atomic and writes to different ids mostly run in parallel; reads take no
 *       lock (MVStore reads see a consistent snapshot);</li>
 *   <li>durability follows {@link Sync}: with {@link Sync#EVERY_WRITE} (the default) a write returns
 *       once applied, and one committer thread ({@code kad-mvstore-commit}) commits whatever writes
 *       have come in since its last commit, one commit for many writes (a group commit).
 *       {@link #allWritesDurable()} and {@link #whenDurable} tell the node when a write is in the file:
 *       the node acknowledges a write, and serves a record, only then, so an acknowledged write
 *       survives the process and no thread that handles datagrams ever waits for the disk. With
 *       {@link Sync#PERIODIC} the store commits in the background and a crash loses at most the last
 *       interval. {@link #flush()} commits and forces the file to the device; {@link #close()}
 *       commits and closes;</li>
 *   <li>unbounded: records are bounded by the disk, not by count or weight, so the tier never drops a
 *       record and reports no evictions. Expired records and tombstones stay until the node reclaims
 *       them, an expiry grace after they expired;</li>
 *   <li>after {@link #close()}, every other method throws; {@code close} itself may be repeated.</li>
 * </ul>
 *
 * <p>The cost of {@code EVERY_WRITE}: each commit appends a chunk to the file (a write system call but
 * no {@code fsync}), so an acknowledged write waits for one, and the file grows until MVStore
 * compacts it. That survives a crash of the JVM, not of the machine; call {@link #flush()} where a
 * write must survive power loss.
 */
public final class MvStoreStorageTier implements StorageTier {

    /** The name of the MVStore map that holds the records. */
    public static final String MAP_NAME = "kad-records";

    /** The default commit interval of {@link Sync#PERIODIC}. */
    public static final Duration DEFAULT_SYNC_INTERVAL = MvStoreStorageTierProvider.DEFAULT_SYNC_INTERVAL;

    private static final Logger LOG = LoggerFactory.getLogger(MvStoreStorageTier.class);
    private static final int STRIPES = 64;
    /** How long the committer waits before it tries again after a failed commit (a full disk). */
    private static final long RETRY_AFTER_FAILED_COMMIT_MILLIS = 100;

    /** When writes reach the file (setting {@code storage.sync}). */
    public enum Sync {
        /** Commit every write before it returns: safe, slower. Setting value {@code every-write}. */
        EVERY_WRITE,
        /** Commit in the background at an interval: fast, a crash loses the last interval. Setting value {@code periodic}. */
        PERIODIC;

        /** @return the setting value, e.g. {@code "every-write"} */
        public String settingValue() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /**
         * @param value a setting value, {@code every-write} or {@code periodic}
         * @return the mode
         * @throws IllegalArgumentException if the value is neither
         */
        public static Sync fromSetting(String value) {
            for (Sync sync : values()) {
                if (sync.settingValue().equals(value)) {
                    return sync;
                }
            }
            throw new IllegalArgumentException("unknown sync mode '" + value + "'; expected every-write or periodic");
        }
    }

    private final MVStore store;
    private final MVMap<String, byte[]> records;
    private final Sync sync;
    private final Object[] locks = new Object[STRIPES];
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Writes applied so far (with {@code EVERY_WRITE}): a write's number is the count after it. */
    private final AtomicLong applied = new AtomicLong();
    /** The count of writes covered by the last commit. */
    private volatile long committed;
    /** Guards {@link #waiting} and wakes the committer. */
    private final ReentrantLock commitLock = new ReentrantLock();
    private final Condition work = commitLock.newCondition();
    /** Actions waiting for a commit, in the order they came: each runs once its count is committed. */
    private final List<Waiter> waiting = new ArrayList<>();
    private final Thread committer;

    private record Waiter(long upTo, Runnable action) {
    }

    private MvStoreStorageTier(MVStore store, Sync sync) {
        this.store = store;
        this.sync = sync;
        this.records = store.openMap(MAP_NAME,
                new MVMap.Builder<String, byte[]>()
                        .keyType(StringDataType.INSTANCE)
                        .valueType(ByteArrayDataType.INSTANCE));
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
        if (sync == Sync.EVERY_WRITE) {
            committer = new Thread(this::commitLoop, "kad-mvstore-commit");
            committer.setDaemon(true);
            committer.start();
        } else {
            committer = null;
        }
    }

    /**
     * Opens (or creates) the store file with {@link Sync#EVERY_WRITE}.
     *
     * @param file the store file; its directory must exist
     * @return the tier, holding every record committed to the file before
     */
    public static MvStoreStorageTier open(Path file) {
        return open(file, Sync.EVERY_WRITE, DEFAULT_SYNC_INTERVAL);
    }

    /**
     * Opens (or creates) the store file.
     *
     * @param file the store file; its directory must exist. MVStore locks it: one tier per file.
     * @param sync when writes reach the file
     * @param interval the commit interval of {@link Sync#PERIODIC} (ignored otherwise), at least 1 ms
     * @return the tier, holding every record committed to the file before
     * @throws IllegalStateException if the file cannot be opened (locked, unreadable, not a store)
     */
    public static MvStoreStorageTier open(Path file, Sync sync, Duration interval) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(sync, "sync");
        Objects.requireNonNull(interval, "interval");
        if (interval.toMillis() < 1 || interval.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sync interval must be 1 ms to " + Integer.MAX_VALUE + " ms, was " + interval);
        }
        MVStore.Builder builder = new MVStore.Builder().fileName(file.toString());
        if (sync == Sync.EVERY_WRITE) {
            builder.autoCommitDisabled();
        }
        MVStore store;
        try {
            store = builder.open();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot open storage file " + file + ": " + e.getMessage(), e);
        }
        if (sync == Sync.PERIODIC) {
            store.setAutoCommitDelay((int) interval.toMillis());
        }
        try {
            return new MvStoreStorageTier(store, sync);
        } catch (RuntimeException e) {
            store.closeImmediately();
            throw e;
        }
    }

    /** @return when writes reach the file */
    public Sync sync() {
        return sync;
    }

    @Override
    public StoredRecord get(BigInteger id) {
        byte[] encoded = records.get(keyOf(id));
        return encoded == null ? null : StoredRecordCodec.decode(id, encoded);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code update} returns a record with another id; nothing is
     *     stored then
     */
    @Override
    public StoredRecord compute(BigInteger id, UnaryOperator<StoredRecord> update) {
        Objects.requireNonNull(update, "update");
        String key = keyOf(id);
        StoredRecord result;
        boolean changed;
        synchronized (lockFor(id)) {
            byte[] encoded = records.get(key);
            StoredRecord current = encoded == null ? null : StoredRecordCodec.decode(id, encoded);
            result = Records.checkId(id, update.apply(current));
            if (result == null) {
                changed = encoded != null && records.remove(key) != null;
            } else if (result.equals(current)) {
                changed = false;
            } else {
                records.put(key, StoredRecordCodec.encode(result));
                changed = true;
            }
        }
        if (changed) {
            afterWrite();
        }
        return result;
    }

    @Override
    public void remove(BigInteger id) {
        String key = keyOf(id);
        boolean changed;
        synchronized (lockFor(id)) {
            changed = records.remove(key) != null;
        }
        if (changed) {
            afterWrite();
        }
    }

    @Override
    public void forEach(Consumer<StoredRecord> action) {
        Objects.requireNonNull(action, "action");
        checkOpen();
        for (Map.Entry<String, byte[]> entry : records.entrySet()) {
            action.accept(StoredRecordCodec.decode(new BigInteger(entry.getKey(), 16), entry.getValue()));
        }
    }

    @Override
    public long size() {
        checkOpen();
        return records.sizeAsLong();
    }

    /** Commits every completed write and forces the file to the storage device. */
    @Override
    public void flush() {
        checkOpen();
        store.commit();
        store.sync();
    }

    /**
     * Commits and closes the store file, then runs the actions still waiting for a commit; later calls
     * do nothing.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (committer != null) {
                commitLock.lock();
                try {
                    work.signalAll();
                } finally {
                    commitLock.unlock();
                }
                try {
                    committer.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            long upTo = applied.get();
            store.close();
            committed = upTo;
            runCommitted(upTo);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>With {@link Sync#PERIODIC} this tier promises no durability per write: always {@code true}.
     */
    @Override
    public boolean allWritesDurable() {
        return committed >= applied.get();
    }

    /**
     * {@inheritDoc}
     *
     * <p>A later action runs on the committer thread, right after the commit that covers the writes.
     */
    @Override
    public void whenDurable(Runnable action) {
        Objects.requireNonNull(action, "action");
        long upTo = applied.get();
        if (committed >= upTo) {
            action.run();
            return;
        }
        commitLock.lock();
        try {
            if (committed < upTo) {
                waiting.add(new Waiter(upTo, action));
                work.signalAll();
                return;
            }
        } finally {
            commitLock.unlock();
        }
        action.run();
    }

    private void afterWrite() {
        if (sync == Sync.EVERY_WRITE) {
            // counted once applied, outside the stripe lock: the next commit covers it
            applied.incrementAndGet();
            commitLock.lock();
            try {
                work.signalAll();
            } finally {
                commitLock.unlock();
            }
        }
    }

    /** The committer: one commit for every write that came in since the last one. */
    private void commitLoop() {
        while (true) {
            commitLock.lock();
            try {
                while (!closed.get() && committed >= applied.get()) {
                    work.awaitUninterruptibly();
                }
            } finally {
                commitLock.unlock();
            }
            if (closed.get()) {
                return; // close() commits and runs the rest
            }
            long upTo = applied.get();
            try {
                store.commit();
            } catch (RuntimeException e) {
                if (closed.get()) {
                    return;
                }
                // nothing is acknowledged until a commit succeeds: the writes' callers time out instead
                LOG.error("commit to the storage file failed; trying again: {}", e.toString());
                commitLock.lock();
                try {
                    work.await(RETRY_AFTER_FAILED_COMMIT_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException interrupted) {
                    return;
                } finally {
                    commitLock.unlock();
                }
                continue;
            }
            committed = upTo;
            runCommitted(upTo);
        }
    }

    /** Runs, outside the lock, the waiting actions whose writes the commit up to {@code upTo} covers. */
    private void runCommitted(long upTo) {
        List<Runnable> ready = new ArrayList<>();
        commitLock.lock();
        try {
            waiting.removeIf(w -> {
                if (w.upTo() <= upTo) {
                    ready.add(w.action());
                    return true;
                }
                return false;
            });
        } finally {
            commitLock.unlock();
        }
        for (Runnable action : ready) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.error("an action waiting for a commit failed", e);
            }
        }
    }

    private Object lockFor(BigInteger id) {
        return locks[Math.floorMod(id.hashCode(), STRIPES)];
    }

    private String keyOf(BigInteger id) {
        Objects.requireNonNull(id, "id");
        checkOpen();
        return id.toString(16);
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the storage tier is closed");
        }
    }
}

package io.kad.core.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Scheduler}: one named daemon thread that waits on a {@link Selector} for
 * datagrams, runs due timers and submitted tasks, all in turn. A UDP transport registers its channel
 * here, so a node's datagrams, timers and tasks run on the one protocol thread, as in the simulator.
 *
 * <p>Contract:
 * <ul>
 *   <li>tasks, timers and channel handlers run one at a time on the loop thread, never concurrently;</li>
 *   <li>{@link #execute} and {@link #schedule} may be called from any thread; from another thread they
 *       wake the selector (once per sleep, not once per task);</li>
 *   <li>a task, timer or handler that throws anything ({@link OutOfMemoryError} and
 *       {@link StackOverflowError} included) is contained and the loop goes on: the protocol thread never
 *       dies of a bad datagram, and the node never stays alive but deaf. The first failure of each kind
 *       is logged at error level with its stack trace, later ones at debug level without it (a flood
 *       of bad datagrams does not flood the log); all are counted ({@link #failures()});</li>
 *   <li>{@link #close()} stops the thread and closes the selector; pending tasks are dropped.</li>
 * </ul>
 */
public final class EventLoop implements Scheduler {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Timers, touched on the loop thread only (schedule from elsewhere goes through {@link #tasks}). */
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closed;
    private long sequence;
    private final LongAdder failures = new LongAdder();
    /** The kinds of failure already logged with their stack trace; touched on the loop thread only. */
    private final Set<Class<?>> failuresLogged = new HashSet<>();
    /** How many kinds of failure are logged in full, so the set stays small. */
    private static final int FAILURE_KINDS_LOGGED = 32;

    private static final class Timer implements Comparable<Timer>, Cancellable {
        final long due;
        final long order;
        final Runnable task;
        volatile boolean cancelled;

        Timer(long due, long order, Runnable task) {
            this.due = due;
            this.order = order;
            this.task = task;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(order, o.order);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    /**
     * Starts the loop thread.
     *
     * @param name the thread's name
     */
    public EventLoop(String name) {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector: " + e.getMessage(), e);
        }
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public long nowMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public void execute(Runnable task) {
        if (closed) {
            return;
        }
        tasks.add(task);
        if (Thread.currentThread() != thread && sleeping.compareAndSet(true, false)) {
            selector.wakeup();
        }
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMillis) {
        Timer timer = new Timer(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMillis)), 0, task);
        if (Thread.currentThread() == thread) {
            add(timer);
        } else {
            execute(() -> add(timer));
        }
        return timer;
    }

    private void add(Timer t) {
        timers.add(new Timer(t.due, sequence++, () -> {
            if (!t.cancelled) {
                t.task.run();
            }
        }));
    }

    /**
     * Runs the work on the common fork-join pool and its continuation back on the loop thread, which
     * meanwhile goes on with its datagrams, timers and tasks. The continuation runs (with {@code null})
     * even if the work throws.
     */
    @Override
    public <T> void offload(java.util.function.Supplier<T> work, java.util.function.Consumer<T> then) {
        java.util.concurrent.ForkJoinPool.commonPool().execute(() -> {
            T result = null;
            try {
                result = work.get();
            } catch (RuntimeException e) {
                LOG.error("offloaded protocol work failed", e);
            }
            T done = result;
            execute(() -> then.accept(done));
        });
    }

    /**
     * Registers a channel whose readiness to read calls {@code onReadable} on the loop thread.
     *
     * @param channel a non-blocking channel
     * @param onReadable what to do when it has data (read all of it)
     */
    public void register(SelectableChannel channel, Consumer<SelectionKey> onReadable) {
        execute(() -> {
            try {
                channel.register(selector, SelectionKey.OP_READ, onReadable);
            } catch (IOException e) {
                LOG.error("cannot register {} with the event loop", channel, e);
            }
        });
    }

    /**
     * Renames the loop thread (once the port a node bound is known).
     *
     * @param name the new name
     */
    public void rename(String name) {
        thread.setName(name);
    }

    @Override
    public boolean inProtocolThread() {
        return Thread.currentThread() == thread;
    }

    @SuppressWarnings("unchecked")
    private void run() {
        try {
            while (!closed) {
                runTasks();
                long now = System.nanoTime();
                while (!timers.isEmpty() && timers.peek().due <= now) {
                    guarded(timers.poll().task);
                }
                long waitNanos = timers.isEmpty() ? Long.MAX_VALUE : timers.peek().due - now;
                sleeping.set(true);
                int ready;
                if (!tasks.isEmpty()) {
                    sleeping.set(false);
                    ready = selector.selectNow();
                } else if (waitNanos == Long.MAX_VALUE) {
                    ready = selector.select();
                } else {
                    ready = selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999)));
                }
                sleeping.set(false);
                if (ready > 0) {
                    for (SelectionKey key : selector.selectedKeys()) {
                        if (key.isValid() && key.isReadable()) {
                            Consumer<SelectionKey> handler = (Consumer<SelectionKey>) key.attachment();
                            guarded(() -> handler.accept(key));
                        }
                    }
                    selector.selectedKeys().clear();
                }
            }
        } catch (Throwable e) {
            // the selector itself failed: outside any task, nothing left to contain it
            if (!closed) {
                LOG.error("event loop {} stopped", thread.getName(), e);
            }
        } finally {
            try {
                selector.close();
            } catch (IOException e) {
                LOG.debug("closing the selector failed", e);
            }
            stopped.countDown();
        }
    }

    private void runTasks() {
        for (Runnable r; (r = tasks.poll()) != null; ) {
            guarded(r);
            if (closed) {
                return;
            }
        }
    }

    private void guarded(Runnable r) {
        try {
            r.run();
        } catch (Throwable e) {
            // whatever a task or a datagram's handler threw (an OutOfMemoryError too: the handler's
            // garbage is gone now), the loop goes on serving
            contained(e);
        }
    }

    private void contained(Throwable e) {
        failures.increment();
        try {
            if (failuresLogged.size() < FAILURE_KINDS_LOGGED && failuresLogged.add(e.getClass())) {
                LOG.error("protocol task on {} failed; the loop goes on (later failures of this kind are logged"
                        + " at debug level)", thread.getName(), e);
            } else {
                LOG.debug("protocol task on {} failed: {}", thread.getName(), e.toString());
            }
        } catch (Throwable logFailure) {
            // logging may fail too when memory is short; the failure is counted
        }
    }

    /**
     * @return how many tasks, timers and handlers threw since the loop started (each contained, the
     *     loop going on)
     */
    public long failures() {
        return failures.sum();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                stopped.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

package io.kad.core.sim;

import io.kad.core.transport.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Clients that call blocking APIs (a {@code ConcurrentMap}, a JCache) concurrently on a
 * {@link SimulatedNetwork}, in virtual time and replaying exactly from the seed. Each client is a thread,
 * but only one thread runs at a time: a client runs until it waits for a future (through a node whose
 * scheduler is {@link #wrap wrapped}, or {@link #await}/{@link #sleep}), then hands over to the driver,
 * which runs the network until some waiting client's future is done (or its timeout passed) and hands
 * back to that client. The hand-overs go through semaphores, so each thread sees what the previous one
 * did, and the order of hand-overs depends on nothing but the simulation: clients ready at the same
 * moment run in the order they were spawned.
 *
 * <p>Contract: spawn clients, then {@link #run} from the thread that owns the network; nothing touches
 * the network in between. A client may change the network (kill, partition, heal) while it runs.
 * {@link #close()} ends the threads of clients that did not finish.
 */
public final class SimClients implements AutoCloseable {

    private final SimulatedNetwork net;
    private final SimScheduler timers;
    private final List<Client> clients = new ArrayList<>();
    private final ThreadLocal<Client> current = new ThreadLocal<>();
    /** Released by a client when it waits or ends: the driver's turn. */
    private final Semaphore driverTurn = new Semaphore(0);

    /** Unwinds a client closed while it waited. */
    private static final class Abandoned extends Error {
        Abandoned() {
            super("client closed", null, false, false);
        }
    }

    private static final class Client {
        final String name;
        final Runnable body;
        final Semaphore turn = new Semaphore(0);
        Thread thread;
        boolean begun;
        volatile boolean finished;
        volatile CompletableFuture<?> waitingFor;
        volatile long deadline;
        volatile Throwable failure;

        Client(String name, Runnable body) {
            this.name = name;
            this.body = body;
        }
    }

    /** @param net the network the clients' nodes run on */
    public SimClients(SimulatedNetwork net) {
        this.net = Objects.requireNonNull(net, "net");
        this.timers = net.newScheduler();
    }

    /**
     * A node's scheduler whose blocking {@code await}, called by a client, hands over to the driver
     * instead of running the network itself; every other call goes to {@code inner}.
     *
     * @param inner the node's simulated scheduler
     * @return the scheduler to start the node with
     */
    public Scheduler wrap(Scheduler inner) {
        return new Scheduler() {
            @Override
            public long nowMillis() {
                return inner.nowMillis();
            }

            @Override
            public void execute(Runnable task) {
                inner.execute(task);
            }

            @Override
            public Cancellable schedule(Runnable task, long delayMillis) {
                return inner.schedule(task, delayMillis);
            }

            @Override
            public <T> T await(CompletableFuture<T> future, long timeoutMillis)
                    throws InterruptedException, ExecutionException, TimeoutException {
                if (current.get() != null) {
                    return SimClients.this.await(future, timeoutMillis);
                }
                return inner.await(future, timeoutMillis);
            }

            @Override
            public boolean inProtocolThread() {
                return inner.inProtocolThread();
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    /**
     * Adds a client; it starts at the next {@link #run}.
     *
     * @param name the client's name, for failures
     * @param body what it does
     */
    public void spawn(String name, Runnable body) {
        Client c = new Client(name, body);
        Thread t = new Thread(() -> {
            try {
                c.turn.acquire();
            } catch (InterruptedException e) {
                return; // closed before it began
            }
            current.set(c);
            try {
                c.body.run();
            } catch (Abandoned e) {
                return;
            } catch (Throwable e) {
                c.failure = e;
            } finally {
                c.finished = true;
                driverTurn.release();
            }
        }, "sim-client-" + name);
        t.setDaemon(true);
        c.thread = t;
        synchronized (clients) {
            clients.add(c);
        }
        t.start();
    }

    /**
     * Waits, in a client, for a future: the driver runs the network meanwhile.
     *
     * @param future the future
     * @param timeoutMillis virtual milliseconds to wait at most
     * @param <T> the result type
     * @return its value
     * @throws ExecutionException if it failed
     * @throws TimeoutException if it was not done in time
     */
    public <T> T await(CompletableFuture<T> future, long timeoutMillis) throws ExecutionException, TimeoutException {
        Client c = current.get();
        if (c == null) {
            throw new IllegalStateException("await is for client threads");
        }
        if (!future.isDone()) {
            long deadline = net.now() + timeoutMillis;
            c.deadline = deadline < 0 ? Long.MAX_VALUE : deadline;
            c.waitingFor = future;
            driverTurn.release();
            try {
                c.turn.acquire();
            } catch (InterruptedException e) {
                throw new Abandoned();
            }
            c.waitingFor = null;
            if (!future.isDone()) {
                throw new TimeoutException("not done within " + timeoutMillis + " ms of virtual time");
            }
        }
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Lets virtual time pass, in a client.
     *
     * @param millis how long
     */
    public void sleep(long millis) {
        CompletableFuture<Void> later = new CompletableFuture<>();
        timers.schedule(() -> later.complete(null), millis);
        try {
            await(later, Long.MAX_VALUE / 4);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the virtual time */
    public long now() {
        return net.now();
    }

    /**
     * Runs the clients and the network until every client ended.
     *
     * @param maxVirtualMillis how far the clock may advance
     * @throws AssertionError if a client failed (with its exception as cause), or the clients did not all
     *     end in time
     */
    public void run(long maxVirtualMillis) {
        long end = net.now() + maxVirtualMillis;
        while (true) {
            Client ready = null;
            boolean allDone = true;
            long next = Long.MAX_VALUE;
            for (Client c : snapshot()) {
                if (c.finished) {
                    continue;
                }
                allDone = false;
                if (isReady(c)) {
                    ready = c;
                    break;
                }
                next = Math.min(next, c.deadline);
            }
            if (allDone) {
                return;
            }
            if (ready != null) {
                ready.begun = true;
                ready.turn.release();
                driverTurn.acquireUninterruptibly();
                if (ready.failure != null) {
                    throw new AssertionError("client " + ready.name + " failed at virtual time " + net.now(),
                            ready.failure);
                }
                continue;
            }
            if (net.now() >= end) {
                throw new AssertionError("clients still running after " + maxVirtualMillis + " virtual ms");
            }
            long until = Math.min(next, end);
            net.runUntil(this::anyReady, Math.max(0, until - net.now()));
        }
    }

    private boolean isReady(Client c) {
        if (!c.begun) {
            return true;
        }
        CompletableFuture<?> f = c.waitingFor;
        return f != null && (f.isDone() || net.now() >= c.deadline);
    }

    private boolean anyReady() {
        for (Client c : snapshot()) {
            if (!c.finished && isReady(c)) {
                return true;
            }
        }
        return false;
    }

    private List<Client> snapshot() {
        synchronized (clients) {
            return new ArrayList<>(clients);
        }
    }

    /**
     * Runs a blocking call in a client and returns its value once the driver got it done: for a test
     * body that is itself one client.
     *
     * @param body the call
     * @param maxVirtualMillis how far the clock may advance
     * @param <T> the value's type
     * @return its value
     */
    public <T> T call(Supplier<T> body, long maxVirtualMillis) {
        Object[] out = new Object[1];
        spawn("call", () -> out[0] = body.get());
        run(maxVirtualMillis);
        @SuppressWarnings("unchecked")
        T t = (T) out[0];
        return t;
    }

    @Override
    public void close() {
        for (Client c : snapshot()) {
            if (!c.finished) {
                c.thread.interrupt();
            }
        }
        timers.close();
    }
}

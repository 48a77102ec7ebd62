package io.kad.core.sim;

/**
 * One entry of the simulation's queue: a task due at a virtual time, ordered by time and then by
 * sequence number so that ties run in the order they were enqueued.
 *
 * <p>Contract: an event runs or is cancelled at most once; {@link #markDone()} reports which came first.
 */
final class SimEvent {

    private final long time;
    private final long sequence;
    private final Runnable task;
    private final SimScheduler owner;
    private boolean done;

    SimEvent(long time, long sequence, Runnable task, SimScheduler owner) {
        this.time = time;
        this.sequence = sequence;
        this.task = task;
        this.owner = owner;
    }

    long time() {
        return time;
    }

    long sequence() {
        return sequence;
    }

    Runnable task() {
        return task;
    }

    /** @return the scheduler that submitted this event, or null for a datagram delivery */
    SimScheduler owner() {
        return owner;
    }

    boolean isDone() {
        return done;
    }

    /** @return true if this call changed the event from pending to done */
    boolean markDone() {
        if (done) {
            return false;
        }
        done = true;
        if (owner != null) {
            owner.forget(this);
        }
        return true;
    }
}

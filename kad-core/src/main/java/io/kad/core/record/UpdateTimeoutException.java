package io.kad.core.record;

/**
 * A {@link ConditionalUpdate} did not complete within its deadline, the record client's operation
 * timeout: the owner was slow, or concurrent writers kept changing the record before this update's
 * conditional write reached it.
 */
public class UpdateTimeoutException extends RecordException {

    private static final long serialVersionUID = 1L;

    private final String operation;
    private final long timeoutMillis;
    private final int refusedWrites;

    /**
     * @param operation what the update was, without its key
     * @param namespace the namespace of the record
     * @param timeoutMillis the deadline, in milliseconds from the update's start
     * @param refusedWrites how many of its conditional writes concurrent changes refused
     * @param cause the wait that ran out, or {@code null}
     */
    public UpdateTimeoutException(String operation, String namespace, long timeoutMillis, int refusedWrites,
                                  Throwable cause) {
        super(operation + " in '" + namespace + "' did not complete within " + timeoutMillis
                + " ms (kad.operation-timeout-ms); " + refusedWrites + " of its conditional writes were refused"
                + " by concurrent changes", cause);
        this.operation = operation;
        this.timeoutMillis = timeoutMillis;
        this.refusedWrites = refusedWrites;
    }

    /** @return what the update was, without its key */
    public String operation() {
        return operation;
    }

    /** @return the deadline, in milliseconds from the update's start */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    /** @return how many of its conditional writes concurrent changes refused */
    public int refusedWrites() {
        return refusedWrites;
    }
}

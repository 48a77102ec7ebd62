package io.kad.core.record;

/**
 * A record operation that could not complete: the owner did not answer in time, refused the write,
 * or the value could not be carried.
 */
public class RecordException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the key's owner where there is one
     */
    public RecordException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause why
     */
    public RecordException(String message, Throwable cause) {
        super(message, cause);
    }
}

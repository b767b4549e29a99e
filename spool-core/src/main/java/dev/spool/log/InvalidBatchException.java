package dev.spool.log;

/**
 * An append was refused before anything was written: the batch is too large, holds too many
 * records, or is not a valid Kafka v2 batch. The log is unchanged.
 */
public final class InvalidBatchException extends IllegalArgumentException {
    /** Why the batch was refused. */
    public enum Reason { TOO_LARGE, TOO_MANY_RECORDS, CORRUPT, EMPTY }

    private final Reason reason;

    public InvalidBatchException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

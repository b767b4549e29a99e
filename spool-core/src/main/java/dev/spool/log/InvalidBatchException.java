package dev.spool.log;

/**
 * An append was refused before anything was written: the batch is too large, holds too many
 * records, is not a valid Kafka v2 batch, or holds a record without a key for a compacted log
 * ({@link KeylessRecordException}). The log is unchanged.
 */
public class InvalidBatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Why the batch was refused. */
    public enum Reason { TOO_LARGE, TOO_MANY_RECORDS, CORRUPT, EMPTY, KEY_REQUIRED }

    private final Reason reason;

    public InvalidBatchException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

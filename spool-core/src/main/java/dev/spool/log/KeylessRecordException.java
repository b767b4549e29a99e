package dev.spool.log;

import java.util.List;

/**
 * An append to a compacted log ({@link LogConfig#compacted()}) held a record without a key, which
 * compaction could not keep or drop by key; Kafka's broker refuses it the same way. The log is
 * unchanged. Names the first batch with such records and the index of each of them within it
 * (Kafka's {@code batchIndex}: 0 for the batch's first record).
 */
public final class KeylessRecordException extends InvalidBatchException {
    private static final long serialVersionUID = 1L;

    private final String log;
    private final int batchPosition;
    private final transient List<Integer> recordIndexes;

    public KeylessRecordException(String log, int batchPosition, List<Integer> recordIndexes) {
        super(Reason.KEY_REQUIRED, message(log, batchPosition, recordIndexes));
        this.log = log;
        this.batchPosition = batchPosition;
        this.recordIndexes = List.copyOf(recordIndexes);
    }

    private static String message(String log, int batchPosition, List<Integer> recordIndexes) {
        return (recordIndexes.size() == 1 ? "Record " + recordIndexes.get(0) : "Records " + recordIndexes)
                + " of the batch at position " + batchPosition + " of the append to " + log
                + " ha" + (recordIndexes.size() == 1 ? "s" : "ve") + " no key: the log is compacted and "
                + "accepts only records with a key";
    }

    /** The name of the log (for a topic's partition, {@code topic-partition}). */
    public String log() {
        return log;
    }

    /** Where the batch with keyless records starts in the appended bytes. */
    public int batchPosition() {
        return batchPosition;
    }

    /** The indexes of the keyless records within their batch, ascending. */
    public List<Integer> recordIndexes() {
        return recordIndexes;
    }
}

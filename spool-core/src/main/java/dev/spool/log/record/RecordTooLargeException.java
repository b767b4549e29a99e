package dev.spool.log.record;

/**
 * A record that does not fit a batch even alone: its encoded size exceeds the batch limit
 * ({@code max.message.bytes} for a log). Starting another batch cannot help, so it is an
 * exception rather than a {@code false} from {@link BatchBuilder#tryAppend}. Nothing was written.
 */
public final class RecordTooLargeException extends IllegalArgumentException {
    private final long recordBytes;
    private final int batchBytesMax;

    public RecordTooLargeException(long recordBytes, int batchBytesMax) {
        super("a record of " + recordBytes + " bytes (encoded) is larger than a batch may be: at most "
                + batchBytesMax + " bytes including the batch header (max.message.bytes)");
        this.recordBytes = recordBytes;
        this.batchBytesMax = batchBytesMax;
    }

    /** The record's encoded size. */
    public long recordBytes() {
        return recordBytes;
    }

    /** The largest batch allowed, header included. */
    public int batchBytesMax() {
        return batchBytesMax;
    }
}

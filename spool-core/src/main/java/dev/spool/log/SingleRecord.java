package dev.spool.log;

import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.record.RecordTooLargeException;

/** One record as a batch of its own, sized to it: what {@link Log#append(byte[], byte[])} writes. */
final class SingleRecord {
    private SingleRecord() {
    }

    /** A builder holding the record, not built yet; {@code key} may be null (a record without a key), {@code value} not. */
    static BatchBuilder builder(long timestamp, byte[] key, byte[] value, int batchBytesMax) {
        long recordBytes = BatchBuilder.recordSizeInBytes(0, 0, key == null ? -1 : key.length, value.length, null);
        long batchBytes = RecordBatch.HEADER_BYTES + recordBytes;
        if (batchBytes > batchBytesMax) {
            throw new RecordTooLargeException(batchBytes, batchBytesMax);
        }
        BatchBuilder builder = new BatchBuilder((int) batchBytes);
        builder.tryAppend(timestamp, key, value);
        return builder;
    }
}

package dev.spool.log;

import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What a read returned: whole record batches (possibly none) and the log's bounds at the time.
 *
 * @param batches        whole Kafka v2 batches, from position to limit; empty at the end of the log
 * @param logStartOffset first readable offset when the read ran
 * @param logEndOffset   the offset the next append gets, when the read ran
 */
public record ReadResult(ByteBuffer batches, long logStartOffset, long logEndOffset) {

    public boolean isEmpty() {
        return !batches.hasRemaining();
    }

    /** The offset after the last record returned: where the next read continues. */
    public long nextOffset(long requestedOffset) {
        long next = requestedOffset;
        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
            next = RecordBatch.lastOffset(batches, at) + 1;
        }
        return next;
    }

    /**
     * Decodes every record of every batch, in offset order. The first batch may start before the
     * offset that was asked for (batches are returned whole); skip records below it if needed.
     *
     * <p>Each batch's CRC is checked first, and each batch must start where the previous one ended:
     * a bit flipped on the disk or on the way (a latent sector error) is a
     * {@link CorruptRecordException}, never a wrong record. (A Kafka consumer checks the same CRC.)
     */
    public List<Record> records() throws CorruptRecordException {
        List<Record> records = new ArrayList<>();
        long expectedBase = -1;
        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
            RecordBatch.validate(batches, at, Integer.MAX_VALUE);
            long base = RecordBatch.baseOffset(batches, at);
            if (expectedBase >= 0 && base != expectedBase) {
                throw new CorruptRecordException("Batch at byte " + (at - batches.position()) + " of the read starts at "
                        + "offset " + base + " where " + expectedBase + " follows the previous batch");
            }
            expectedBase = RecordBatch.lastOffset(batches, at) + 1;
            records.addAll(RecordBatch.records(batches, at));
        }
        return records;
    }
}

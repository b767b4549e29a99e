package dev.spool.kafka.api;

import dev.spool.log.Log;
import java.io.IOException;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * How Fetch reads stored batches into a response. {@link #copying()} reads them into the heap
 * ({@link Log#read(long, int)}); the zero-copy form hands the channel a region of the segment file.
 */
interface StoredRecords {

    /**
     * Whole batches from the one that holds {@code offset}, up to {@code maxBytes} but at least
     * one (none at the log end).
     *
     * @throws dev.spool.log.OffsetOutOfRangeException outside the log's offsets
     */
    Read read(Log log, long offset, int maxBytes) throws IOException;

    /** What a read found, with the log's bounds as it saw them. */
    record Read(BaseRecords records, long logStartOffset, long logEndOffset) {
    }

    static StoredRecords copying() {
        return (log, offset, maxBytes) -> {
            dev.spool.log.ReadResult result = log.read(offset, maxBytes);
            return new Read(MemoryRecords.readableRecords(result.batches()), result.logStartOffset(),
                    result.logEndOffset());
        };
    }
}

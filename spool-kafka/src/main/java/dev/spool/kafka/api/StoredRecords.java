package dev.spool.kafka.api;

import dev.spool.kafka.network.SegmentFileRegion;
import dev.spool.kafka.protocol.FileRecordsSlice;
import dev.spool.log.Log;
import dev.spool.log.LogSlice;
import java.io.IOException;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * How Fetch puts stored batches into a response: {@link #zeroCopy()} names where they lie in the
 * segment file ({@link Log#readSlice}) and the channel sends them from there with
 * {@code transferTo}; {@link #copying()} reads them into the heap first ({@link Log#read(long, int)}).
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

    static StoredRecords zeroCopy() {
        return (log, offset, maxBytes) -> {
            LogSlice found = log.readSlice(offset, maxBytes);
            BaseRecords records = found.slice()
                    .<BaseRecords>map(slice -> new FileRecordsSlice(new SegmentFileRegion(slice.file(),
                            slice.position(), slice.sizeBytes())))
                    .orElse(MemoryRecords.EMPTY);
            return new Read(records, found.logStartOffset(), found.logEndOffset());
        };
    }

    static StoredRecords copying() {
        return (log, offset, maxBytes) -> {
            dev.spool.log.ReadResult result = log.read(offset, maxBytes);
            return new Read(MemoryRecords.readableRecords(result.batches()), result.logStartOffset(),
                    result.logEndOffset());
        };
    }
}

package dev.spool.kafka.api;

import dev.spool.kafka.network.SegmentFileRegion;
import dev.spool.kafka.protocol.FileRecordsSlice;
import dev.spool.log.Log;
import dev.spool.log.LogSlice;
import dev.spool.log.ReadResult;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * How Fetch puts stored batches into a response: {@link #zeroCopy()} names where they lie in the
 * segment file ({@link Log#readSlice}) and the channel sends them from there with
 * {@code transferTo}; {@link #copying()} reads them into the heap first ({@link Log#read(long, int)}).
 */
interface StoredRecords {

    /**
     * Whole batches from the first at or after the one that holds {@code offset} that holds a
     * record (see {@link Log#readSlice}), up to {@code maxBytes} but at least one (none at the log
     * end, nor when only empty batches lie before it).
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

    /** Reads into the heap, stepping over leading batches that hold no records as {@link Log#readSlice} does. */
    static StoredRecords copying() {
        return (log, offset, maxBytes) -> {
            long at = offset;
            while (true) {
                ReadResult result = log.read(at, maxBytes);
                ByteBuffer batches = result.batches();
                int first = batches.position();
                while (first < batches.limit() && !RecordBatch.holdsRecords(batches, first)) {
                    first += RecordBatch.sizeInBytes(batches, first);
                }
                if (first < batches.limit() || result.isEmpty()) {
                    return new Read(MemoryRecords.readableRecords(batches.position(first).slice()),
                            result.logStartOffset(), result.logEndOffset());
                }
                at = result.nextOffset(at);
                if (at >= result.logEndOffset()) {
                    return new Read(MemoryRecords.EMPTY, result.logStartOffset(), result.logEndOffset());
                }
            }
        };
    }
}

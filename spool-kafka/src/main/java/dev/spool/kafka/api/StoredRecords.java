package dev.spool.kafka.api;

import dev.spool.kafka.network.SegmentFileRegion;
import dev.spool.kafka.protocol.FileRecordsSlice;
import dev.spool.log.FileSlice;
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
 *
 * <p>A read may stop at an offset ({@code endOffset}: a {@code read_committed} fetch's last stable
 * offset): only whole batches that end below it are returned. A zero-copy read then reads the
 * headers of the batches in its slice (from the file, a page of them at a time) to find where to
 * cut; it does so only when the log reaches past {@code endOffset}, so a read without a bound, or
 * with one at the log end, costs what it did.
 */
interface StoredRecords {
    /** No bound: every batch up to the log end. */
    long NO_END = Long.MAX_VALUE;

    /**
     * Whole batches from the first at or after the one that holds {@code offset} that holds a
     * record (see {@link Log#readSlice}), up to {@code maxBytes} but at least one (none at the log
     * end, nor when only empty batches lie before it), and only those whose last offset is below
     * {@code endOffset} ({@link #NO_END} for all).
     *
     * @throws dev.spool.log.OffsetOutOfRangeException outside the log's offsets
     */
    Read read(Log log, long offset, int maxBytes, long endOffset) throws IOException;

    /** As {@link #read(Log, long, int, long)} without a bound. */
    default Read read(Log log, long offset, int maxBytes) throws IOException {
        return read(log, offset, maxBytes, NO_END);
    }

    /**
     * What a read found, with the log's bounds as it saw them, and {@code upperBoundOffset}: an
     * offset at or after the end of the records returned (exactly their end when the read walked
     * its batches), for the aborted transactions that overlap them.
     */
    record Read(BaseRecords records, long logStartOffset, long logEndOffset, long upperBoundOffset) {
    }

    static StoredRecords zeroCopy() {
        return (log, offset, maxBytes, endOffset) -> {
            LogSlice found = log.readSlice(offset, maxBytes);
            long upperBound = Math.min(endOffset, found.logEndOffset());
            if (found.slice().isEmpty()) {
                return new Read(MemoryRecords.EMPTY, found.logStartOffset(), found.logEndOffset(), upperBound);
            }
            FileSlice slice = found.slice().get();
            int sizeBytes = slice.sizeBytes();
            if (endOffset < found.logEndOffset()) {
                FileSlice.Cut cut = slice.below(endOffset);
                sizeBytes = cut.sizeBytes();
                upperBound = cut.nextOffset();
            }
            BaseRecords records = sizeBytes == 0 ? MemoryRecords.EMPTY
                    : new FileRecordsSlice(new SegmentFileRegion(slice.file(), slice.position(), sizeBytes));
            return new Read(records, found.logStartOffset(), found.logEndOffset(), upperBound);
        };
    }

    /** Reads into the heap, stepping over leading batches that hold no records as {@link Log#readSlice} does. */
    static StoredRecords copying() {
        return (log, offset, maxBytes, endOffset) -> {
            long at = offset;
            while (true) {
                ReadResult result = log.read(at, maxBytes);
                ByteBuffer batches = result.batches();
                int first = batches.position();
                while (first < batches.limit() && !RecordBatch.holdsRecords(batches, first)) {
                    first += RecordBatch.sizeInBytes(batches, first);
                }
                if (first < batches.limit() || result.isEmpty()) {
                    return below(batches.position(first).slice(), result, endOffset);
                }
                at = result.nextOffset(at);
                if (at >= result.logEndOffset()) {
                    return new Read(MemoryRecords.EMPTY, result.logStartOffset(), result.logEndOffset(),
                            Math.min(endOffset, result.logEndOffset()));
                }
            }
        };
    }

    /** The leading batches of {@code batches} whose last offset is below {@code endOffset}. */
    private static Read below(ByteBuffer batches, ReadResult result, long endOffset) {
        int end = 0;
        long next = Math.min(endOffset, result.logEndOffset());
        if (endOffset < result.logEndOffset()) {
            next = endOffset;
            while (end < batches.limit() && RecordBatch.lastOffset(batches, end) < endOffset) {
                next = RecordBatch.lastOffset(batches, end) + 1;
                end += RecordBatch.sizeInBytes(batches, end);
            }
            batches.limit(end);
        }
        return new Read(MemoryRecords.readableRecords(batches), result.logStartOffset(), result.logEndOffset(), next);
    }
}

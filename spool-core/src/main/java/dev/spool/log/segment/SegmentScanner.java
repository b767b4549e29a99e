package dev.spool.log.segment;

import dev.spool.log.io.StorageFile;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.BatchClassifier.Kind;
import dev.spool.log.segment.BatchClassifier.Verdict;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads a whole segment file front to back in large chunks, validating every batch and rebuilding
 * the segment's indexes as it goes: the work of recovery and of an index rebuild. It walks with a
 * {@link BatchCursor} and takes every judgement from {@link BatchClassifier} (torn tail, hole,
 * corruption), stopping at the first batch that is not valid; it changes nothing on disk, and the
 * caller (the recovery table) decides what the stop means.
 *
 * <p>Stateless; each scan keeps its state in a {@link Walk}. Not for concurrent use on one segment.
 */
public final class SegmentScanner {
    /** Chunks of this size (plus room for one whole batch) keep the scan at disk speed. */
    private static final int SCAN_CHUNK_BYTES = 4 << 20;

    /** The scan's result plus the index state the segment keeps appending from. */
    record Scanned(ScanResult result, long offsetOfMaxTimestamp, int bytesSinceLastIndexEntry,
                   long lastBatchBaseOffset) {
    }

    /** Sees each valid batch, in order, as the scan accepts it (the hash chain's recovery). */
    interface BatchVisitor {
        /** {@code batch} holds exactly the batch's bytes, from position 0; do not keep it. */
        void batch(ByteBuffer batch, long position) throws IOException;
    }

    private SegmentScanner() {
    }

    /**
     * Scans {@code file}, appending index entries to {@code offsets} and {@code times} (which the
     * caller has emptied). {@code trusted} skips the CRC check (for rebuilding the indexes of a
     * segment that was closed cleanly); dense offsets are checked either way.
     */
    static Scanned scan(StorageFile file, Path logPath, long baseOffset, int indexIntervalBytes, OffsetIndex offsets,
                        TimeIndex times, int batchBytesMax, boolean trusted, BatchVisitor visitor)
            throws IOException {
        long fileSize = file.size();
        if (fileSize > Integer.MAX_VALUE) {
            throw new IOException("Segment " + logPath + " is " + fileSize + " bytes, above 2 GiB");
        }
        int chunkBytes = (int) Math.min(fileSize, SCAN_CHUNK_BYTES + (long) Math.min(batchBytesMax, 64 << 20));
        BatchCursor cursor = BatchCursor.overBatches(file, logPath, 0, fileSize, batchBytesMax, chunkBytes);
        Walk walk = new Walk(baseOffset, indexIntervalBytes, offsets, times);
        while (true) {
            Verdict verdict = cursor.read();
            if (verdict.kind() == Kind.END) {
                break;
            }
            if (verdict.isValid()) {
                verdict = check(cursor, baseOffset, walk.expected, trusted, batchBytesMax);
            }
            if (!verdict.isValid()) {
                return walk.end(cursor.position(), verdict);
            }
            ByteBuffer batch = cursor.batch();
            if (visitor != null) {
                visitor.batch(batch, cursor.position());
            }
            walk.accept(batch, cursor.position());
            cursor.advance();
        }
        walk.finish();
        return walk.end(cursor.position(), BatchClassifier.Verdict.VALID);
    }

    /** The batch's own check (unless {@code trusted}), then its offsets against the dense run. */
    private static Verdict check(BatchCursor cursor, long baseOffset, long expected, boolean trusted,
                                 int batchBytesMax) throws IOException {
        ByteBuffer batch = cursor.batch();
        if (!trusted) {
            try {
                RecordBatch.validate(batch, 0, batchBytesMax);
            } catch (CorruptRecordException e) {
                boolean last = cursor.position() + batch.limit() == cursor.end();
                return BatchClassifier.failedCheck(batch, cursor.position(), last,
                        !last && cursor.zerosToEnd(batch.limit()), e.getMessage());
            }
        }
        return BatchClassifier.offsets(batch, 0, expected, baseOffset);
    }

    /** What a scan has learnt so far, and the index entries it adds as batches go by. */
    private static final class Walk {
        private final long baseOffset;
        private final int indexIntervalBytes;
        private final OffsetIndex offsets;
        private final TimeIndex times;
        long expected;
        long batches;
        long max = -1L;
        long maxOffset = -1L;
        int sinceIndex;
        long lastBase = -1L;

        Walk(long baseOffset, int indexIntervalBytes, OffsetIndex offsets, TimeIndex times) {
            this.baseOffset = baseOffset;
            this.indexIntervalBytes = indexIntervalBytes;
            this.offsets = offsets;
            this.times = times;
            this.expected = baseOffset;
        }

        void accept(ByteBuffer batch, long position) throws IOException {
            lastBase = RecordBatch.baseOffset(batch, 0);
            long last = RecordBatch.lastOffset(batch, 0);
            long batchMax = RecordBatch.maxTimestamp(batch, 0);
            if (batchMax > max && RecordBatch.holdsRecords(batch, 0)) { // as SegmentIndexes.onAppend
                max = batchMax;
                maxOffset = last;
            }
            if (sinceIndex > indexIntervalBytes) {
                offsets.append(last, (int) position);
                if (!times.isFull() && maxOffset >= baseOffset) { // as appends do: see SegmentIndexes.onAppend
                    times.maybeAppend(max, maxOffset);
                }
                sinceIndex = 0;
            }
            sinceIndex += batch.limit();
            expected = last + 1;
            batches++;
        }

        void finish() throws IOException {
            if (max >= 0) {
                // The entry seal() adds: without it a rebuilt time index understates the segment's
                // largest timestamp once it is flushed and read back after a clean restart.
                times.maybeAppend(max, maxOffset);
            }
        }

        Scanned end(long validBytes, Verdict verdict) {
            return new Scanned(new ScanResult(validBytes, expected, batches, max, verdict.kind(), verdict.problem()),
                    max < 0 ? -1L : maxOffset, sinceIndex, lastBase);
        }
    }
}

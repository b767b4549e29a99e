package dev.spool.log.segment;

import dev.spool.log.io.StorageFile;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads a whole segment file front to back in large chunks, validating every batch and rebuilding
 * the segment's indexes as it goes: the work of recovery and of an index rebuild. It tells the
 * three kinds of bytes apart but changes nothing on disk; the caller decides.
 *
 * <p>Torn tail, as opposed to corruption: fewer bytes left than a header needs or than the last
 * header announces; a zero-filled rest of the file (space allocated, never written); or a last
 * batch that fails its CRC and holds a whole zero-filled 512-byte sector (a write that reached
 * the disk only in part). Every other failed check is corruption.
 */
public final class SegmentScanner {
    /** Chunks of this size (plus room for one whole batch) keep the scan at disk speed. */
    private static final int SCAN_CHUNK_BYTES = 4 << 20;
    private static final int SECTOR_BYTES = 512;

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
        ByteBuffer chunk = ByteBuffer.allocate(Math.max(chunkBytes, RecordBatch.HEADER_BYTES));
        long chunkStart = 0;
        chunk.limit(0);
        long position = 0;
        long expected = baseOffset;
        long batches = 0;
        long max = -1L;
        long maxOffset = -1L;
        int sinceIndex = 0;
        long lastBase = -1L;
        while (position < fileSize) {
            int at = (int) (position - chunkStart);
            if (chunk.limit() - at < RecordBatch.HEADER_BYTES || chunk.limit() - at < peekSize(chunk, at)) {
                chunkStart = position;
                fill(file, chunk, chunkStart);
                at = 0;
            }
            long remaining = fileSize - position;
            if (remaining < RecordBatch.LOG_OVERHEAD_BYTES) {
                return end(position, expected, batches, max, maxOffset, sinceIndex, lastBase, ScanResult.Outcome.TORN_TAIL,
                        remaining + " bytes at the end are too few for a batch header");
            }
            int length = RecordBatch.batchLength(chunk, at);
            if (length == 0 && allZero(chunk, at, chunk.limit())
                    && zerosFrom(file, chunkStart + chunk.limit(), fileSize)) {
                return end(position, expected, batches, max, maxOffset, sinceIndex, lastBase, ScanResult.Outcome.TORN_TAIL,
                        remaining + " zero bytes at the end (space allocated, never written)");
            }
            if (length == 0 && allZero(chunk, at, Math.min(chunk.limit(), at + RecordBatch.HEADER_BYTES))) {
                return end(position, expected, batches, max, maxOffset, sinceIndex, lastBase, ScanResult.Outcome.HOLE,
                        "a zero-filled batch header with data after it (pages written back out of order?)");
            }
            if (length < RecordBatch.BATCH_LENGTH_MIN || (long) length + RecordBatch.LOG_OVERHEAD_BYTES > batchBytesMax) {
                return end(position, expected, batches, max, maxOffset, sinceIndex, lastBase, ScanResult.Outcome.CORRUPT,
                        "batch length " + length + " outside [" + RecordBatch.BATCH_LENGTH_MIN + ", "
                                + (batchBytesMax - RecordBatch.LOG_OVERHEAD_BYTES) + "]");
            }
            long batchBytes = (long) length + RecordBatch.LOG_OVERHEAD_BYTES;
            if (batchBytes > remaining) {
                return end(position, expected, batches, max, maxOffset, sinceIndex, lastBase, ScanResult.Outcome.TORN_TAIL,
                        "the last batch announces " + batchBytes + " bytes but only " + remaining + " remain");
            }
            if (chunk.limit() - at < batchBytes) {
                // A batch bigger than the chunk (only when batchBytesMax exceeds the chunk headroom).
                throw new IOException("Segment " + logPath + " position " + position + ": batch of "
                        + batchBytes + " bytes exceeds the scan buffer");
            }
            ByteBuffer batch = chunk.slice(at, (int) batchBytes);
            if (!trusted) {
                try {
                    RecordBatch.validate(batch, 0, batchBytesMax);
                } catch (CorruptRecordException e) {
                    boolean last = position + batchBytes == fileSize;
                    if (hasZeroSector(batch, position)) {
                        return end(position, expected, batches, max, maxOffset, sinceIndex, lastBase,
                                last ? ScanResult.Outcome.TORN_TAIL : ScanResult.Outcome.HOLE, (last ? "the last" : "a")
                                        + " batch fails its check (" + e.getMessage() + ") and holds a zero-filled "
                                        + "sector: an interrupted write" + (last ? "" : ", with data after it"));
                    }
                    return end(position, expected, batches, max, maxOffset, sinceIndex, lastBase, ScanResult.Outcome.CORRUPT,
                            e.getMessage());
                }
            }
            long batchBase = RecordBatch.baseOffset(batch, 0);
            if (batchBase != expected) {
                return end(position, expected, batches, max, maxOffset, sinceIndex, lastBase, ScanResult.Outcome.CORRUPT,
                        "batch base offset " + batchBase + ", expected " + expected);
            }
            int lastDelta = RecordBatch.lastOffsetDelta(batch, 0);
            if (lastDelta < 0 || batchBase + lastDelta - baseOffset > Integer.MAX_VALUE) {
                // A trusted scan skips the CRC that would catch this, and a valid CRC does not bound
                // it: offsets a segment cannot hold (it indexes them relative to its base, in 32 bits).
                return end(position, expected, batches, max, maxOffset, sinceIndex, lastBase, ScanResult.Outcome.CORRUPT,
                        "batch at offset " + batchBase + " has last offset delta " + lastDelta
                                + ", outside what a segment based at " + baseOffset + " can hold");
            }
            if (visitor != null) {
                visitor.batch(batch, position);
            }
            lastBase = batchBase;
            long last = RecordBatch.lastOffset(batch, 0);
            long batchMax = RecordBatch.maxTimestamp(batch, 0);
            if (batchMax > max) {
                max = batchMax;
                maxOffset = last;
            }
            if (sinceIndex > indexIntervalBytes) {
                offsets.append(last, (int) position);
                if (!times.isFull()) { // keep the last slot for the largest timestamp, as appends do
                    times.maybeAppend(max, maxOffset);
                }
                sinceIndex = 0;
            }
            sinceIndex += (int) batchBytes;
            expected = last + 1;
            batches++;
            position += batchBytes;
        }
        if (max >= 0) {
            // The entry seal() adds: without it a rebuilt time index understates the segment's
            // largest timestamp once it is flushed and read back after a clean restart.
            times.maybeAppend(max, maxOffset);
        }
        return end(position, expected, batches, max, maxOffset, sinceIndex, lastBase, ScanResult.Outcome.VALID, "");
    }

    private static void fill(StorageFile file, ByteBuffer chunk, long from) throws IOException {
        chunk.clear();
        int n = 0;
        while (chunk.hasRemaining()) {
            int read = file.read(chunk, from + n);
            if (read < 0) {
                break;
            }
            n += read;
        }
        chunk.flip();
    }

    private static int peekSize(ByteBuffer chunk, int at) {
        if (chunk.limit() - at < RecordBatch.LOG_OVERHEAD_BYTES) {
            return Integer.MAX_VALUE;
        }
        long size = (long) RecordBatch.batchLength(chunk, at) + RecordBatch.LOG_OVERHEAD_BYTES;
        return size < RecordBatch.LOG_OVERHEAD_BYTES || size > chunk.capacity() ? 0 : (int) size;
    }

    private static Scanned end(long validBytes, long next, long batches, long max, long maxOffset, int sinceIndex,
                               long lastBase, ScanResult.Outcome outcome, String problem) {
        return new Scanned(new ScanResult(validBytes, next, batches, max, outcome, problem), max < 0 ? -1L : maxOffset,
                sinceIndex, lastBase);
    }

    /** Whether the file reads as zeros from {@code from} to {@code fileSize} (a zero tail longer than a chunk). */
    private static boolean zerosFrom(StorageFile file, long from, long fileSize) throws IOException {
        ByteBuffer piece = ByteBuffer.allocate((int) Math.min(64 << 10, Math.max(0, fileSize - from)));
        for (long at = from; at < fileSize; at += piece.limit()) {
            piece.clear().limit((int) Math.min(piece.capacity(), fileSize - at));
            file.readFully(piece, at);
            if (!allZero(piece, 0, piece.limit())) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(ByteBuffer buffer, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buffer.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether some whole 512-byte sector of the file inside this batch reads as zeros: with a failed
     * CRC on the last batch, the mark of a write that reached the disk only in part. The verifier
     * applies the same rule as recovery through this method.
     */
    public static boolean hasZeroSector(ByteBuffer batch, long filePosition) {
        long firstSector = (filePosition + SECTOR_BYTES - 1) / SECTOR_BYTES * SECTOR_BYTES;
        for (long sector = firstSector; sector + SECTOR_BYTES <= filePosition + batch.limit(); sector += SECTOR_BYTES) {
            int from = (int) (sector - filePosition);
            if (allZero(batch, from, from + SECTOR_BYTES)) {
                return true;
            }
        }
        return false;
    }
}

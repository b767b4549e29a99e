package dev.spool.log.segment;

import dev.spool.log.CorruptLogException;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A segment's two sparse indexes and what keeps them current: loading them lazily (checked, and
 * rebuilt from the log by a trusted scan when missing or damaged), adding entries as batches are
 * appended or scanned (one offset entry and one time entry per {@code indexIntervalBytes}), the
 * final largest-timestamp entry when the segment is sealed, cutting them on truncation, and
 * flushing them after the data.
 *
 * <p>It also keeps what an entry needs that the indexes do not hold: the largest timestamp seen
 * and its offset, the bytes since the last entry, and the last batch's base offset.
 *
 * <p>Thread-safety: the indexes load once, under the segment's lock, from any thread (readers trigger it);
 * everything else is the segment writer's, under the log's writer lock.
 */
final class SegmentIndexes {
    private final Segment segment;
    private final FileIO io;
    private final Path offsetPath;
    private final Path timePath;
    private final long baseOffset;
    private final int indexIntervalBytes;
    private final int indexBytesMax;
    /** The segment's lock: a load or rebuild and the segment's close exclude each other. */
    private final Object loadLock;

    private volatile OffsetIndex offsets;
    private volatile TimeIndex times;
    /** The largest timestamp appended or scanned, -1 when none (the time index may know a larger one). */
    private volatile long maxTimestamp = -1L;
    private long offsetOfMaxTimestamp = -1L;
    private int bytesSinceLastEntry;
    /** Base offset of the last batch, once the segment's end is known (-1 when empty or unknown). */
    private long lastBatchBaseOffset = -1L;

    SegmentIndexes(Segment segment, Object loadLock, FileIO io, Path dir, long baseOffset, int indexIntervalBytes,
                   int indexBytesMax) {
        this.segment = segment;
        this.loadLock = loadLock;
        this.io = io;
        this.offsetPath = SegmentFiles.indexFile(dir, baseOffset);
        this.timePath = SegmentFiles.timeIndexFile(dir, baseOffset);
        this.baseOffset = baseOffset;
        this.indexIntervalBytes = indexIntervalBytes;
        this.indexBytesMax = indexBytesMax;
    }

    /** Starts both indexes empty (a new segment, or before a scan rebuilds them). */
    void empty() {
        offsets = OffsetIndex.empty(offsetPath, baseOffset, indexBytesMax);
        times = TimeIndex.empty(timePath, baseOffset, indexBytesMax);
    }

    OffsetIndex offsets() throws IOException {
        OffsetIndex index = offsets;
        if (index == null) {
            load();
            index = offsets;
        }
        return index;
    }

    TimeIndex times() throws IOException {
        TimeIndex index = times;
        if (index == null) {
            load();
            index = times;
        }
        return index;
    }

    long maxTimestamp() {
        return maxTimestamp;
    }

    long lastBatchBaseOffset() {
        return lastBatchBaseOffset;
    }

    /**
     * Loads both indexes from disk and sanity-checks them; a missing or damaged index is rebuilt
     * from the log (and a line says so). Safe to call from readers.
     */
    private void load() throws IOException {
        synchronized (loadLock) {
            if (offsets != null && times != null) {
                return;
            }
            try {
                if (!io.exists(offsetPath) || !io.exists(timePath)) {
                    throw new CorruptIndexException(io.exists(offsetPath) ? timePath : offsetPath, "missing");
                }
                OffsetIndex loadedOffsets = OffsetIndex.load(io, offsetPath, baseOffset, indexBytesMax);
                loadedOffsets.sanityCheck(segment.sizeBytes());
                TimeIndex loadedTimes = TimeIndex.load(io, timePath, baseOffset, indexBytesMax);
                loadedTimes.sanityCheck(segment.nextOffset());
                offsets = loadedOffsets;
                times = loadedTimes;
            } catch (CorruptIndexException e) {
                SegmentLog.LOG.warn("{}; rebuilding the indexes of {} from the log", e.getMessage(), segment.logPath());
                empty();
                ScanResult scan = segment.scan(Integer.MAX_VALUE, true, null);
                if (scan.outcome() != BatchClassifier.Kind.VALID) {
                    offsets = null; // not rebuilt: the next use tries again (a read error may be transient)
                    times = null;
                    throw new CorruptLogException(segment.logPath(), scan.validBytes(), "cannot rebuild the indexes: "
                            + scan.problem());
                }
                offsets.flush(io);
                times.flush(io);
            }
        }
    }

    /** Empties both indexes and rebuilds them with a full, checked scan (see {@link Segment#recover}). */
    ScanResult recover(int batchBytesMax, ChainRecovery chainRecovery) throws IOException {
        synchronized (loadLock) {
            empty();
            return segment.scan(batchBytesMax, false, chainRecovery);
        }
    }

    /** Scans the segment into the (emptied) indexes; keeps the state a valid or checked scan leaves. */
    SegmentScanner.Scanned scan(int batchBytesMax, boolean trusted, SegmentScanner.BatchVisitor visitor)
            throws IOException {
        SegmentScanner.Scanned scanned = SegmentScanner.scan(segment.storageFile(), segment.logPath(), baseOffset,
                indexIntervalBytes, offsets, times, batchBytesMax, trusted, visitor);
        ScanResult result = scanned.result();
        if (trusted && result.outcome() != BatchClassifier.Kind.VALID) {
            return scanned; // an index rebuild that failed (a read error, maybe transient) changes nothing
        }
        lastBatchBaseOffset = scanned.lastBatchBaseOffset();
        maxTimestamp = result.maxTimestamp();
        offsetOfMaxTimestamp = scanned.offsetOfMaxTimestamp();
        if (result.outcome() == BatchClassifier.Kind.VALID) {
            bytesSinceLastEntry = scanned.bytesSinceLastIndexEntry();
        }
        return scanned;
    }

    /** Takes the state a walk of the segment's tail found ({@link SegmentTail}). */
    void afterTail(SegmentTail.Tail tail) {
        lastBatchBaseOffset = tail.lastBatchBaseOffset();
        maxTimestamp = tail.maxTimestamp();
        offsetOfMaxTimestamp = tail.offsetOfMaxTimestamp();
        bytesSinceLastEntry = tail.bytesSinceIndexEntry();
    }

    /**
     * Indexes the batches in {@code buffers[0 .. count)}, which are being written one after the
     * other at {@code filePosition}; a batch may run on over the buffers after the one its header is
     * in (a gathered append's pieces).
     */
    void onAppend(ByteBuffer[] buffers, int count, int filePosition) throws IOException {
        int position = filePosition;
        long rest = 0; // bytes of the last batch indexed that lie in the buffers after its header's
        for (int i = 0; i < count; i++) {
            if (rest > 0) {
                rest -= buffers[i].remaining();
            } else {
                rest = onAppend(buffers[i], position);
            }
            position += buffers[i].remaining();
        }
    }

    /**
     * Indexes the batches that start in {@code batches[position, limit)}, which are being written at
     * {@code filePosition}; returns how many bytes of the last one lie past the limit (0 when it
     * ends there: the bytes of one batch gathered from several buffers, its header whole in this one).
     */
    long onAppend(ByteBuffer batches, int filePosition) throws IOException {
        OffsetIndex offsetIndex = offsets();
        TimeIndex timeIndex = times();
        int at = batches.position();
        int end = batches.limit();
        while (at < end) {
            int batchBytes = RecordBatch.sizeInBytes(batches, at);
            long last = RecordBatch.lastOffset(batches, at);
            long batchMax = RecordBatch.maxTimestamp(batches, at);
            // A batch without records (a cleaned log's gap) has a header timestamp but no record
            // at it: Kafka's readers and tools take a segment's timestamps from its records.
            if (batchMax > maxTimestamp && RecordBatch.holdsRecords(batches, at)) {
                maxTimestamp = batchMax;
                offsetOfMaxTimestamp = last;
            }
            if (bytesSinceLastEntry > indexIntervalBytes) {
                offsetIndex.append(last, filePosition + at - batches.position());
                // The last slot is kept for seal(): it records the segment's largest timestamp. None
                // yet when only batches without records came.
                if (!timeIndex.isFull() && offsetOfMaxTimestamp >= baseOffset) {
                    timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
                }
                bytesSinceLastEntry = 0;
            }
            bytesSinceLastEntry += batchBytes;
            lastBatchBaseOffset = RecordBatch.baseOffset(batches, at);
            at += batchBytes;
        }
        return at - end;
    }

    /** Cuts both indexes to the batches before {@code newNext}, which starts at {@code position}. */
    void truncateTo(long newNext, int position) throws IOException {
        offsets().truncateTo(newNext);
        offsets.truncateToPosition(position);
        times().truncateTo(newNext);
        maxTimestamp = -1L;
        offsetOfMaxTimestamp = -1L;
    }

    /** Adds the final largest-timestamp entry to the time index. */
    void seal() throws IOException {
        if (maxTimestamp >= 0 && offsetOfMaxTimestamp >= baseOffset) {
            times().maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
        }
    }

    /** Writes and forces the indexes that are loaded (the data first: the caller forced it). */
    void flush() throws IOException {
        if (offsets != null) {
            offsets.flush(io);
        }
        if (times != null) {
            times.flush(io);
        }
    }
}

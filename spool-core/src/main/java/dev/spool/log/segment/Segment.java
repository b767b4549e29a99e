package dev.spool.log.segment;

import dev.spool.log.CorruptLogException;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One segment of a log: a {@code .log} file of record batches with dense offsets starting at
 * {@link #baseOffset()}, plus its sparse {@link OffsetIndex} and {@link TimeIndex}.
 *
 * <p>Invariants: the first batch's base offset is the segment's base offset; each batch starts
 * at the offset after the previous one ends; bytes {@code [0, sizeBytes)} are whole, valid
 * batches. Positions are 32-bit, so a segment holds at most 2 GiB.
 *
 * <p>Thread-safety: one writer (the owning log, under its lock) appends, flushes and truncates.
 * Readers may call {@link #read}, {@link #positionOf} and {@link #findOffsetByTimestamp} from
 * any thread without locks: the writer publishes a batch by advancing the volatile
 * {@code sizeBytes} only after the write returned, so readers never see half a batch. Indexes of
 * segments opened from disk are loaded lazily, on first use.
 */
public final class Segment implements Closeable {

    private final FileIO io;
    private final Path dir;
    private final long baseOffset;
    private final int indexIntervalBytes;
    private final int indexBytesMax;
    private final Object loadLock = new Object();
    private final SegmentReads reads = new SegmentReads(this);

    private volatile StorageFile file;
    private volatile boolean closed;
    private volatile int sizeBytes;
    private volatile long nextOffset;
    private volatile OffsetIndex offsetIndex;
    private volatile TimeIndex timeIndex;
    private volatile long maxTimestamp = -1L;
    private long offsetOfMaxTimestamp = -1L;
    private int bytesSinceLastIndexEntry;
    private volatile long firstAppendMs = Long.MIN_VALUE;
    /** Base offset of the last batch, once the segment's end is known (-1 when empty or unknown). */
    private long lastBatchBaseOffset = -1L;
    /** The hash chain, when the log keeps one; loaded on first use for segments opened from disk. */
    private ChainFile chain;
    private boolean chained;
    /** Wall-clock time the segment was created or opened, for rolling by age. */
    private final long createdMs;

    private Segment(FileIO io, Path dir, long baseOffset, int indexIntervalBytes, int indexBytesMax,
                    StorageFile file, int sizeBytes, long nextOffset, long createdMs) {
        this.io = io;
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.indexIntervalBytes = indexIntervalBytes;
        this.indexBytesMax = indexBytesMax;
        this.file = file;
        this.sizeBytes = sizeBytes;
        this.nextOffset = nextOffset;
        this.createdMs = createdMs;
    }

    /** Creates a new, empty segment: an empty {@code .log} file and empty indexes. */
    public static Segment create(FileIO io, Path dir, long baseOffset, int indexIntervalBytes, int indexBytesMax,
                                 long nowMs) throws IOException {
        return create(io, dir, baseOffset, indexIntervalBytes, indexBytesMax, nowMs, null);
    }

    /**
     * As above, keeping a hash chain anchored at {@code chainAnchor} (the chain's hash before this
     * segment's first batch), or none when it is null. The sidecar is written on the first flush.
     */
    public static Segment create(FileIO io, Path dir, long baseOffset, int indexIntervalBytes, int indexBytesMax,
                                 long nowMs, byte[] chainAnchor) throws IOException {
        Path logPath = SegmentFiles.logFile(dir, baseOffset);
        StorageFile file = io.open(logPath, FileIO.OpenMode.CREATE_NEW);
        Segment segment = new Segment(io, dir, baseOffset, indexIntervalBytes, indexBytesMax, file, 0, baseOffset,
                nowMs);
        segment.offsetIndex = OffsetIndex.empty(SegmentFiles.indexFile(dir, baseOffset), baseOffset, indexBytesMax);
        segment.timeIndex = TimeIndex.empty(SegmentFiles.timeIndexFile(dir, baseOffset), baseOffset, indexBytesMax);
        if (chainAnchor != null) {
            segment.chained = true;
            segment.chain = ChainFile.empty(SegmentFiles.chainFile(dir, baseOffset), baseOffset, chainAnchor);
        }
        return segment;
    }

    /**
     * Opens an existing segment without reading it. {@code nextOffset} is what the caller knows
     * of its end (the next segment's base offset); call {@link #recover} or {@link #loadTail} to
     * establish it from the file instead.
     */
    public static Segment open(FileIO io, Path dir, long baseOffset, int indexIntervalBytes, int indexBytesMax,
                               long nextOffset, long nowMs) throws IOException {
        Path logPath = SegmentFiles.logFile(dir, baseOffset);
        long size = io.size(logPath);
        if (size > Integer.MAX_VALUE) {
            throw new IOException("Segment " + logPath + " is " + size + " bytes, above the 2 GiB a segment can hold");
        }
        return new Segment(io, dir, baseOffset, indexIntervalBytes, indexBytesMax, null, (int) size, nextOffset, nowMs);
    }

    public long baseOffset() {
        return baseOffset;
    }

    /** The offset after the last batch of this segment. */
    public long nextOffset() {
        return nextOffset;
    }

    public int sizeBytes() {
        return sizeBytes;
    }

    public boolean isEmpty() {
        return sizeBytes == 0;
    }

    /**
     * The wall-clock time a roll by age counts from: when this segment first received data in
     * this process (or was opened from disk). Unlike Kafka, producer timestamps play no part, so a
     * client with a wrong clock cannot make the log roll on every batch.
     */
    public long rollingBaseMs() {
        long known = firstAppendMs;
        return known == Long.MIN_VALUE ? createdMs : known;
    }

    public Path logPath() {
        return SegmentFiles.logFile(dir, baseOffset);
    }

    /** The largest record timestamp in this segment, -1 when empty. Loads the time index if needed. */
    public long maxTimestamp() throws IOException {
        if (isEmpty()) {
            return -1L;
        }
        return Math.max(timeIndex().lastTimestamp(), maxTimestamp);
    }

    /**
     * The largest record timestamp as retention may act on it: the time index carries no checksum
     * (its format is Kafka's), so before a segment is deleted for its age, the index's last entry is
     * checked against the CRC-covered max timestamp of the batch it names. When they disagree the
     * index is damaged: a warning, and the largest timestamp read from the batches themselves
     * ({@code spool verify} reports the index). A batch failing its CRC there is a
     * {@link CorruptLogException}.
     */
    public long maxTimestampForRetention() throws IOException {
        if (isEmpty()) {
            return -1L;
        }
        return reads.maxTimestampForRetention(maxTimestamp);
    }

    /** Base offset of the last batch, -1 when the segment is empty or its end was not read yet. */
    public long lastBatchBaseOffset() {
        return lastBatchBaseOffset;
    }

    /** Uses {@code loaded} as this segment's hash chain (recovery checked or rebuilt it). Writer only. */
    public void attachChain(ChainFile loaded) {
        chained = true;
        chain = loaded;
    }

    /**
     * This segment's hash chain, loaded from its sidecar on first use; null when the log keeps
     * none. Writer only.
     *
     * @throws CorruptChainException when the sidecar is missing or damaged (recovery rebuilds it
     *                               only for segments it scans)
     */
    public ChainFile chain() throws IOException {
        if (chained && chain == null) {
            Path path = SegmentFiles.chainFile(dir, baseOffset);
            if (!io.exists(path)) {
                throw new CorruptChainException(path, 0, "missing");
            }
            chain = ChainFile.load(io, path, baseOffset);
        }
        return chain;
    }

    /** Marks this segment as one whose hash chain is kept, to be loaded by {@link #chain()} when needed. */
    public void keepChain() {
        chained = true;
    }

    public OffsetIndex offsetIndex() throws IOException {
        OffsetIndex index = offsetIndex;
        if (index == null) {
            loadIndexes();
            index = offsetIndex;
        }
        return index;
    }

    public TimeIndex timeIndex() throws IOException {
        TimeIndex index = timeIndex;
        if (index == null) {
            loadIndexes();
            index = timeIndex;
        }
        return index;
    }

    /** True when the indexes cannot take another entry: time to roll. */
    public boolean indexesFull() throws IOException {
        return offsetIndex().isFull() || timeIndex().isFull();
    }

    /** The {@code .log} file, opened on first use; for this package's readers of the segment. */
    StorageFile storageFile() throws IOException {
        return file();
    }

    private StorageFile file() throws IOException {
        StorageFile f = file;
        if (f == null) {
            synchronized (loadLock) {
                f = file;
                if (closed) {
                    throw new java.nio.channels.ClosedChannelException();
                }
                if (f == null) {
                    f = io.open(logPath(), FileIO.OpenMode.READ_WRITE);
                    file = f;
                }
            }
        }
        return f;
    }

    /**
     * Loads both indexes from disk and sanity-checks them; a missing or damaged index is rebuilt
     * from the log (and a line says so). Safe to call from readers.
     */
    private void loadIndexes() throws IOException {
        synchronized (loadLock) {
            if (offsetIndex != null && timeIndex != null) {
                return;
            }
            Path indexPath = SegmentFiles.indexFile(dir, baseOffset);
            Path timeIndexPath = SegmentFiles.timeIndexFile(dir, baseOffset);
            try {
                if (!io.exists(indexPath) || !io.exists(timeIndexPath)) {
                    throw new CorruptIndexException(io.exists(indexPath) ? timeIndexPath : indexPath, "missing");
                }
                OffsetIndex loadedOffsets = OffsetIndex.load(io, indexPath, baseOffset, indexBytesMax);
                loadedOffsets.sanityCheck(sizeBytes);
                TimeIndex loadedTimes = TimeIndex.load(io, timeIndexPath, baseOffset, indexBytesMax);
                loadedTimes.sanityCheck(nextOffset);
                offsetIndex = loadedOffsets;
                timeIndex = loadedTimes;
            } catch (CorruptIndexException e) {
                SegmentLog.LOG.warn("{}; rebuilding the indexes of {} from the log", e.getMessage(), logPath());
                offsetIndex = OffsetIndex.empty(indexPath, baseOffset, indexBytesMax);
                timeIndex = TimeIndex.empty(timeIndexPath, baseOffset, indexBytesMax);
                ScanResult scan = scan(Integer.MAX_VALUE, true);
                if (scan.outcome() != BatchClassifier.Kind.VALID) {
                    offsetIndex = null; // not rebuilt: the next use tries again (a read error may be transient)
                    timeIndex = null;
                    throw new CorruptLogException(logPath(), scan.validBytes(), "cannot rebuild the indexes: "
                            + scan.problem());
                }
                offsetIndex.flush(io);
                timeIndex.flush(io);
            }
        }
    }

    /**
     * Establishes the end of a segment that was closed cleanly: loads its indexes (rebuilding a
     * damaged one), then reads the headers of the batches after the last index entry to learn the
     * next offset and largest timestamp. Cost: one index read and a few header reads.
     */
    public void loadTail() throws IOException {
        OffsetIndex offsets = offsetIndex();
        TimeIndex times = timeIndex();
        SegmentTail.Tail tail = SegmentTail.load(this, offsets, times, sizeBytes);
        nextOffset = tail.nextOffset();
        lastBatchBaseOffset = tail.lastBatchBaseOffset();
        times.sanityCheck(nextOffset); // now that the end is known, no entry may lie past it
        maxTimestamp = tail.maxTimestamp();
        offsetOfMaxTimestamp = tail.offsetOfMaxTimestamp();
        bytesSinceLastIndexEntry = tail.bytesSinceIndexEntry();
    }

    /**
     * Reads the whole segment, validating every batch (length, magic, CRC, dense offsets), and
     * rebuilds both indexes from what it reads. Does not change the file: the caller decides what
     * a torn or corrupt outcome means (see the log's recovery table).
     */
    public ScanResult recover(int batchBytesMax) throws IOException {
        return recover(batchBytesMax, null);
    }

    /**
     * As {@link #recover(int)}, showing every valid batch to {@code chainRecovery} as well (when
     * not null), which checks the sidecar against it and rebuilds what is missing; the caller
     * attaches the result with {@link #attachChain}.
     */
    public ScanResult recover(int batchBytesMax, ChainRecovery chainRecovery) throws IOException {
        synchronized (loadLock) {
            offsetIndex = OffsetIndex.empty(SegmentFiles.indexFile(dir, baseOffset), baseOffset, indexBytesMax);
            timeIndex = TimeIndex.empty(SegmentFiles.timeIndexFile(dir, baseOffset), baseOffset, indexBytesMax);
            return scan(batchBytesMax, false, chainRecovery);
        }
    }

    private ScanResult scan(int batchBytesMax, boolean trusted) throws IOException {
        return scan(batchBytesMax, trusted, null);
    }

    private ScanResult scan(int batchBytesMax, boolean trusted, SegmentScanner.BatchVisitor visitor)
            throws IOException {
        SegmentScanner.Scanned scanned = SegmentScanner.scan(file(), logPath(), baseOffset, indexIntervalBytes,
                offsetIndex, timeIndex, batchBytesMax, trusted, visitor);
        ScanResult result = scanned.result();
        if (trusted && result.outcome() != BatchClassifier.Kind.VALID) {
            return result; // an index rebuild that failed (a read error, maybe transient) changes nothing
        }
        lastBatchBaseOffset = scanned.lastBatchBaseOffset();
        nextOffset = result.nextOffset();
        maxTimestamp = result.maxTimestamp();
        offsetOfMaxTimestamp = scanned.offsetOfMaxTimestamp();
        if (result.outcome() == BatchClassifier.Kind.VALID) {
            bytesSinceLastIndexEntry = scanned.bytesSinceLastIndexEntry();
        }
        return result;
    }

    /**
     * Appends the whole batches (offsets already stamped) in {@code buffers[0 .. count)} with one gathering write, then
     * indexes them and publishes the new size. The buffers' positions advance to their limits.
     * Writer thread only.
     */
    public void append(ByteBuffer[] buffers, int count, long lastOffset, long nowMs) throws IOException {
        int start = sizeBytes;
        if (start == 0 && firstAppendMs == Long.MIN_VALUE) {
            firstAppendMs = nowMs;
        }
        long length = 0;
        for (int i = 0; i < count; i++) {
            length += buffers[i].remaining();
        }
        if (start + length > Integer.MAX_VALUE) {
            throw new IllegalStateException("Segment " + logPath() + " cannot grow past 2 GiB");
        }
        int position = start;
        for (int i = 0; i < count; i++) {
            indexBatches(buffers[i], position);
            position += buffers[i].remaining();
        }
        if (count == 1) {
            file().write(buffers[0], start);
        } else {
            ByteBuffer[] sources = count == buffers.length ? buffers : java.util.Arrays.copyOf(buffers, count);
            file().write(sources, start);
        }
        sizeBytes = (int) (start + length);
        nextOffset = lastOffset + 1;
        if (chain != null) {
            chain.spillIfDue(io);
        }
    }

    private void indexBatches(ByteBuffer batches, int filePosition) throws IOException {
        OffsetIndex offsets = offsetIndex();
        TimeIndex times = timeIndex();
        int at = batches.position();
        int end = batches.limit();
        while (at < end) {
            int batchBytes = RecordBatch.sizeInBytes(batches, at);
            long last = RecordBatch.lastOffset(batches, at);
            long batchMax = RecordBatch.maxTimestamp(batches, at);
            if (batchMax > maxTimestamp) {
                maxTimestamp = batchMax;
                offsetOfMaxTimestamp = last;
            }
            if (bytesSinceLastIndexEntry > indexIntervalBytes) {
                offsets.append(last, filePosition + at - batches.position());
                if (!times.isFull()) { // the last slot is kept for seal(): it records the segment's largest timestamp
                    times.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
                }
                bytesSinceLastIndexEntry = 0;
            }
            bytesSinceLastIndexEntry += batchBytes;
            lastBatchBaseOffset = RecordBatch.baseOffset(batches, at);
            at += batchBytes;
        }
    }

    /**
     * The position of the batch that holds {@code offset}, or -1 when the segment ends before it.
     * Binary-searches the offset index, then reads batch headers forward.
     */
    public int positionOf(long offset) throws IOException {
        return reads.positionOf(offset, sizeBytes);
    }

    /**
     * Reads whole batches starting with the one that holds {@code startOffset}: as many as fit in
     * {@code maxBytes}, but always at least one. Returns an empty buffer when the segment ends
     * before {@code startOffset}. Safe from any thread.
     */
    public ByteBuffer read(long startOffset, int maxBytes) throws IOException {
        return reads.read(startOffset, maxBytes);
    }

    /**
     * Where the whole batches that {@link #read(long, int)} would return lie in this segment's
     * file, without reading them: from the batch that holds {@code startOffset}, as many as fit in
     * {@code maxBytes} (at least one), stopping before any batch that starts at or after
     * {@code endOffset} (the log end the caller reports). Empty when there is no such batch. Only
     * batch headers are read. Safe from any thread.
     */
    public Optional<FileSlice> slice(long startOffset, int maxBytes, long endOffset) throws IOException {
        return reads.slice(startOffset, maxBytes, endOffset);
    }

    /**
     * A run of whole batches in a segment's file, for sending without copying
     * ({@link StorageFile#transferTo}). The file belongs to the segment: once retention or a
     * truncation closes it, a transfer fails with {@link java.nio.channels.ClosedChannelException}.
     */
    public record FileSlice(StorageFile file, long position, int sizeBytes) {
    }

    /**
     * Reads whole batches starting with the one that holds {@code startOffset} into {@code into}
     * (from its position), as many as fit, and returns a view of them (empty when the segment ends
     * before {@code startOffset}). {@code into} must hold at least one batch: the caller checks
     * it against the batch limit. Safe from any thread.
     */
    public ByteBuffer read(long startOffset, ByteBuffer into) throws IOException {
        return reads.read(startOffset, into);
    }

    /**
     * The first record at or after {@code timestamp} in this segment, if any: starts where the
     * time index allows, skips batches whose largest timestamp is below it, and decodes the first
     * batch that can hold it.
     */
    public Optional<Record> findOffsetByTimestamp(long timestamp, int batchBytesMax) throws IOException {
        return findOffsetByTimestamp(timestamp, baseOffset, batchBytesMax);
    }

    /**
     * As {@link #findOffsetByTimestamp(long, int)}, considering only records at or after
     * {@code startOffset} (the log start offset may fall inside this segment, even inside a batch).
     */
    public Optional<Record> findOffsetByTimestamp(long timestamp, long startOffset, int batchBytesMax)
            throws IOException {
        return reads.findOffsetByTimestamp(timestamp, startOffset);
    }

    /**
     * Removes every batch from the one holding {@code offset} on. Returns the new next offset
     * (the removed batch's base offset), which may be below {@code offset}: batches are never
     * split. Writer thread only.
     */
    public long truncateTo(long offset) throws IOException {
        int position = reads.positionOf(offset, sizeBytes);
        if (position < 0) {
            loadTail(); // the segment stays whole; make sure its end state is known before it is written again
            return nextOffset;
        }
        long newNext = reads.baseOffsetAt(position);
        truncateToPosition(position, newNext);
        return newNext;
    }

    /** Cuts the file at {@code position}, which must be a batch boundary whose batch starts at {@code newNext}. */
    public void truncateToPosition(long position, long newNext) throws IOException {
        ChainFile c = chain();
        if (c != null) {
            // The sidecar first: cut before the log, a crash leaves it behind (recomputed), never ahead.
            c.truncateTo(io, newNext);
        }
        offsetIndex().truncateTo(newNext);
        offsetIndex.truncateToPosition((int) position);
        timeIndex().truncateTo(newNext);
        sizeBytes = (int) position;
        file().truncate(position);
        file().force(true); // the shorter length must be durable, or cut batches could reappear after a crash
        nextOffset = newNext;
        maxTimestamp = -1L;
        offsetOfMaxTimestamp = -1L;
        loadTail();
    }

    /** Adds the final largest-timestamp entry to the time index; called when the segment stops being active. */
    public void seal() throws IOException {
        if (maxTimestamp >= 0 && offsetOfMaxTimestamp >= baseOffset) {
            timeIndex().maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
        }
    }

    /**
     * Forces the log's data, then writes and forces both indexes and the hash chain (data first:
     * an index or a chain entry never describes bytes that are not durable).
     */
    public void flush() throws IOException {
        StorageFile f = file;
        if (f != null) {
            f.force(false);
        }
        if (offsetIndex != null) {
            offsetIndex.flush(io);
        }
        if (timeIndex != null) {
            timeIndex.flush(io);
        }
        if (chain != null) {
            chain.flush(io);
        }
    }

    /** Forces only the log's data: enough for durability, since indexes are rebuilt from it after a crash. */
    public void forceData() throws IOException {
        StorageFile f = file;
        if (f != null) {
            f.force(false);
        }
    }

    /**
     * The paths of this segment's files: log, offset index, time index, hash chain (which may not
     * exist). Retention deletes the sidecar with its segment; the next segment's anchor keeps the
     * rest verifiable.
     */
    public List<Path> paths() {
        return List.of(SegmentFiles.logFile(dir, baseOffset), SegmentFiles.indexFile(dir, baseOffset),
                SegmentFiles.timeIndexFile(dir, baseOffset), SegmentFiles.chainFile(dir, baseOffset));
    }

    /**
     * Deletes segments durably and in an order a crash cannot confuse: close each, rename its
     * files to {@code .deleted}, sync the directory, then remove them (recovery finishes the job
     * for any {@code .deleted} file a crash leaves).
     */
    public static void deleteAll(FileIO io, Path dir, List<Segment> doomed) throws IOException {
        List<Path> renamed = new java.util.ArrayList<>();
        for (Segment segment : doomed) {
            segment.close();
            for (Path path : segment.paths()) {
                if (io.exists(path)) {
                    Path target = path.resolveSibling(path.getFileName() + SegmentFiles.DELETED_SUFFIX);
                    io.rename(path, target);
                    renamed.add(target);
                }
            }
        }
        io.syncDirectory(dir);
        for (Path path : renamed) {
            io.deleteIfExists(path);
        }
    }

    @Override
    public void close() throws IOException {
        StorageFile f;
        synchronized (loadLock) {
            closed = true;
            f = file;
            file = null;
        }
        if (f != null) {
            f.close();
        }
    }

    @Override
    public String toString() {
        return "Segment[" + logPath() + ", offsets " + baseOffset + ".." + nextOffset + ", " + sizeBytes + " bytes]";
    }

}

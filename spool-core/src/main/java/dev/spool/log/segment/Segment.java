package dev.spool.log.segment;

import dev.spool.log.CorruptLogException;
import dev.spool.log.FileSlice;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.Record;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One segment of a log: a {@code .log} file of record batches with dense offsets starting at
 * {@link #baseOffset()}, plus its sparse {@link OffsetIndex} and {@link TimeIndex} and, when the
 * log keeps one, its hash chain, and its {@link SegmentTransactions} when a transaction aborted
 * in it. This class owns the file pair's life: create, open, append,
 * publish the size, truncate, flush, close. Its other jobs live beside it and it delegates:
 * {@link SegmentReads} (reads by offset and timestamp, through a {@link BatchCursor}),
 * {@link SegmentIndexes} (the indexes' load, rebuild and entries), {@link SegmentTail} (the end of
 * a cleanly closed segment), {@link SegmentScanner} (the full, checked scan of recovery).
 *
 * <p>Invariants: the first batch's base offset is the segment's base offset; each batch starts
 * at the offset after the previous one ends; bytes {@code [0, sizeBytes)} are whole, valid
 * batches. Positions are 32-bit, so a segment holds at most 2 GiB.
 *
 * <p>Thread-safety: one writer (the owning log, under its lock) appends, flushes and truncates.
 * Readers may call {@link #read}, {@link #slice}, {@link #positionOf} and
 * {@link #findOffsetByTimestamp} from any thread without locks: the writer publishes a batch by
 * advancing the volatile {@code sizeBytes} only after the write returned, so readers never see
 * half a batch. Indexes of segments opened from disk are loaded lazily, on first use.
 */
public final class Segment implements Closeable {

    private final FileIO io;
    private final Path dir;
    private final long baseOffset;
    private final Object loadLock = new Object();
    private final SegmentReads reads = new SegmentReads(this);
    private final SegmentIndexes indexes;
    private final SegmentChain chain;
    private final SegmentTransactions transactions;

    private volatile StorageFile file;
    /** The file space ahead of the end and the write window; the writer's only. */
    private final AppendSpace space;
    private volatile boolean closed;
    private volatile int sizeBytes;
    private volatile long nextOffset;
    private volatile long firstAppendMs = Long.MIN_VALUE;
    /** Wall-clock time the segment was created or opened, for rolling by age. */
    private final long createdMs;

    private Segment(FileIO io, Path dir, long baseOffset, int indexIntervalBytes, int indexBytesMax,
                    StorageFile file, int sizeBytes, long fileBytes, long nextOffset, long createdMs) {
        this.io = io;
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.indexes = new SegmentIndexes(this, loadLock, io, dir, baseOffset, indexIntervalBytes, indexBytesMax);
        this.chain = new SegmentChain(io, dir, baseOffset);
        this.transactions = new SegmentTransactions(io, dir, baseOffset);
        this.file = file;
        this.sizeBytes = sizeBytes;
        this.nextOffset = nextOffset;
        this.createdMs = createdMs;
        this.space = new AppendSpace(fileBytes);
        reads.appendsFrom(sizeBytes);
    }

    /** Creates a new, empty segment: an empty {@code .log} file and empty indexes. */
    public static Segment create(FileIO io, Path dir, long baseOffset, int indexIntervalBytes, int indexBytesMax,
                                 long nowMs) throws IOException {
        return create(io, dir, baseOffset, indexIntervalBytes, indexBytesMax, nowMs, null, ChainFile.VERSION,
                Optional.empty());
    }

    /**
     * As above, keeping a hash chain anchored at {@code chainAnchor} (the chain's hash before this
     * segment's first batch) in format {@code chainVersion}, or none when the anchor is null. The
     * file is new, or {@code spare}: a deleted segment's {@code .log}, renamed to this segment's
     * name, whose old bytes stay until appends overwrite them ({@link #seal} cuts what is left).
     */
    public static Segment create(FileIO io, Path dir, long baseOffset, int indexIntervalBytes, int indexBytesMax,
            long nowMs, byte[] chainAnchor, short chainVersion, Optional<Path> spare) throws IOException {
        Path logPath = SegmentFiles.logFile(dir, baseOffset);
        boolean reused = spare.isPresent() && io.exists(spare.get()); // else a new file
        if (reused) {
            io.rename(spare.get(), logPath);
        }
        StorageFile file = io.open(logPath, reused ? FileIO.OpenMode.READ_WRITE : FileIO.OpenMode.CREATE_NEW);
        Segment segment = new Segment(io, dir, baseOffset, indexIntervalBytes, indexBytesMax, file, 0,
                reused ? file.size() : 0, baseOffset, nowMs);
        segment.indexes.empty();
        if (chainAnchor != null) {
            segment.chain.startEmpty(chainAnchor, chainVersion);
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
        return new Segment(io, dir, baseOffset, indexIntervalBytes, indexBytesMax, null, (int) size, size, nextOffset, nowMs);
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
        return isEmpty() ? -1L : Math.max(timeIndex().lastTimestamp(), indexes.maxTimestamp());
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
        return reads.maxTimestampForRetention(indexes.maxTimestamp());
    }

    /** Base offset of the last batch, -1 when the segment is empty or its end was not read yet. */
    public long lastBatchBaseOffset() {
        return indexes.lastBatchBaseOffset();
    }

    /** Uses {@code loaded} as this segment's hash chain (recovery checked or rebuilt it). Writer only. */
    public void attachChain(ChainFile loaded) {
        chain.attach(loaded);
    }

    /**
     * This segment's hash chain, loaded from its sidecar on first use; null when the log keeps
     * none. Writer only.
     *
     * @throws CorruptChainException when the sidecar is missing or damaged (recovery rebuilds it
     *                               only for segments it scans)
     */
    public ChainFile chain() throws IOException {
        return chain.get();
    }

    /** Marks this segment as one whose hash chain is kept, to be loaded by {@link #chain()} when needed. */
    public void keepChain() {
        chain.keep();
    }

    /** The aborted-transaction index ({@code .txnindex}), which most segments never get. */
    public SegmentTransactions transactions() {
        return transactions;
    }

    /**
     * Loads the {@code .txnindex} the log's open found beside this segment, by the recovery rules
     * ({@link SegmentTransactions#load}); {@code last} when this is the log's last segment.
     */
    public void loadTransactions(long logEndOffset, boolean last) throws IOException {
        transactions.load(logEndOffset, last ? Long.MAX_VALUE : nextOffset);
    }

    public OffsetIndex offsetIndex() throws IOException {
        return indexes.offsets();
    }

    public TimeIndex timeIndex() throws IOException {
        return indexes.times();
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
     * Establishes the end of a segment that was closed cleanly: loads its indexes (rebuilding a
     * damaged one), then reads the headers of the batches after the last index entry to learn the
     * next offset and largest timestamp. Cost: one index read and a few header reads.
     */
    public void loadTail() throws IOException {
        OffsetIndex offsets = offsetIndex();
        TimeIndex times = timeIndex();
        SegmentTail.Tail tail = SegmentTail.load(this, offsets, times, sizeBytes);
        nextOffset = tail.nextOffset();
        times.sanityCheck(nextOffset); // now that the end is known, no entry may lie past it
        indexes.afterTail(tail);
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
        return indexes.recover(batchBytesMax, chainRecovery);
    }

    /** Scans the segment into its emptied indexes (see {@link SegmentIndexes#scan}) and takes the end it found. */
    ScanResult scan(int batchBytesMax, boolean trusted, SegmentScanner.BatchVisitor visitor) throws IOException {
        ScanResult result = indexes.scan(batchBytesMax, trusted, visitor).result();
        if (!trusted || result.outcome() == BatchClassifier.Kind.VALID) {
            nextOffset = result.nextOffset();
        }
        return result;
    }

    /**
     * Appends the whole batches (offsets already stamped) in {@code buffers[0 .. count)}, then
     * indexes them and publishes the new size; the file may grow to {@code segmentBytesMax} ahead
     * of them ({@link AppendSpace}). A batch may run on over the buffers after the one its header
     * is in (a gathered append's pieces). The buffers' positions advance to their limits. Writer
     * thread only.
     */
    public void append(ByteBuffer[] buffers, int count, long lastOffset, long nowMs, int segmentBytesMax)
            throws IOException {
        if (count == 1) {
            append(buffers[0], lastOffset, nowMs, segmentBytesMax);
            return;
        }
        long length = 0;
        for (int i = 0; i < count; i++) {
            length += buffers[i].remaining();
        }
        int start = startAppend(length, nowMs);
        indexes.onAppend(buffers, count, start);
        space.write(file(), buffers, count, length, start, segmentBytesMax);
        finishAppend((int) (start + length), lastOffset);
    }

    /** As {@link #append(ByteBuffer[], int, long, long, int)}, for the batches of one buffer. */
    public void append(ByteBuffer batches, long lastOffset, long nowMs, int segmentBytesMax) throws IOException {
        int start = startAppend(batches.remaining(), nowMs);
        int end = start + batches.remaining();
        indexes.onAppend(batches, start);
        space.write(file(), batches, start, segmentBytesMax);
        finishAppend(end, lastOffset);
    }

    /** Checks that {@code length} more bytes fit; returns where they go. */
    private int startAppend(long length, long nowMs) {
        int start = sizeBytes;
        if (start == 0 && firstAppendMs == Long.MIN_VALUE) {
            firstAppendMs = nowMs;
        }
        if (start + length > Integer.MAX_VALUE) {
            throw new IllegalStateException("Segment " + logPath() + " cannot grow past 2 GiB");
        }
        return start;
    }

    /** Publishes the bytes written up to {@code end} (readers may see them from now on). */
    private void finishAppend(int end, long lastOffset) throws IOException {
        sizeBytes = end;
        nextOffset = lastOffset + 1;
        chain.spillIfDue();
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
     * {@code maxBytes}, but always at least one, stopping before any batch that starts at or after
     * {@code endOffset} ({@code Long.MAX_VALUE}: the segment's end). Returns an empty buffer when
     * the segment ends before {@code startOffset}. {@code mapped}: a view of the file's pages
     * where it can be ({@link dev.spool.log.io.StorageFile#view}), else a copy. Safe from any thread.
     */
    public ByteBuffer read(long startOffset, int maxBytes, long endOffset, boolean mapped) throws IOException {
        return reads.read(startOffset, maxBytes, endOffset, mapped);
    }

    /** As {@link #read(long, int, long, boolean)} to the segment's end, copied. */
    public ByteBuffer read(long startOffset, int maxBytes) throws IOException {
        return reads.read(startOffset, maxBytes, Long.MAX_VALUE, false);
    }

    /**
     * Where the whole batches that {@link #read(long, int, long, boolean)} would return lie in this segment's
     * file, without reading them: from the batch that holds {@code startOffset}, as many as fit in
     * {@code maxBytes} (at least one), stopping before any batch that starts at or after
     * {@code endOffset} (the log end the caller reports). Batches that hold no records
     * ({@link dev.spool.log.record.RecordBatch#holdsRecords}: a cleaned log's gaps) at the start are
     * stepped over; when nothing else lies before the segment's end or {@code endOffset}, the
     * result is a slice of 0 bytes after them (the caller goes on with the next segment). Empty
     * when there is no batch at all. Only batch headers are read. Safe from any thread.
     */
    public Optional<FileSlice> slice(long startOffset, int maxBytes, long endOffset) throws IOException {
        return reads.slice(startOffset, maxBytes, endOffset);
    }

    /**
     * Reads whole batches starting with the one that holds {@code startOffset} into {@code into}
     * (from its position), as many as fit, and returns a view of them (empty when the segment ends
     * before {@code startOffset}), stopping before any batch that starts at or after
     * {@code endOffset}. {@code into} must hold at least one batch: the caller checks it against
     * the batch limit. Safe from any thread.
     */
    public ByteBuffer read(long startOffset, ByteBuffer into, long endOffset) throws IOException {
        return reads.read(startOffset, into, endOffset);
    }

    /**
     * The first record at or after {@code timestamp} in this segment, considering only records at
     * or after {@code startOffset} (the log start offset may fall inside this segment, even inside a
     * batch): starts where the time index allows, skips batches whose largest timestamp is below
     * it, and decodes the first batch that can hold it.
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
        // The sidecar first: cut before the log, a crash leaves it behind (recomputed), never ahead.
        chain.truncateTo(newNext);
        transactions.truncateTo(newNext);
        indexes.truncateTo(newNext, (int) position);
        reads.appendsFrom((int) position);
        sizeBytes = (int) position;
        space.cut(position);
        file().truncate(position);
        file().force(true); // the shorter length must be durable, or cut batches could reappear after a crash
        nextOffset = newNext;
        loadTail();
    }

    /**
     * Called when the segment stops being active: adds the final largest-timestamp entry to the
     * time index and cuts the space allocated past the last batch, so the file is Kafka's format.
     */
    public void seal() throws IOException {
        indexes.seal();
        StorageFile f = file;
        if (f != null) {
            space.trim(f, sizeBytes);
        }
    }

    /**
     * Forces the log's data, then writes and forces the indexes and the hash chain (data first:
     * an index or a chain entry never describes bytes that are not durable).
     */
    public void flush() throws IOException {
        forceData();
        indexes.flush();
        transactions.flush();
        chain.flush();
    }

    /** Forces only the log's data: enough for durability, since indexes are rebuilt from it after a crash. */
    public void forceData() throws IOException {
        StorageFile f = file;
        if (f != null) {
            f.force(space.takeCutSinceForce()); // a trim changed the size: the force must carry it
            space.forced();
        }
    }

    /** Forces the file's size if {@link #seal} cut space from it since the last force. */
    public void forceTrim() throws IOException {
        StorageFile f = file;
        if (f != null && space.takeCutSinceForce()) {
            f.force(true);
        }
    }

    /**
     * The paths of this segment's files: log, offset index, time index, hash chain (which may not
     * exist) and, when it may have one, its transaction index. Retention deletes the sidecar with its segment; the next segment's anchor keeps the
     * rest verifiable.
     */
    public List<Path> paths() {
        List<Path> paths = new ArrayList<>(List.of(SegmentFiles.logFile(dir, baseOffset),
                SegmentFiles.indexFile(dir, baseOffset), SegmentFiles.timeIndexFile(dir, baseOffset),
                SegmentFiles.chainFile(dir, baseOffset)));
        if (transactions.mayHaveFile()) { // most segments never have one: no lookup for it
            paths.add(transactions.path());
        }
        return paths;
    }

    @Override
    public void close() throws IOException {
        space.closeWindow();
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

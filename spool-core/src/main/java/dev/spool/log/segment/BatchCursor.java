package dev.spool.log.segment;

import dev.spool.log.CorruptLogException;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.BatchClassifier.Verdict;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The one walk over the batch headers of a segment file: every reader of batch bytes (recovery's
 * scan, the reads by offset and by timestamp, the tail load, truncation, verify, dump, repair and
 * the CLI's follower) moves through a file with it, and it asks {@link BatchClassifier} what the
 * bytes at each position are.
 *
 * <p>A cursor covers {@code [position, end)} of one file, {@code end} being a size snapshot taken
 * by the caller (bytes past it may be mid-write). {@link #read()} judges the bytes at the position
 * by the file's rules (a torn tail is possible at the end); {@link #readPublished()} by the rules
 * for bytes below a published size (nothing there can be torn, so anything that does not fit is a
 * {@link CorruptLogException}). After either, the accessors describe the current batch by its
 * header, and {@link #advance()} steps over it. Nothing here judges offsets: the walker knows what
 * it expects and asks {@link BatchClassifier#offsets}.
 *
 * <p>Three ways to read: {@link #overHeaders} reads one header per batch (a few dozen bytes: the
 * reads by offset, which skip most of a file), and after {@value #HEADERS_READ_ALONE} headers the
 * next {@value #HEADER_PAGE_BYTES} bytes at a time (a walk over many small batches: one read per
 * header had been all of describing a fetch of one-record batches); {@link #overBatches} reads the
 * file in large chunks that always hold the current batch whole (the scans that check every batch,
 * at disk speed); {@link #overBytes} walks a file already in memory (a repair's salvage). Memory is
 * bounded by the chunk, or by one batch of at most {@code batchBytesMax} for {@link #readBatch()}.
 *
 * <p>Not thread-safe: one cursor per walk. It never writes, and does not close the file.
 */
public final class BatchCursor {
    private static final int ZERO_CHECK_BYTES = 64 << 10;
    /** Headers a cursor over headers reads one read each, before it reads a page at a time. */
    static final int HEADERS_READ_ALONE = 4;
    static final int HEADER_PAGE_BYTES = 4 << 10;

    /** The file read, or null for a cursor {@link #overBytes over bytes in memory}. */
    private final StorageFile file;
    private final Path path;
    private final long end;
    private final int batchBytesMax;
    private final boolean wholeBatches;
    /** Holds the current header (or, for whole batches, a chunk of the file from {@code bufferStart}). */
    private ByteBuffer buffer;
    private long bufferStart = -1;
    private long position;
    private int at;
    private boolean haveHeader;
    /** Headers read so far by a cursor over headers. */
    private int headerReads;

    private BatchCursor(StorageFile file, Path path, long position, long end, int batchBytesMax, ByteBuffer buffer,
                        boolean wholeBatches) {
        this.file = file;
        this.path = path;
        this.position = position;
        this.end = end;
        this.batchBytesMax = batchBytesMax;
        this.wholeBatches = wholeBatches;
        this.buffer = buffer.order(ByteOrder.BIG_ENDIAN);
    }

    private static ByteBuffer empty(int capacity) {
        return ByteBuffer.allocate(capacity).limit(0);
    }

    /** A cursor that reads only batch headers, from {@code position} up to {@code end}. */
    public static BatchCursor overHeaders(StorageFile file, Path path, long position, long end, int batchBytesMax) {
        return new BatchCursor(file, path, position, end, batchBytesMax, empty(RecordBatch.HEADER_BYTES), false);
    }

    /**
     * A cursor that reads chunks of about {@code chunkBytes}, each holding the current batch
     * whole; a batch larger than the chunk is an {@link IOException}.
     */
    public static BatchCursor overBatches(StorageFile file, Path path, long position, long end, int batchBytesMax,
                                          int chunkBytes) {
        return new BatchCursor(file, path, position, end, batchBytesMax,
                empty(Math.max(chunkBytes, RecordBatch.HEADER_BYTES)), true);
    }

    /**
     * A cursor over a whole file already in memory ({@code bytes[0, limit)} is the file): the
     * same walk and the same judgements, without reads (a repair's salvage of a damaged segment).
     */
    public static BatchCursor overBytes(ByteBuffer bytes, Path path, int batchBytesMax) {
        BatchCursor cursor = new BatchCursor(null, path, 0, bytes.limit(), batchBytesMax,
                bytes.duplicate().position(0), true);
        cursor.bufferStart = 0;
        return cursor;
    }

    public Path path() {
        return path;
    }

    /** Where the current batch starts. */
    public long position() {
        return position;
    }

    /** The size snapshot this cursor stops at. */
    public long end() {
        return end;
    }

    /** Bytes from the position to the end. */
    public long remaining() {
        return end - position;
    }

    /** Moves to {@code position} (a batch boundary the caller knows); nothing is read until the next read. */
    public void seek(long newPosition) {
        position = newPosition;
        haveHeader = false;
    }

    /**
     * Reads and judges the bytes at the position by the file's rules ({@link BatchClassifier#header}).
     * For {@link BatchClassifier.Kind#VALID} the accessors describe the batch, and a cursor
     * {@link #overBatches over batches} holds it whole ({@link #batch()}).
     */
    public Verdict read() throws IOException {
        long remaining = end - position;
        loadHeader(Math.max(0, Math.min(remaining, RecordBatch.HEADER_BYTES)));
        Verdict verdict = BatchClassifier.header(buffer, at, remaining, batchBytesMax, this::zerosToEnd);
        haveHeader = verdict.isValid() || (verdict.kind() != BatchClassifier.Kind.END
                && buffer.limit() - at >= RecordBatch.HEADER_BYTES);
        if (verdict.isValid() && wholeBatches) {
            loadWholeBatch();
        }
        return verdict;
    }

    /**
     * Reads the header at the position, below a published size: a header cut short or a length
     * that does not fit is damage ({@link BatchClassifier#published}).
     *
     * @throws CorruptLogException naming the file and the position
     */
    public void readPublished() throws IOException {
        loadHeader(Math.max(0, Math.min(end - position, RecordBatch.HEADER_BYTES)));
        Verdict verdict = BatchClassifier.published(buffer, at, position, end);
        if (!verdict.isValid()) {
            throw new CorruptLogException(path, position, verdict.problem());
        }
        haveHeader = true;
    }

    /** Whether a whole header was read at the position (also for a torn or corrupt verdict). */
    public boolean hasHeader() {
        return haveHeader;
    }

    /** Steps over the current batch. */
    public void advance() {
        position += sizeBytes();
        haveHeader = false;
    }

    public long baseOffset() {
        return RecordBatch.baseOffset(header(), at);
    }

    public long lastOffset() {
        return RecordBatch.lastOffset(header(), at);
    }

    public int lastOffsetDelta() {
        return RecordBatch.lastOffsetDelta(header(), at);
    }

    public long maxTimestamp() {
        return RecordBatch.maxTimestamp(header(), at);
    }

    /** See {@link RecordBatch#holdsRecords}. */
    public boolean holdsRecords() {
        return RecordBatch.holdsRecords(header(), at);
    }

    /** The current batch's size by its length field, log overhead included. */
    public int sizeBytes() {
        return RecordBatch.sizeInBytes(header(), at);
    }

    /** The current batch, whole, from 0 to its limit; valid until the next read (cursors over batches only). */
    public ByteBuffer batch() {
        if (!wholeBatches) {
            throw new IllegalStateException("A cursor over headers holds no whole batch; use readBatch()");
        }
        return buffer.slice(at, sizeBytes()).order(ByteOrder.BIG_ENDIAN);
    }

    /** Reads the current batch whole into a new buffer the caller may keep. */
    public ByteBuffer readBatch() throws IOException {
        ByteBuffer batch = ByteBuffer.allocate(sizeBytes()).order(ByteOrder.BIG_ENDIAN);
        if (file == null) {
            return batch.put(batch()).flip();
        }
        file.readFully(batch, position);
        return batch.flip();
    }

    private ByteBuffer header() {
        if (!haveHeader) {
            throw new IllegalStateException("No batch header read at position " + position + " of " + path);
        }
        return buffer;
    }

    /** Makes {@code buffer[at, at + bytes)} hold the file's bytes at the position. */
    private void loadHeader(long bytes) throws IOException {
        if (bufferStart >= 0 && position >= bufferStart
                && position + bytes <= bufferStart + buffer.limit()) {
            at = (int) (position - bufferStart);
            return;
        }
        if (wholeBatches) {
            fill();
            return;
        }
        int reading = (int) bytes;
        if (++headerReads > HEADERS_READ_ALONE) { // a long walk: the headers ahead come a page at a time
            if (buffer.capacity() < HEADER_PAGE_BYTES) {
                buffer = ByteBuffer.allocate(HEADER_PAGE_BYTES).order(ByteOrder.BIG_ENDIAN);
            }
            reading = (int) Math.max(bytes, Math.min(HEADER_PAGE_BYTES, end - position));
        }
        buffer.clear().limit(reading);
        file.readFully(buffer, position);
        buffer.flip();
        bufferStart = position;
        at = 0;
    }

    private void loadWholeBatch() throws IOException {
        int batchBytes = sizeBytes();
        if (buffer.limit() - at >= batchBytes) {
            return;
        }
        fill();
        if (buffer.limit() < batchBytes) {
            throw new IOException("Segment " + path + " position " + position + ": batch of " + batchBytes
                    + " bytes exceeds the scan buffer");
        }
    }

    /** Refills the chunk from the position, up to the end. */
    private void fill() throws IOException {
        if (file == null) {
            at = (int) position; // the whole file is in the buffer already
            return;
        }
        buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
        int n = 0;
        while (buffer.hasRemaining()) {
            int read = file.read(buffer, position + n);
            if (read < 0) {
                break;
            }
            n += read;
        }
        buffer.flip();
        bufferStart = position;
        at = 0;
    }

    /**
     * Whether the file reads as zeros from {@code skipBytes} past the position to the end (true
     * when nothing is left there): the chunk in hand first, then the rest.
     */
    public boolean zerosToEnd(long skipBytes) throws IOException {
        long from = position + skipBytes;
        if (bufferStart >= 0 && from >= bufferStart && from < bufferStart + buffer.limit()) {
            if (!BatchClassifier.allZero(buffer, (int) (from - bufferStart), buffer.limit())) {
                return false;
            }
            from = bufferStart + buffer.limit();
        }
        if (from >= end) {
            return true;
        }
        if (file == null) { // a cursor over bytes: the whole file is the buffer
            return BatchClassifier.allZero(buffer, (int) from, (int) end);
        }
        ByteBuffer piece = ByteBuffer.allocate((int) Math.min(ZERO_CHECK_BYTES, end - from));
        for (long checked = from; checked < end; checked += piece.limit()) {
            piece.clear().limit((int) Math.min(piece.capacity(), end - checked));
            file.readFully(piece, checked);
            if (!BatchClassifier.allZero(piece, 0, piece.limit())) {
                return false;
            }
        }
        return true;
    }
}

package dev.spool.queue;

import dev.spool.log.FileSlice;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.record.RecordCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's read side of a {@link DiskBuffer}: reads runs of items from the log into one
 * reused buffer, checks each, and applies the {@link WhenCorrupt} policy to damaged ones.
 *
 * <h2>What is checked</h2>
 * Every item is one single-record batch and the log's offsets are dense, so the i-th batch of a
 * read that starts at sequence {@code s} must have base offset {@code s + i} and hold one record.
 * A batch that does not (a damaged base offset or record count: the base offset is outside the
 * CRC), or fails {@link RecordBatch#validate} (length, magic, CRC), or whose length is larger than
 * any item, is damaged: it is reported as item {@code s + i} with its segment file and position
 * ({@link BufferLog#locate}).
 *
 * <p>A read starts at the batch the log's headers lead to. A damaged base offset before the
 * wanted sequence (an item skipped or acknowledged earlier, still in its segment) can lead the
 * log to a batch before it; the reader then starts at the batch that has the wanted sequence.
 *
 * <p><b>Skipping</b> under {@link WhenCorrupt#SKIP} needs to know where the next item starts: the
 * damaged batch is skipped only when the batch after it in the same read has the next sequence,
 * or the damaged item is the last one, or its batch ends its segment and the next segment starts
 * at the next sequence. Damage to the length field hides the next item; the reader stops there
 * under either policy.
 *
 * <p>Not thread-safe: the buffer's consumer lock serializes it.
 */
final class ItemReader {
    private static final Logger LOG = LoggerFactory.getLogger(ItemReader.class);
    /**
     * Bytes read from the log per fetch, unless the next item is larger. A read of two 1 MiB items
     * at once spills the core's cache before the first is checked and decoded: measured, one item
     * per read took 163 µs from the file to Arrow vectors, two per read 257 µs each.
     */
    static final int FETCH_BYTES = 1 << 20;
    /**
     * The smallest item {@link #advance(ItemMemory)} reads alone into the caller's memory: below it,
     * the read per item (and its header read) costs more than copying the payload out of a read of
     * many items.
     */
    static final int OWNED_READ_BYTES_MIN = 64 << 10;
    /** Problems as the checks word them: {@link #corrupt} adds the file and position. */
    private static final RecordCursor.Locator AS_IS = (problem, position, baseOffset) -> problem;
    private static final ByteBuffer NO_BYTES = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final BufferLog log;
    private final DiskBufferConfig config;
    private final BufferMetrics metrics;
    /**
     * Reused for every read; direct, so the file's bytes land in it without the JDK's intermediate
     * copy, and a delivered payload is read from here without another ({@link PayloadReader}).
     */
    private final ByteBuffer readBuffer;
    /** Walks the records of {@link #window}; one for the reader's life, so delivering allocates nothing. */
    private final RecordCursor cursor = new RecordCursor();
    /** The batches of the last read; {@link #at} is the next one to deliver. */
    private ByteBuffer window = ByteBuffer.allocate(0);
    /** The byte position in {@link #window} of the next batch to deliver. */
    private int at;
    /** Items delivered from {@link #window}: damage after the first sends the reader back to the log. */
    private int deliveredFromWindow;
    /** The log's end when {@link #window} was read. */
    private long windowEnd;
    /**
     * Whether {@link #window} was read with less room than the whole read buffer (a fetch of
     * {@link #FETCH_BYTES}, or one item into caller memory): the batch after its last may exist unread.
     */
    private boolean windowPartial;
    /** Whether {@link #window} is one item read into memory the caller supplied ({@link #advance(ItemMemory)}). */
    private boolean windowOwned;
    /** The next sequence to deliver. */
    private long position;
    /** The last damaged item reported, so a consumer polling at it does not walk its segment each time. */
    private CorruptItemException lastCorrupt;

    // The current item, set by advance().
    private long sequence = -1;
    private int storedBytes;
    private boolean skipped;

    ItemReader(BufferLog log, DiskBufferConfig config, BufferMetrics metrics, long start) {
        this.log = log;
        this.config = config;
        this.metrics = metrics;
        // Two of the largest items fit: a damaged batch at the start of a read leaves room for the one after it.
        this.readBuffer = ByteBuffer.allocateDirect((int) Math.min(Integer.MAX_VALUE - 8,
                Math.max(FETCH_BYTES, 2L * config.itemBytesMax())));
        this.position = start;
    }

    /** The next sequence the reader will deliver. */
    long position() {
        return position;
    }

    /**
     * Moves to the next item in sequence order; false when every written item has been read. The
     * item is then {@link #sequence()} and {@link #storedBytes()}, and either {@link #skipped()} (a
     * damaged item passed over under {@link WhenCorrupt#SKIP}) or read through {@link #payload()}
     * and {@link #metadata()}, valid until the next call.
     */
    boolean advance() throws IOException {
        while (at >= window.limit()) {
            if (position >= log.logEndOffset()) {
                return false;
            }
            if (!readWindow(false)) {
                return true; // the log refused the item's batch: skipped
            }
        }
        long wanted = position;
        int size = RecordBatch.sizeInBytes(window, at);
        int next = at + size;
        try {
            check(wanted, size);
        } catch (CorruptRecordException e) {
            if (deliveredFromWindow > 0) {
                at = window.limit(); // deliver the good items first; read again from the damaged one
                return advance();
            }
            if (config.whenCorrupt() == WhenCorrupt.SKIP && windowPartial && next >= window.limit()
                    && wanted + 1 < windowEnd) {
                // Skipping needs the batch after the damaged one: read again with the whole buffer.
                if (!readWindow(true)) {
                    return true;
                }
                return advance();
            }
            CorruptItemException corrupt = corrupt(wanted, e.getMessage(), e);
            if (config.whenCorrupt() == WhenCorrupt.STOP || !nextItemFound(next, wanted, size, corrupt)) {
                at = window.limit(); // the next poll reads the log again: a repair may have mended it
                throw corrupt;
            }
            LOG.error("Skipping a damaged item (policy SKIP): {}", corrupt.getMessage());
            metrics.corruptSkipped();
            current(wanted, size, true);
            at = next;
            cursor.reset(window.position(next), AS_IS); // the cursor stopped inside the damaged batch
            return true;
        }
        current(wanted, size, false);
        deliveredFromWindow++;
        at = next;
        return true;
    }

    /**
     * As {@link #advance()}, but an item that starts a read and is at least
     * {@value #OWNED_READ_BYTES_MIN} bytes is read straight into a buffer from {@code memory} (one
     * copy, from the file); {@link #payloadOwned()} then says the payload lies there. Smaller items,
     * and any the log does not read that way (damage), come through the read buffer as usual.
     */
    boolean advance(ItemMemory memory) throws IOException {
        if (at >= window.limit() && position < log.logEndOffset()) {
            readOwned(memory);
        }
        return advance();
    }

    /** Reads the item at {@link #position} alone into caller memory, when it is large; else leaves the window. */
    private void readOwned(ItemMemory memory) throws IOException {
        long wanted = position;
        long end = log.logEndOffset();
        int size = batchBytesAt(wanted);
        if (size < OWNED_READ_BYTES_MIN || size > config.itemBytesMax()) {
            return;
        }
        ByteBuffer into = checkedSlice(memory.allocate(size), size);
        ByteBuffer batches;
        try {
            batches = log.read(wanted, into).batches();
        } catch (IOException | IllegalArgumentException | IndexOutOfBoundsException e) {
            return; // the read buffer's way reads it again, and reports damage at its sequence
        }
        if (batches.hasRemaining()) {
            window = batches;
            windowPartial = true;
            windowOwned = true;
            at = startOf(batches, wanted);
            windowEnd = end;
            deliveredFromWindow = 0;
            cursor.reset(batches.position(at), AS_IS);
        }
    }

    /**
     * The first {@code bytes} of what {@link ItemMemory#allocate} returned, from its position.
     *
     * @throws IllegalArgumentException if it is not a direct buffer with that many bytes remaining
     */
    static ByteBuffer checkedSlice(ByteBuffer allocated, int bytes) {
        if (!allocated.isDirect() || allocated.remaining() < bytes) {
            throw new IllegalArgumentException("ItemMemory.allocate(" + bytes + ") returned " + allocated
                    + ": a direct buffer with at least that many bytes remaining is needed");
        }
        return allocated.slice(allocated.position(), bytes);
    }

    /** The size of the batch holding {@code offset}, read from its header; -1 when the log cannot say. */
    private int batchBytesAt(long offset) {
        try {
            return log.current().readSlice(offset, 1).slice().map(FileSlice::sizeBytes).orElse(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Whether the current item's payload lies in the buffer {@link #advance(ItemMemory)} last took from its memory. */
    boolean payloadOwned() {
        return windowOwned;
    }

    long sequence() {
        return sequence;
    }

    /** Bytes the current item occupies in its segment (0 for one skipped unread). */
    int storedBytes() {
        return storedBytes;
    }

    /** Whether the current item was damaged and skipped: it has no payload. */
    boolean skipped() {
        return skipped;
    }

    /** The current item's payload: a read-only view of the read buffer, valid until the next {@link #advance()}. */
    ByteBuffer payload() {
        ByteBuffer value = cursor.value();
        return value != null ? value : NO_BYTES; // a null value, not written by us: empty
    }

    /** The current item's metadata (unmodifiable, in the order written). */
    Map<String, String> metadata() {
        return ItemCodec.metadata(cursor);
    }

    private void current(long itemSequence, int itemBytes, boolean damaged) {
        sequence = itemSequence;
        storedBytes = itemBytes;
        skipped = damaged;
        position = itemSequence + 1;
    }

    /**
     * Reads the batches from the one holding {@link #position} into {@link #window}; false when
     * the log refuses that batch and the item is skipped instead (it is then the current item).
     */
    private boolean readWindow(boolean whole) throws IOException {
        long wanted = position;
        long end = log.logEndOffset();
        ByteBuffer batches;
        try {
            batches = read(wanted, whole);
        } catch (CorruptItemException corrupt) {
            if (config.whenCorrupt() != WhenCorrupt.SKIP || !successorReadable(wanted, end)) {
                throw corrupt;
            }
            // The log refuses the item's batch (its header's offsets are damaged) but reads the next
            // one where it belongs: skip this one. Its size is unknown here, so the buffer's byte count
            // keeps it until a restart recounts from the segments (an over-count, never an under-count).
            LOG.error("Skipping a damaged item (policy SKIP): {}", corrupt.getMessage());
            metrics.corruptSkipped();
            current(wanted, 0, true);
            return false;
        }
        if (!batches.hasRemaining()) { // below the end, yet nothing: a damaged header hides the item
            throw corrupt(wanted, "the log returns no batch for it, though its end is " + end, null);
        }
        window = batches;
        windowOwned = false;
        windowPartial = !whole && readBuffer.capacity() > FETCH_BYTES && batches.remaining() <= FETCH_BYTES;
        at = startOf(batches, wanted);
        windowEnd = end;
        deliveredFromWindow = 0;
        cursor.reset(batches.position(at), AS_IS);
        return true;
    }

    /**
     * Checks the batch at {@link #at} is the intact item with sequence {@code wanted}, and moves the
     * cursor onto its record: base offset, size, then (the cursor) header, CRC and record framing.
     */
    private void check(long wanted, int size) throws CorruptRecordException {
        long base = RecordBatch.baseOffset(window, at);
        if (base != wanted) {
            throw new CorruptRecordException("expected the item with sequence " + wanted
                    + " here, found a batch with base offset " + base);
        }
        if (size > config.itemBytesMax()) {
            throw new CorruptRecordException("Batch of " + size + " bytes exceeds the maximum of "
                    + config.itemBytesMax() + " bytes");
        }
        boolean entered = cursor.next();
        // An empty batch yields no record: the cursor would have gone on to the next batch.
        if (!entered || cursor.batchPosition() != at || RecordBatch.lastOffsetDelta(window, at) != 0) {
            throw new CorruptRecordException("an item is one record, this batch holds "
                    + RecordBatch.recordCount(window, at));
        }
    }

    /**
     * Whole batches from the one holding {@code at}: as many as fit {@link #FETCH_BYTES} (the whole
     * read buffer if the first batch is larger, or if {@code whole}). Damage further on that breaks
     * the log's framing of the window (a length pointing past the segment) fails the read of the
     * whole window; then the batch at {@code at} is read alone, so the items before the damage are
     * still delivered, and the damage is reported at its own sequence.
     */
    private ByteBuffer read(long at, boolean whole) throws IOException {
        try {
            if (!whole && readBuffer.capacity() > FETCH_BYTES) {
                try {
                    return log.read(at, readBuffer.clear().limit(FETCH_BYTES)).batches();
                } catch (IllegalArgumentException larger) {
                    // the first batch is larger than a fetch: read it with the whole buffer, below
                }
            }
            return log.read(at, readBuffer.clear()).batches();
        } catch (IOException | IllegalArgumentException | IndexOutOfBoundsException windowFailed) {
            try {
                return log.readOne(at).batches();
            } catch (IOException | IllegalArgumentException | IndexOutOfBoundsException e) {
                e.addSuppressed(windowFailed);
                throw corrupt(at, "it cannot be read: " + e.getMessage(), e);
            }
        }
    }

    /** Whether the log reads the item after {@code at} as a batch that starts exactly there. */
    private boolean successorReadable(long at, long end) {
        if (at + 1 >= end) {
            return false;
        }
        try {
            ByteBuffer next = log.readOne(at + 1).batches();
            return next.hasRemaining() && RecordBatch.baseOffset(next, next.position()) == at + 1;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether the item after the damaged one at {@code at} is known to start where the damaged
     * batch ends: the next batch of this read has the next sequence, or the damaged item is the
     * last one, or its batch ends its segment and the next segment starts at the next sequence.
     */
    private boolean nextItemFound(int next, long at, int size, CorruptItemException corrupt) throws IOException {
        if (at + 1 == windowEnd) {
            return true;
        }
        if (next < window.limit()) {
            return RecordBatch.baseOffset(window, next) == at + 1;
        }
        return log.endsSegmentBeforeNext(at, corrupt.position(), size);
    }

    /** The batch that holds sequence {@code at}: the first, unless a damaged header led the log to one before it. */
    private static int startOf(ByteBuffer batches, long at) {
        int first = batches.position();
        if (first >= batches.limit() || RecordBatch.baseOffset(batches, first) == at) {
            return first;
        }
        for (int pos = first; pos < batches.limit(); pos += RecordBatch.sizeInBytes(batches, pos)) {
            if (RecordBatch.baseOffset(batches, pos) == at) {
                return pos;
            }
        }
        return first;
    }

    private CorruptItemException corrupt(long sequence, String problem, Throwable cause) throws IOException {
        CorruptItemException cached = lastCorrupt;
        BufferLog.Location location = cached != null && cached.sequence() == sequence
                ? new BufferLog.Location(cached.segmentFile().orElse(null), cached.position())
                : log.locate(sequence);
        lastCorrupt = new CorruptItemException(log.current().dir(), sequence, location.segmentFile(),
                location.position(), problem, cause);
        return lastCorrupt;
    }
}

package dev.spool.queue;

import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
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
    /** Bytes read from the log per fetch, unless the largest item is larger. */
    private static final int FETCH_BYTES = 1 << 20;

    /**
     * One step of the consumer: an item to deliver, or (record null) a damaged one skipped. The
     * record's value and headers are views of the read buffer, valid until the next fetch: until
     * every entry of this one has been taken.
     */
    record Entry(long sequence, int storedBytes, Record record) {
    }

    private final BufferLog log;
    private final DiskBufferConfig config;
    private final BufferMetrics metrics;
    /**
     * Reused for every read; direct, so the file's bytes land in it without the JDK's intermediate
     * copy, and a delivered payload is read from here without another ({@link PayloadReader}).
     */
    private final ByteBuffer readBuffer;
    private final ArrayDeque<Entry> fetched = new ArrayDeque<>();
    /** The next sequence to read from the log. */
    private long position;
    /** The last damaged item reported, so a consumer polling at it does not walk its segment each time. */
    private CorruptItemException lastCorrupt;

    ItemReader(BufferLog log, DiskBufferConfig config, BufferMetrics metrics, long start) {
        this.log = log;
        this.config = config;
        this.metrics = metrics;
        // Two of the largest items fit: a damaged batch at the start of a read leaves room for the one after it.
        this.readBuffer = ByteBuffer.allocateDirect((int) Math.min(Integer.MAX_VALUE - 8,
                Math.max(FETCH_BYTES, 2L * config.itemBytesMax())));
        this.position = start;
    }

    /** The next sequence the reader will read from the log. */
    long position() {
        return position;
    }

    /** The next entry in sequence order, or null when every written item has been read. */
    Entry next() throws IOException {
        if (fetched.isEmpty()) {
            fetch();
        }
        return fetched.pollFirst();
    }

    /** Reads the next run of items into {@link #fetched}; stops before a damaged one unless it is the first. */
    private void fetch() throws IOException {
        long at = position;
        long end = log.logEndOffset();
        if (at >= end) {
            return;
        }
        ByteBuffer batches;
        try {
            batches = read(at);
        } catch (CorruptItemException corrupt) {
            if (config.whenCorrupt() != WhenCorrupt.SKIP || !successorReadable(at, end)) {
                throw corrupt;
            }
            // The log refuses the item's batch (its header's offsets are damaged) but reads the next
            // one where it belongs: skip this one. Its size is unknown here, so the buffer's byte count
            // keeps it until a restart recounts from the segments (an over-count, never an under-count).
            LOG.error("Skipping a damaged item (policy SKIP): {}", corrupt.getMessage());
            metrics.corruptSkipped();
            fetched.addLast(new Entry(at, 0, null));
            position = at + 1;
            return;
        }
        if (!batches.hasRemaining()) { // below the end, yet nothing: a damaged header hides the item
            throw corrupt(at, "the log returns no batch for it, though its end is " + end, null);
        }
        for (int pos = startOf(batches, at); pos < batches.limit(); ) {
            int size = RecordBatch.sizeInBytes(batches, pos);
            int next = pos + size;
            try {
                check(batches, pos, at);
                Record record = RecordBatch.recordsOfCheckedBatch(batches, pos, // check() ran validate
                        RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT).get(0);
                fetched.addLast(new Entry(at, size, record));
            } catch (CorruptRecordException e) {
                if (!fetched.isEmpty()) {
                    break; // deliver the good items first; the next fetch starts at the damaged one
                }
                CorruptItemException corrupt = corrupt(at, e.getMessage(), e);
                if (config.whenCorrupt() == WhenCorrupt.STOP || !nextItemFound(batches, next, at, size, end, corrupt)) {
                    throw corrupt;
                }
                LOG.error("Skipping a damaged item (policy SKIP): {}", corrupt.getMessage());
                metrics.corruptSkipped();
                fetched.addLast(new Entry(at, size, null));
            }
            at++;
            pos = next;
        }
        position = at;
    }

    /**
     * Whole batches from the one holding {@code at}, as many as fit the read buffer. Damage further
     * on that breaks the log's framing of the window (a length pointing past the segment) fails
     * the read of the whole window; then the batch at {@code at} is read alone, so the items
     * before the damage are still delivered, and the damage is reported at its own sequence.
     */
    private ByteBuffer read(long at) throws IOException {
        try {
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
    private boolean nextItemFound(ByteBuffer batches, int next, long at, int size, long end,
                                  CorruptItemException corrupt) throws IOException {
        if (at + 1 == end) {
            return true;
        }
        if (next < batches.limit()) {
            return RecordBatch.baseOffset(batches, next) == at + 1;
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

    /** Checks the batch at {@code pos} is the intact item with sequence {@code sequence}. */
    private void check(ByteBuffer batches, int pos, long sequence) throws CorruptRecordException {
        long base = RecordBatch.baseOffset(batches, pos);
        if (base != sequence) {
            throw new CorruptRecordException("expected the item with sequence " + sequence
                    + " here, found a batch with base offset " + base);
        }
        RecordBatch.validate(batches, pos, config.itemBytesMax());
        if (RecordBatch.lastOffsetDelta(batches, pos) != 0) {
            throw new CorruptRecordException("an item is one record, this batch holds "
                    + RecordBatch.recordCount(batches, pos));
        }
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

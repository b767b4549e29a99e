package dev.spool.queue;

import dev.spool.log.ReadResult;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Optional;
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
 * damaged batch is skipped only when the batch after it, in the same read, has the next sequence,
 * or when it is the last batch of the read (the next read checks the next item the same way).
 * Damage to the length field hides the next item; the reader stops there under either policy.
 *
 * <p>Not thread-safe: the buffer's consumer lock serializes it.
 */
final class ItemReader {
    private static final Logger LOG = LoggerFactory.getLogger(ItemReader.class);
    /** Bytes read from the log per fetch, unless the largest item is larger. */
    private static final int FETCH_BYTES = 1 << 20;

    /** One step of the consumer: an item to deliver, or (item empty) a damaged one skipped. */
    record Entry(long sequence, int storedBytes, Optional<BufferItem> item) {
    }

    private final BufferLog log;
    private final DiskBufferConfig config;
    private final BufferMetrics metrics;
    /** Reused for every read: the largest item always fits. */
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
        this.readBuffer = ByteBuffer.allocate(Math.max(FETCH_BYTES, config.itemBytesMax()));
        this.position = start;
    }

    /** The next sequence the reader will read from the log. */
    long position() {
        return position;
    }

    /** The next entry in sequence order, or empty when every written item has been read. */
    Optional<Entry> next() throws IOException {
        if (fetched.isEmpty()) {
            fetch();
        }
        return Optional.ofNullable(fetched.pollFirst());
    }

    /**
     * The stored bytes of the batches from {@code offset} to the log end: one sequential pass over
     * the unacknowledged items, when a buffer opens. Where damage hides the batch sizes the count
     * stops there, with a warning: the consumer reports that damage when it reaches it.
     */
    long storedBytesFrom(long offset) throws IOException {
        long bytes = 0;
        long at = offset;
        long end = log.logEndOffset();
        while (at < end) {
            ByteBuffer batches;
            try {
                batches = log.read(at, readBuffer.clear()).batches();
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                LOG.warn("Disk buffer {}: cannot frame the item at sequence {} ({}); its size and the sizes after it "
                        + "are not counted", log.current().dir(), at, e.getMessage());
                return bytes;
            }
            if (!batches.hasRemaining()) {
                break;
            }
            for (int pos = batches.position(); pos < batches.limit(); pos += RecordBatch.sizeInBytes(batches, pos)) {
                if (RecordBatch.lastOffset(batches, pos) >= at) {
                    bytes += RecordBatch.sizeInBytes(batches, pos);
                    at = RecordBatch.lastOffset(batches, pos) + 1;
                }
            }
        }
        return bytes;
    }

    /** Reads the next run of items into {@link #fetched}; stops before a damaged one unless it is the first. */
    private void fetch() throws IOException {
        long at = position;
        if (at >= log.logEndOffset()) {
            return;
        }
        ReadResult read;
        try {
            read = log.read(at, readBuffer.clear());
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // The batch's length field runs past the largest item or the segment: the framing is gone.
            throw corrupt(at, "its length does not frame a batch of at most " + config.itemBytesMax() + " bytes ("
                    + e.getMessage() + ")", e);
        }
        ByteBuffer batches = read.batches();
        for (int pos = startOf(batches, at); pos < batches.limit(); ) {
            int size = RecordBatch.sizeInBytes(batches, pos);
            int next = pos + size;
            try {
                check(batches, pos, at);
                BufferItem item = ItemCodec.decode(RecordBatch.records(batches, pos).get(0), size);
                fetched.addLast(new Entry(at, size, Optional.of(item)));
            } catch (CorruptRecordException e) {
                if (!fetched.isEmpty()) {
                    break; // deliver the good items first; the next fetch starts at the damaged one
                }
                CorruptItemException corrupt = corrupt(at, e.getMessage(), e);
                boolean nextItemFound = next >= batches.limit() || RecordBatch.baseOffset(batches, next) == at + 1;
                if (config.whenCorrupt() == WhenCorrupt.STOP || !nextItemFound) {
                    throw corrupt;
                }
                LOG.error("Skipping a damaged item (policy SKIP): {}", corrupt.getMessage());
                metrics.corruptSkipped();
                fetched.addLast(new Entry(at, size, Optional.empty()));
            }
            at++;
            pos = next;
        }
        position = at;
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

package dev.spool.log.segment;

import dev.spool.log.CorruptLogException;
import dev.spool.log.FileSlice;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

/**
 * A segment's reads by offset and by timestamp: find the batch holding an offset (the offset
 * index, then a {@link BatchCursor} over the headers), read whole batches from there, describe
 * them for a zero-copy send, and find the first record at a timestamp. Also the retention check
 * of a segment's largest timestamp against its CRC-covered batches.
 *
 * <p>Invariant kept for every caller: a read returns whole batches with dense offsets starting
 * with the batch that holds the offset asked for, or nothing; a header that says otherwise is a
 * {@link CorruptLogException} naming the file and position, never records under wrong offsets.
 *
 * <p>Thread-safe as {@link Segment}'s reads are: each call takes a snapshot of the published
 * size and reads only below it; it holds no state of its own beyond its segment.
 */
final class SegmentReads {
    /** Bytes read per call while re-reading a whole segment's timestamps. */
    private static final int TIMESTAMP_SCAN_BYTES = 1 << 20;

    private final Segment segment;
    /**
     * Where this process's appends to the segment begin: every batch from here on was checked as
     * it was appended, got its offsets from the log's sequencer (dense) and its index entries as
     * it went. A read among them takes the offset index's word for where its whole batches end
     * ({@link #span}); bytes below it came from the disk, and a read of them walks their headers
     * ({@link #wholeBatchesEnd}). The size the segment was opened with (0 for a new one), lowered
     * by a truncation below it.
     */
    private volatile int appendedFrom = Integer.MAX_VALUE;

    SegmentReads(Segment segment) {
        this.segment = segment;
    }

    /** The bytes from {@code position} on are (or will be) this process's appends; see {@link #appendedFrom}. */
    void appendsFrom(int position) {
        if (position < appendedFrom) {
            appendedFrom = position;
        }
    }

    /**
     * Which bytes a read takes: {@code bytes} from its start, and whether they are known to be
     * whole batches with dense offsets, all before the reader's end offset, without a walk.
     */
    private record Span(int bytes, boolean whole) {
    }

    /** A batch found by its header: where it is, and the base offset and size its header gave. */
    record Located(int position, long baseOffset, int sizeBytes) {
    }

    private BatchCursor cursor(int position, int size) throws IOException {
        return BatchCursor.overHeaders(segment.storageFile(), segment.logPath(), position, size, Integer.MAX_VALUE);
    }

    int positionOf(long offset, int size) throws IOException {
        Located found = locate(offset, size);
        return found == null ? -1 : found.position;
    }

    /** The batch holding {@code offset} below the size snapshot {@code size}; null when the segment ends before. */
    Located locate(long offset, int size) throws IOException {
        if (offset >= segment.nextOffset() && size == segment.sizeBytes()) {
            return null;
        }
        long baseOffset = segment.baseOffset();
        OffsetIndex index = segment.offsetIndex();
        int entry = index.floorEntry(offset);
        // Offsets are dense: the batch at an index entry ends at the entry's offset, the first batch
        // starts at the segment's base, and each one after the one before. Checking that as the
        // headers go by is what catches damage a clean shutdown's trust did not scan for (a damaged
        // base offset, a batch missing or cut) before a read hands out records under wrong offsets.
        boolean atEntry = entry >= 0;
        long expected = atEntry ? index.offsetAt(entry) : baseOffset;
        BatchCursor cursor = cursor(entry < 0 ? 0 : index.positionAt(entry), size);
        while (cursor.position() < size) {
            cursor.readPublished();
            long base = cursor.baseOffset();
            long last = cursor.lastOffset();
            if (atEntry && last != expected) {
                // An index entry that does not name this batch's end (damage, or another writer's
                // convention): do not trust it; walk from the start, where every offset is checked.
                atEntry = false;
                expected = baseOffset;
                cursor.seek(0);
                continue;
            }
            if ((!atEntry && base != expected) || last < base) {
                expected = stepOverDamagedHeader(cursor, base, last, expected, offset, atEntry, size);
                continue;
            }
            if (last >= offset) {
                return new Located((int) cursor.position(), base, cursor.sizeBytes());
            }
            atEntry = false;
            expected = last + 1;
            cursor.advance();
        }
        return null;
    }

    /**
     * This header's offsets are damaged (they are outside the CRC). If the batch after it starts
     * past where this one should, and at or below the offset sought, only this header is wrong:
     * its batch holds {@code expected .. next base - 1}, below the offset, so step over it (the
     * cursor moves to the next batch; returns the offset it starts at), and one damaged header
     * hides no other batch. Otherwise report it.
     */
    private long stepOverDamagedHeader(BatchCursor cursor, long base, long last, long expected, long offset,
                                       boolean atEntry, int size) throws IOException {
        long position = cursor.position();
        long following = position + cursor.sizeBytes();
        if (!atEntry && following > position && following < size) {
            cursor.seek(following);
            cursor.readPublished();
            long nextBase = cursor.baseOffset();
            if (nextBase > expected && nextBase <= offset) {
                SegmentLog.LOG.warn("{} position {}: a batch header says offsets {}..{} where offset {} should "
                        + "start, and the next batch starts at {}: stepping over the damaged header",
                        segment.logPath(), position, base, last, expected, nextBase);
                cursor.seek(following);
                return nextBase;
            }
        }
        throw new CorruptLogException(segment.logPath(), position, "a batch of offsets " + base + ".." + last
                + " where offset " + expected + " should start, looking for offset " + offset
                + ": the segment is damaged");
    }

    /**
     * Checks the header of the first batch a read returns, as read (not as {@link #locate} saw
     * it: a flaky disk can return other bytes the second time): its length fits the segment, and it
     * holds the offset asked for (or this segment's first offset, when the read continues here from
     * an earlier segment), from the base offset its header gave when it was located. Offsets and
     * length are outside the batch CRC, so a damaged header would otherwise skip records, shift
     * their offsets, or size a buffer from garbage. Returns the batch's size.
     */
    private int checkFirstBatch(ByteBuffer bytes, Located found, int size, long startOffset) throws IOException {
        int position = found.position;
        BatchClassifier.Verdict fits = BatchClassifier.published(bytes, 0, position, size);
        if (!fits.isValid()) {
            throw new CorruptLogException(segment.logPath(), position, fits.problem());
        }
        long wanted = Math.max(startOffset, segment.baseOffset());
        long first = RecordBatch.baseOffset(bytes, 0);
        long last = RecordBatch.lastOffset(bytes, 0);
        if (first > wanted || last < wanted || first != found.baseOffset || first < segment.baseOffset()) {
            throw new CorruptLogException(segment.logPath(), position, "the batch read for offset " + wanted
                    + " holds offsets " + first + ".." + last + " (its header, read before, said it starts at "
                    + found.baseOffset + ")");
        }
        return RecordBatch.sizeInBytes(bytes, 0);
    }

    /** See {@link Segment#read(long, int, long, boolean)}. */
    ByteBuffer read(long startOffset, int maxBytes, long endOffset, boolean mapped) throws IOException {
        int size = segment.sizeBytes(); // a snapshot: bytes beyond it may be mid-write
        Located found = locate(startOffset, size);
        if (found == null) {
            return ByteBuffer.allocate(0);
        }
        int position = found.position;
        Span span = span(position, Math.min(Math.max(maxBytes, RecordBatch.HEADER_BYTES), size - position), size,
                found.sizeBytes, endOffset);
        int want = span.bytes();
        ByteBuffer bytes;
        if (mapped) {
            bytes = segment.storageFile().view(position, want);
        } else {
            bytes = ByteBuffer.allocate(want);
            segment.storageFile().readFully(bytes, position);
        }
        int first = checkFirstBatch(bytes, found, size, startOffset);
        if (first > want) { // the first batch alone is larger than maxBytes: return it whole anyway
            if (mapped) {
                return segment.storageFile().view(position, first);
            }
            ByteBuffer whole = ByteBuffer.allocate(first); // reading only the part not read yet
            whole.put(bytes.flip());
            segment.storageFile().readFully(whole, (long) position + want);
            return whole.flip();
        }
        int end = span.whole() ? want : wholeBatchesEnd(bytes, want, endOffset);
        bytes.position(0).limit(end);
        return bytes.slice();
    }

    /** See {@link Segment#read(long, ByteBuffer, long)}. */
    ByteBuffer read(long startOffset, ByteBuffer into, long endOffset) throws IOException {
        int size = segment.sizeBytes(); // a snapshot: bytes beyond it may be mid-write
        Located found = locate(startOffset, size);
        if (found == null) {
            return ByteBuffer.allocate(0);
        }
        int position = found.position;
        if (found.sizeBytes > into.remaining()) { // before reading: a caller that retries larger copies nothing twice
            throw tooSmall(into.remaining(), found.sizeBytes, position);
        }
        int start = into.position();
        Span span = span(position, Math.min(into.remaining(), size - position), size, found.sizeBytes, endOffset);
        int want = span.bytes();
        segment.storageFile().readFully(into.slice(start, want), position);
        ByteBuffer view = into.slice(start, want).order(ByteOrder.BIG_ENDIAN);
        if (want >= RecordBatch.HEADER_BYTES) { // else too small a buffer: the caller reports it
            checkFirstBatch(view, found, size, startOffset);
        }
        int end = span.whole() ? want : wholeBatchesEnd(view, want, endOffset);
        if (end == 0) {
            throw tooSmall(want, RecordBatch.sizeInBytes(view, 0), position);
        }
        return view.limit(end);
    }

    /**
     * How many of the {@code want} bytes from {@code position} a read takes: when they end inside
     * the segment, only up to the last batch start the offset index knows among them. Bytes past
     * the last whole batch would be copied only for {@link #wholeBatchesEnd} to drop them (and the
     * next read to copy them again): reading batches of a little over half the buffer, that was
     * half of every read. Never fewer than the first batch's {@code firstBytes}; an index entry
     * that is not a batch start (a damaged index) can only shorten the read, whose batches are
     * checked as before.
     *
     * <p>The span is whole, with no walk needed, when it lies among this process's appends (whose
     * index entries are batch starts and whose offsets are dense) and the batch at its end, the
     * indexed one, ends at or before {@code endOffset}, so every batch before it starts below.
     * Walking one-record batches' headers was a third of such a read: one dependent load from
     * memory per batch. The CRC each batch's reader checks still covers every byte of it.
     */
    private Span span(int position, int want, int size, int firstBytes, long endOffset) throws IOException {
        if (want >= size - position || firstBytes >= want) {
            return new Span(want, false);
        }
        OffsetIndex.Entry boundary = segment.offsetIndex().floorByPosition(position + want);
        if (boundary == null || boundary.position() - position < firstBytes) {
            return new Span(want, false);
        }
        return new Span(boundary.position() - position, position >= appendedFrom && boundary.offset() <= endOffset);
    }

    private IllegalArgumentException tooSmall(int bufferBytes, int batchBytes, int position) {
        return new IllegalArgumentException("A read buffer of " + bufferBytes + " bytes cannot hold the batch of "
                + batchBytes + " bytes at position " + position + " of " + segment.logPath());
    }

    /**
     * Where the whole batches at the start of {@code bytes[0, want)} end. Only the first batch's
     * header was checked (by {@link #locate}); a later batch whose length is not even a header's
     * (zeros, or damage a clean shutdown did not scan) or whose base offset does not follow the
     * batch before it ends the run there. So a read never returns bytes that are not a batch or
     * offsets that are not dense, and never walks backwards or in place on a negative length; the
     * next read starts at that batch and {@link #locate} reports the damage. The run also ends
     * before a batch that starts at or after {@code endOffset}: the log end the reader reports,
     * which batches written since it took that end may pass (trimmed here, in the same walk). This
     * trims bytes already in memory; it reads nothing, so it is not a walk of the file.
     */
    private static int wholeBatchesEnd(ByteBuffer bytes, int want, long endOffset) {
        int end = 0;
        long next = 0;
        while (end + RecordBatch.LOG_OVERHEAD_BYTES <= want) {
            int batchBytes = RecordBatch.sizeInBytes(bytes, end);
            long base = RecordBatch.baseOffset(bytes, end);
            if (batchBytes < RecordBatch.HEADER_BYTES || batchBytes > want - end // not end + batchBytes: it may overflow
                    || (end > 0 && (base != next || base >= endOffset))) {
                break;
            }
            next = base + RecordBatch.lastOffsetDelta(bytes, end) + 1;
            end += batchBytes;
        }
        return end;
    }

    /** See {@link Segment#slice}. */
    Optional<FileSlice> slice(long startOffset, int maxBytes, long endOffset) throws IOException {
        int size = segment.sizeBytes(); // a snapshot: bytes beyond it may be mid-write
        int found = positionOf(startOffset, size);
        if (found < 0) {
            return Optional.empty();
        }
        BatchCursor cursor = cursor(found, size);
        int position = found;
        while (cursor.position() < size) {
            cursor.readPublished();
            if (cursor.holdsRecords() || cursor.baseOffset() >= endOffset) {
                break;
            }
            cursor.advance();
            position = (int) cursor.position();
        }
        if (position > found && (position == size || cursor.baseOffset() >= endOffset)) {
            return Optional.of(new FileSlice(segment.storageFile(), position, 0)); // nothing but empty batches
        }
        // Among this process's appends the headers up to the last indexed batch that fits are
        // whole batches below endOffset (see span): walk on from there. A read per header was all
        // of describing a fetch of small batches.
        Span span = span(position, Math.min(maxBytes, size - position), size, cursor.sizeBytes(), endOffset);
        if (span.whole()) {
            cursor.seek(position + span.bytes());
        }
        while (cursor.position() < size) {
            cursor.readPublished();
            boolean full = cursor.position() > position && cursor.position() - position + cursor.sizeBytes() > maxBytes;
            if (full || cursor.baseOffset() >= endOffset) {
                break;
            }
            cursor.advance();
        }
        int end = (int) cursor.position();
        return end == position ? Optional.empty()
                : Optional.of(new FileSlice(segment.storageFile(), position, end - position));
    }

    /** See {@link Segment#findOffsetByTimestamp(long, long, int)}. */
    Optional<Record> findOffsetByTimestamp(long timestamp, long startOffset) throws IOException {
        int size = segment.sizeBytes();
        long from = Math.max(segment.timeIndex().scanStartFor(timestamp), startOffset);
        int position = positionOf(from, size);
        if (position < 0) {
            return Optional.empty();
        }
        BatchCursor cursor = cursor(position, size);
        while (cursor.position() < size) {
            cursor.readPublished();
            if (cursor.maxTimestamp() >= timestamp) {
                ByteBuffer batch = cursor.readBatch();
                List<Record> records;
                try {
                    records = RecordBatch.records(batch, 0); // checks the CRC first
                } catch (CorruptRecordException e) {
                    throw e.located(segment.logPath(), cursor.position(), RecordBatch.baseOffset(batch, 0));
                }
                for (Record record : records) {
                    if (record.timestamp() >= timestamp && record.offset() >= from) {
                        return Optional.of(record);
                    }
                }
            }
            cursor.advance();
        }
        return Optional.empty();
    }

    /** The base offset of the batch at {@code position} (a batch boundary below the published size). */
    long baseOffsetAt(int position) throws IOException {
        BatchCursor cursor = cursor(position, segment.sizeBytes());
        cursor.readPublished();
        return cursor.baseOffset();
    }

    /** See {@link Segment#maxTimestampForRetention()}. */
    long maxTimestampForRetention(long writerMaxTimestamp) throws IOException {
        TimeIndex index = segment.timeIndex();
        int n = index.entries();
        if (n == 0 || writerMaxTimestamp >= index.timestampAt(n - 1)) {
            return writerMaxTimestamp; // seen by the writer or a scan of this segment: no index involved
        }
        long indexed = index.timestampAt(n - 1);
        long offset = index.offsetAt(n - 1);
        ByteBuffer batch = read(offset, RecordBatch.HEADER_BYTES, Long.MAX_VALUE, false);
        if (!batch.hasRemaining()) {
            SegmentLog.LOG.warn("Time index of {} names offset {}, which the segment does not hold; reading the "
                    + "batches' own timestamps", segment.logPath(), offset);
            return scanMaxTimestamp();
        }
        try {
            RecordBatch.validate(batch, 0, Integer.MAX_VALUE);
        } catch (CorruptRecordException e) {
            throw new CorruptLogException(segment.logPath(), positionOf(offset, segment.sizeBytes()),
                    "the batch holding offset " + offset + " fails its check: " + e.getMessage());
        }
        long actual = RecordBatch.maxTimestamp(batch, 0);
        if (actual != indexed) {
            long scanned = scanMaxTimestamp();
            SegmentLog.LOG.warn("Time index of {} says the largest timestamp is {} (offset {}), the batch says {}: "
                    + "the index is damaged; the batches' own largest timestamp is {}", segment.logPath(), indexed,
                    offset, actual, scanned);
            return scanned;
        }
        return indexed;
    }

    /** The largest timestamp of the batches, each checked against its CRC: reads the whole segment, in chunks. */
    private long scanMaxTimestamp() throws IOException {
        long max = -1L;
        long offset = segment.baseOffset();
        while (true) {
            ByteBuffer batches = read(offset, TIMESTAMP_SCAN_BYTES, Long.MAX_VALUE, false);
            if (!batches.hasRemaining()) {
                return max;
            }
            for (int at = 0; at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
                try {
                    RecordBatch.validate(batches, at, Integer.MAX_VALUE);
                } catch (CorruptRecordException e) {
                    throw new CorruptLogException(segment.logPath(), positionOf(RecordBatch.baseOffset(batches, at),
                            segment.sizeBytes()), "a batch fails its check: " + e.getMessage());
                }
                max = Math.max(max, RecordBatch.maxTimestamp(batches, at));
                offset = RecordBatch.lastOffset(batches, at) + 1;
            }
        }
    }
}

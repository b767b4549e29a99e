package dev.spool.log;

import dev.spool.log.record.Record;
import dev.spool.log.segment.Segment;
import dev.spool.log.segment.SegmentSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The read path of a {@link Log}: finds the segment that holds an offset and reads whole batches
 * from it, without ever taking the writer's lock.
 *
 * <p>Readers see a consistent log through three published facts: the log end (volatile, moved
 * only after the bytes are written), the segment map (retention removes a segment before closing
 * it, so a read that hits a closed or vanished file looks again), and the truncation sequence
 * (odd while a truncation runs; a reader that saw it change retries, and one that sees it odd
 * waits on the truncation's own latch, bounded). A read never returns a batch past the log end it
 * reports. Thread-safe; one per log.
 *
 * <p>It stays beside {@link Log} rather than beside {@link SegmentSet}: what it builds are the
 * API's results ({@link ReadResult}, {@link LogSlice}, {@link OffsetOutOfRangeException}), and the
 * segment package holds files and offsets, not what a caller is told.
 */
final class LogReader {
    private static final int READ_RETRIES_MAX = 16;
    /** How long a reader waits for one truncation (which forces the file) before giving up. */
    private static final long TRUNCATION_WAIT_MS_MAX = 30_000;

    private final SegmentSet segments;
    private final String name;

    LogReader(SegmentSet segments) {
        this.segments = segments;
        this.name = segments.dir().getFileName().toString();
    }

    private String name() {
        return name;
    }

    /** How one segment serves a read: a buffer of the whole batches it read (empty if none). */
    interface SegmentRead {
        /** Batches from the one holding {@code offset}, none starting at or after {@code endOffset}. */
        ByteBuffer read(Segment segment, long offset, long endOffset) throws IOException;
    }

    /**
     * Reads through {@code segmentRead}, starting at the segment that holds {@code offset}; retries
     * when retention or a truncation changed the log under the read.
     *
     * @throws OffsetOutOfRangeException when {@code offset} is below the log start or above the end
     */
    ReadResult read(long offset, SegmentRead segmentRead) throws IOException {
        return withRetries(offset, (start, end) -> {
            if (offset == end) {
                return new ReadResult(ByteBuffer.allocate(0), start, end);
            }
            // The segment's size is published before the log end, so the segment may hold batches
            // appended after this read took the end: it stops before them (no records past the end reported).
            SegmentBytes read = readFromSegments(offset, end, segmentRead);
            return read == null ? null : new ReadResult(read.bytes, start, end, read);
        });
    }

    /**
     * Where the whole batches a read at {@code offset} would return lie on disk (see
     * {@link Log#readSlice}), with the same retries as {@link #read}.
     */
    LogSlice slice(long offset, int maxBytes) throws IOException {
        return withRetries(offset, (start, end) -> {
            if (offset == end) {
                return new LogSlice(Optional.empty(), start, end);
            }
            Map.Entry<Long, Segment> entry = segments.segments().floorEntry(offset);
            boolean onlyEmptyBatches = false;
            while (entry != null) {
                Optional<FileSlice> found = entry.getValue().slice(offset, maxBytes, end);
                if (found.isPresent() && found.get().sizeBytes() > 0) {
                    return new LogSlice(found, start, end);
                }
                onlyEmptyBatches |= found.isPresent();
                entry = segments.segments().higherEntry(entry.getKey());
            }
            return onlyEmptyBatches ? new LogSlice(Optional.empty(), start, end) : null;
        });
    }

    /** One attempt at a read within the bounds {@code [start, end]}; null when it found nothing though it should have. */
    private interface Attempt<T> {
        T run(long start, long end) throws IOException;
    }

    /**
     * Runs {@code attempt} until it returns a result with no truncation in between, retrying when
     * retention or a truncation changed the log under it.
     */
    private <T> T withRetries(long offset, Attempt<T> attempt) throws IOException {
        for (int tries = 0; ; tries++) {
            long sequence = segments.truncationSequence();
            if ((sequence & 1) != 0) {
                awaitTruncation(offset);
                if (tries >= READ_RETRIES_MAX) {
                    throw new IOException("Read of " + name() + " at offset " + offset + " kept racing with truncation");
                }
                continue;
            }
            long start = segments.logStartOffset();
            long end = segments.logEndOffset();
            if (offset < start || offset > end) {
                throw new OffsetOutOfRangeException(name(), offset, start, end);
            }
            try {
                T result = attempt.run(start, end);
                if (result != null && segments.truncationSequence() == sequence) {
                    return result;
                }
                // Nothing, though offset < end: retention removed the segment under us (the start
                // has moved; look again). Or a truncation ran: what we read may be stale.
            } catch (IOException | RuntimeException e) {
                // A segment deleted by retention or truncation under us is closed or gone: look
                // again. Anything else is real, unless a truncation cut the bytes we were reading.
                boolean deleted = e instanceof ClosedChannelException || e instanceof NoSuchFileException;
                if (tries >= READ_RETRIES_MAX || (!deleted && segments.truncationSequence() == sequence)) {
                    throw e;
                }
            }
            if (tries >= READ_RETRIES_MAX) {
                throw new IOException("Read of " + name() + " at offset " + offset + " kept racing with truncation "
                        + "or retention");
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Waits (bounded) for the truncation in progress to finish. Readers wait on a latch of their
     * own, never on the writer's lock, so they cannot delay an append.
     */
    private void awaitTruncation(long offset) throws IOException {
        try {
            if (!segments.truncationDone().await(TRUNCATION_WAIT_MS_MAX, TimeUnit.MILLISECONDS)) {
                throw new IOException("Read of " + name() + " at offset " + offset + " waited more than "
                        + TRUNCATION_WAIT_MS_MAX + " ms for a truncation to finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("Interrupted while waiting for a truncation of " + name());
        }
    }

    /** Batches read from one segment, which names them when one turns out damaged. */
    private record SegmentBytes(Segment segment, ByteBuffer bytes) implements ReadResult.Origin {
        @Override
        public java.nio.file.Path file() {
            return segment.logPath();
        }

        @Override
        public long positionOf(long offset) throws IOException {
            return segment.positionOf(offset);
        }
    }

    /** The batches of the first segment that has any at or after {@code offset}; null when none does. */
    private SegmentBytes readFromSegments(long offset, long end, SegmentRead segmentRead) throws IOException {
        Map.Entry<Long, Segment> entry = segments.segments().floorEntry(offset);
        while (entry != null) {
            ByteBuffer bytes = segmentRead.read(entry.getValue(), offset, end);
            if (bytes.hasRemaining()) {
                return new SegmentBytes(entry.getValue(), bytes);
            }
            Map.Entry<Long, Segment> next = segments.segments().higherEntry(entry.getKey());
            Segment segment = entry.getValue();
            if (next != null && (offset < next.getKey() || segment.nextOffset() < next.getKey())) {
                // Segments are contiguous and a sealed one holds every offset up to the next one's base
                // (an offset below it that its headers led past, or a bit flipped on the way, included),
                // so a sealed segment with no batch for an offset it should hold means records are
                // missing: a segment damaged or cut short after a clean shutdown, which trusts segments
                // unscanned. Report it; never skip to the next segment's records.
                throw new CorruptLogException(segment.logPath(), segment.sizeBytes(), "reading offset " + offset
                        + ": the segment holds no batch for it, though the next segment starts at "
                        + next.getKey() + ": offsets are missing");
            }
            entry = next;
        }
        return null;
    }

    /**
     * The first record at or after the log start whose timestamp is at or after {@code timestamp},
     * or empty if every record is older (see {@link Log#findOffsetByTimestamp}).
     */
    Optional<TimestampOffset> findOffsetByTimestamp(long timestamp, int batchBytesMax) throws IOException {
        long start = segments.logStartOffset();
        for (Segment segment : segments.segments().values()) {
            if (segment.nextOffset() <= start || segment.maxTimestamp() < timestamp) {
                continue;
            }
            // Records below the start are not candidates: the first one at or after the start with a
            // late enough timestamp may be later, or absent (timestamps need not increase).
            Optional<Record> found = segment.findOffsetByTimestamp(timestamp, start, batchBytesMax);
            if (found.isPresent()) {
                Record record = found.get();
                return Optional.of(new TimestampOffset(record.offset(), record.timestamp()));
            }
        }
        return Optional.empty();
    }
}

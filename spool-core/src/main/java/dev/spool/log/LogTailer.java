package dev.spool.log;

import dev.spool.log.record.Record;
import dev.spool.log.record.RecordCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Walks a log's records one at a time from an offset on: the simple way to read, where
 * {@link Log#read(long, int)} hands out whole batches. It reads a batch run at a time and hands its
 * records out one by one, stepping over the offsets compaction removed.
 *
 * <pre>{@code
 * LogTailer tailer = log.tailer(0);
 * Optional<Record> next;
 * while ((next = tailer.poll(Duration.ofSeconds(1))).isPresent()) {
 *     System.out.println(next.get().offset());
 * }
 * }</pre>
 *
 * <p>When retention has removed the records at its position, the tailer moves on to the log
 * start ({@link #position()} says where it is). Not thread-safe: one reader per tailer; any
 * number of tailers read one log at once without blocking its writer.
 */
public final class LogTailer {
    private static final int READ_BYTES = 1 << 20;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** How long {@link #poll(Duration)} sleeps between looks at the log end. */
    private static final long WAIT_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Log log;
    private long position;
    /** The offset after the batches {@link #pending} came from: where the next read starts. */
    private long fetchedTo;
    /** Walks the batches of the last read; the records it hands out keep their own views of those bytes. */
    private final RecordCursor pending = new RecordCursor();

    LogTailer(Log log, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative, was " + offset);
        }
        this.log = log;
        this.position = offset;
        this.fetchedTo = offset;
    }

    /** The offset of the next record this tailer returns (or of the next append, at the end). */
    public long position() {
        return position;
    }

    /** Moves to {@code offset}: the next {@link #poll()} returns the record there (or the next one that exists). */
    public void seek(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative, was " + offset);
        }
        position = offset;
        fetchedTo = offset;
        pending.reset(EMPTY);
    }

    /** The next record, or empty when the tailer is at the log end. Never waits for the writer. */
    public Optional<Record> poll() throws IOException {
        while (true) {
            while (pending.next()) {
                if (pending.offset() >= position) {
                    position = pending.offset() + 1;
                    return Optional.of(pending.toRecord());
                }
            }
            // Batches whose records compaction removed hold none: their offsets are passed all the same.
            position = Math.max(position, fetchedTo);
            if (position >= log.logEndOffset() || !readMore()) {
                return Optional.empty();
            }
        }
    }

    /**
     * The next record, waiting up to {@code timeout} for one to be appended; empty when none came.
     * Looks at the log end every millisecond while it waits.
     */
    public Optional<Record> poll(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Record> next = poll();
            if (next.isPresent() || System.nanoTime() - deadline >= 0) {
                return next;
            }
            LockSupport.parkNanos(WAIT_STEP_NANOS);
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting for records at offset " + position);
            }
        }
    }

    /** Reads the next batches; false when there were none (the end moved back: a truncation). */
    private boolean readMore() throws IOException {
        ReadResult read;
        try {
            read = log.read(position, READ_BYTES);
        } catch (OffsetOutOfRangeException e) {
            long start = log.logStartOffset();
            if (position >= start) {
                throw e; // past the end: the log was truncated below this tailer
            }
            position = start;
            fetchedTo = start;
            return true;
        }
        if (read.isEmpty()) {
            return false;
        }
        fetchedTo = read.nextOffset(position);
        read.cursor(pending); // each batch's CRC is checked as the cursor enters it
        return true;
    }
}

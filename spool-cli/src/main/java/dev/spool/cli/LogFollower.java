package dev.spool.cli;

import dev.spool.log.CorruptLogException;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.tool.SegmentFileNames;
import dev.spool.log.tool.SegmentFileReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.NavigableSet;

/**
 * Tails one partition's segment files read-only, for {@code consume --follow}: no lock, no
 * recovery, nothing written, so it runs beside the process that owns the data directory.
 *
 * <p>{@link #poll()} returns the records of the next whole, valid batch (its CRC checked before
 * decoding) or {@code null} when there is none yet. An incomplete batch at the end of the newest segment is a write in progress: wait. A batch that
 * fails its check is read again on later polls (a reader can see a write half-way through) and is
 * reported as corruption only when it still fails after {@link #RETRIES_MAX} polls. When the
 * segment ends and the next one starts at our offset, the follower moves on.
 */
final class LogFollower implements AutoCloseable {
    static final int RETRIES_MAX = 25;

    private final FileIO io = FileIO.real();
    private final Path dir;
    private final int batchBytesMax;
    private long next;
    private SegmentFileReader reader;
    private long position;
    private int retries;

    LogFollower(Path dir, int batchBytesMax, long startOffset) {
        this.dir = dir;
        this.batchBytesMax = batchBytesMax;
        this.next = startOffset;
    }

    /** The offset after the last batch {@link #poll()} returned: where following continues. */
    long nextOffset() {
        return next;
    }

    /**
     * The records of the next batch holding offsets at or after the cursor (the batch is returned
     * whole: records below the cursor included), or null when none is complete yet. The batch's
     * CRC is checked before its records are decoded.
     *
     * @throws CorruptRecordException when a batch still fails its check after {@link #RETRIES_MAX}
     *                                polls, naming the file, its position and base offset
     */
    List<Record> poll() throws IOException {
        if (reader == null && !locate()) {
            return null;
        }
        SegmentFileReader.BatchRead read = reader.read(position);
        switch (read.kind()) {
            case END, INCOMPLETE -> {
                if (reader.sizeBytes() < position) {
                    throw new IOException("The log " + reader.file() + " shrank below position " + position
                            + " while following it (truncated or repaired)");
                }
                if (read.kind() == SegmentFileReader.BatchRead.Kind.END && nextSegmentStartsAtCursor()) {
                    reader.close();
                    reader = null;
                }
                return null;
            }
            case BAD_LENGTH -> {
                return retryOrFail(new CorruptLogException(reader.file(), position, read.problem()));
            }
            default -> {
                ByteBuffer batch = read.batch();
                List<Record> records;
                try {
                    records = reader.records(read);
                } catch (CorruptRecordException e) {
                    return retryOrFail(e);
                }
                retries = 0;
                position += read.sizeBytes();
                long last = RecordBatch.lastOffset(batch, 0);
                if (last < next) {
                    return poll(); // before the cursor: skip it
                }
                next = last + 1;
                return records;
            }
        }
    }

    /** Null (look again later: a writer may be half-way through the batch) until the retries run out. */
    private List<Record> retryOrFail(IOException corruption) throws IOException {
        if (++retries > RETRIES_MAX) {
            throw corruption;
        }
        return null;
    }

    /** Opens the segment holding the cursor and finds the batch that holds it; false if none yet. */
    private boolean locate() throws IOException {
        NavigableSet<Long> bases = bases();
        Long base = bases.floor(next);
        if (base == null) {
            if (bases.isEmpty()) {
                throw new NoSuchFileException(dir.toString(), null, "no segments to follow");
            }
            throw new IOException("Offset " + next + " is no longer in " + dir + " (retention removed it); "
                    + "the log now starts at " + bases.first());
        }
        reader = SegmentFileReader.open(io, SegmentFileNames.logFile(dir, base), batchBytesMax);
        position = 0;
        while (true) {
            SegmentFileReader.BatchRead read = reader.read(position);
            if (read.kind() != SegmentFileReader.BatchRead.Kind.BATCH
                    || RecordBatch.lastOffset(read.batch(), 0) >= next) {
                return true;
            }
            position += read.sizeBytes();
        }
    }

    private boolean nextSegmentStartsAtCursor() throws IOException {
        return bases().contains(next);
    }

    private NavigableSet<Long> bases() throws IOException {
        return SegmentFileNames.logFiles(io, dir).navigableKeySet();
    }

    @Override
    public void close() throws IOException {
        if (reader != null) {
            reader.close();
        }
    }
}

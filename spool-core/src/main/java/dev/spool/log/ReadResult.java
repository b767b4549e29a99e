package dev.spool.log;

import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.record.RecordCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a read returned: whole record batches (possibly none) and the log's bounds at the time.
 *
 * @param batches        whole Kafka v2 batches, from position to limit; empty at the end of the log
 * @param logStartOffset first readable offset when the read ran
 * @param logEndOffset   the offset the next append gets, when the read ran
 * @param origin         where the batches lie on disk, to name a damaged one; {@link Origin#UNKNOWN}
 *                       for bytes that did not come from a segment file
 */
public record ReadResult(ByteBuffer batches, long logStartOffset, long logEndOffset, Origin origin) {

    /** A result whose bytes have no file behind them. */
    public ReadResult(ByteBuffer batches, long logStartOffset, long logEndOffset) {
        this(batches, logStartOffset, logEndOffset, Origin.UNKNOWN);
    }

    /**
     * The segment file a read's batches came from. The first batch's position is looked up only
     * when a batch is found damaged, so a sound read pays nothing for it.
     */
    public interface Origin {
        /** No file: errors name the batch's byte within the read instead. */
        Origin UNKNOWN = new Origin() {
            @Override
            public Path file() {
                return Path.of("(read buffer)");
            }

            @Override
            public long positionOf(long offset) {
                return 0;
            }
        };

        Path file();

        /** The byte position in {@link #file()} of the batch that holds {@code offset}. */
        long positionOf(long offset) throws IOException;
    }

    public boolean isEmpty() {
        return !batches.hasRemaining();
    }

    /** The offset after the last record returned: where the next read continues. */
    public long nextOffset(long requestedOffset) {
        long next = requestedOffset;
        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
            next = RecordBatch.lastOffset(batches, at) + 1;
        }
        return next;
    }

    /**
     * Decodes every record of every batch, in offset order. The first batch may start before the
     * offset that was asked for (batches are returned whole); skip records below it if needed.
     *
     * <p>Each batch's CRC is checked once, before its records are decoded, and each batch must
     * start where the previous one ended: a bit flipped on the disk or on the way (a latent sector
     * error) is a {@link CorruptRecordException} naming the file, the batch's position in it and
     * its base offset, never a wrong record. (A Kafka consumer checks the same CRC.)
     */
    public List<Record> records() throws CorruptRecordException {
        List<Record> records = new ArrayList<>();
        RecordCursor cursor = cursor(new RecordCursor());
        while (cursor.next()) {
            records.add(cursor.toRecord());
        }
        return records;
    }

    /**
     * Resets {@code cursor} over these batches and returns it: the way to walk a read's records
     * without allocating per record ({@link RecordCursor}). The checks are those of
     * {@link #records()}, and a damaged batch is reported the same way, naming the file, the batch's
     * position in it and its base offset.
     */
    public RecordCursor cursor(RecordCursor cursor) {
        return cursor.reset(batches, (problem, at, baseOffset) -> problem.located(origin.file(), positionOf(at),
                baseOffset));
    }

    /**
     * Checks every batch (CRC included) without decoding records, for a reader that uses only
     * batch headers: the producer id, epoch and sequence are covered by the CRC too, and a damaged
     * one must not be taken as a producer's state.
     *
     * @throws CorruptRecordException naming the file, the batch's position and its base offset
     */
    public void checkBatches() throws CorruptRecordException {
        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
            try {
                RecordBatch.validate(batches, at, Integer.MAX_VALUE);
            } catch (CorruptRecordException e) {
                throw e.located(origin.file(), positionOf(at), RecordBatch.baseOffset(batches, at));
            }
        }
    }

    /** The file position of the batch at {@code at} in {@link #batches()}; -1 when it cannot be found. */
    private long positionOf(int at) {
        try {
            long first = origin.positionOf(RecordBatch.baseOffset(batches, batches.position()));
            return first < 0 ? -1 : first + (at - batches.position());
        } catch (IOException | RuntimeException e) {
            return -1; // the segment went away (retention) or its header is damaged too: the offset still names it
        }
    }
}

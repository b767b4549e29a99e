package dev.spool.log.append;

import dev.spool.log.InvalidBatchException;
import dev.spool.log.KeylessRecordException;
import dev.spool.log.LogConfig;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks an append passes before anything is written (every input bounded by a named limit): whole
 * batches only, each within {@code batchBytesMax} and {@code batchRecordsMax}, a valid CRC and
 * header, offsets that can be dense, and no more in one append than a segment holds. On a
 * compacted log ({@link LogConfig#compacted()}) every record must have a key, as Kafka's broker
 * requires: only there are the records decoded, a compressed batch decompressed to at most
 * {@link RecordBatch#DECOMPRESSED_BYTES_MAX_DEFAULT} bytes (the one bound every decoder of
 * untrusted batches uses), so appends to other logs pay nothing for it. Control batches (written
 * by the log's owner, keyed by construction) are not decoded. Runs on the caller's thread, outside
 * the log's lock. A refusal is an {@link InvalidBatchException}.
 */
final class AppendValidation {
    private AppendValidation() {
    }

    /** Checks every batch from {@code view}'s position to its limit; returns their total size. */
    static int check(ByteBuffer view, LogConfig config, String name) {
        return check(view, config, name, true);
    }

    /**
     * As {@link #check(ByteBuffer, LogConfig, String)} for a batch a {@code BatchBuilder} has just
     * built on this thread, its view in no caller's hands: the log's limits and (on a compacted log)
     * the keys are checked, but not the header's consistency or the CRC, which the builder wrote
     * over the bytes it encoded. Computing the CRC again would cost as much as the builder's own.
     */
    static int checkBuilt(ByteBuffer view, LogConfig config, String name) {
        return check(view, config, name, false);
    }

    private static int check(ByteBuffer view, LogConfig config, String name, boolean untrusted) {
        int at = view.position();
        int end = view.limit();
        if (at == end) {
            throw new InvalidBatchException(InvalidBatchException.Reason.EMPTY, "Nothing to append to " + name);
        }
        if (end - at > config.segmentBytes()) {
            throw new InvalidBatchException(InvalidBatchException.Reason.TOO_LARGE, "Append of " + (end - at)
                    + " bytes to " + name + " exceeds the segment size " + config.segmentBytes());
        }
        while (at < end) {
            if (end - at < RecordBatch.LOG_OVERHEAD_BYTES) {
                throw new InvalidBatchException(InvalidBatchException.Reason.CORRUPT, (end - at)
                        + " bytes after the last batch at position " + at + " are not a batch");
            }
            long size = checkedSize(view, at, config, name);
            if (untrusted) {
                validate(view, at, config, name);
            }
            checkRecords(view, at, config, name);
            if (config.compacted() && !RecordBatch.isControl(view, at)) {
                requireKeys(view, at, name);
            }
            at += (int) size;
        }
        return end - view.position();
    }

    /**
     * As {@link #check(ByteBuffer, LogConfig, String)} for one batch whose bytes are {@code pieces}
     * in order, its header whole in the first ({@code Log.appendGathered}), but for its CRC, which
     * is computed over the pieces and written into the header ({@link RecordBatch#seal}); returns
     * its size. The records are not decoded: the caller sends a compacted log's batch the
     * contiguous way, once sealed.
     */
    static int checkGathered(ByteBuffer[] pieces, LogConfig config, String name) {
        ByteBuffer head = pieces[0];
        long bytes = 0;
        for (ByteBuffer piece : pieces) {
            bytes += piece.remaining();
        }
        if (bytes > config.segmentBytes()) {
            throw new InvalidBatchException(InvalidBatchException.Reason.TOO_LARGE, "Append of " + bytes
                    + " bytes to " + name + " exceeds the segment size " + config.segmentBytes());
        }
        if (head.remaining() < RecordBatch.HEADER_BYTES) {
            throw new InvalidBatchException(InvalidBatchException.Reason.CORRUPT, "The first piece of a gathered "
                    + "append to " + name + " holds " + head.remaining() + " bytes, less than a batch header ("
                    + RecordBatch.HEADER_BYTES + ")");
        }
        int at = head.position();
        checkedSize(head, at, config, name);
        checkRecords(head, at, config, name); // before the seal writes the CRC: a refused batch stays as it came
        try {
            RecordBatch.seal(pieces, pieces.length, config.batchBytesMax());
        } catch (CorruptRecordException e) {
            throw new InvalidBatchException(InvalidBatchException.Reason.CORRUPT, "Invalid batch in the gathered "
                    + "append to " + name + ": " + e.getMessage());
        }
        return (int) bytes;
    }

    /** The size the header of the batch at {@code at} gives, refused when over the log's batch limit. */
    private static long checkedSize(ByteBuffer view, int at, LogConfig config, String name) {
        long size = (long) RecordBatch.batchLength(view, at) + RecordBatch.LOG_OVERHEAD_BYTES;
        if (size > config.batchBytesMax()) {
            throw new InvalidBatchException(InvalidBatchException.Reason.TOO_LARGE, "Batch of " + size
                    + " bytes exceeds the maximum of " + config.batchBytesMax() + " bytes for " + name);
        }
        return size;
    }

    /** Refuses a batch of more records than the log's limit, or of none. */
    private static void checkRecords(ByteBuffer view, int at, LogConfig config, String name) {
        int count = RecordBatch.recordCount(view, at);
        if (count > config.batchRecordsMax()) {
            throw new InvalidBatchException(InvalidBatchException.Reason.TOO_MANY_RECORDS, "Batch of " + count
                    + " records exceeds the maximum of " + config.batchRecordsMax() + " for " + name);
        }
        if (count == 0) {
            throw new InvalidBatchException(InvalidBatchException.Reason.EMPTY, "Batch at position " + at
                    + " holds no records");
        }
    }

    private static void validate(ByteBuffer view, int at, LogConfig config, String name) {
        try {
            RecordBatch.validate(view, at, config.batchBytesMax());
        } catch (CorruptRecordException e) {
            throw new InvalidBatchException(InvalidBatchException.Reason.CORRUPT, "Invalid batch at position " + at
                    + " of the append to " + name + ": " + e.getMessage());
        }
    }

    /** Refuses the batch at {@code at} (already validated) if any of its records has no key. */
    private static void requireKeys(ByteBuffer view, int at, String name) {
        List<Record> records;
        try {
            records = RecordBatch.recordsOfCheckedBatch(view, at, RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT);
        } catch (CorruptRecordException e) {
            throw new InvalidBatchException(InvalidBatchException.Reason.CORRUPT, "Invalid records in the batch at "
                    + "position " + at + " of the append to " + name + ": " + e.getMessage());
        }
        List<Integer> keyless = null;
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).key().isEmpty()) {
                if (keyless == null) {
                    keyless = new ArrayList<>();
                }
                keyless.add(i);
            }
        }
        if (keyless != null) {
            throw new KeylessRecordException(name, at - view.position(), keyless);
        }
    }

}

package dev.spool.log.segment;

import dev.spool.log.record.CompressionType;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;

/**
 * Whether a batch that fails its check and ends where its file ends reads as a write into zeros,
 * interrupted: the space allocated ahead of an active segment's appends ended exactly at the
 * batch's end (the segment size limit, or the end of an allocation), so no zeros follow it, and
 * the bytes the write did not reach still read as the zeros that were there.
 *
 * <h2>What such a tear leaves, and what is checked</h2>
 * The write stopped at some byte {@code k}: bytes before {@code k} are the batch's own, bytes from
 * {@code k} on are zeros. So the batch ends in a run of zeros starting at or before {@code k}, and
 * every field that lies wholly before that run was written as it is, and must read as a batch's
 * field does:
 * <ul>
 * <li>a run of at least one zero byte ends the batch;</li>
 * <li>the magic byte, when written, is {@link RecordBatch#MAGIC};</li>
 * <li>the attributes, when written, name a codec there is (ids 0 to 4);</li>
 * <li>in an uncompressed batch, the records' framing read before the run is sound: each length
 *     ends its record inside the batch, the records end exactly at the batch's end, their number
 *     is the header's count;</li>
 * <li>a record without headers ends in its header count, a zero of its own: when the batch's last
 *     record has none, a write that changed anything left zeros before that byte too.</li>
 * </ul>
 * A field the run reaches was not written (or not all of it): the walk stops there and the batch
 * fits. Compressed records are not framed in the batch's bytes, so there the run of zeros is all
 * the evidence (it is as much as the rule for a failed batch followed by zeros asks). Where such a
 * tear may be cut at all (past the recovery point) is the recovery table's decision.
 *
 * <p>Pure; thread-safe.
 */
final class TornIntoZeros {
    /** A varint read past the start of the zeros: the field was not written whole. */
    private static final long REACHED_ZEROS = Long.MIN_VALUE;
    /** A varint longer than a long's ten bytes: not a field a writer wrote. */
    private static final long MALFORMED = Long.MIN_VALUE + 1;

    private final ByteBuffer batch;
    private final int zerosFrom;
    private int at;

    private TornIntoZeros(ByteBuffer batch, int zerosFrom) {
        this.batch = batch;
        this.zerosFrom = zerosFrom;
    }

    /** Whether {@code batch[0, limit)} (its header at 0) reads as a write into zeros, torn: see the class comment. */
    static boolean fits(ByteBuffer batch) {
        int zerosFrom = zeroRunStart(batch);
        if (zerosFrom == batch.limit()) {
            return false;
        }
        if (zerosFrom <= RecordBatch.MAGIC_OFFSET) {
            return true; // only the offset, the length and the epoch were written
        }
        if (batch.get(RecordBatch.MAGIC_OFFSET) != RecordBatch.MAGIC) {
            return false;
        }
        if (zerosFrom < RecordBatch.RECORDS_OFFSET) {
            return true;
        }
        int codec = RecordBatch.compressionId(batch, 0);
        if (codec > CompressionType.ZSTD.id()) {
            return false; // the attributes were written, and no writer writes a codec id above zstd's
        }
        if (codec != CompressionType.NONE.id()) {
            return true;
        }
        return new TornIntoZeros(batch, zerosFrom).recordsFit(batch.getInt(RecordBatch.RECORD_COUNT_OFFSET));
    }

    /** Where the run of zeros that ends {@code batch[0, limit)} starts ({@code limit} for none). */
    static int zeroRunStart(ByteBuffer batch) {
        int from = batch.limit();
        while (from > 0 && batch.get(from - 1) == 0) {
            from--;
        }
        return from;
    }

    /** Walks the records' framing up to the zeros. */
    private boolean recordsFit(int count) {
        int end = batch.limit();
        at = RecordBatch.RECORDS_OFFSET;
        for (int record = 0; record < count; record++) {
            long length = varint();
            if (length == REACHED_ZEROS) {
                return true;
            }
            if (length < 1 || length > end - at) {
                return false;
            }
            int recordEnd = at + (int) length;
            if (recordEnd == end) {
                return record == count - 1 && lastRecordFits(recordEnd);
            }
            at = recordEnd;
        }
        return false; // the header's count of records ends before the batch does
    }

    /** The last record, from after its length to {@code end}: its fields up to the header count. */
    private boolean lastRecordFits(int end) {
        at += 1; // attributes
        for (int field = 0; field < 2; field++) { // the timestamp delta, the offset delta
            long value = varint();
            if (value == REACHED_ZEROS || value == MALFORMED) {
                return value == REACHED_ZEROS;
            }
        }
        for (int field = 0; field < 2; field++) { // the key, the value: a length (-1 for null), then the bytes
            long length = varint();
            if (length == REACHED_ZEROS) {
                return true;
            }
            if (length < -1 || length > end - at) {
                return false;
            }
            at += (int) Math.max(0, length);
        }
        if (at >= end) {
            return false;
        }
        if (end - at == 1) {
            // Only the header count is left: 0, since the record ends after it. That zero is the
            // record's own, so the write stopped before it.
            return zerosFrom < at;
        }
        long headers = varint();
        return headers == REACHED_ZEROS || headers > 0; // a count of 0 with bytes after it is no record's
    }

    /** Reads a zig-zag varint at {@code at} and moves past it; {@link #REACHED_ZEROS} or {@link #MALFORMED} else. */
    private long varint() {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (at >= zerosFrom) {
                return REACHED_ZEROS;
            }
            byte b = batch.get(at++);
            raw |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        return MALFORMED;
    }
}

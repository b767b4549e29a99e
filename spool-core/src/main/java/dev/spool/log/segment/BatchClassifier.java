package dev.spool.log.segment;

import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The one place that decides what the bytes at a position of a segment file are: a batch, the
 * end of the file, a torn tail, a hole, or corruption. Recovery's scan, the reads by offset,
 * {@code spool verify}, {@code spool dump}, {@code spool repair} and the CLI's follower all ask
 * here, through {@link BatchCursor}, so they cannot drift apart.
 *
 * <h2>The rules, in the order they apply</h2>
 * <table>
 * <caption>How a position is classified</caption>
 * <tr><th>at the position</th><th>kind</th></tr>
 * <tr><td>no byte left (the position is the size)</td><td>{@link Kind#END}</td></tr>
 * <tr><td>fewer bytes than the 12 of offset and length</td><td>{@link Kind#TORN_TAIL}</td></tr>
 * <tr><td>length 0 and zeros to the end of the file (space allocated, never written)</td><td>{@link Kind#TORN_TAIL}</td></tr>
 * <tr><td>length 0 and a zero-filled header, with data after it</td><td>{@link Kind#HOLE}</td></tr>
 * <tr><td>length outside {@code [BATCH_LENGTH_MIN, batchBytesMax - 12]}, zeros after it to the end</td><td>{@link Kind#TORN_TAIL}</td></tr>
 * <tr><td>length outside {@code [BATCH_LENGTH_MIN, batchBytesMax - 12]}</td><td>{@link Kind#CORRUPT}</td></tr>
 * <tr><td>a length that announces more bytes than remain</td><td>{@link Kind#TORN_TAIL}</td></tr>
 * <tr><td>otherwise, by the header alone</td><td>{@link Kind#VALID} (contents not checked yet)</td></tr>
 * </table>
 * Once the whole batch is read, {@link #failedCheck} judges a batch whose own check failed: with
 * zeros after it to the end of the file (the space an active segment allocates ahead of its
 * writes, see {@code AppendSpace}) it is the last write, interrupted ({@link Kind#TORN_TAIL}); so
 * it is when it ends where the file ends in zeros that a write into space allocated up to exactly
 * its end, stopped short, leaves (the bytes before them read as a batch's, see {@link
 * TornIntoZeros}); a
 * whole zero-filled 512-byte sector inside it is an interrupted write ({@link Kind#TORN_TAIL}
 * when it is the file's last batch, {@link Kind#HOLE} when data follows), anything else is
 * {@link Kind#CORRUPT}. {@link #offsets} judges its offsets against the dense run: base offset not
 * the expected one, or a last offset delta the segment cannot index, is {@link Kind#CORRUPT}.
 *
 * <p>Whether a torn tail or a hole may be cut is not decided here: that depends on where the
 * bytes lie against what was flushed, and is the recovery table's ({@code RecoveryCase}).
 *
 * <h2>Published bytes</h2>
 * Below a segment's published size every byte belongs to a whole batch its writer wrote, so
 * nothing there can be torn: {@link #published} is the rule for reads by offset, where a header
 * that does not fit is always {@link Kind#CORRUPT}.
 *
 * <p>Pure: every method depends on its arguments alone (the zero tail is asked through
 * {@link ZeroTail}, only when the rules need it); thread-safe.
 */
public final class BatchClassifier {
    /** A sector: the unit a disk writes whole or not at all, as far as a torn write can tell. */
    static final int SECTOR_BYTES = 512;

    /** How {@link #header} names zeros to the end of the file: space allocated ahead and never written. */
    public static final String ALLOCATED_NEVER_WRITTEN = "space allocated, never written";

    private BatchClassifier() {
    }

    /** What the bytes at a position are. */
    public enum Kind {
        /** A batch, by its header (and, after {@link #failedCheck} and {@link #offsets}, by its contents). */
        VALID,
        /**
         * An interrupted write at the end of the file: too few bytes for the header or for the
         * length it announces, zeros to the end, or a last batch failing its check with a
         * zero-filled sector, with zeros after it, or ending in zeros where the file ends.
         */
        TORN_TAIL,
        /**
         * A hole before more bytes: a zero-filled header, or a batch failing its check that holds
         * a zero-filled sector, with data after it (pages written back out of order).
         */
        HOLE,
        /** A batch that is wrong (length, magic, CRC, record framing, offsets): never skipped silently. */
        CORRUPT,
        /** The position is the end of the bytes to read. */
        END
    }

    /**
     * A judgement: the kind, and for every kind but {@link Kind#VALID} and {@link Kind#END} what is
     * wrong (empty otherwise).
     */
    public record Verdict(Kind kind, String problem) {
        static final Verdict VALID = new Verdict(Kind.VALID, "");
        static final Verdict END = new Verdict(Kind.END, "");

        public boolean isValid() {
            return kind == Kind.VALID;
        }
    }

    /** Tells whether the file reads as zeros from {@code skipBytes} past the position being judged to its end. */
    @FunctionalInterface
    public interface ZeroTail {
        boolean zerosToEnd(long skipBytes) throws IOException;
    }

    /**
     * Judges the header at {@code bytes[at ..]} by the rules of the table above.
     *
     * @param bytes         holds {@code min(remaining, HEADER_BYTES)} bytes of the file from {@code at}
     *                      (at least the 12 of offset and length when {@code remaining} allows)
     * @param remaining     bytes of the file from the position to its end (or to the size snapshot)
     * @param batchBytesMax the largest batch accepted
     * @param zeroTail      asked only when the length is 0
     */
    public static Verdict header(ByteBuffer bytes, int at, long remaining, int batchBytesMax, ZeroTail zeroTail)
            throws IOException {
        if (remaining <= 0) {
            return Verdict.END;
        }
        if (remaining < RecordBatch.LOG_OVERHEAD_BYTES) {
            return torn(remaining + " bytes at the end are too few for a batch header");
        }
        int length = RecordBatch.batchLength(bytes, at);
        if (length == 0 && zeroTail.zerosToEnd(0)) {
            return torn(remaining + " zero bytes at the end (" + ALLOCATED_NEVER_WRITTEN + ")");
        }
        if (length == 0 && allZero(bytes, at, at + (int) Math.min(remaining, RecordBatch.HEADER_BYTES))) {
            return new Verdict(Kind.HOLE, "a zero-filled batch header with data after it (pages written back out of "
                    + "order?)");
        }
        if (length < RecordBatch.BATCH_LENGTH_MIN || (long) length + RecordBatch.LOG_OVERHEAD_BYTES > batchBytesMax) {
            if (zeroTail.zerosToEnd(RecordBatch.LOG_OVERHEAD_BYTES)) {
                return torn("batch length " + length + " with zeros after it to the end (a write into space "
                        + "allocated ahead, interrupted in its length)");
            }
            return new Verdict(Kind.CORRUPT, "batch length " + length + " outside [" + RecordBatch.BATCH_LENGTH_MIN
                    + ", " + (batchBytesMax - RecordBatch.LOG_OVERHEAD_BYTES) + "]");
        }
        long batchBytes = (long) length + RecordBatch.LOG_OVERHEAD_BYTES;
        if (batchBytes > remaining) {
            return torn("the last batch announces " + batchBytes + " bytes but only " + remaining + " remain");
        }
        return Verdict.VALID;
    }

    /**
     * Judges a header below a published size {@code size}, at {@code position}, for a read by
     * offset: there every byte belongs to a whole batch, so a header cut short, or a length that
     * does not fit the segment, is {@link Kind#CORRUPT}. {@code bytes} holds the header when
     * {@code size - position} allows.
     */
    public static Verdict published(ByteBuffer bytes, int at, long position, long size) {
        if (size - position < RecordBatch.HEADER_BYTES) {
            return new Verdict(Kind.CORRUPT, (size - position) + " bytes left, less than a batch header");
        }
        int length = RecordBatch.batchLength(bytes, at);
        if (length < RecordBatch.BATCH_LENGTH_MIN || position + length + RecordBatch.LOG_OVERHEAD_BYTES > size) {
            return new Verdict(Kind.CORRUPT, "batch length " + length + " does not fit the segment's " + size
                    + " bytes");
        }
        return Verdict.VALID;
    }

    /**
     * Judges a whole batch whose own check failed with {@code problem}: a zero-filled sector
     * inside it makes it an interrupted write, torn when it ends the file ({@code last}), a hole
     * when data follows; so does, when it ends the file, a run of zeros at its end that a write
     * into space allocated up to exactly its end leaves when it stops short ({@link
     * TornIntoZeros}); else it is corrupt.
     *
     * @param batch        the batch, from 0 to its limit
     * @param filePosition where it starts in its file (sectors are the file's, not the batch's)
     */
    public static Verdict failedCheck(ByteBuffer batch, long filePosition, boolean last, String problem) {
        return failedCheck(batch, filePosition, last, false, problem);
    }

    /**
     * As {@link #failedCheck(ByteBuffer, long, boolean, String)}; {@code zerosAfter} says that the
     * file reads as zeros from the batch's end to its end, space allocated ahead of the writer: the
     * batch was the last write, interrupted (its unwritten part reads as zeros, too few of them,
     * maybe, for a whole sector), so it is {@link Kind#TORN_TAIL}.
     */
    public static Verdict failedCheck(ByteBuffer batch, long filePosition, boolean last, boolean zerosAfter,
                                      String problem) {
        if (zerosAfter) {
            return torn("the last batch fails its check (" + problem + ") with zeros after it to the end: "
                    + "an interrupted write into space allocated ahead");
        }
        if (!hasZeroSector(batch, filePosition)) {
            if (last && TornIntoZeros.fits(batch)) {
                int zeros = batch.limit() - TornIntoZeros.zeroRunStart(batch);
                return torn("the last batch fails its check (" + problem + ") and ends in " + zeros + " zero bytes "
                        + "where the file ends: a write into space allocated up to its end, interrupted");
            }
            return new Verdict(Kind.CORRUPT, problem);
        }
        return new Verdict(last ? Kind.TORN_TAIL : Kind.HOLE, (last ? "the last" : "a") + " batch fails its check ("
                + problem + ") and holds a zero-filled sector: an interrupted write"
                + (last ? "" : ", with data after it"));
    }

    /**
     * Judges a batch's offsets (outside its CRC) against the dense run of a segment based at
     * {@code segmentBase}: it must start at {@code expected}, and its last offset must be one the
     * segment can index (relative to its base, in 32 bits). A valid CRC does not bound them.
     */
    public static Verdict offsets(ByteBuffer batch, int at, long expected, long segmentBase) {
        long base = RecordBatch.baseOffset(batch, at);
        if (base != expected) {
            return new Verdict(Kind.CORRUPT, "batch base offset " + base + ", expected " + expected);
        }
        int lastDelta = RecordBatch.lastOffsetDelta(batch, at);
        if (lastDelta < 0 || base + lastDelta - segmentBase > Integer.MAX_VALUE) {
            return new Verdict(Kind.CORRUPT, "batch at offset " + base + " has last offset delta " + lastDelta
                    + ", outside what a segment based at " + segmentBase + " can hold");
        }
        return Verdict.VALID;
    }

    /**
     * Whether some whole 512-byte sector of the file inside this batch reads as zeros: with a failed
     * check, the mark of a write that reached the disk only in part.
     */
    public static boolean hasZeroSector(ByteBuffer batch, long filePosition) {
        long firstSector = (filePosition + SECTOR_BYTES - 1) / SECTOR_BYTES * SECTOR_BYTES;
        for (long sector = firstSector; sector + SECTOR_BYTES <= filePosition + batch.limit(); sector += SECTOR_BYTES) {
            int from = (int) (sector - filePosition);
            if (allZero(batch, from, from + SECTOR_BYTES)) {
                return true;
            }
        }
        return false;
    }

    static boolean allZero(ByteBuffer buffer, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buffer.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static Verdict torn(String problem) {
        return new Verdict(Kind.TORN_TAIL, problem);
    }
}

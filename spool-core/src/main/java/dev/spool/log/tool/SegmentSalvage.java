package dev.spool.log.tool;

import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.BatchClassifier;
import dev.spool.log.segment.BatchCursor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Splits one damaged segment into the runs of batches that check out and the damaged bytes
 * between them: what {@link LogRepair} keeps and what it moves aside. A batch checks out when its
 * length is in bounds, its magic is 2, its CRC matches, its record count fits its offsets, and it
 * starts at the offset after the previous kept batch (or, after damage, at any later offset that
 * is still below the next segment's base). Pure: works on the segment's bytes in memory, walking
 * them with a {@link BatchCursor} and judging each batch in sequence with {@link BatchClassifier},
 * as recovery does; only the search for the next good batch after damage is its own.
 *
 * <p>After damage the scan looks for the next batch that checks out at every later byte
 * position; a CRC-32C match by chance at a position that also carries magic 2, a length in
 * bounds and an offset in range is about one in four billion per position, and the batches
 * after it must check out too, or they count as damage in their turn.
 */
public final class SegmentSalvage {
    /** Offsets {@code first .. last} held by the batches at {@code position .. position + bytes}. */
    public record Kept(long position, long bytes, long firstOffset, long lastOffset) {
    }

    /**
     * Damaged bytes at {@code position .. position + bytes}. The offsets they held are
     * {@code firstOffset .. lastOffset}: up to the next kept batch, or the next segment's base;
     * {@code lastOffset} is empty for damage at the end of the last segment, where only the
     * damaged header (if it reads) says how far it went ({@code claimedLastOffset}).
     */
    public record Damage(long position, long bytes, long firstOffset, OptionalLong lastOffset,
                  OptionalLong claimedLastOffset, String problem) {
        /** Whether offsets are lost (damage between batches that follow on loses none). */
        public boolean losesOffsets() {
            return lastOffset.isEmpty() || lastOffset.getAsLong() >= firstOffset;
        }
    }

    /** The pieces of a segment, in file order. */
    record Pieces(List<Kept> kept, List<Damage> damages) {
    }

    private SegmentSalvage() {
    }

    /**
     * @param bytes          the whole segment file
     * @param baseOffset     the segment's base offset
     * @param nextBase       the next segment's base offset, or {@link Long#MAX_VALUE} for the last segment
     * @param batchBytesMax  the largest batch the log accepts
     */
    static Pieces split(ByteBuffer bytes, long baseOffset, long nextBase, int batchBytesMax) {
        List<Kept> kept = new ArrayList<>();
        List<Damage> damages = new ArrayList<>();
        BatchCursor cursor = BatchCursor.overBytes(bytes, null, batchBytesMax);
        long limit = limit(baseOffset, nextBase);
        int size = bytes.limit();
        long expected = baseOffset;
        int runStart = -1;
        long runFirst = -1;
        while (cursor.position() < size) { // each pass moves the cursor forward: bounded by the file's size
            int position = (int) cursor.position();
            String problem = problemAt(cursor, baseOffset, expected, limit);
            if (problem == null) {
                if (runStart < 0) {
                    runStart = position;
                    runFirst = expected;
                }
                expected = cursor.lastOffset() + 1;
                cursor.advance();
                continue;
            }
            if (runStart >= 0) {
                kept.add(new Kept(runStart, position - runStart, runFirst, expected - 1));
                runStart = -1;
            }
            OptionalLong claimed = claimedLastOffset(bytes, position, expected, nextBase);
            int next = resync(bytes, position + 1, expected, limit, batchBytesMax);
            if (next < size) {
                long nextOffset = RecordBatch.baseOffset(bytes, next);
                damages.add(new Damage(position, next - position, expected, OptionalLong.of(nextOffset - 1), claimed,
                        problem));
                expected = nextOffset;
            } else {
                OptionalLong last = nextBase == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(nextBase - 1);
                damages.add(new Damage(position, size - position, expected, last, claimed, problem));
            }
            cursor.seek(next);
        }
        if (runStart >= 0) {
            kept.add(new Kept(runStart, (int) cursor.position() - runStart, runFirst, expected - 1));
        }
        return new Pieces(List.copyOf(kept), List.copyOf(damages));
    }

    /**
     * The offset a kept batch must end below: the next segment's base, and what the segment can
     * index (offsets relative to its base in 32 bits, as recovery checks). The CRC does not cover
     * the base offset, so a flipped base offset passes it; this bound keeps such a batch from
     * being taken for the next good one far past the segment's reach.
     */
    private static long limit(long baseOffset, long nextBase) {
        return Math.min(nextBase, baseOffset + Integer.MAX_VALUE);
    }

    /**
     * Why the batch at the cursor does not check out, or null when it does: what
     * {@link BatchClassifier} names its header, its own check and its offsets (it must start at
     * {@code expected}), and it must end below {@code limit}.
     */
    private static String problemAt(BatchCursor cursor, long baseOffset, long expected, long limit) {
        BatchClassifier.Verdict verdict;
        try {
            verdict = cursor.read();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // bytes in memory: nothing is read from a file
        }
        if (verdict.isValid()) {
            ByteBuffer batch = cursor.batch();
            try {
                RecordBatch.validate(batch, 0, Integer.MAX_VALUE); // the header's verdict bounded the length
            } catch (CorruptRecordException e) {
                verdict = BatchClassifier.failedCheck(batch, cursor.position(),
                        cursor.position() + batch.limit() == cursor.end(), e.getMessage());
            }
        }
        if (verdict.isValid()) {
            verdict = BatchClassifier.offsets(cursor.batch(), 0, expected, baseOffset);
        }
        if (!verdict.isValid()) {
            return verdict.problem();
        }
        return endsBelow(cursor.batch(), 0, limit);
    }

    /**
     * The first position from {@code from} where a batch checks out, starting at or after
     * {@code expected} (a later offset: the damage lost some), or the end of the bytes. This is a
     * search for a batch's start at every byte, not a walk from batch to batch.
     */
    private static int resync(ByteBuffer bytes, int from, long expected, long limit, int batchBytesMax) {
        int size = bytes.limit();
        int next = from;
        while (next < size && candidateProblem(bytes, next, expected, limit, batchBytesMax) != null) {
            next++;
        }
        return next;
    }

    /** Why the bytes at {@code at} are not a batch that checks out and starts at or after {@code expected}. */
    private static String candidateProblem(ByteBuffer bytes, int at, long expected, long limit, int batchBytesMax) {
        int remaining = bytes.limit() - at;
        if (remaining < RecordBatch.HEADER_BYTES || bytes.get(at + RecordBatch.MAGIC_OFFSET) != RecordBatch.MAGIC) {
            return "no batch"; // the cheap test first: the search calls this at every byte
        }
        int length = RecordBatch.batchLength(bytes, at);
        if (length < RecordBatch.BATCH_LENGTH_MIN || (long) length + RecordBatch.LOG_OVERHEAD_BYTES > remaining) {
            return "batch length " + length + " does not fit the " + remaining + " bytes left";
        }
        long base = RecordBatch.baseOffset(bytes, at);
        if (base < expected) {
            return "batch base offset " + base + ", expected at least " + expected;
        }
        try {
            RecordBatch.validate(bytes, at, batchBytesMax);
        } catch (CorruptRecordException e) {
            return e.getMessage();
        }
        return endsBelow(bytes, at, limit);
    }

    /** Null when the batch at {@code at} ends below {@code limit}, else why not. */
    private static String endsBelow(ByteBuffer bytes, int at, long limit) {
        long base = RecordBatch.baseOffset(bytes, at);
        long last = RecordBatch.lastOffset(bytes, at);
        if (last < base || last >= limit) {
            return "batch at offset " + base + " ends at offset " + last + ", not below " + limit
                    + " (the next segment's base, or what this segment can index)";
        }
        return null;
    }

    /** The last offset the damaged batch's header claims, when its base is the expected one and its end plausible. */
    private static OptionalLong claimedLastOffset(ByteBuffer bytes, int at, long expected, long nextBase) {
        if (bytes.limit() - at < RecordBatch.HEADER_BYTES || RecordBatch.baseOffset(bytes, at) != expected) {
            return OptionalLong.empty();
        }
        int delta = RecordBatch.lastOffsetDelta(bytes, at);
        int count = RecordBatch.recordCount(bytes, at);
        if (delta < 0 || count != delta + 1 || expected + delta >= nextBase) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(expected + delta);
    }
}

package dev.spool.log.tool;

import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Splits one damaged segment into the runs of batches that check out and the damaged bytes
 * between them: what {@link LogRepair} keeps and what it moves aside. A batch checks out when its
 * length is in bounds, its magic is 2, its CRC matches, its record count fits its offsets, and it
 * starts at the offset after the previous kept batch (or, after damage, at any later offset that
 * is still below the next segment's base). Pure: works on the segment's bytes in memory.
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
        int size = bytes.limit();
        int position = 0;
        long expected = baseOffset;
        int runStart = -1;
        long runFirst = -1;
        while (position < size) { // each pass moves position forward: bounded by the file's size
            String problem = problemAt(bytes, position, expected, true, limit(baseOffset, nextBase), batchBytesMax);
            if (problem == null) {
                if (runStart < 0) {
                    runStart = position;
                    runFirst = expected;
                }
                expected = RecordBatch.lastOffset(bytes, position) + 1;
                position += RecordBatch.sizeInBytes(bytes, position);
                continue;
            }
            if (runStart >= 0) {
                kept.add(new Kept(runStart, position - runStart, runFirst, expected - 1));
                runStart = -1;
            }
            OptionalLong claimed = claimedLastOffset(bytes, position, expected, nextBase);
            int next = position + 1;
            while (next < size && problemAt(bytes, next, expected, false, limit(baseOffset, nextBase), batchBytesMax)
                    != null) {
                next++;
            }
            if (next < size) {
                long nextOffset = RecordBatch.baseOffset(bytes, next);
                damages.add(new Damage(position, next - position, expected, OptionalLong.of(nextOffset - 1), claimed,
                        problem));
                expected = nextOffset;
            } else {
                OptionalLong last = nextBase == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(nextBase - 1);
                damages.add(new Damage(position, size - position, expected, last, claimed, problem));
            }
            position = next;
        }
        if (runStart >= 0) {
            kept.add(new Kept(runStart, position - runStart, runFirst, expected - 1));
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
     * Why the batch at {@code at} does not check out, or null when it does. It must start at
     * {@code expected} ({@code exact}) or at or after it, and end below {@code nextBase}.
     */
    private static String problemAt(ByteBuffer bytes, int at, long expected, boolean exact, long nextBase,
                                    int batchBytesMax) {
        int remaining = bytes.limit() - at;
        if (remaining < RecordBatch.HEADER_BYTES) {
            return remaining + " bytes at the end are too few for a batch header";
        }
        if (!exact && bytes.get(at + RecordBatch.MAGIC_OFFSET) != RecordBatch.MAGIC) {
            return "no batch"; // the cheap test first: the resync calls this at every byte
        }
        int length = RecordBatch.batchLength(bytes, at);
        if (length < RecordBatch.BATCH_LENGTH_MIN || (long) length + RecordBatch.LOG_OVERHEAD_BYTES > remaining) {
            return "batch length " + length + " does not fit the " + remaining + " bytes left";
        }
        long base = RecordBatch.baseOffset(bytes, at);
        if (exact ? base != expected : base < expected) {
            return "batch base offset " + base + ", expected " + (exact ? "" : "at least ") + expected;
        }
        try {
            RecordBatch.validate(bytes, at, batchBytesMax);
        } catch (CorruptRecordException e) {
            return e.getMessage();
        }
        long last = RecordBatch.lastOffset(bytes, at);
        if (last < base || last >= nextBase) {
            return "batch at offset " + base + " ends at offset " + last + ", not below " + nextBase
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

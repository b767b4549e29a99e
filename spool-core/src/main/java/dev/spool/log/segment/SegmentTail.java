package dev.spool.log.segment;

import java.io.IOException;

/**
 * Establishes the end of a segment that was closed cleanly without reading it all: from the last
 * offset-index entry, a {@link BatchCursor} reads the headers of the few batches after it to learn
 * the next offset, the last batch's base offset and the largest timestamp. Cost: one index read
 * and a few header reads.
 *
 * <p>Offsets are dense: the batch at the last index entry ends at the entry's offset, and every
 * batch starts where the one before ended. An index that says otherwise passed its sanity check
 * but is wrong; appends would build on it, so it is reported ({@link CorruptIndexException}, and
 * recovery then rebuilds it). Stateless and pure apart from its reads.
 */
final class SegmentTail {

    /**
     * What the walk learnt.
     *
     * @param nextOffset           the offset after the last batch (the base offset when empty)
     * @param lastBatchBaseOffset  the last batch's base offset, -1 when empty
     * @param maxTimestamp         the largest timestamp of the time index and the batches walked
     * @param offsetOfMaxTimestamp the offset it belongs to, -1 when none
     * @param bytesSinceIndexEntry bytes of batches from the last index entry on
     */
    record Tail(long nextOffset, long lastBatchBaseOffset, long maxTimestamp, long offsetOfMaxTimestamp,
                int bytesSinceIndexEntry) {
    }

    private SegmentTail() {
    }

    static Tail load(Segment segment, OffsetIndex offsets, TimeIndex times, int size) throws IOException {
        int entries = offsets.entries();
        int from = entries == 0 ? 0 : offsets.positionAt(entries - 1);
        long max = times.lastTimestamp();
        long offsetOfMax = times.entries() == 0 ? -1L : times.offsetAt(times.entries() - 1);
        long next = segment.baseOffset();
        long lastBase = -1L;
        boolean atEntry = entries > 0;
        long expected = atEntry ? offsets.offsetAt(entries - 1) : segment.baseOffset();
        BatchCursor cursor = BatchCursor.overHeaders(segment.storageFile(), segment.logPath(), from, size,
                Integer.MAX_VALUE);
        while (cursor.position() < size) {
            cursor.readPublished();
            long base = cursor.baseOffset();
            long last = cursor.lastOffset();
            if (atEntry && last != expected) {
                throw new CorruptIndexException(offsets.path(), "its last entry names offset " + expected
                        + " but the batch at position " + cursor.position() + " of " + segment.logPath()
                        + " ends at offset " + last);
            }
            if ((!atEntry && base != expected) || last < base) {
                throw new IOException("Segment " + segment.logPath() + " position " + cursor.position()
                        + ": batch of offsets " + base + ".." + last + ", expected one starting at " + expected);
            }
            atEntry = false;
            lastBase = base;
            next = last + 1;
            expected = next;
            if (cursor.maxTimestamp() > max && cursor.holdsRecords()) { // as SegmentIndexes.onAppend
                max = cursor.maxTimestamp();
                offsetOfMax = last;
            }
            cursor.advance();
        }
        if (cursor.position() != size) {
            throw new IOException("Segment " + segment.logPath() + ": last batch ends at " + cursor.position()
                    + ", past the end " + size);
        }
        if (size > 0 && lastBase < 0) {
            throw new IOException("Segment " + segment.logPath() + ": no batch header after the last index entry at "
                    + "position " + from);
        }
        return new Tail(size == 0 ? segment.baseOffset() : next, lastBase, max, offsetOfMax,
                (int) (cursor.position() - from));
    }
}

package dev.spool.log;

/**
 * Where an append landed.
 *
 * @param firstOffset       offset of the first record appended
 * @param lastOffset        offset of the last record appended
 * @param segmentBaseOffset base offset of the segment that holds the batches
 * @param position          byte position of the first batch in that segment
 * @param sizeBytes         bytes written
 */
public record AppendResult(long firstOffset, long lastOffset, long segmentBaseOffset, long position, int sizeBytes) {

    public long recordCount() {
        return lastOffset - firstOffset + 1;
    }
}

package dev.spool.log;

/**
 * Where an append landed, and how safe it is.
 *
 * @param firstOffset       offset of the first record appended
 * @param lastOffset        offset of the last record appended
 * @param segmentBaseOffset base offset of the segment that holds the batches
 * @param position          byte position of the first batch in that segment
 * @param sizeBytes         bytes written
 * @param durable           whether an fsync covering these records completed before the acknowledgement
 * @param fsyncMicros       how long that fsync took (shared by its whole group); 0 when not durable
 */
public record AppendResult(long firstOffset, long lastOffset, long segmentBaseOffset, long position, int sizeBytes,
                           boolean durable, long fsyncMicros) {

    public long recordCount() {
        return lastOffset - firstOffset + 1;
    }
}

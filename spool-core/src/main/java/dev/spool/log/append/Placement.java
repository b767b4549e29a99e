package dev.spool.log.append;

/**
 * Where the {@link Sequencer} put one append: its offsets, the segment and byte position it is
 * written at, and the hash chain after its last batch (empty when the log keeps no chain).
 */
public record Placement(long firstOffset, long lastOffset, long segmentBaseOffset, int position, byte[] chainHash) {
    /** The chain hash of a log that keeps no chain. */
    static final byte[] NO_CHAIN = new byte[0];
}

package dev.spool.log.segment;

/**
 * What a full scan of a segment found: how far its batches are valid, and what stopped the scan.
 *
 * @param validBytes   bytes from the start of the segment that hold valid, dense batches
 * @param nextOffset   the offset after the last valid batch (the segment's base when none)
 * @param batches      valid batches seen
 * @param maxTimestamp the largest timestamp among valid batches, -1 when none
 * @param outcome      why the scan stopped
 * @param problem      for a torn or corrupt outcome, what was wrong; empty otherwise
 */
public record ScanResult(long validBytes, long nextOffset, long batches, long maxTimestamp, Outcome outcome,
                         String problem) {

    /** The kinds of bytes, as one scan sees them. */
    public enum Outcome {
        /** Every byte belongs to a valid batch. */
        VALID,
        /**
         * The bytes after the valid prefix look like an interrupted write: too few to hold the
         * batch their header announces, all zeros, or a final batch whose CRC fails and that holds
         * a zero-filled sector. A log truncates this only at the very end of its last segment.
         */
        TORN_TAIL,
        /**
         * A hole before more bytes: a batch header of zeros, or a batch whose check fails and that
         * holds a zero-filled sector, with data after it. Out-of-order page writeback leaves this
         * when a power loss keeps later unsynced pages and not earlier ones. A log truncates it only
         * past its checkpointed recovery point; anywhere else it is corruption.
         */
        HOLE,
        /** A complete batch is wrong (length, magic, CRC, offsets): never skipped silently. */
        CORRUPT
    }

    public long invalidBytesAfter(long fileSize) {
        return fileSize - validBytes;
    }
}

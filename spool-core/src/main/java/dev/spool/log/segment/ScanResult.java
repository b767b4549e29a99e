package dev.spool.log.segment;

/**
 * What a full scan of a segment found: how far its batches are valid, and what stopped the scan.
 *
 * @param validBytes   bytes from the start of the segment that hold valid, dense batches
 * @param nextOffset   the offset after the last valid batch (the segment's base when none)
 * @param batches      valid batches seen
 * @param maxTimestamp the largest timestamp among valid batches, -1 when none
 * @param outcome      why the scan stopped, as {@link BatchClassifier} named the bytes there:
 *                     {@link BatchClassifier.Kind#VALID} when every byte belongs to a valid batch,
 *                     else {@code TORN_TAIL}, {@code HOLE} or {@code CORRUPT} (never {@code END})
 * @param problem      for a torn, hole or corrupt outcome, what was wrong; empty otherwise
 */
public record ScanResult(long validBytes, long nextOffset, long batches, long maxTimestamp,
                         BatchClassifier.Kind outcome, String problem) {

    public long invalidBytesAfter(long fileSize) {
        return fileSize - validBytes;
    }
}

package dev.spool.log.compaction;

/**
 * What one cleaning round of one log did.
 *
 * @param firstDirtyOffset the offset the next round starts mapping from (the new cleaner checkpoint)
 * @param bytesRead        bytes of segments read (both passes)
 * @param bytesWritten     bytes of cleaned segments written
 * @param recordsRemoved   records the round removed (superseded, expired tombstones, keyless)
 * @param segmentsCleaned  old segments replaced
 */
public record CleanResult(long firstDirtyOffset, long bytesRead, long bytesWritten, long recordsRemoved,
                          int segmentsCleaned) {

    static CleanResult nothing(long firstDirtyOffset) {
        return new CleanResult(firstDirtyOffset, 0, 0, 0, 0);
    }
}

package dev.spool.log.tool;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.OffsetIndex;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.segment.TimeIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * Matches a segment's index files against its batches as they stream past, so memory stays at
 * the indexes' size. Entries are read raw (not through {@link OffsetIndex#load}, which would
 * refuse a damaged file before it could be described).
 */
final class IndexChecker {
    private final LogVerifier.Tally tally;
    private final Path indexFile;
    private final Path timeIndexFile;
    private final long base;
    /** Offset index: absolute last offsets and positions; null when the file is missing or unusable. */
    private long[] offsets;
    private long[] positions;
    private int nextOffsetEntry;
    /** Time index: timestamps and absolute offsets; null when missing or unusable. */
    private long[] timestamps;
    private long[] timeOffsets;
    private int nextTimeEntry;
    private long maxTimestampBefore = -1L;
    private boolean offsetIndexMissing;
    private boolean timeIndexMissing;
    private long previousBatchStart = -1;

    private IndexChecker(LogVerifier.Tally tally, Path indexFile, Path timeIndexFile, long base) {
        this.tally = tally;
        this.indexFile = indexFile;
        this.timeIndexFile = timeIndexFile;
        this.base = base;
    }

    static IndexChecker load(FileIO io, Path dir, long base, int indexBytesMax, LogVerifier.Tally tally) throws IOException {
        IndexChecker checker = new IndexChecker(tally, SegmentFiles.indexFile(dir, base),
                SegmentFiles.timeIndexFile(dir, base), base);
        ByteBuffer raw = readIndex(io, checker.indexFile, OffsetIndex.ENTRY_BYTES, indexBytesMax, checker);
        if (raw != null) {
            int n = raw.limit() / OffsetIndex.ENTRY_BYTES;
            checker.offsets = new long[n];
            checker.positions = new long[n];
            for (int i = 0; i < n; i++) {
                checker.offsets[i] = base + raw.getInt(i * OffsetIndex.ENTRY_BYTES);
                checker.positions[i] = Integer.toUnsignedLong(raw.getInt(i * OffsetIndex.ENTRY_BYTES + 4));
                if (i > 0 && (checker.offsets[i] <= checker.offsets[i - 1]
                        || checker.positions[i] <= checker.positions[i - 1])) {
                    tally.add(LogVerifier.Severity.ERROR, checker.indexFile, (long) i * OffsetIndex.ENTRY_BYTES, "entry " + i
                            + " (offset " + checker.offsets[i] + ", position " + checker.positions[i]
                            + ") does not follow entry " + (i - 1) + " (offset " + checker.offsets[i - 1]
                            + ", position " + checker.positions[i - 1] + ")");
                    checker.offsets = null;
                    break;
                }
            }
        }
        raw = readIndex(io, checker.timeIndexFile, TimeIndex.ENTRY_BYTES, indexBytesMax, checker);
        if (raw != null) {
            int n = raw.limit() / TimeIndex.ENTRY_BYTES;
            checker.timestamps = new long[n];
            checker.timeOffsets = new long[n];
            for (int i = 0; i < n; i++) {
                checker.timestamps[i] = raw.getLong(i * TimeIndex.ENTRY_BYTES);
                checker.timeOffsets[i] = base + raw.getInt(i * TimeIndex.ENTRY_BYTES + 8);
                if (i > 0 && (checker.timestamps[i] <= checker.timestamps[i - 1]
                        || checker.timeOffsets[i] < checker.timeOffsets[i - 1])) {
                    tally.add(LogVerifier.Severity.ERROR, checker.timeIndexFile, (long) i * TimeIndex.ENTRY_BYTES, "entry " + i
                            + " (timestamp " + checker.timestamps[i] + ", offset " + checker.timeOffsets[i]
                            + ") does not follow entry " + (i - 1) + " (timestamp " + checker.timestamps[i - 1]
                            + ", offset " + checker.timeOffsets[i - 1] + ")");
                    checker.timestamps = null;
                    break;
                }
            }
        }
        return checker;
    }

    /** The whole file, or null (with a finding when it is damaged) when it cannot be checked. */
    private static ByteBuffer readIndex(FileIO io, Path file, int entryBytes, int indexBytesMax,
                                        IndexChecker checker) throws IOException {
        if (!io.exists(file)) {
            if (entryBytes == OffsetIndex.ENTRY_BYTES) {
                checker.offsetIndexMissing = true;
            } else {
                checker.timeIndexMissing = true;
            }
            return null;
        }
        try (StorageFile f = io.open(file, FileIO.OpenMode.READ)) {
            long size = f.size();
            if (size % entryBytes != 0) {
                checker.tally.add(LogVerifier.Severity.ERROR, file, size - size % entryBytes, "size " + size
                        + " is not a multiple of the " + entryBytes + "-byte entry");
                return null;
            }
            if (size > indexBytesMax) {
                checker.tally.add(LogVerifier.Severity.ERROR, file, -1, "size " + size + " exceeds the largest index of "
                        + indexBytesMax + " bytes");
                return null;
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            f.readFully(bytes, 0);
            return bytes.flip();
        }
    }

    /** Called for each valid batch, in order. */
    void onBatch(long position, ByteBuffer batch, Path logFile) {
        long batchBase = RecordBatch.baseOffset(batch, 0);
        long last = RecordBatch.lastOffset(batch, 0);
        if (offsets != null) {
            while (nextOffsetEntry < offsets.length && positions[nextOffsetEntry] <= position) {
                int i = nextOffsetEntry++;
                if (positions[i] < position) {
                    entryProblem(i, "points inside the batch that starts at position " + previousBatchStart
                            + " of " + logFile.getFileName() + ", not at a batch boundary");
                } else if (offsets[i] != last) {
                    entryProblem(i, "names the batch at position " + position + ", whose offsets are "
                            + batchBase + ".." + last + "; an entry must hold its batch's last offset");
                }
            }
        }
        long maxThrough = Math.max(maxTimestampBefore, RecordBatch.maxTimestamp(batch, 0));
        if (timestamps != null) {
            while (nextTimeEntry < timestamps.length && timeOffsets[nextTimeEntry] <= last) {
                int i = nextTimeEntry++;
                long t = timestamps[i];
                if (timeOffsets[i] < batchBase) {
                    continue; // reported by the ordering check, or unreachable for sorted entries
                }
                if (t < maxTimestampBefore) {
                    tally.add(LogVerifier.Severity.ERROR, timeIndexFile, (long) i * TimeIndex.ENTRY_BYTES, "entry " + i
                            + " (timestamp " + t + ", offset " + timeOffsets[i] + ") is below timestamp "
                            + maxTimestampBefore + " of an earlier batch: a lookup by time could skip records");
                } else if (t > maxThrough) {
                    tally.add(LogVerifier.Severity.ERROR, timeIndexFile, (long) i * TimeIndex.ENTRY_BYTES, "entry " + i
                            + " (timestamp " + t + ", offset " + timeOffsets[i] + ") is above the largest "
                            + "timestamp " + maxThrough + " of the batches up to that offset");
                }
            }
        }
        maxTimestampBefore = maxThrough;
        previousBatchStart = position;
    }

    private void entryProblem(int i, String problem) {
        tally.add(LogVerifier.Severity.ERROR, indexFile, (long) i * OffsetIndex.ENTRY_BYTES, "entry " + i + " (offset "
                + offsets[i] + ", position " + positions[i] + ") " + problem);
    }

    /**
     * Called once the valid batches ended at {@code validBytes}, with {@code nextOffset} after
     * the last. Entries past a damaged or torn end are not reported: the damage is the finding,
     * and recovery or repair cuts those entries with it.
     */
    void finish(long validBytes, long nextOffset, boolean wholeSegmentRead) {
        if (offsets != null && wholeSegmentRead) {
            for (int i = nextOffsetEntry; i < offsets.length; i++) {
                entryProblem(i, "lies past the valid data, which ends at position " + validBytes + " (offset "
                        + nextOffset + ")");
            }
        }
        if (timestamps != null && wholeSegmentRead) {
            for (int i = nextTimeEntry; i < timestamps.length; i++) {
                tally.add(LogVerifier.Severity.ERROR, timeIndexFile, (long) i * TimeIndex.ENTRY_BYTES, "entry " + i
                        + " (timestamp " + timestamps[i] + ", offset " + timeOffsets[i] + ") names an offset "
                        + "past the valid data, which ends before offset " + nextOffset);
            }
        }
        if (validBytes > 0) {
            for (Path missing : offsetIndexMissing && timeIndexMissing ? List.of(indexFile, timeIndexFile)
                    : offsetIndexMissing ? List.of(indexFile) : timeIndexMissing ? List.of(timeIndexFile)
                    : List.<Path>of()) {
                tally.add(LogVerifier.Severity.WARNING, LogVerifier.Kind.INDEX_MISSING, missing, -1, base, "index missing for a segment that holds data (offsets "
                        + base + ".." + (nextOffset - 1) + "); the next open rebuilds it");
            }
        }
    }
}

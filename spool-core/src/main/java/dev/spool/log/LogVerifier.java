package dev.spool.log;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.OffsetIndex;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.segment.TimeIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Checks a data directory, a topic or one partition, read-only, and lists every problem with its
 * file and position: the engine of {@code spool verify}.
 *
 * <h2>What is checked</h2>
 * <table>
 * <tr><th>check</th><th>severity of a failure</th></tr>
 * <tr><td>every batch of every segment: length in bounds, magic 2, CRC-32C, offset deltas against
 *     the record count, and (uncompressed batches) the framing of every record</td><td>error</td></tr>
 * <tr><td>offsets dense: a segment's first batch starts at the segment's base offset, each batch
 *     at the offset after the previous one, each segment at the previous segment's end</td><td>error</td></tr>
 * <tr><td>an incomplete batch (or zeros) at the very end of the last segment: a torn tail, which
 *     the next open truncates (elsewhere it is an error)</td><td>warning</td></tr>
 * <tr><td>each offset-index entry names a batch boundary whose batch's <em>last</em> offset is the
 *     entry's offset (Kafka's semantics); entries increase; none lies past the valid data</td><td>error</td></tr>
 * <tr><td>each time-index entry {@code (t, o)}: the largest timestamp of the batches before the one
 *     ending at or holding {@code o} is at most {@code t} (or a lookup by time could skip records),
 *     and {@code t} is at most the largest timestamp up to that batch (the entry claims no
 *     timestamp that is not there); entries increase</td><td>error</td></tr>
 * <tr><td>an index file missing for a segment that holds data (rebuilt on the next open)</td><td>warning</td></tr>
 * <tr><td>partitions of a topic numbered from 0 without holes</td><td>error</td></tr>
 * </table>
 * A report is {@linkplain Report#isSound() sound} only when it holds no finding at all.
 *
 * <h2>Read-only, no lock</h2>
 * Files are opened {@link FileIO.OpenMode#READ}; nothing is written, truncated, rebuilt or
 * locked, so a directory another process owns can be verified. The price: while a writer is
 * live, the newest bytes of its active segment may be mid-write (reported as a torn tail) and
 * that segment's index files lag until its next flush (a lagging index is a valid prefix and is
 * not reported). Verify a closed directory for a definitive answer.
 *
 * <p>Memory is bounded by one batch plus the two indexes of one segment, whatever the log's size.
 * Not thread-safe; use one verifier per thread.
 */
public final class LogVerifier {
    private static final int SECTOR_BYTES = 512;

    private final FileIO io;
    private final int batchBytesMax;
    private final int indexBytesMax;

    public LogVerifier(FileIO io, LogConfig config) {
        this.io = io;
        this.batchBytesMax = config.batchBytesMax();
        this.indexBytesMax = config.segmentIndexBytes();
    }

    /** How bad a finding is. */
    public enum Severity {
        /** Recovery or a rebuild will fix it on the next open (a torn tail, a missing index). */
        WARNING,
        /** Damage the engine will not fix by itself: the log refuses to open, or reads go wrong. */
        ERROR
    }

    /**
     * One problem.
     *
     * @param severity how bad it is
     * @param file     the file holding it (a directory for a missing partition)
     * @param position byte position in {@code file}, or -1 when no position applies
     * @param problem  what is wrong and what was expected
     */
    public record Finding(Severity severity, Path file, long position, String problem) {
        @Override
        public String toString() {
            return severity + " " + file + (position >= 0 ? " at position " + position : "") + ": " + problem;
        }
    }

    /**
     * What a verification found.
     *
     * @param partitions partitions checked
     * @param segments   segments checked
     * @param batches    valid batches read
     * @param bytes      bytes of valid batches read
     * @param findings   every problem, in the order found
     */
    public record Report(int partitions, int segments, long batches, long bytes, List<Finding> findings) {
        public boolean isSound() {
            return findings.isEmpty();
        }

        public boolean hasErrors() {
            return findings.stream().anyMatch(f -> f.severity() == Severity.ERROR);
        }
    }

    /** Verifies every topic-partition directory under {@code dataDir}; other entries are ignored. */
    public Report verifyDataDir(Path dataDir) throws IOException {
        return verify(dataDir, partitionsOf(dataDir, Optional.empty()));
    }

    /** Verifies every partition of {@code topic}; throws {@link UnknownTopicException} when there is none. */
    public Report verifyTopic(Path dataDir, String topic) throws IOException {
        TopicName.validate(topic);
        TreeMap<TopicPartition, Path> partitions = partitionsOf(dataDir, Optional.of(topic));
        if (partitions.isEmpty()) {
            throw new UnknownTopicException("Unknown topic '" + topic + "' in " + dataDir);
        }
        return verify(dataDir, partitions);
    }

    /** Verifies one partition directory. */
    public Report verifyPartition(Path partitionDir) throws IOException {
        Tally tally = new Tally();
        verifyPartition(partitionDir, tally);
        return tally.report(1);
    }

    private Report verify(Path dataDir, TreeMap<TopicPartition, Path> partitions) throws IOException {
        Tally tally = new Tally();
        String topic = null;
        int expected = 0;
        for (var entry : partitions.entrySet()) {
            TopicPartition tp = entry.getKey();
            if (!tp.topic().equals(topic)) {
                topic = tp.topic();
                expected = 0;
            }
            if (tp.partition() != expected) {
                tally.add(Severity.ERROR, dataDir.resolve(new TopicPartition(topic, expected).dirName()), -1,
                        "partition " + expected + " of topic " + topic + " is missing (partition " + tp.partition()
                                + " exists); the log manager will not open the directory");
            }
            expected = tp.partition() + 1;
            verifyPartition(entry.getValue(), tally);
        }
        return tally.report(partitions.size());
    }

    /** The partition directories in {@code dataDir}, sorted, optionally of one topic only. */
    TreeMap<TopicPartition, Path> partitionsOf(Path dataDir, Optional<String> topic) throws IOException {
        if (!io.isDirectory(dataDir)) {
            throw new java.nio.file.NoSuchFileException(dataDir.toString(), null, "no such data directory");
        }
        TreeMap<TopicPartition, Path> found = new TreeMap<>();
        for (Path path : io.list(dataDir)) {
            if (!io.isDirectory(path)) {
                continue;
            }
            Optional<TopicPartition> tp = TopicPartition.parseDirName(path.getFileName().toString());
            if (tp.isPresent() && (topic.isEmpty() || tp.get().topic().equals(topic.get()))) {
                found.put(tp.get(), path);
            }
        }
        return found;
    }

    private void verifyPartition(Path dir, Tally tally) throws IOException {
        List<Long> bases = new ArrayList<>();
        for (Path path : io.list(dir)) {
            OptionalLong base = SegmentFiles.baseOffsetOf(path.getFileName().toString(), SegmentFiles.LOG_SUFFIX);
            if (base.isPresent()) {
                bases.add(base.getAsLong());
            }
        }
        Collections.sort(bases);
        long previousEnd = -1; // the offset after the previous segment, -1 when unknown
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            if (previousEnd >= 0 && base != previousEnd) {
                Path previous = SegmentFiles.logFile(dir, bases.get(i - 1));
                tally.add(Severity.ERROR, previous, io.size(previous), "segment ends at offset " + previousEnd
                        + " but the next segment starts at " + base);
            }
            previousEnd = verifySegment(dir, base, i == bases.size() - 1, tally);
            tally.segments++;
        }
    }

    /** Checks one segment and its indexes; returns the offset after its last batch, or -1 if it is damaged. */
    private long verifySegment(Path dir, long base, boolean isLast, Tally tally) throws IOException {
        Path logFile = SegmentFiles.logFile(dir, base);
        IndexChecker indexes = IndexChecker.load(io, dir, base, indexBytesMax, tally);
        long expected = base;
        long position = 0;
        boolean damaged = false;
        boolean wholeSegmentRead = false;
        try (SegmentFileReader reader = SegmentFileReader.open(io, logFile, batchBytesMax)) {
            long size = reader.sizeBytes();
            while (true) {
                SegmentFileReader.BatchRead read = reader.read(position);
                if (read.kind() == SegmentFileReader.BatchRead.Kind.END) {
                    wholeSegmentRead = true;
                    break;
                }
                if (read.kind() == SegmentFileReader.BatchRead.Kind.INCOMPLETE) {
                    if (isLast) {
                        tally.add(Severity.WARNING, logFile, position, "torn tail: " + read.problem() + "; the next "
                                + "open truncates these " + (size - position) + " bytes");
                    } else {
                        tally.add(Severity.ERROR, logFile, position, read.problem() + ", but this is not the last "
                                + "segment");
                        damaged = true;
                    }
                    break;
                }
                if (read.kind() == SegmentFileReader.BatchRead.Kind.BAD_LENGTH) {
                    tally.add(Severity.ERROR, logFile, position, read.problem());
                    damaged = true;
                    break;
                }
                ByteBuffer batch = read.batch();
                Optional<String> problem = check(batch, expected);
                if (problem.isPresent()) {
                    boolean tail = isLast && position + read.sizeBytes() == size && hasZeroSector(batch, position);
                    tally.add(tail ? Severity.WARNING : Severity.ERROR, logFile, position, tail
                            ? "torn tail: the last batch fails its check (" + problem.get() + ") and holds a "
                            + "zero-filled sector; the next open truncates it" : problem.get());
                    damaged = !tail;
                    break;
                }
                indexes.onBatch(position, batch, logFile);
                expected = RecordBatch.lastOffset(batch, 0) + 1;
                position += read.sizeBytes();
                tally.batches++;
                tally.bytes += read.sizeBytes();
            }
        }
        indexes.finish(position, expected, wholeSegmentRead);
        return damaged ? -1 : expected;
    }

    /** Everything wrong with a whole batch that should start at offset {@code expected}, if anything. */
    private Optional<String> check(ByteBuffer batch, long expected) {
        try {
            RecordBatch.validate(batch, 0, batchBytesMax);
            if (RecordBatch.compression(batch, 0) == CompressionType.NONE) {
                RecordBatch.validateRecords(batch, 0);
            }
        } catch (CorruptRecordException e) {
            return Optional.of(e.getMessage());
        }
        long baseOffset = RecordBatch.baseOffset(batch, 0);
        if (baseOffset != expected) {
            return Optional.of("batch base offset " + baseOffset + ", expected " + expected);
        }
        return Optional.empty();
    }

    /** Whether some whole 512-byte sector of the file inside this batch reads as zeros (the loader's torn-write rule). */
    private static boolean hasZeroSector(ByteBuffer batch, long filePosition) {
        long firstSector = (filePosition + SECTOR_BYTES - 1) / SECTOR_BYTES * SECTOR_BYTES;
        for (long sector = firstSector; sector + SECTOR_BYTES <= filePosition + batch.limit(); sector += SECTOR_BYTES) {
            int from = (int) (sector - filePosition);
            boolean zero = true;
            for (int i = from; i < from + SECTOR_BYTES && zero; i++) {
                zero = batch.get(i) == 0;
            }
            if (zero) {
                return true;
            }
        }
        return false;
    }

    /** Counts and findings of one verification. */
    private static final class Tally {
        final List<Finding> findings = new ArrayList<>();
        int segments;
        long batches;
        long bytes;

        void add(Severity severity, Path file, long position, String problem) {
            findings.add(new Finding(severity, file, position, problem));
        }

        Report report(int partitions) {
            return new Report(partitions, segments, batches, bytes, List.copyOf(findings));
        }
    }

    /**
     * Matches a segment's index files against its batches as they stream past, so memory stays at
     * the indexes' size. Entries are read raw (not through {@link OffsetIndex#load}, which would
     * refuse a damaged file before it could be described).
     */
    private static final class IndexChecker {
        private final Tally tally;
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

        private IndexChecker(Tally tally, Path indexFile, Path timeIndexFile, long base) {
            this.tally = tally;
            this.indexFile = indexFile;
            this.timeIndexFile = timeIndexFile;
            this.base = base;
        }

        static IndexChecker load(FileIO io, Path dir, long base, int indexBytesMax, Tally tally) throws IOException {
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
                        tally.add(Severity.ERROR, checker.indexFile, (long) i * OffsetIndex.ENTRY_BYTES, "entry " + i
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
                        tally.add(Severity.ERROR, checker.timeIndexFile, (long) i * TimeIndex.ENTRY_BYTES, "entry " + i
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
                    checker.tally.add(Severity.ERROR, file, size - size % entryBytes, "size " + size
                            + " is not a multiple of the " + entryBytes + "-byte entry");
                    return null;
                }
                if (size > indexBytesMax) {
                    checker.tally.add(Severity.ERROR, file, -1, "size " + size + " exceeds the largest index of "
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
                        tally.add(Severity.ERROR, timeIndexFile, (long) i * TimeIndex.ENTRY_BYTES, "entry " + i
                                + " (timestamp " + t + ", offset " + timeOffsets[i] + ") is below timestamp "
                                + maxTimestampBefore + " of an earlier batch: a lookup by time could skip records");
                    } else if (t > maxThrough) {
                        tally.add(Severity.ERROR, timeIndexFile, (long) i * TimeIndex.ENTRY_BYTES, "entry " + i
                                + " (timestamp " + t + ", offset " + timeOffsets[i] + ") is above the largest "
                                + "timestamp " + maxThrough + " of the batches up to that offset");
                    }
                }
            }
            maxTimestampBefore = maxThrough;
            previousBatchStart = position;
        }

        private void entryProblem(int i, String problem) {
            tally.add(Severity.ERROR, indexFile, (long) i * OffsetIndex.ENTRY_BYTES, "entry " + i + " (offset "
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
                    tally.add(Severity.ERROR, timeIndexFile, (long) i * TimeIndex.ENTRY_BYTES, "entry " + i
                            + " (timestamp " + timestamps[i] + ", offset " + timeOffsets[i] + ") names an offset "
                            + "past the valid data, which ends before offset " + nextOffset);
                }
            }
            if (validBytes > 0) {
                for (Path missing : offsetIndexMissing && timeIndexMissing ? List.of(indexFile, timeIndexFile)
                        : offsetIndexMissing ? List.of(indexFile) : timeIndexMissing ? List.of(timeIndexFile)
                        : List.<Path>of()) {
                    tally.add(Severity.WARNING, missing, -1, "index missing for a segment that holds data (offsets "
                            + base + ".." + (nextOffset - 1) + "); the next open rebuilds it");
                }
            }
        }
    }
}

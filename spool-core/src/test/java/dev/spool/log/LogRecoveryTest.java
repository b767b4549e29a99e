package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.RecordingFileIO;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each row of {@link LogLoader}'s recovery table, driven by damaging real files. */
class LogRecoveryTest {
    private static final LogConfig ONE_SEGMENT = LogConfig.defaults().withIndexIntervalBytes(100);
    private static final LogConfig SMALL_SEGMENTS = LogConfig.defaults().withSegmentBytes(1024)
            .withIndexIntervalBytes(100);

    @TempDir
    Path tmp;

    /** Appends {@code batches} batches of three records each; returns the byte position where each batch starts. */
    private static List<Long> fill(Path dir, LogConfig config, int batches) throws IOException {
        List<Long> positions = new ArrayList<>();
        try (Log log = Log.open(dir, config, LoadState.unknown())) {
            for (int i = 0; i < batches; i++) {
                long t = 1_700_000_000_000L + i;
                AppendResult result = log.append(LogTest.batch(t, "v" + (3 * i), "v" + (3 * i + 1), "v" + (3 * i + 2)));
                positions.add(result.position());
            }
        }
        return positions;
    }

    /** Every value from the log start to its end, read a segment at a time (a read stops at a segment's end). */
    static List<String> readAll(Log log) throws IOException {
        List<String> values = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ReadResult result = log.read(offset, 1 << 20);
            List<String> batch = LogTest.values(result.batches());
            values.addAll(batch);
            ByteBuffer bytes = result.batches();
            int last = bytes.position();
            for (int at = bytes.position(); at < bytes.limit(); at += RecordBatch.sizeInBytes(bytes, at)) {
                last = at;
            }
            offset = RecordBatch.lastOffset(bytes, last) + 1;
        }
        return values;
    }

    private static List<String> expectedValues(int records) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            values.add("v" + i);
        }
        return values;
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x40);
        }
    }

    private static void cutTo(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
    }

    private static Path copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
        return to;
    }

    @Test
    void tornTailCutAtEveryByteOfTheLastBatchRecoversExactlyTheEarlierBatches() throws IOException {
        Path original = tmp.resolve("original");
        List<Long> positions = fill(original, ONE_SEGMENT, 4);
        Path logFile = SegmentFiles.logFile(original, 0);
        long fullSize = Files.size(logFile);
        long lastStart = positions.get(3);
        for (long cut = lastStart + 1; cut < fullSize; cut++) {
            Path dir = copyDir(original, tmp.resolve("cut-" + cut));
            cutTo(SegmentFiles.logFile(dir, 0), cut);
            try (Log log = Log.open(dir, ONE_SEGMENT, LoadState.unknown())) {
                assertThat(log.logEndOffset()).as("cut at %d", cut).isEqualTo(9);
                assertThat(readAll(log)).as("cut at %d", cut).isEqualTo(expectedValues(9));
                assertThat(Files.size(SegmentFiles.logFile(dir, 0))).isEqualTo(lastStart);
                log.append(LogTest.batch(1, "v9"));
            }
            try (Log log = Log.open(dir, ONE_SEGMENT, LoadState.unknown())) {
                assertThat(readAll(log)).isEqualTo(expectedValues(10));
            }
        }
    }

    @Test
    void tornTailIsAlsoTruncatedWhenRecoveringFromACheckpointedRecoveryPoint() throws IOException {
        Path dir = tmp.resolve("log");
        List<Long> positions = fill(dir, SMALL_SEGMENTS, 30);
        long lastBase;
        try (Log log = Log.open(dir, SMALL_SEGMENTS, LoadState.clean())) {
            lastBase = log.segments().get(log.segmentCount() - 1).baseOffset();
        }
        Path last = SegmentFiles.logFile(dir, lastBase);
        cutTo(last, Files.size(last) - 5);
        LoadState state = new LoadState(false, OptionalLong.of(lastBase), OptionalLong.empty());
        try (Log log = Log.open(dir, SMALL_SEGMENTS, state)) {
            assertThat(log.logEndOffset()).isEqualTo(87);
            assertThat(readAll(log)).isEqualTo(expectedValues(87));
        }
        assertThat(positions).hasSize(30);
    }

    /** Row T4: a zero-filled hole before more data, past the recovery point, is cut; before it, it is X1. */
    @Test
    void aHoleOfZerosBeforeLaterDataIsCutPastTheRecoveryPointAndCorruptionBeforeIt() throws IOException {
        Path dir = tmp.resolve("log");
        List<Long> positions = fill(dir, ONE_SEGMENT, 10);
        Path segment = SegmentFiles.logFile(dir, 0);
        // Batch 4 (offsets 12..14) never reached the disk; batch 5 and later did (writeback out of order).
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(segment,
                java.nio.file.StandardOpenOption.WRITE)) {
            int holeBytes = (int) (positions.get(5) - positions.get(4));
            channel.write(ByteBuffer.allocate(holeBytes), positions.get(4));
        }
        LoadState beforeTheHole = new LoadState(false, OptionalLong.of(3), OptionalLong.empty());
        try (Log log = Log.open(dir, ONE_SEGMENT, beforeTheHole)) {
            assertThat(log.logEndOffset()).isEqualTo(12);
            assertThat(readAll(log)).isEqualTo(expectedValues(12));
        }
        assertThat(Files.size(segment)).isEqualTo(positions.get(4)); // the data after the hole went with it

        fill(tmp.resolve("log2"), ONE_SEGMENT, 10);
        Path segment2 = SegmentFiles.logFile(tmp.resolve("log2"), 0);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(segment2,
                java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate((int) (positions.get(5) - positions.get(4))), positions.get(4));
        }
        LoadState flushedPastTheHole = new LoadState(false, OptionalLong.of(27), OptionalLong.empty());
        assertThatThrownBy(() -> Log.open(tmp.resolve("log2"), ONE_SEGMENT, flushedPastTheHole))
                .isInstanceOf(CorruptLogException.class).hasMessageContaining("position " + positions.get(4))
                .hasMessageContaining("zero-filled batch header");
    }

    @Test
    void flippedByteMidLogRaisesCorruptLogExceptionNamingFileAndPosition() throws IOException {
        Path dir = tmp.resolve("log");
        List<Long> positions = fill(dir, ONE_SEGMENT, 5);
        Path logFile = SegmentFiles.logFile(dir, 0);
        flipByte(logFile, positions.get(2) + RecordBatch.RECORDS_OFFSET + 3);
        long sizeBefore = Files.size(logFile);

        assertThatThrownBy(() -> Log.open(dir, ONE_SEGMENT, LoadState.unknown()))
                .isInstanceOfSatisfying(CorruptLogException.class, e -> {
                    assertThat(e.file()).isEqualTo(logFile);
                    assertThat(e.position()).isEqualTo(positions.get(2));
                    assertThat(e.getMessage()).contains("CRC mismatch").contains(logFile.toString())
                            .contains("position " + positions.get(2));
                });
        assertThat(Files.size(logFile)).as("nothing is cut on corruption").isEqualTo(sizeBefore);
    }

    @Test
    void flippedByteInTheLastBatchWithoutZeroSectorIsCorruptionNotATornTail() throws IOException {
        Path dir = tmp.resolve("log");
        List<Long> positions = fill(dir, ONE_SEGMENT, 3);
        Path logFile = SegmentFiles.logFile(dir, 0);
        flipByte(logFile, positions.get(2) + RecordBatch.RECORDS_OFFSET + 1);
        assertThatThrownBy(() -> Log.open(dir, ONE_SEGMENT, LoadState.unknown()))
                .isInstanceOf(CorruptLogException.class).hasMessageContaining("CRC mismatch");
    }

    @Test
    void lastBatchWithZeroFilledSectorAndBadCrcIsATornWrite() throws IOException {
        Path dir = tmp.resolve("log");
        List<Long> positions;
        try (Log log = Log.open(dir, ONE_SEGMENT, LoadState.unknown())) {
            positions = new ArrayList<>();
            positions.add(log.append(LogTest.batch(1, "first")).position());
            positions.add(log.append(LogTest.batch(2, "x".repeat(3000))).position());
        }
        Path logFile = SegmentFiles.logFile(dir, 0);
        try (RandomAccessFile raf = new RandomAccessFile(logFile.toFile(), "rw")) {
            raf.seek(1024);
            raf.write(new byte[512]); // a sector of the last batch never reached the disk
        }
        try (Log log = Log.open(dir, ONE_SEGMENT, LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(1);
            assertThat(Files.size(logFile)).isEqualTo(positions.get(1));
        }
    }

    private static void zeroFrom(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            raf.write(new byte[(int) (raf.length() - position)]);
        }
    }

    /**
     * A write into space allocated up to exactly its end (the segment size limit), torn: the last
     * batch keeps its length and ends in zeros where the file ends, with a bad CRC (zeros from
     * inside its records) or magic 0 (its header written only in part). Past the recovery point
     * that is row T; below it the same bytes had been flushed, and are corruption.
     */
    @Test
    void aLastBatchEndingInZerosWhereTheFileEndsIsTornPastTheRecoveryPointAndCorruptBelowIt() throws IOException {
        Path original = tmp.resolve("original");
        List<Long> positions = fill(original, ONE_SEGMENT, 4);
        long lastStart = positions.get(3);
        for (long tornAt : new long[] {lastStart + RecordBatch.RECORDS_OFFSET + 5, lastStart + 13}) {
            Path dir = copyDir(original, tmp.resolve("torn-" + tornAt));
            zeroFrom(SegmentFiles.logFile(dir, 0), tornAt);
            LoadState unflushed = new LoadState(false, OptionalLong.of(9), OptionalLong.empty());
            try (Log log = Log.open(dir, ONE_SEGMENT, unflushed)) {
                assertThat(log.logEndOffset()).as("torn at %d", tornAt).isEqualTo(9);
                assertThat(readAll(log)).isEqualTo(expectedValues(9));
            }
            assertThat(Files.size(SegmentFiles.logFile(dir, 0))).isEqualTo(lastStart);

            Path flushed = copyDir(original, tmp.resolve("flushed-" + tornAt));
            zeroFrom(SegmentFiles.logFile(flushed, 0), tornAt);
            LoadState flushedPast = new LoadState(false, OptionalLong.of(12), OptionalLong.empty());
            assertThatThrownBy(() -> Log.open(flushed, ONE_SEGMENT, flushedPast))
                    .isInstanceOf(CorruptLogException.class).hasMessageContaining("position " + lastStart)
                    .hasMessageContaining("below the checkpointed recovery point 12");
            assertThat(Files.size(SegmentFiles.logFile(flushed, 0))).as("nothing is cut").isEqualTo(lastStart
                    + (Files.size(SegmentFiles.logFile(original, 0)) - lastStart));
        }
    }

    /**
     * The same tear at the end of a rolled segment whose background flush had not run (row T2): cut,
     * with the unflushed segments after it; with the recovery point past it, corruption.
     */
    @Test
    void aRolledUnflushedSegmentWhoseLastBatchEndsInZerosIsCutWithTheSegmentsAfterIt() throws IOException {
        Path dir = tmp.resolve("log");
        fill(dir, SMALL_SEGMENTS, 40);
        List<SegmentInfo> segments;
        try (Log log = Log.open(dir, SMALL_SEGMENTS, LoadState.clean())) {
            segments = log.segments();
        }
        SegmentInfo torn = segments.get(segments.size() - 3);
        Path tornFile = SegmentFiles.logFile(dir, torn.baseOffset());
        Path again = copyDir(dir, tmp.resolve("again"));
        zeroFrom(tornFile, torn.sizeBytes() - 20);
        LoadState state = new LoadState(false, OptionalLong.of(torn.baseOffset()), OptionalLong.empty());
        try (Log log = Log.open(dir, SMALL_SEGMENTS, state)) {
            assertThat(log.logEndOffset()).isEqualTo(torn.nextOffset() - 3); // its last batch of three records
            assertThat(log.segmentCount()).isEqualTo(segments.size() - 2);
            assertThat(readAll(log)).isEqualTo(expectedValues((int) log.logEndOffset()));
        }

        zeroFrom(SegmentFiles.logFile(again, torn.baseOffset()), torn.sizeBytes() - 20);
        LoadState flushedPast = new LoadState(false, OptionalLong.of(torn.nextOffset() - 1), OptionalLong.empty());
        assertThatThrownBy(() -> Log.open(again, SMALL_SEGMENTS, flushedPast))
                .isInstanceOf(CorruptLogException.class).hasMessageContaining("CRC mismatch");
    }

    @Test
    void zeroFilledTailIsTruncated() throws IOException {
        Path dir = tmp.resolve("log");
        fill(dir, ONE_SEGMENT, 3);
        Path logFile = SegmentFiles.logFile(dir, 0);
        long size = Files.size(logFile);
        cutTo(logFile, size + 4096);
        try (Log log = Log.open(dir, ONE_SEGMENT, LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(9);
            assertThat(Files.size(logFile)).isEqualTo(size);
        }
    }

    @Test
    void damageInAnEarlierSegmentIsCorruptionEvenWhenItLooksTorn() throws IOException {
        Path dir = tmp.resolve("log");
        fill(dir, SMALL_SEGMENTS, 20);
        Path first = SegmentFiles.logFile(dir, 0);
        cutTo(first, Files.size(first) - 3);
        assertThatThrownBy(() -> Log.open(dir, SMALL_SEGMENTS, LoadState.unknown()))
                .isInstanceOfSatisfying(CorruptLogException.class, e -> assertThat(e.file()).isEqualTo(first))
                .hasMessageContaining("not the last segment");
    }

    @Test
    void missingMiddleSegmentIsReportedAsAGap() throws IOException {
        Path dir = tmp.resolve("log");
        fill(dir, SMALL_SEGMENTS, 40);
        List<SegmentInfo> segments;
        try (Log log = Log.open(dir, SMALL_SEGMENTS, LoadState.clean())) {
            segments = log.segments();
        }
        assertThat(segments.size()).isGreaterThan(3);
        Files.delete(SegmentFiles.logFile(dir, segments.get(1).baseOffset()));
        assertThatThrownBy(() -> Log.open(dir, SMALL_SEGMENTS, LoadState.unknown()))
                .isInstanceOf(CorruptLogException.class)
                .hasMessageContaining("next segment starts at " + segments.get(2).baseOffset());
    }

    @Test
    void logEndingBeforeTheRecoveryPointIsMissingFlushedData() throws IOException {
        Path dir = tmp.resolve("log");
        fill(dir, ONE_SEGMENT, 3);
        LoadState state = new LoadState(false, OptionalLong.of(50), OptionalLong.empty());
        assertThatThrownBy(() -> Log.open(dir, ONE_SEGMENT, state))
                .isInstanceOf(CorruptLogException.class)
                .hasMessageContaining("offsets up to 50 were flushed");
    }

    @Test
    void deletedAndGarbledIndexFilesAreRebuilt() throws IOException {
        Path dir = tmp.resolve("log");
        fill(dir, SMALL_SEGMENTS, 20);
        List<SegmentInfo> segments;
        byte[] goodIndex = Files.readAllBytes(SegmentFiles.indexFile(dir, 0));
        byte[] goodTimeIndex = Files.readAllBytes(SegmentFiles.timeIndexFile(dir, 0));
        assertThat(goodIndex).isNotEmpty();
        try (Log log = Log.open(dir, SMALL_SEGMENTS, LoadState.clean())) {
            segments = log.segments();
        }
        long lastBase = segments.get(segments.size() - 1).baseOffset();
        Files.delete(SegmentFiles.indexFile(dir, 0));
        Files.write(SegmentFiles.timeIndexFile(dir, 0), new byte[] {1, 2, 3, 4, 5}); // not a multiple of 12
        byte[] garbage = new byte[16];
        java.util.Arrays.fill(garbage, (byte) 0x7f);
        Files.write(SegmentFiles.indexFile(dir, lastBase), garbage); // offsets and positions out of range

        try (Log log = Log.open(dir, SMALL_SEGMENTS, LoadState.clean())) {
            assertThat(readAll(log)).isEqualTo(expectedValues(60));
            assertThat(log.findOffsetByTimestamp(1_700_000_000_000L + 7)).contains(
                    new TimestampOffset(21, 1_700_000_000_000L + 7));
        }
        assertThat(Files.readAllBytes(SegmentFiles.indexFile(dir, 0))).isEqualTo(goodIndex);
        assertThat(Files.readAllBytes(SegmentFiles.timeIndexFile(dir, 0))).isEqualTo(goodTimeIndex);
    }

    @Test
    void cleanOpenReadsNoSegmentDataButUncleanOpenScansOnlyFromTheRecoveryPoint() throws IOException {
        Path dir = tmp.resolve("log");
        fill(dir, SMALL_SEGMENTS, 40);
        RecordingFileIO io = new RecordingFileIO();
        long lastBase;
        long lastSize;
        long totalSize;
        try (Log log = Log.open(io, dir, SMALL_SEGMENTS, LoadState.clean(), System::currentTimeMillis)) {
            List<SegmentInfo> segments = log.segments();
            lastBase = segments.get(segments.size() - 1).baseOffset();
            lastSize = segments.get(segments.size() - 1).sizeBytes();
            totalSize = log.sizeBytes();
        }
        io.clear();
        try (Log log = Log.open(io, dir, SMALL_SEGMENTS, LoadState.clean(), System::currentTimeMillis)) {
            // Only the headers after the last index entry of the last segment: under one interval plus a header.
            assertThat(io.bytesReadFrom(".log")).isLessThanOrEqualTo(100 + 2L * RecordBatch.HEADER_BYTES + 200);
            assertThat(log.logEndOffset()).isEqualTo(120);
        }
        io.clear();
        LoadState unclean = new LoadState(false, OptionalLong.of(lastBase), OptionalLong.empty());
        try (Log log = Log.open(io, dir, SMALL_SEGMENTS, unclean, System::currentTimeMillis)) {
            assertThat(io.bytesReadFrom(".log")).as("bytes scanned, %s", log.segments()).isEqualTo(lastSize);
            assertThat(log.logEndOffset()).isEqualTo(120);
        }
        io.clear();
        try (Log log = Log.open(io, dir, SMALL_SEGMENTS, LoadState.unknown(), System::currentTimeMillis)) {
            assertThat(io.bytesReadFrom(".log")).isEqualTo(totalSize);
            assertThat(log.logEndOffset()).isEqualTo(120);
        }
    }

    @Test
    void leftoversOfInterruptedOperationsAreCleanedUp() throws IOException {
        Path dir = tmp.resolve("log");
        fill(dir, ONE_SEGMENT, 2);
        Files.write(dir.resolve("00000000000000000100.log.deleted"), new byte[10]);
        Files.write(dir.resolve("00000000000000000000.index.tmp"), new byte[10]);
        Files.write(dir.resolve("00000000000000000500.index"), new byte[8]);
        Files.write(dir.resolve("00000000000000000500.timeindex"), new byte[12]);
        Files.write(dir.resolve("00000000000000000500.chain"), new byte[52]);
        try (Log log = Log.open(dir, ONE_SEGMENT, LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(6);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
                    "00000000000000000000.index", "00000000000000000000.log", "00000000000000000000.timeindex");
        }
    }

    @Test
    void emptyDirectoryStartsAtTheCheckpointedLogStartOffset() throws IOException {
        Path dir = tmp.resolve("log");
        LoadState state = new LoadState(false, OptionalLong.empty(), OptionalLong.of(42));
        try (Log log = Log.open(dir, ONE_SEGMENT, state)) {
            assertThat(log.logStartOffset()).isEqualTo(42);
            assertThat(log.append(LogTest.batch(1, "a")).firstOffset()).isEqualTo(42);
        }
        assertThat(Files.exists(SegmentFiles.logFile(dir, 42))).isTrue();
    }

    @Test
    void recoveryAfterTornTailForcesTheCutBeforeReportingIt() throws IOException {
        Path dir = tmp.resolve("log");
        fill(dir, ONE_SEGMENT, 3);
        Path logFile = SegmentFiles.logFile(dir, 0);
        cutTo(logFile, Files.size(logFile) - 1);
        RecordingFileIO io = new RecordingFileIO(FileIO.real());
        try (Log log = Log.open(io, dir, ONE_SEGMENT, LoadState.unknown(), System::currentTimeMillis)) {
            List<String> ops = io.operations();
            int truncate = indexOf(ops, "truncate 00000000000000000000.log");
            int force = ops.indexOf("force 00000000000000000000.log");
            assertThat(truncate).isGreaterThanOrEqualTo(0);
            assertThat(force).isGreaterThan(truncate);
            assertThat(log.logEndOffset()).isEqualTo(6);
        }
    }

    private static int indexOf(List<String> ops, String prefix) {
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void anIndexRebuiltEmptyReplacesTheGarbageFileLeftOnDisk() throws IOException {
        Path dir = tmp.resolve("log");
        try (Log log = Log.open(dir, ONE_SEGMENT, LoadState.unknown())) {
            log.append(LogTest.batch(1, "only")); // one small batch: no index entry at all
        }
        Path index = SegmentFiles.indexFile(dir, 0);
        Files.write(index, new byte[] {9, 9, 9, 9, 9, 9, 9, 9});
        try (Log log = Log.open(dir, ONE_SEGMENT, LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(1);
        }
        assertThat(Files.size(index)).isZero();
    }

    @Test
    void tornSegmentPastTheRecoveryPointIsCutAndTheUnflushedSegmentsAfterItRemoved() throws IOException {
        Path dir = tmp.resolve("log");
        fill(dir, SMALL_SEGMENTS, 40);
        List<SegmentInfo> segments;
        try (Log log = Log.open(dir, SMALL_SEGMENTS, LoadState.clean())) {
            segments = log.segments();
        }
        assertThat(segments.size()).isGreaterThanOrEqualTo(4);
        SegmentInfo torn = segments.get(segments.size() - 3);
        Path tornFile = SegmentFiles.logFile(dir, torn.baseOffset());
        cutTo(tornFile, torn.sizeBytes() - 7);
        // Checkpointed recovery point: the start of the torn segment, so all after it is unflushed.
        LoadState state = new LoadState(false, OptionalLong.of(torn.baseOffset()), OptionalLong.empty());
        try (Log log = Log.open(dir, SMALL_SEGMENTS, state)) {
            long end = log.logEndOffset();
            assertThat(end).isLessThan(torn.nextOffset()).isGreaterThanOrEqualTo(torn.baseOffset());
            assertThat(log.segmentCount()).isEqualTo(segments.size() - 2);
            assertThat(readAll(log)).isEqualTo(expectedValues((int) end));
            log.append(LogTest.batch(1, "v" + end));
        }
        assertThat(Files.exists(SegmentFiles.logFile(dir, segments.get(segments.size() - 1).baseOffset()))).isFalse();
        try (Log log = Log.open(dir, SMALL_SEGMENTS, LoadState.unknown())) {
            assertThat(readAll(log)).hasSize((int) log.logEndOffset());
        }

        // The same damage before the recovery point is missing flushed data: corruption.
        Path again = tmp.resolve("again");
        fill(again, SMALL_SEGMENTS, 40);
        cutTo(SegmentFiles.logFile(again, torn.baseOffset()), torn.sizeBytes() - 7);
        LoadState flushedPast = new LoadState(false, OptionalLong.of(torn.nextOffset() - 1), OptionalLong.empty());
        assertThatThrownBy(() -> Log.open(again, SMALL_SEGMENTS, flushedPast))
                .isInstanceOf(CorruptLogException.class).hasMessageContaining("not the last segment");
    }

    @Test
    void uncleanOpenForcesOnlyWhatLiesPastTheRecoveryPoint() throws IOException {
        Path dir = tmp.resolve("log");
        fill(dir, ONE_SEGMENT, 3); // offsets 0..8
        RecordingFileIO io = new RecordingFileIO();
        LoadState allFlushed = new LoadState(false, OptionalLong.of(9), OptionalLong.empty());
        try (Log log = Log.open(io, dir, ONE_SEGMENT, allFlushed, System::currentTimeMillis)) {
            assertThat(log.logEndOffset()).isEqualTo(9);
            assertThat(io.operations()).doesNotContain("force 00000000000000000000.log");
        }
        io.clear();
        LoadState partlyFlushed = new LoadState(false, OptionalLong.of(3), OptionalLong.empty());
        try (Log log = Log.open(io, dir, ONE_SEGMENT, partlyFlushed, System::currentTimeMillis)) {
            assertThat(io.operations()).as("offsets 3..8 may sit only in the page cache")
                    .contains("force 00000000000000000000.log");
            assertThat(log.recoveryPoint()).isEqualTo(9);
        }
    }

    @Test
    void rolledSegmentMissingWholeBatchesPastTheRecoveryPointDropsTheUnflushedSegmentsAfterIt() throws IOException {
        Path dir = tmp.resolve("log");
        List<Long> positions = fill(dir, SMALL_SEGMENTS, 40);
        List<SegmentInfo> segments;
        try (Log log = Log.open(dir, SMALL_SEGMENTS, LoadState.clean())) {
            segments = log.segments();
        }
        assertThat(segments.size()).isGreaterThanOrEqualTo(4);
        SegmentInfo shortened = segments.get(segments.size() - 3);
        // Cut the segment at its last batch boundary: whole batches lost, nothing torn (row T3).
        long lastBatchStart = positions.stream().filter(p -> p < shortened.sizeBytes()).max(Long::compare)
                .orElseThrow();
        cutTo(SegmentFiles.logFile(dir, shortened.baseOffset()), lastBatchStart);
        LoadState state = new LoadState(false, OptionalLong.of(shortened.baseOffset()), OptionalLong.empty());
        try (Log log = Log.open(dir, SMALL_SEGMENTS, state)) {
            assertThat(log.logEndOffset()).isEqualTo(shortened.nextOffset() - 3);
            assertThat(log.segmentCount()).isEqualTo(segments.size() - 2);
            assertThat(readAll(log)).isEqualTo(expectedValues((int) log.logEndOffset()));
        }
        // Without a checkpoint vouching that this part was unflushed, the same gap is corruption (X2).
        Path again = tmp.resolve("again");
        fill(again, SMALL_SEGMENTS, 40);
        cutTo(SegmentFiles.logFile(again, shortened.baseOffset()), lastBatchStart);
        assertThatThrownBy(() -> Log.open(again, SMALL_SEGMENTS, LoadState.unknown()))
                .isInstanceOf(CorruptLogException.class).hasMessageContaining("but the next segment starts at");
    }
}

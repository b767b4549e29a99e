package dev.spool.log.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.spool.log.AppendResult;
import dev.spool.log.CorruptLogException;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.ReadResult;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bugs the hostile-bytes fuzzing found (issue 6), each replayed by hand on the smallest input
 * that shows it. All but the last are damage after a clean shutdown, which the log trusts without
 * scanning (row C1 of the recovery table): the read path is then the first to meet the damage, and
 * must report it rather than hang, walk off the buffer, hand out bytes that are not batches, or
 * skip records.
 */
class HostileBytesRegressionTest {
    /** An index entry for every batch after the first, so a clean open reads nothing but the last header. */
    private static final LogConfig CONFIG = LogConfig.defaults().withIndexIntervalBytes(0);
    private static final Duration HANG = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    /** Batches of two records, closed cleanly; returns where each went. */
    private List<AppendResult> fill(Path dir, LogConfig config, int batches) throws IOException {
        List<AppendResult> appended = new ArrayList<>();
        try (Log log = Log.open(dir, config, LoadState.unknown())) {
            for (int i = 0; i < batches; i++) {
                appended.add(log.append(batch(1_700_000_000_000L + i, "v" + (2 * i), "v" + (2 * i + 1))));
            }
        }
        return appended;
    }

    private static ByteBuffer batch(long timestamp, String... values) {
        BatchBuilder builder = new BatchBuilder(1 << 16);
        for (String value : values) {
            builder.tryAppend(timestamp, null, value.getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer built = builder.build();
        return ByteBuffer.allocate(built.remaining()).put(built).flip();
    }

    private static void putInt(Path file, long position, int value) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            raf.writeInt(value);
        }
    }

    /** Reads from {@code offset} to the end, as a consumer does; returns the offsets of the batches read. */
    private static List<Long> readAll(Log log, long offset) throws IOException {
        List<Long> bases = new ArrayList<>();
        while (offset < log.logEndOffset()) {
            ReadResult result = log.read(offset, 1 << 20);
            ByteBuffer batches = result.batches();
            assertThat(batches.hasRemaining()).as("a read at %d below the end %d returns data", offset,
                    log.logEndOffset()).isTrue();
            for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
                assertThat(RecordBatch.sizeInBytes(batches, at)).isGreaterThanOrEqualTo(RecordBatch.HEADER_BYTES);
                bases.add(RecordBatch.baseOffset(batches, at));
            }
            offset = result.nextOffset(offset);
        }
        return bases;
    }

    /**
     * A batch length of -12 makes a batch "0 bytes long": the read's walk over the batches it had
     * read stood still forever (a reader thread spinning at 100%); other negative lengths walked
     * backwards off the buffer (IndexOutOfBoundsException); 0 handed out a 12-byte "batch" of zeros.
     * Now the walk ends before such a length and the next read reports it, naming the segment. A
     * length near {@code Integer.MAX_VALUE} made the walk's bound check overflow and walk off the
     * buffer the same way (found by the recovery fuzzing, seed 166249712589491464).
     */
    @ParameterizedTest
    @ValueSource(ints = {-12, -100, 0, 5, Integer.MAX_VALUE - 20})
    void aGarbledBatchLengthAfterACleanShutdownIsReportedByTheRead(int length) throws IOException {
        Path dir = tmp.resolve("t-0");
        List<AppendResult> batches = fill(dir, CONFIG, 10);
        Path segment = SegmentFiles.logFile(dir, 0);
        putInt(segment, batches.get(3).position() + RecordBatch.BATCH_LENGTH_OFFSET, length);

        try (Log log = Log.open(dir, CONFIG, LoadState.clean())) {
            assertThat(log.logEndOffset()).isEqualTo(20);
            ReadResult first = assertTimeoutPreemptively(HANG, () -> log.read(0, 1 << 20));
            assertThat(first.nextOffset(0)).as("the batches before the damage").isEqualTo(6);
            assertThatThrownBy(() -> log.read(6, 1 << 20)).isInstanceOf(IOException.class)
                    .hasMessageContaining(segment + " at position " + batches.get(3).position())
                    .hasMessageContaining("batch length " + length);
        }
    }

    /**
     * A batch whose header claims other offsets than the dense sequence (damage with a CRC that
     * matches, as a hostile or buggy writer leaves it) was returned with the batches after it, so
     * that one read handed out offsets 0-1, 2-100, 4-5, 6-7 …. Now a read ends where the sequence
     * breaks.
     */
    @Test
    void oneReadNeverReturnsOffsetsThatAreNotDense() throws IOException {
        Path dir = tmp.resolve("t-0");
        List<AppendResult> batches = fill(dir, CONFIG, 10);
        Path segment = SegmentFiles.logFile(dir, 0);
        long at = batches.get(1).position();
        putInt(segment, at + RecordBatch.LAST_OFFSET_DELTA_OFFSET, 98);
        putInt(segment, at + RecordBatch.RECORD_COUNT_OFFSET, 99);
        forgeCrc(segment, at, batches.get(1).sizeBytes());

        try (Log log = Log.open(dir, CONFIG, LoadState.clean())) {
            ByteBuffer read = log.read(0, 1 << 20).batches();
            List<Long> bases = new ArrayList<>();
            for (int b = read.position(); b < read.limit(); b += RecordBatch.sizeInBytes(read, b)) {
                bases.add(RecordBatch.baseOffset(read, b));
            }
            assertThat(bases).containsExactly(0L, 2L);
        }
    }

    /**
     * A flipped bit in a batch's base offset (not covered by the CRC) made every read of that
     * batch's offsets come back empty although they lie below the log end: a consumer polling
     * there waits forever, and nothing says why. Now the read fails and names the damage.
     */
    @Test
    void aDamagedBaseOffsetAfterACleanShutdownFailsTheReadInsteadOfReturningNothing() throws IOException {
        Path dir = tmp.resolve("t-0");
        List<AppendResult> batches = fill(dir, CONFIG, 10);
        Path segment = SegmentFiles.logFile(dir, 0);
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.seek(batches.get(2).position());
            raf.write(1); // the base offset's top byte: 4 + 2^56
        }

        try (Log log = Log.open(dir, CONFIG, LoadState.clean())) {
            assertThat(readAllUpTo(log, 4)).containsExactly(0L, 2L);
            assertThatThrownBy(() -> log.read(4, 1 << 20)).isInstanceOf(IOException.class)
                    .hasMessageContaining(segment.toString())
                    .hasMessageContaining("a batch of offsets " + ((1L << 56) + 4) + ".." + ((1L << 56) + 5)
                            + " where offset 4 should start");
        }
    }

    /**
     * A base offset damaged to a lower value (here 6 to 5) went unnoticed: the batch still "held"
     * the offset asked for, so a read of offset 6 returned it as offsets 5-6, and a consumer skipped
     * the record it took for 5 (really 6) and took record 7 for 6: records under wrong offsets, with
     * a valid CRC (the base offset is outside it). Reads now check the offsets are dense as they walk
     * the headers, so the damage is reported by position.
     */
    @Test
    void aBaseOffsetDamagedDownwardsIsReportedNotReadUnderWrongOffsets() throws IOException {
        Path dir = tmp.resolve("t-0");
        List<AppendResult> batches = fill(dir, CONFIG, 10);
        Path segment = SegmentFiles.logFile(dir, 0);
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.seek(batches.get(3).position() + RecordBatch.BASE_OFFSET_OFFSET);
            raf.writeLong(5);
        }

        try (Log log = Log.open(dir, CONFIG, LoadState.clean())) {
            assertThatThrownBy(() -> log.read(6, 1 << 20)).isInstanceOf(IOException.class)
                    .hasMessageContaining(segment + " at position " + batches.get(3).position())
                    .hasMessageContaining("a batch of offsets 5..6 where offset 6 should start");
            assertThat(readAllUpTo(log, 6)).containsExactly(0L, 2L, 4L);
        }
    }

    /**
     * A segment cut short after a clean shutdown (here to nothing) left a gap between it and the
     * next: a read of its offsets returned the next segment's first batch instead, silently
     * skipping every record in between. Now the read reports the gap.
     */
    @Test
    void aSegmentCutShortAfterACleanShutdownIsReportedNotSkipped() throws IOException {
        Path dir = tmp.resolve("t-0");
        LogConfig small = CONFIG.withSegmentBytes(400).withBatchBytesMax(400);
        List<AppendResult> batches = fill(dir, small, 20);
        long second = batches.stream().mapToLong(AppendResult::segmentBaseOffset).filter(b -> b > 0).min()
                .orElseThrow();
        long third = batches.stream().mapToLong(AppendResult::segmentBaseOffset).filter(b -> b > second).min()
                .orElseThrow();
        Path cut = SegmentFiles.logFile(dir, second);
        try (RandomAccessFile raf = new RandomAccessFile(cut.toFile(), "rw")) {
            raf.setLength(0);
        }

        try (Log log = Log.open(dir, small, LoadState.clean())) {
            assertThatThrownBy(() -> readAll(log, 0)).isInstanceOf(CorruptLogException.class)
                    .hasMessageContaining(cut.toString())
                    .hasMessageContaining("reading offset " + second + ": the segment holds no batch for it, though the "
                            + "next segment starts at " + third + ": offsets are missing");
        }
    }

    private static List<Long> readAllUpTo(Log log, long end) throws IOException {
        List<Long> bases = new ArrayList<>();
        long offset = 0;
        while (offset < end) {
            ReadResult result = log.read(offset, RecordBatch.HEADER_BYTES); // one batch per read
            ByteBuffer batches = result.batches();
            bases.add(RecordBatch.baseOffset(batches, batches.position()));
            offset = result.nextOffset(offset);
        }
        return bases;
    }

    private static void forgeCrc(Path segment, long position, int size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            byte[] bytes = new byte[size];
            raf.seek(position);
            raf.readFully(bytes);
            ByteBuffer batch = ByteBuffer.wrap(bytes);
            raf.seek(position + RecordBatch.CRC_OFFSET);
            raf.writeInt((int) RecordBatch.computeCrc(batch, 0));
        }
    }

    /** Keeps the verifier honest about the same damage: it reports it too (it always did). */
    @Test
    void theVerifierReportsAGarbledLengthTheCleanOpenTrusted() throws IOException {
        Path dir = tmp.resolve("t-0");
        List<AppendResult> batches = fill(dir, CONFIG, 10);
        putInt(SegmentFiles.logFile(dir, 0), batches.get(3).position() + RecordBatch.BATCH_LENGTH_OFFSET, -12);
        LogVerifier.Report report = new LogVerifier(dev.spool.log.io.FileIO.real(), CONFIG).verifyPartition(dir);
        assertThat(report.hasErrors()).isTrue();
        assertThat(Files.size(SegmentFiles.logFile(dir, 0))).isEqualTo(batches.get(9).position()
                + batches.get(9).sizeBytes());
    }

    /**
     * After a clean shutdown a missing index is rebuilt by a scan that skips the CRCs (the data was
     * flushed). A damaged last-offset delta then reached the index as a negative offset, and its
     * {@link IllegalArgumentException} escaped the open: row C2 (scan the tail when it does not
     * parse) catches I/O errors only. Now the scan refuses offsets a segment cannot hold, the
     * rebuild fails with an I/O error, and row C2 finds the bad batch by its CRC.
     */
    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1})
    void aDamagedOffsetDeltaFoundWhileRebuildingAnIndexIsCorruptionNotAnUncheckedError(int delta)
            throws IOException {
        Path dir = tmp.resolve("t-0");
        List<AppendResult> batches = fill(dir, CONFIG, 10);
        Path segment = SegmentFiles.logFile(dir, 0);
        putInt(segment, batches.get(4).position() + RecordBatch.LAST_OFFSET_DELTA_OFFSET, delta);
        Files.delete(SegmentFiles.indexFile(dir, 0));

        assertThatThrownBy(() -> Log.open(dir, CONFIG, LoadState.clean())).isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(segment + " at position " + batches.get(4).position())
                .hasMessageContaining("CRC mismatch");
    }

    /**
     * A zero-filled tail (space a file system allocated but the crash never let it write) is a torn
     * tail, and recovery cuts it. The scan recognised it only when the zeros ended inside the chunk
     * it had read (about 5 MiB); a longer run of zeros was reported as corruption ("batch length 0"),
     * so the log refused to open, while {@code spool verify} called the same bytes a torn tail.
     */
    @Test
    void aZeroFilledTailLongerThanOneScanChunkIsATornTail() throws IOException {
        Path dir = tmp.resolve("t-0");
        List<AppendResult> batches = fill(dir, CONFIG, 10);
        Path segment = SegmentFiles.logFile(dir, 0);
        long written = Files.size(segment);
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.setLength(written + (8L << 20)); // 8 MiB of zeros, as holes
        }
        LogVerifier.Report report = new LogVerifier(dev.spool.log.io.FileIO.real(), CONFIG).verifyPartition(dir);
        assertThat(report.hasErrors()).isFalse();
        assertThat(report.findings()).singleElement().extracting(LogVerifier.Finding::kind)
                .isEqualTo(LogVerifier.Kind.TORN_TAIL);

        try (Log log = Log.open(dir, CONFIG, LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(20);
            assertThat(readAll(log, 0)).hasSize(batches.size());
        }
        assertThat(Files.size(segment)).isEqualTo(written);
    }

    /**
     * A file name of twenty digits above {@code Long.MAX_VALUE} overflowed into a different, positive
     * base offset, so a stray {@code 20000000000000000000.log} made the log look for a segment file
     * that does not exist and fail to open ("NoSuchFileException: …01553255926290448384.log").
     * Now such a name is not a segment name, as any other stray name.
     */
    @Test
    void aSegmentNameAboveTheLargestOffsetIsNotReadAsAnotherOffset() throws IOException {
        assertThat(SegmentFiles.baseOffsetOf("20000000000000000000.log", SegmentFiles.LOG_SUFFIX)).isEmpty();
        assertThat(SegmentFiles.baseOffsetOf("09223372036854775808.log", SegmentFiles.LOG_SUFFIX)).isEmpty();
        assertThat(SegmentFiles.baseOffsetOf("09223372036854775807.log", SegmentFiles.LOG_SUFFIX))
                .hasValue(Long.MAX_VALUE);
        Path dir = tmp.resolve("t-0");
        fill(dir, CONFIG, 3);
        Files.write(dir.resolve("20000000000000000000.log"), new byte[0]);
        try (Log log = Log.open(dir, CONFIG, LoadState.unknown())) {
            assertThat(readAll(log, 0)).containsExactly(0L, 2L, 4L);
        }
    }

    /**
     * An offset index whose last entry names a later offset than its batch ends at (one flipped bit)
     * passes the sanity check, which sees positions and order only. After a clean shutdown every
     * append then failed with an {@link IllegalArgumentException} ("Index entry for offset 20 at 800
     * does not follow offset 65555 at 719"). Now the open finds that the entry does not name its
     * batch, scans the segment and rebuilds the index.
     */
    @Test
    void anIndexEntryNamingTheWrongOffsetIsRebuiltAfterACleanShutdownNotAppendedTo() throws IOException {
        Path dir = tmp.resolve("t-0");
        List<AppendResult> batches = fill(dir, CONFIG, 10);
        Path index = SegmentFiles.indexFile(dir, 0);
        long lastEntry = Files.size(index) - dev.spool.log.segment.OffsetIndex.ENTRY_BYTES;
        try (RandomAccessFile raf = new RandomAccessFile(index.toFile(), "rw")) {
            raf.seek(lastEntry + 1); // the relative offset's second byte: + 2^16
            raf.write(1);
        }

        try (Log log = Log.open(dir, CONFIG, LoadState.clean())) {
            assertThat(log.logEndOffset()).isEqualTo(20);
            assertThat(log.append(batch(1_800_000_000_000L, "v20")).firstOffset()).isEqualTo(20);
            assertThat(readAll(log, 0)).hasSize(batches.size() + 1);
        }
        try (Log log = Log.open(dir, CONFIG, LoadState.clean())) {
            assertThat(readAll(log, 0)).hasSize(batches.size() + 1);
        }
    }
}

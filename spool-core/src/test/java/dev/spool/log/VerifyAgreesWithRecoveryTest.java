package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spool verify} and recovery judge a segment's end with the same table, so they agree: a
 * torn end of a segment that is not the last, or a hole, is a warning naming the row recovery
 * will apply when it lies past the checkpointed recovery point of a crash, and an error (the
 * open refuses) below it. Each test: write, crash, damage, verify, open.
 */
class VerifyAgreesWithRecoveryTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final LogManagerConfig SMALL_SEGMENTS = LogManagerConfig.defaults().withoutBackgroundTasks()
            .withLogConfig(LogConfig.defaults().withSegmentBytes(1024).withIndexIntervalBytes(100));

    @TempDir
    Path dataDir;

    /** Appends 40 batches of two records, closes cleanly, then makes it look like a crash at {@code recoveryPoint}. */
    private List<AppendResult> writeThenCrash() throws IOException {
        List<AppendResult> results = new ArrayList<>();
        try (LogManager manager = LogManager.open(dataDir, SMALL_SEGMENTS)) {
            manager.createTopic("t", 1);
            Log log = manager.log("t", 0);
            BatchBuilder builder = new BatchBuilder(LogConfig.defaults().batchBytesMax());
            for (int i = 0; i < 40; i++) {
                builder.reset();
                builder.tryAppend(1_000L + i, null, ("v-" + i + "-0").getBytes(StandardCharsets.UTF_8));
                builder.tryAppend(1_000L + i, null, ("v-" + i + "-1").getBytes(StandardCharsets.UTF_8));
                results.add(log.append(builder.build()));
            }
        }
        Files.delete(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE));
        return results;
    }

    private void checkpoint(long recoveryPoint) throws IOException {
        OffsetCheckpointFile.write(FileIO.real(), dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT),
                Map.of(TP, recoveryPoint));
    }

    private Path logFile(long base) {
        return SegmentFiles.logFile(dataDir.resolve(TP.dirName()), base);
    }

    private LogVerifier.Report verify() throws IOException {
        return new LogVerifier(FileIO.real(), SMALL_SEGMENTS.logConfig()).verifyDataDir(dataDir);
    }

    /** The last batch of the segment before the last one, whose end the tests tear. */
    private static AppendResult lastBatchOfTheSegmentBeforeTheLast(List<AppendResult> batches) {
        List<Long> bases = batches.stream().map(AppendResult::segmentBaseOffset).distinct().toList();
        assertThat(bases).hasSizeGreaterThan(2);
        long base = bases.get(bases.size() - 2);
        return batches.stream().filter(b -> b.segmentBaseOffset() == base).reduce((a, b) -> b).orElseThrow();
    }

    private static void cutTo(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
    }

    @Test
    void tornEndOfAnEarlierSegmentPastTheRecoveryPointIsAWarningInVerifyAndCutByRecovery() throws IOException {
        List<AppendResult> batches = writeThenCrash();
        AppendResult torn = lastBatchOfTheSegmentBeforeTheLast(batches);
        checkpoint(torn.segmentBaseOffset()); // the rolled segment was never flushed (row T2)
        Path file = logFile(torn.segmentBaseOffset());
        cutTo(file, Files.size(file) - 3);

        LogVerifier.Report report = verify();
        assertThat(report.hasErrors()).as("%s", report.findings()).isFalse();
        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(LogVerifier.Kind.TORN_TAIL);
            assertThat(f.file()).isEqualTo(file);
            assertThat(f.position()).isEqualTo(torn.position());
            assertThat(f.problem()).contains("removes the later segments").contains("row T2");
        });

        try (LogManager manager = LogManager.open(dataDir, SMALL_SEGMENTS)) {
            assertThat(manager.log("t", 0).logEndOffset()).isEqualTo(torn.firstOffset());
        }
        assertThat(Files.size(file)).isEqualTo(torn.position());
        assertThat(verify().isSound()).isTrue();
    }

    @Test
    void tornEndOfAnEarlierSegmentBelowTheRecoveryPointIsAnErrorInVerifyAndNeverCutByRecovery() throws IOException {
        List<AppendResult> batches = writeThenCrash(); // the checkpoint says everything was flushed
        AppendResult torn = lastBatchOfTheSegmentBeforeTheLast(batches);
        Path file = logFile(torn.segmentBaseOffset());
        cutTo(file, Files.size(file) - 3);
        long sizeBefore = Files.size(file);

        LogVerifier.Report report = verify();
        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(LogVerifier.Severity.ERROR);
            assertThat(f.kind()).isEqualTo(LogVerifier.Kind.BATCH_CORRUPT);
            assertThat(f.position()).isEqualTo(torn.position());
            assertThat(f.problem()).contains("not the last segment").contains("below the checkpointed recovery point")
                    .contains("row X1");
        });
        // Row U1 scans from the segment holding the recovery point only: the flushed segment is not
        // read on open (a read of it reports the damage), and above all nothing of it is cut.
        try (LogManager manager = LogManager.open(dataDir, SMALL_SEGMENTS)) {
            assertThat(manager.log("t", 0).logEndOffset()).isEqualTo(last(batches).lastOffset() + 1);
        }
        assertThat(Files.size(file)).isEqualTo(sizeBefore);

        Files.delete(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE)); // that open closed cleanly; crash again,
        Files.delete(dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT)); // with no checkpoint: a full scan
        assertThatThrownBy(() -> DamagedPartition.open(dataDir, SMALL_SEGMENTS, "t", 0))
                .isInstanceOfSatisfying(CorruptLogException.class, e -> {
                    assertThat(e.file()).isEqualTo(file);
                    assertThat(e.position()).isEqualTo(torn.position());
                }).hasMessageContaining("not the last segment").hasMessageContaining("row X1");
        assertThat(Files.size(file)).isEqualTo(sizeBefore);
    }

    @Test
    void aLastBatchNamingNoCodecThatEndsInZerosIsDamageToVerifyAndRecoveryNotACrash() throws IOException {
        List<AppendResult> batches = writeThenCrash();
        AppendResult damaged = last(batches);
        Path file = logFile(damaged.segmentBaseOffset());
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(damaged.position() + RecordBatch.ATTRIBUTES_OFFSET);
            raf.writeShort(7); // codec id 7: no codec has it
            raf.seek(Files.size(file) - 2);
            raf.write(new byte[2]); // and the batch ends in zeros where the file ends, as a torn write would
        }

        assertThat(verify().findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(LogVerifier.Severity.ERROR);
            assertThat(f.position()).isEqualTo(damaged.position());
            assertThat(f.problem()).contains("CRC mismatch").contains("row X1");
        });
        long sizeBefore = Files.size(file);
        for (long recoveryPoint : new long[] {damaged.lastOffset() + 1, damaged.firstOffset()}) {
            // Flushed or not, bytes a torn write cannot leave (a codec written that has no id) are damage.
            checkpoint(recoveryPoint);
            assertThatThrownBy(() -> DamagedPartition.open(dataDir, SMALL_SEGMENTS, "t", 0))
                    .as("recovery point %d", recoveryPoint).isInstanceOf(CorruptLogException.class)
                    .hasMessageContaining("position " + damaged.position()).hasMessageContaining("row X1");
            assertThat(Files.size(file)).isEqualTo(sizeBefore);
        }
    }

    private static AppendResult last(List<AppendResult> batches) {
        return batches.get(batches.size() - 1);
    }

    /** Zeros the whole batch {@code hole}: a page that never reached the disk while later ones did. */
    private void punchHole(AppendResult hole, AppendResult next) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(logFile(hole.segmentBaseOffset()).toFile(), "rw")) {
            raf.seek(hole.position());
            raf.write(new byte[(int) (next.position() - hole.position())]);
        }
    }

    @Test
    void holePastTheRecoveryPointIsAWarningInVerifyAndCutByRecoveryAndBelowItAnErrorInBoth() throws IOException {
        List<AppendResult> batches = writeThenCrash();
        AppendResult last = batches.get(batches.size() - 1);
        List<AppendResult> ofLast = batches.stream().filter(b -> b.segmentBaseOffset() == last.segmentBaseOffset())
                .toList();
        assertThat(ofLast).hasSizeGreaterThan(2);
        AppendResult hole = ofLast.get(ofLast.size() - 2);
        punchHole(hole, last);
        Path file = logFile(last.segmentBaseOffset());

        // Below the recovery point (the checkpoint of the clean close: everything flushed).
        assertThat(verify().findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(LogVerifier.Severity.ERROR);
            assertThat(f.position()).isEqualTo(hole.position());
            assertThat(f.problem()).contains("zero-filled batch header").contains("row X1");
        });
        assertThatThrownBy(() -> DamagedPartition.open(dataDir, SMALL_SEGMENTS, "t", 0))
                .isInstanceOf(CorruptLogException.class).hasMessageContaining("position " + hole.position())
                .hasMessageContaining("zero-filled batch header");

        // Past it: the hole and what follows were never forced (row T4).
        checkpoint(hole.firstOffset());
        assertThat(verify().findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(LogVerifier.Severity.WARNING);
            assertThat(f.kind()).isEqualTo(LogVerifier.Kind.TORN_TAIL);
            assertThat(f.position()).isEqualTo(hole.position());
            assertThat(f.problem()).contains("row T4");
        });
        try (LogManager manager = LogManager.open(dataDir, SMALL_SEGMENTS)) {
            assertThat(manager.log("t", 0).logEndOffset()).isEqualTo(hole.firstOffset());
        }
        assertThat(Files.size(file)).isEqualTo(hole.position());
    }
}

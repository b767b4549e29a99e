package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.tool.LogRepair;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression tests for damage found by treating files as a user's disk would: bytes below a
 * checkpointed recovery point, and every byte after a clean shutdown, were forced to disk, so
 * recovery must call their damage corruption, never a torn tail to cut. Each test: write,
 * damage, assert the exact error (open and {@code spool verify}), repair or not, reopen.
 */
class FlushedDataIsNeverTruncatedTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    /** One segment, no hash chain: the plain log the damage was found on. */
    private static final LogManagerConfig ONE_SEGMENT = LogManagerConfig.defaults().withoutBackgroundTasks()
            .withLogConfig(LogConfig.defaults().withIndexIntervalBytes(4096));
    private static final int BATCHES = 1000;
    private static final int RECORDS_PER_BATCH = 5;

    @TempDir
    Path dataDir;

    /** Appends {@link #BATCHES} batches of five records (offsets 0 to 4999) and shuts down cleanly. */
    private List<AppendResult> writeAndCloseCleanly() throws IOException {
        List<AppendResult> results = new ArrayList<>();
        try (LogManager manager = LogManager.open(dataDir, ONE_SEGMENT)) {
            manager.createTopic("t", 1);
            Log log = manager.log("t", 0);
            BatchBuilder builder = new BatchBuilder(LogConfig.defaults().batchBytesMax());
            for (int i = 0; i < BATCHES; i++) {
                builder.reset();
                for (int r = 0; r < RECORDS_PER_BATCH; r++) {
                    builder.tryAppend(1_000L + i, null, ("value-" + i + "-" + r).getBytes(StandardCharsets.UTF_8));
                }
                results.add(log.append(builder.build()));
            }
        }
        assertThat(Files.exists(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE))).isTrue();
        assertThat(OffsetCheckpointFile.read(FileIO.real(), dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT)))
                .containsEntry(TP, (long) BATCHES * RECORDS_PER_BATCH);
        return results;
    }

    private Path segment() {
        return SegmentFiles.logFile(dataDir.resolve(TP.dirName()), 0);
    }

    private static void zeroFill(Path file) throws IOException {
        Files.write(file, new byte[(int) Files.size(file)]);
    }

    private static void cutTo(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
    }

    /** Every file of the data directory with its bytes, to prove the failed open changed nothing. */
    private TreeMap<String, ByteBuffer> snapshot() throws IOException {
        return ToolTestLogs.snapshot(dataDir);
    }

    private static Map<String, ByteBuffer> withoutIndexes(TreeMap<String, ByteBuffer> files) {
        files.keySet().removeIf(name -> name.endsWith(SegmentFiles.INDEX_SUFFIX)
                || name.endsWith(SegmentFiles.TIME_INDEX_SUFFIX));
        return files;
    }

    /**
     * The data directory opens, but the damaged partition stays offline: its log is refused with
     * the damage (file, position, problem) and the repair to run, never opened by cutting it.
     */
    private void assertOpenRefuses(long position, String... problem) throws IOException {
        assertPartitionOffline(e -> {
            assertThat(e.file()).isEqualTo(segment());
            assertThat(e.position()).isEqualTo(position);
            assertThat(e.getMessage()).contains(segment() + " at position " + position).contains(problem);
        });
    }

    private void assertPartitionOffline(java.util.function.Consumer<CorruptLogException> damage) throws IOException {
        try (LogManager manager = LogManager.open(dataDir, ONE_SEGMENT)) {
            assertThat(manager.offlinePartitions()).containsOnlyKeys(TP);
            assertThatThrownBy(() -> manager.log("t", 0)).isInstanceOfSatisfying(PartitionOfflineException.class,
                    e -> {
                        assertThat(e.getMessage()).startsWith("Partition t-0 is offline: Corrupt log " + segment())
                                .endsWith("; run 'spool repair t'");
                        assertThat(e.getCause()).isInstanceOfSatisfying(CorruptLogException.class, damage);
                    });
        }
    }

    private LogVerifier.Finding onlyVerifyFinding() throws IOException {
        LogVerifier.Report report = new LogVerifier(FileIO.real(), ONE_SEGMENT.logConfig()).verifyDataDir(dataDir);
        assertThat(report.hasErrors()).as("verify: %s", report.findings()).isTrue();
        assertThat(report.findings()).hasSize(1);
        return report.findings().get(0);
    }

    /**
     * Repairs the partition as {@code spool repair} does, then reopens, appends, and reopens again.
     * Damage that removes flushed bytes at the end keeps their offsets taken, up to the checkpointed
     * recovery point (an empty batch over them), so that no new record reuses an offset a consumer
     * may have seen; the damaged bytes are kept in a {@code .broken} copy.
     */
    private void repairAndReopen(long expectedEnd) throws IOException {
        try (LogRepair repair = LogRepair.open(dataDir, ONE_SEGMENT)) {
            LogRepair.Plan plan = repair.plan(TP).orElseThrow();
            repair.execute(plan);
        }
        long end;
        try (LogManager manager = LogManager.open(dataDir, ONE_SEGMENT)) {
            Log log = manager.log("t", 0);
            end = log.logEndOffset();
            assertThat(end).isEqualTo(expectedEnd);
            log.append(LogTest.batch(5_000L, "after the repair"));
        }
        try (LogManager manager = LogManager.open(dataDir, ONE_SEGMENT)) {
            assertThat(manager.log("t", 0).logEndOffset()).isEqualTo(end + 1);
        }
        assertThat(new LogVerifier(FileIO.real(), ONE_SEGMENT.logConfig()).verifyDataDir(dataDir).isSound()).isTrue();
    }

    @Test
    void zeroFilledLogAfterACleanShutdownIsCorruptionNotATornTail() throws IOException {
        writeAndCloseCleanly();
        zeroFill(segment());
        Map<String, ByteBuffer> damaged = snapshot();

        assertOpenRefuses(0, "zero bytes at the end", "after a clean shutdown", "row C2");
        assertThat(snapshot()).as("nothing truncated, the checkpoint and marker untouched").isEqualTo(damaged);
        assertOpenRefuses(0, "row C2"); // and it keeps refusing: nothing was cut to make the next open succeed

        LogVerifier.Finding finding = onlyVerifyFinding();
        assertThat(finding.severity()).isEqualTo(LogVerifier.Severity.ERROR);
        assertThat(finding.kind()).isEqualTo(LogVerifier.Kind.BATCH_CORRUPT);
        assertThat(finding.file()).isEqualTo(segment());
        assertThat(finding.position()).isZero();
        assertThat(finding.problem()).contains("after a clean shutdown").contains("row C2");
        assertThat(snapshot()).isEqualTo(damaged);

        repairAndReopen(5_000);
        assertThat(segment().resolveSibling(segment().getFileName() + ".broken")).exists();
    }

    @Test
    void logCutShortBelowTheRecoveryPointAfterACleanShutdownIsCorruptionNotATornTail() throws IOException {
        List<AppendResult> batches = writeAndCloseCleanly();
        long cut = Files.size(segment()) / 2; // mid-batch, far below the recovery point
        AppendResult torn = batches.stream().filter(b -> b.position() < cut).reduce((a, b) -> b).orElseThrow();
        cutTo(segment(), cut);
        Map<String, ByteBuffer> damaged = snapshot();

        assertOpenRefuses(torn.position(), "after a clean shutdown", "row C2");
        assertThat(snapshot()).isEqualTo(damaged);

        LogVerifier.Finding finding = onlyVerifyFinding();
        assertThat(finding.severity()).isEqualTo(LogVerifier.Severity.ERROR);
        assertThat(finding.position()).isEqualTo(torn.position());
        assertThat(finding.offset()).isEqualTo(torn.firstOffset());

        repairAndReopen(5_000);
        assertThat(segment().resolveSibling(segment().getFileName() + ".broken")).exists();
    }

    @Test
    void logCutShortBelowTheRecoveryPointAfterACrashIsCorruptionNotATornTail() throws IOException {
        List<AppendResult> batches = writeAndCloseCleanly();
        Files.delete(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE)); // a crash after the last checkpoint
        long cut = Files.size(segment()) / 2;
        AppendResult torn = batches.stream().filter(b -> b.position() < cut).reduce((a, b) -> b).orElseThrow();
        cutTo(segment(), cut);
        Map<String, ByteBuffer> damaged = snapshot();

        assertOpenRefuses(torn.position(), "below the checkpointed recovery point 5000", "row X1");
        assertThat(snapshot()).isEqualTo(damaged);

        LogVerifier.Finding finding = onlyVerifyFinding();
        assertThat(finding.severity()).isEqualTo(LogVerifier.Severity.ERROR);
        assertThat(finding.position()).isEqualTo(torn.position());
        assertThat(finding.problem()).contains("below the checkpointed recovery point 5000");

        repairAndReopen(5_000);
        assertThat(segment().resolveSibling(segment().getFileName() + ".broken")).exists();
    }

    @Test
    void logCutAtABatchBoundaryBelowTheRecoveryPointAfterACleanShutdownIsMissingFlushedData() throws IOException {
        List<AppendResult> batches = writeAndCloseCleanly();
        AppendResult first = batches.get(BATCHES / 2);
        cutTo(segment(), first.position()); // no torn batch at all: only the checkpoint shows the loss
        Files.delete(SegmentFiles.indexFile(segment().getParent(), 0)); // so the open scans the segment
        Map<String, ByteBuffer> damaged = withoutIndexes(snapshot());

        assertPartitionOffline(e -> assertThat(e.file()).isEqualTo(segment()));
        assertPartitionOffline(e -> assertThat(e.getMessage()).contains("the log ends at offset " + first.firstOffset()
                + " but offsets up to 5000 were flushed").contains("row X3"));
        assertThat(withoutIndexes(snapshot())).as("the scan may rebuild the index, derived data; nothing else changes")
                .isEqualTo(damaged);

        LogVerifier.Report report = new LogVerifier(FileIO.real(), ONE_SEGMENT.logConfig()).verifyDataDir(dataDir);
        assertThat(report.findings()).filteredOn(f -> f.severity() == LogVerifier.Severity.ERROR).singleElement()
                .satisfies(f -> {
                    assertThat(f.kind()).isEqualTo(LogVerifier.Kind.LOG_TRUNCATED);
                    assertThat(f.problem()).contains("row X3");
                });

        repairAndReopen(5_000); // the missing offsets stay taken (an empty batch), never reused
    }

    @Test
    void tornTailPastTheRecoveryPointAfterACrashIsStillCutAndVerifyWarnsAsRecoveryActs() throws IOException {
        List<AppendResult> batches = writeAndCloseCleanly();
        Files.delete(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE));
        AppendResult last = batches.get(BATCHES - 1);
        OffsetCheckpointFile.write(FileIO.real(), dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT),
                Map.of(TP, last.firstOffset())); // the last batch was never flushed
        cutTo(segment(), Files.size(segment()) - 3);

        LogVerifier.Report report = new LogVerifier(FileIO.real(), ONE_SEGMENT.logConfig()).verifyDataDir(dataDir);
        assertThat(report.hasErrors()).isFalse();
        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(LogVerifier.Kind.TORN_TAIL);
            assertThat(f.position()).isEqualTo(last.position());
            assertThat(f.problem()).contains("row T)");
        });
        try (LogManager manager = LogManager.open(dataDir, ONE_SEGMENT)) {
            assertThat(manager.log("t", 0).logEndOffset()).isEqualTo(last.firstOffset());
        }
        assertThat(Files.size(segment())).isEqualTo(last.position());
    }
}

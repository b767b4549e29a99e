package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.DirectoryLockedException;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Write, corrupt, assert the exact error, repair, reopen, append, reopen (etcd's shape of corruption test). */
class LogRepairTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @TempDir
    Path dataDir;

    @Test
    void cutsAtTheCorruptBatchKeepsCopiesAndTheLogOpensWithEarlierRecordsIntact() throws IOException {
        List<AppendResult> appended = ToolTestLogs.write(dataDir, 40);
        List<Long> bases = appended.stream().map(AppendResult::segmentBaseOffset).distinct().toList();
        assertThat(bases).hasSizeGreaterThan(2);
        AppendResult victim = appended.stream().filter(r -> r.segmentBaseOffset() == bases.get(1)).skip(1)
                .findFirst().orElseThrow();
        Path dir = ToolTestLogs.partitionDir(dataDir);
        Path segment = SegmentFiles.logFile(dir, victim.segmentBaseOffset());
        ToolTestLogs.flipByte(segment, victim.position() + 70);
        byte[] damaged = Files.readAllBytes(segment);
        byte[] later = Files.readAllBytes(SegmentFiles.logFile(dir, bases.get(2)));
        // An unclean open (no marker) scans only from the recovery point; force a full check like a crash would.
        Files.deleteIfExists(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        Files.deleteIfExists(dataDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT));
        assertThatThrownBy(() -> LogManager.open(dataDir, ToolTestLogs.CONFIG).close())
                .isInstanceOf(CorruptLogException.class)
                .satisfies(e -> assertThat(((CorruptLogException) e).position()).isEqualTo(victim.position()));

        LogRepair.Result result;
        try (LogRepair repair = LogRepair.open(dataDir, ToolTestLogs.CONFIG)) {
            assertThat(repair.partitions("t")).containsExactly(TP);
            LogRepair.Plan plan = repair.plan(TP).orElseThrow();
            assertThat(plan.segment()).isEqualTo(segment);
            assertThat(plan.position()).isEqualTo(victim.position());
            assertThat(plan.bytesRemoved()).isEqualTo(damaged.length - victim.position());
            assertThat(plan.laterSegments()).hasSize(bases.size() - 2);
            result = repair.execute(plan);
        }

        assertThat(result.logEndOffset()).isEqualTo(victim.firstOffset());
        Path brokenCopy = segment.resolveSibling(segment.getFileName() + ".broken");
        assertThat(result.brokenCopies()).contains(brokenCopy);
        assertThat(Files.readAllBytes(brokenCopy)).isEqualTo(damaged);
        assertThat(Files.readAllBytes(SegmentFiles.logFile(dir, bases.get(2)).resolveSibling(
                SegmentFiles.baseName(bases.get(2)) + ".log.broken"))).isEqualTo(later);
        assertThat(Files.size(segment)).isEqualTo(victim.position());

        try (LogManager manager = LogManager.open(dataDir, ToolTestLogs.CONFIG)) {
            Log log = manager.log("t", 0);
            assertThat(log.logEndOffset()).isEqualTo(victim.firstOffset());
            assertThat(values(log, 0)).hasSize((int) victim.firstOffset()).startsWith("v-0-0", "v-0-1")
                    .endsWith("v-" + (appended.indexOf(victim) - 1) + "-1");
            log.append(LogTest.batch(5_000L, "after"));
        }
        try (LogManager manager = LogManager.open(dataDir, ToolTestLogs.CONFIG)) {
            assertThat(values(manager.log("t", 0), 0)).endsWith("after");
        }
        assertThat(new LogVerifier(FileIO.real(), ToolTestLogs.SMALL).verifyDataDir(dataDir).findings()).isEmpty();
    }

    @Test
    void nothingToRepairInASoundLog() throws IOException {
        ToolTestLogs.write(dataDir, 10);
        try (LogRepair repair = LogRepair.open(dataDir, ToolTestLogs.CONFIG)) {
            assertThat(repair.plan(TP)).isEqualTo(Optional.empty());
        }
    }

    @Test
    void holdsTheDirectoryLock() throws IOException {
        ToolTestLogs.write(dataDir, 2);
        try (LogManager manager = LogManager.open(dataDir, ToolTestLogs.CONFIG)) {
            assertThatThrownBy(() -> LogRepair.open(dataDir, ToolTestLogs.CONFIG))
                    .isInstanceOf(DirectoryLockedException.class);
        }
    }

    private static List<String> values(Log log, long from) throws IOException {
        List<String> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            ByteBuffer batches = log.read(next, 1 << 20).batches();
            for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
                for (Record record : RecordBatch.records(batches, at)) {
                    out.add(new String(record.valueBytes(), StandardCharsets.UTF_8));
                }
                next = RecordBatch.lastOffset(batches, at) + 1;
            }
        }
        return out;
    }

    @Test
    void repairOfAChainedTopicKeepsTheLaterSidecarsAsEvidenceAndTheChainStaysVerifiable() throws IOException {
        TopicConfig chained = TopicConfig.defaults(ToolTestLogs.SMALL).withHashChain(true);
        try (LogManager manager = LogManager.open(dataDir, ToolTestLogs.CONFIG)) {
            manager.createTopic("t", 1, chained);
        }
        List<AppendResult> appended = ToolTestLogs.write(dataDir, 40);
        List<Long> bases = appended.stream().map(AppendResult::segmentBaseOffset).distinct().toList();
        assertThat(bases).hasSizeGreaterThan(2);
        Path dir = ToolTestLogs.partitionDir(dataDir);
        assertThat(Files.exists(SegmentFiles.chainFile(dir, bases.get(2)))).isTrue();
        AppendResult victim = appended.stream().filter(r -> r.segmentBaseOffset() == bases.get(1)).skip(1)
                .findFirst().orElseThrow();
        ToolTestLogs.flipByte(SegmentFiles.logFile(dir, victim.segmentBaseOffset()), victim.position() + 70);
        Files.deleteIfExists(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        Files.deleteIfExists(dataDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT));

        try (LogRepair repair = LogRepair.open(dataDir, ToolTestLogs.CONFIG)) {
            repair.execute(repair.plan(TP).orElseThrow());
        }
        Path laterChain = SegmentFiles.chainFile(dir, bases.get(2));
        assertThat(Files.exists(laterChain.resolveSibling(laterChain.getFileName() + ".broken"))).isTrue();
        try (LogManager manager = LogManager.open(dataDir, ToolTestLogs.CONFIG)) {
            Log log = manager.log("t", 0);
            assertThat(log.logEndOffset()).isEqualTo(victim.firstOffset());
            assertThat(log.config().hashChain()).isTrue();
            assertThat(log.append(LogTest.batch(1, "after repair")).chainHash()).hasSize(32);
        }
        LogVerifier.Report report = new LogVerifier(FileIO.real(), ToolTestLogs.SMALL.withHashChain(true))
                .verifyTopic(dataDir, "t");
        assertThat(report.findings()).isEmpty();
    }
}

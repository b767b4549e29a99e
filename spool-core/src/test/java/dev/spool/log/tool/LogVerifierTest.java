package dev.spool.log.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.AppendResult;
import dev.spool.log.ToolTestLogs;
import dev.spool.log.UnknownTopicException;
import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.io.FileIO;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogVerifierTest {
    @TempDir
    Path dataDir;

    private final LogVerifier verifier = new LogVerifier(FileIO.real(), ToolTestLogs.SMALL);

    @Test
    void soundLogHasNoFindings() throws IOException {
        List<AppendResult> appended = ToolTestLogs.write(dataDir, 40);
        LogVerifier.Report report = verifier.verifyDataDir(dataDir);
        assertThat(report.findings()).isEmpty();
        assertThat(report.isSound()).isTrue();
        assertThat(report.batches()).isEqualTo(40);
        assertThat(report.segments()).isGreaterThan(2).isEqualTo(
                (int) appended.stream().mapToLong(AppendResult::segmentBaseOffset).distinct().count());
        assertThat(verifier.verifyTopic(dataDir, "t").isSound()).isTrue();
        assertThatThrownBy(() -> verifier.verifyTopic(dataDir, "nope")).isInstanceOf(UnknownTopicException.class);
    }

    @Test
    void flippedByteInAnEarlierSegmentIsAnErrorNamingFileAndPosition() throws IOException {
        List<AppendResult> appended = ToolTestLogs.write(dataDir, 40);
        AppendResult victim = appended.get(2); // in the first segment, which is not the last
        Path segment = SegmentFiles.logFile(ToolTestLogs.partitionDir(dataDir), victim.segmentBaseOffset());
        ToolTestLogs.flipByte(segment, victim.position() + 70); // inside the records: CRC-covered

        LogVerifier.Report report = verifier.verifyDataDir(dataDir);

        assertThat(report.isSound()).isFalse();
        assertThat(report.findings()).hasSize(1);
        LogVerifier.Finding finding = report.findings().get(0);
        assertThat(finding.severity()).isEqualTo(LogVerifier.Severity.ERROR);
        assertThat(finding.file()).isEqualTo(segment);
        assertThat(finding.position()).isEqualTo(victim.position());
        assertThat(finding.problem()).contains("CRC mismatch");
    }

    @Test
    void tornTailOfTheLastSegmentIsAWarning() throws IOException {
        ToolTestLogs.write(dataDir, 40);
        // A crash before any checkpoint, not a clean close: no marker, no recovery point (row T).
        Files.delete(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE));
        Files.delete(dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT));
        Path last = lastSegment();
        long size = Files.size(last);
        try (RandomAccessFile raf = new RandomAccessFile(last.toFile(), "rw")) {
            raf.setLength(size - 5); // cut the final batch short
        }
        LogVerifier.Report report = verifier.verifyDataDir(dataDir);
        assertThat(report.isSound()).isFalse();
        assertThat(report.hasErrors()).isFalse();
        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(LogVerifier.Severity.WARNING);
            assertThat(f.file()).isEqualTo(last);
            assertThat(f.problem()).contains("torn tail");
        });
    }

    @Test
    void missingMiddleSegmentIsAGap() throws IOException {
        List<AppendResult> appended = ToolTestLogs.write(dataDir, 40);
        List<Long> bases = appended.stream().map(AppendResult::segmentBaseOffset).distinct().toList();
        Path dir = ToolTestLogs.partitionDir(dataDir);
        Files.delete(SegmentFiles.logFile(dir, bases.get(1)));
        Files.deleteIfExists(SegmentFiles.indexFile(dir, bases.get(1)));
        Files.deleteIfExists(SegmentFiles.timeIndexFile(dir, bases.get(1)));

        LogVerifier.Report report = verifier.verifyDataDir(dataDir);

        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(LogVerifier.Severity.ERROR);
            assertThat(f.file()).isEqualTo(SegmentFiles.logFile(dir, bases.get(0)));
            assertThat(f.problem()).contains("next segment starts at " + bases.get(2));
        });
    }

    @Test
    void offsetIndexEntryNotAtABatchBoundaryIsAnError() throws IOException {
        ToolTestLogs.write(dataDir, 40);
        Path index = SegmentFiles.indexFile(ToolTestLogs.partitionDir(dataDir), 0);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(index));
        assertThat(bytes.limit()).as("the first segment has index entries").isGreaterThanOrEqualTo(8);
        bytes.putInt(4, bytes.getInt(4) + 3); // entry 0 now points 3 bytes into its batch
        Files.write(index, bytes.array());

        LogVerifier.Report report = verifier.verifyDataDir(dataDir);

        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.file()).isEqualTo(index);
            assertThat(f.position()).isEqualTo(0);
            assertThat(f.problem()).contains("not at a batch boundary");
        });
    }

    @Test
    void offsetIndexEntryHoldingTheBaseInsteadOfTheLastOffsetIsAnError() throws IOException {
        ToolTestLogs.write(dataDir, 40);
        Path index = SegmentFiles.indexFile(ToolTestLogs.partitionDir(dataDir), 0);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(index));
        bytes.putInt(0, bytes.getInt(0) - 1); // the batch's base offset (two records per batch)
        Files.write(index, bytes.array());

        assertThat(verifier.verifyDataDir(dataDir).findings()).singleElement()
                .satisfies(f -> assertThat(f.problem()).contains("must hold its batch's last offset"));
    }

    @Test
    void timeIndexEntryAboveTheRealTimestampsIsAnError() throws IOException {
        ToolTestLogs.write(dataDir, 40);
        Path timeIndex = SegmentFiles.timeIndexFile(ToolTestLogs.partitionDir(dataDir), 0);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(timeIndex));
        assertThat(bytes.limit()).isGreaterThanOrEqualTo(24);
        bytes.putLong(0, bytes.getLong(12) - 1); // entry 0 claims a timestamp only reached later, still increasing
        Files.write(timeIndex, bytes.array());

        assertThat(verifier.verifyDataDir(dataDir).findings()).singleElement().satisfies(f -> {
            assertThat(f.file()).isEqualTo(timeIndex);
            assertThat(f.problem()).contains("above the largest timestamp");
        });
    }

    @Test
    void readsWithoutChangingAnythingEvenWhileAnotherOwnerHoldsTheLock() throws IOException {
        List<AppendResult> appended = ToolTestLogs.write(dataDir, 40);
        ToolTestLogs.flipByte(SegmentFiles.logFile(ToolTestLogs.partitionDir(dataDir), 0), appended.get(1).position() + 70);
        var before = ToolTestLogs.snapshot(ToolTestLogs.partitionDir(dataDir));
        try (AutoCloseable lock = FileIO.real().lock(dataDir.resolve(DataDirFiles.LOCK_FILE))) {
            assertThat(verifier.verifyDataDir(dataDir).hasErrors()).isTrue();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(ToolTestLogs.snapshot(ToolTestLogs.partitionDir(dataDir))).isEqualTo(before);
    }

    private Path lastSegment() throws IOException {
        try (var files = Files.list(ToolTestLogs.partitionDir(dataDir))) {
            return files.filter(p -> p.toString().endsWith(".log")).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }
}

package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log that reuses deleted segments' files ({@link WriteConfig#reuseSegmentFiles()}), on real
 * files: a roll takes the file of the segment deleted last, a clean close leaves Kafka's format,
 * and the old bytes a process crash leaves past the last batch are cut on open (row T5), which
 * the directory's marker makes possible.
 */
class SegmentFileReuseTest {
    private static final LogConfig CONFIG = LogConfig.defaults().withSegmentBytes(4096).withIndexIntervalBytes(256)
            .withWrite(WriteConfig.defaults().withReuseSegmentFiles(true));

    @TempDir
    Path dir;

    @Test
    void aRollTakesTheFileOfTheSegmentDeletedLastAndACloseLeavesKafkasFormat() throws Exception {
        Path logDir = dir.resolve("t-0");
        List<String> written = new ArrayList<>();
        Object firstFile;
        long oldLength;
        try (Log log = Log.open(logDir, CONFIG, LoadState.unknown())) {
            appendUntilSegments(log, 3, written);
            Path first = SegmentFiles.logFile(logDir, 0);
            firstFile = Files.getAttribute(first, "unix:ino");
            oldLength = Files.size(first);
            deleteFirstSegment(log);
            long base = log.logEndOffset();
            log.roll();
            Path reused = SegmentFiles.logFile(logDir, base);
            assertThat(Files.getAttribute(reused, "unix:ino")).as("the new segment's file").isEqualTo(firstFile);
            assertThat(Files.size(reused)).isEqualTo(oldLength); // its old bytes are still there
            assertThat(logDir.resolve(SegmentFiles.REUSED_FILES_MARKER)).exists();
            append(log, 2, written);
            assertThat(LogRecoveryTest.readAll(log))
                    .containsExactlyElementsOf(written.subList(written.size() - (int) (log.logEndOffset()
                            - log.logStartOffset()), written.size()));
        }
        try (Stream<Path> files = Files.list(logDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".deleted"));
        }
        try (Log log = Log.open(logDir, CONFIG, LoadState.clean())) {
            Path last = SegmentFiles.logFile(logDir, log.segments().get(log.segments().size() - 1).baseOffset());
            assertThat(Files.size(last)).as("cut to its last batch at the close").isLessThan(oldLength)
                    .isEqualTo(log.segments().get(log.segments().size() - 1).sizeBytes());
            assertThat(LogRecoveryTest.readAll(log)).hasSize(
                    (int) (log.logEndOffset() - log.logStartOffset()));
        }
    }

    @Test
    void theOldBytesAProcessCrashLeavesAreCutOnOpenAndOnlyBecauseTheMarkerSaysSo() throws Exception {
        Path logDir = dir.resolve("t-0");
        List<String> written = new ArrayList<>();
        Path crashed = dir.resolve("crashed").resolve("t-0");
        Path unmarked = dir.resolve("unmarked").resolve("t-0");
        long start;
        long end;
        try (Log log = Log.open(logDir, CONFIG, LoadState.unknown())) {
            appendUntilSegments(log, 3, written);
            deleteFirstSegment(log);
            log.roll();
            append(log, 2, written);
            start = log.logStartOffset();
            end = log.logEndOffset();
            copy(logDir, crashed); // what a killed process leaves: the page cache as it was
            copy(logDir, unmarked);
        }
        Files.delete(unmarked.resolve(SegmentFiles.REUSED_FILES_MARKER));
        try (Log log = Log.open(crashed, CONFIG, LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(end);
            assertThat(LogRecoveryTest.readAll(log))
                    .containsExactlyElementsOf(written.subList(written.size() - (int) (end - start), written.size()));
        }
        assertThatThrownBy(() -> Log.open(unmarked, CONFIG, LoadState.unknown()).close())
                .isInstanceOf(CorruptLogException.class).hasMessageContaining("row X1");
    }

    /**
     * A truncation may bring offsets back below the deleted segment's (down to an empty log), so its
     * old batches could pass for new ones: the spare goes, and the next roll takes a new file.
     */
    @Test
    void aTruncationDropsTheSpare() throws Exception {
        Path logDir = dir.resolve("t-0");
        try (Log log = openWithASpare(logDir, new ArrayList<>())) {
            log.truncateTo(log.logEndOffset() - 1);
            assertThat(spareOf(logDir)).doesNotExist();
            assertTheNextRollTakesANewFile(log);
        }
    }

    @Test
    void aSpareRemovedFromTheDirectoryMeansANewFileNotAFailedLog() throws Exception {
        Path logDir = dir.resolve("t-0");
        List<String> written = new ArrayList<>();
        try (Log log = openWithASpare(logDir, written)) {
            Files.delete(spareOf(logDir));
            assertTheNextRollTakesANewFile(log);
            append(log, 2, written);
            assertThat(LogRecoveryTest.readAll(log)).endsWith(written.get(written.size() - 2),
                    written.get(written.size() - 1));
        }
    }

    @Test
    void verifyReportsTheOldBytesAsATornTailNotDamage() throws Exception {
        Path logDir = dir.resolve("data").resolve("t-0");
        Path crashed = dir.resolve("crashed").resolve("t-0");
        List<String> written = new ArrayList<>();
        try (Log log = Log.open(logDir, CONFIG, LoadState.unknown())) {
            appendUntilSegments(log, 3, written);
            deleteFirstSegment(log);
            log.roll();
            append(log, 1, written);
            copy(logDir, crashed);
        }
        LogVerifier.Report report = new LogVerifier(FileIO.real(), CONFIG).verifyPartition(crashed);
        assertThat(report.hasErrors()).as("%s", report.findings()).isFalse();
        assertThat(report.findings()).anySatisfy(finding -> assertThat(finding.toString()).contains("row T5"));
    }

    private static void appendUntilSegments(Log log, int segments, List<String> written) throws IOException {
        while (log.segmentCount() < segments) {
            append(log, 1, written);
        }
    }

    private static void append(Log log, int batches, List<String> written) throws IOException {
        for (int i = 0; i < batches; i++) {
            String value = "value-" + written.size() + "-" + "x".repeat(80);
            log.append(LogTest.batch(1_000 + written.size(), value));
            written.add(value);
        }
    }

    /** Deletes the first segment and waits until its removal kept its {@code .log} as the spare. */
    private static void deleteFirstSegment(Log log) throws Exception {
        log.advanceLogStartOffset(log.segments().get(1).baseOffset());
        Path spare = spareOf(log.dir());
        Path index = log.dir().resolve(SegmentFiles.indexFile(log.dir(), 0).getFileName() + SegmentFiles.DELETED_SUFFIX);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Files.exists(index) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(index).as("the removal ran").doesNotExist();
        assertThat(spare).as("kept as the spare").exists();
    }

    /** A log of three segments whose first was deleted and kept as the spare. */
    private static Log openWithASpare(Path logDir, List<String> written) throws Exception {
        Log log = Log.open(logDir, CONFIG, LoadState.unknown());
        appendUntilSegments(log, 3, written);
        deleteFirstSegment(log);
        return log;
    }

    /** The first segment's {@code .log} renamed {@code .deleted}: the spare once it was deleted. */
    private static Path spareOf(Path logDir) {
        return logDir.resolve(SegmentFiles.logFile(logDir, 0).getFileName() + SegmentFiles.DELETED_SUFFIX);
    }

    private static void assertTheNextRollTakesANewFile(Log log) throws IOException {
        long base = log.logEndOffset();
        log.roll();
        assertThat(Files.size(SegmentFiles.logFile(log.dir(), base))).as("a new file").isZero();
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                if (!file.getFileName().toString().endsWith(SegmentFiles.DELETED_SUFFIX)) {
                    Files.copy(file, to.resolve(file.getFileName()));
                }
            }
        }
    }
}

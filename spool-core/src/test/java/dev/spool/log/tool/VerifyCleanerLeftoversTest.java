package dev.spool.log.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.ReadResult;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicSetting;
import dev.spool.log.compaction.CleanerFiles;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Record;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spool verify} on a partition a cleaning round was interrupted in (rows K1 and K2 of the
 * open): the leftovers are reported as such, each once, as a warning saying what the next open
 * does; nothing else is reported; and the open then does it.
 */
class VerifyCleanerLeftoversTest {
    private static final LogConfig CONFIG = LogConfig.defaults().withSegmentBytes(2048);
    private static final int SEGMENTS = 6;
    private static final int KEYS = 8;

    @TempDir
    Path dataDir;

    /** Fails the first rename whose source file name matches; the round stops there, as a crash would. */
    private static final class FailingRename extends ForwardingFileIO {
        private final Predicate<String> from;
        private volatile boolean failed;

        FailingRename(Predicate<String> from) {
            super(FileIO.real());
            this.from = from;
        }

        @Override
        public void rename(Path source, Path target) throws IOException {
            if (!failed && from.test(source.getFileName().toString())) {
                failed = true;
                throw new IOException("Injected: cannot rename " + source);
            }
            super.rename(source, target);
        }
    }

    private LogManagerConfig config(FileIO io) {
        return LogManagerConfig.defaults().withoutBackgroundTasks().withLogConfig(CONFIG).withIo(io);
    }

    /** A compacted topic whose every key has one value per segment; a round fails at {@code rename}. */
    private Map<String, String> cleanUntil(FailingRename io) throws IOException {
        Map<String, String> latest = new HashMap<>();
        LogManager manager = LogManager.open(dataDir, config(io));
        try {
            manager.createTopic("c", 1, TopicConfig.defaults(CONFIG)
                    .withOverride(TopicSetting.CLEANUP_POLICY, TopicSetting.CLEANUP_COMPACT));
            Log log = manager.log("c", 0);
            for (int s = 0; s < SEGMENTS; s++) {
                for (int k = 0; k < KEYS; k++) {
                    BatchBuilder builder = new BatchBuilder(1 << 16);
                    builder.append(1_000L, bytes("k" + k), bytes("v" + s + "-" + k + "-" + "x".repeat(100)), null);
                    log.append(builder.build());
                    latest.put("k" + k, "v" + s + "-" + k + "-" + "x".repeat(100));
                }
            }
            // An empty active segment, and every closed one's indexes written now, not by the rolls' background
            // flushes: the log the round fails is closed without them, and their absence is not what is tested.
            log.roll();
            log.flush();
            assertThat(log.segmentCount()).isGreaterThan(3);
            try {
                manager.cleanNow("c");
            } catch (IOException expected) {
                // the injected failure: the round stopped where a crash would have stopped it
            }
        } finally {
            try {
                manager.close();
            } catch (IOException | RuntimeException ignored) {
                // a log the failed swap left failed may refuse a clean close; the next open recovers it
            }
        }
        assertThat(io.failed).as("the round reached the rename that fails").isTrue();
        return latest;
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private Path partition() {
        return dataDir.resolve("c-0");
    }

    private List<Path> filesEndingWith(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(partition())) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    private LogVerifier.Report verify() throws IOException {
        return new LogVerifier(FileIO.real(), CONFIG).verifyDataDir(dataDir);
    }

    /**
     * Opens the directory as the server would, checks it holds each key's latest value and
     * verifies sound afterwards; returns how many segments the open found.
     */
    private int openAndCheck(Map<String, String> expected) throws IOException {
        int segments;
        try (LogManager manager = LogManager.open(dataDir, config(FileIO.real()))) {
            Log log = manager.log("c", 0);
            segments = log.segmentCount();
            Map<String, String> latest = new HashMap<>();
            long offset = log.logStartOffset();
            while (offset < log.logEndOffset()) {
                ReadResult result = log.read(offset, 1 << 20);
                for (Record record : result.records()) {
                    if (record.offset() >= offset) {
                        latest.put(StandardCharsets.UTF_8.decode(record.key().orElseThrow()).toString(),
                                StandardCharsets.UTF_8.decode(record.value().orElseThrow()).toString());
                    }
                }
                offset = result.nextOffset(offset);
            }
            assertThat(latest).isEqualTo(expected);
        }
        assertThat(filesEndingWith(CleanerFiles.CLEANED_SUFFIX)).isEmpty();
        assertThat(filesEndingWith(CleanerFiles.SWAP_SUFFIX)).isEmpty();
        assertThat(verify().findings()).isEmpty();
        return segments;
    }

    @Test
    void aCleanedFileIsReportedAsARoundTheNextOpenDiscards() throws IOException {
        Map<String, String> expected = cleanUntil(new FailingRename(name -> name.endsWith(CleanerFiles.CLEANED_SUFFIX)));
        List<Path> cleaned = filesEndingWith(CleanerFiles.CLEANED_SUFFIX);
        assertThat(cleaned).hasSize(1);

        LogVerifier.Report report = verify();

        assertThat(report.findings()).singleElement().satisfies(finding -> {
            assertThat(finding.severity()).isEqualTo(LogVerifier.Severity.WARNING);
            assertThat(finding.kind()).isEqualTo(LogVerifier.Kind.CLEANING_INTERRUPTED);
            assertThat(finding.file()).isEqualTo(cleaned.get(0));
            assertThat(finding.problem()).contains("interrupted cleaning round", "next open deletes",
                    "segments it was to replace are whole");
        });
        assertThat(report.hasErrors()).isFalse();
        openAndCheck(expected);
    }

    @Test
    void aSwapFileBesideTheWholeOldSegmentsIsReportedAsARoundTheNextOpenCompletes() throws IOException {
        // The first rename of an old segment's file to .deleted fails: the swap file and every old segment remain.
        Map<String, String> expected = cleanUntil(new FailingRename(name -> name.endsWith(SegmentFiles.LOG_SUFFIX)));
        LogVerifier.Report report = assertSwapReported();
        assertThat(report.segments()).as("the swap file verified in place of the segments it replaces")
                .isEqualTo(openAndCheck(expected));
    }

    @Test
    void aSwapFileWhoseOldSegmentsAreAlreadyRenamedIsReportedAsARoundTheNextOpenCompletes() throws IOException {
        // The old segments are renamed .deleted, then renaming the swap file fails: only the swap holds those offsets.
        Map<String, String> expected = cleanUntil(new FailingRename(name -> name.endsWith(CleanerFiles.SWAP_SUFFIX)));
        assertThat(filesEndingWith(SegmentFiles.LOG_SUFFIX + SegmentFiles.DELETED_SUFFIX)).isNotEmpty();
        LogVerifier.Report report = assertSwapReported();
        assertThat(report.segments()).as("the swap file verified in place of the segments it replaces")
                .isEqualTo(openAndCheck(expected));
    }

    @Test
    void aSwapFileCutShortIsAnErrorAndTheOpenTakesThePartitionOffline() throws IOException {
        cleanUntil(new FailingRename(name -> name.endsWith(SegmentFiles.LOG_SUFFIX)));
        Path swap = filesEndingWith(CleanerFiles.SWAP_SUFFIX).get(0);
        try (RandomAccessFile file = new RandomAccessFile(swap.toFile(), "rw")) {
            file.setLength(file.length() - 10); // storage lost the end of a file forced before its rename
        }

        LogVerifier.Report report = verify();

        assertThat(report.findings()).singleElement().satisfies(finding -> {
            assertThat(finding.severity()).isEqualTo(LogVerifier.Severity.ERROR);
            assertThat(finding.kind()).isEqualTo(LogVerifier.Kind.BATCH_CORRUPT);
            assertThat(finding.file()).isEqualTo(swap);
            assertThat(finding.problem()).contains("interrupted cleaning round", "next open takes the partition"
                    + " offline", "is damaged at position");
        });
        try (LogManager manager = LogManager.open(dataDir, config(FileIO.real()))) {
            assertThat(manager.offlinePartitions().values()).singleElement().satisfies(offline -> assertThat(offline.getMessage())
                    .contains(swap.toString()).contains("is damaged at position"));
        }
        assertThat(swap).exists();
    }

    private LogVerifier.Report assertSwapReported() throws IOException {
        List<Path> swaps = filesEndingWith(CleanerFiles.SWAP_SUFFIX);
        assertThat(swaps).hasSize(1);

        LogVerifier.Report report = verify();

        assertThat(report.findings()).singleElement().satisfies(finding -> {
            assertThat(finding.severity()).isEqualTo(LogVerifier.Severity.WARNING);
            assertThat(finding.kind()).isEqualTo(LogVerifier.Kind.CLEANING_INTERRUPTED);
            assertThat(finding.file()).isEqualTo(swaps.get(0));
            assertThat(finding.problem()).contains("interrupted cleaning round", "next open completes");
        });
        assertThat(report.hasErrors()).isFalse();
        return report;
    }
}

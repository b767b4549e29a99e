package dev.spool.log.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.AppendResult;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.ToolTestLogs;
import dev.spool.log.io.FileIO;
import dev.spool.log.segment.CorruptIndexException;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.segment.TransactionIndex;
import dev.spool.log.AbortedTransaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spool verify} judges a {@code .txnindex} as the log's open does (recovery row TX): what the
 * open cuts or drops is a warning, what makes it refuse the log an error; {@code spool dump} shows
 * the entries.
 */
class TransactionIndexVerifyTest {
    @TempDir
    Path dataDir;

    private final LogVerifier verifier = new LogVerifier(FileIO.real(), ToolTestLogs.SMALL);
    private List<Long> bases;
    private long logEnd;

    private Path partition() {
        return ToolTestLogs.partitionDir(dataDir);
    }

    private void writeLog() throws IOException {
        List<AppendResult> appended = ToolTestLogs.write(dataDir, 40);
        bases = appended.stream().map(AppendResult::segmentBaseOffset).distinct().toList();
        logEnd = appended.get(appended.size() - 1).lastOffset() + 1;
        assertThat(bases).hasSizeGreaterThan(2);
    }

    private Path writeRaw(long base, AbortedTransaction... entries) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(entries.length * TransactionIndex.ENTRY_BYTES);
        for (AbortedTransaction t : entries) {
            bytes.putShort(TransactionIndex.VERSION).putLong(t.producerId()).putLong(t.firstOffset())
                    .putLong(t.lastOffset()).putLong(t.lastStableOffset());
        }
        Path file = SegmentFiles.txnIndexFile(partition(), base);
        Files.write(file, bytes.array());
        return file;
    }

    private void opens() throws IOException {
        try (Log log = Log.open(partition(), ToolTestLogs.SMALL, LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(logEnd);
        }
    }

    @Test
    void aSoundIndexHasNoFindingAndDumpsItsEntries() throws IOException {
        writeLog();
        long second = bases.get(1);
        Path file = writeRaw(second, new AbortedTransaction(7, bases.get(0), second, second + 1),
                new AbortedTransaction(8, second + 1, second + 2, second + 3));
        assertThat(verifier.verifyDataDir(dataDir).findings()).isEmpty();

        assertThat(EngineFileDump.handles(file)).isTrue();
        assertThat(EngineFileDump.lines(FileIO.real(), file)).containsExactly(
                "producer: 7 firstOffset: 0 lastOffset: " + second + " lastStableOffset: " + (second + 1),
                "producer: 8 firstOffset: " + (second + 1) + " lastOffset: " + (second + 2) + " lastStableOffset: "
                        + (second + 3),
                "2 aborted transaction(s)");
        opens();
    }

    @Test
    void aTornEntryAndAMarkerPastTheLogEndAreWarningsTheOpenRepairs() throws IOException {
        writeLog();
        long last = bases.get(bases.size() - 1);
        Path file = writeRaw(last, new AbortedTransaction(7, last, last, last + 1),
                new AbortedTransaction(7, last + 1, logEnd + 3, logEnd + 4));
        Files.write(file, new byte[] {0, 0, 1}, StandardOpenOption.APPEND);

        LogVerifier.Report report = verifier.verifyDataDir(dataDir);
        assertThat(report.findings()).hasSize(2).allSatisfy(f -> {
            assertThat(f.severity()).isEqualTo(LogVerifier.Severity.WARNING);
            assertThat(f.kind()).isEqualTo(LogVerifier.Kind.INDEX_CORRUPT);
            assertThat(f.file()).isEqualTo(file);
        });
        assertThat(report.findings().get(0).problem()).contains("torn write");
        assertThat(report.findings().get(1).problem()).contains("entry 1").contains("at or past the log end " + logEnd);

        opens();
        assertThat(verifier.verifyDataDir(dataDir).findings()).isEmpty(); // the open cut and dropped them
    }

    @Test
    void anEntryTheOpenRefusesIsAnErrorNamingFileAndEntry() throws IOException {
        writeLog();
        long first = bases.get(0);
        long second = bases.get(1);
        List<AbortedTransaction[]> damaged = List.of(
                new AbortedTransaction[] {new AbortedTransaction(7, 5, 3, 6)},
                new AbortedTransaction[] {new AbortedTransaction(7, 0, second, second + 1)},
                new AbortedTransaction[] {new AbortedTransaction(7, 0, 4, 5), new AbortedTransaction(7, 0, 4, 5)});
        List<String> problems = List.of("ends before it begins", "outside the segment's offsets 0 to " + (second - 1),
                "does not follow the previous entry's marker at 4");
        for (int i = 0; i < damaged.size(); i++) {
            Path file = writeRaw(first, damaged.get(i));
            LogVerifier.Report report = verifier.verifyDataDir(dataDir);
            assertThat(report.findings()).as(problems.get(i)).hasSize(1);
            LogVerifier.Finding finding = report.findings().get(0);
            assertThat(finding.severity()).isEqualTo(LogVerifier.Severity.ERROR);
            assertThat(finding.file()).isEqualTo(file);
            assertThat(finding.problem()).contains(problems.get(i)).contains("the log will not open");
            assertThatThrownBy(this::opens).as(problems.get(i)).isInstanceOf(CorruptIndexException.class)
                    .hasMessageContaining(file.toString());
            if (i != 1) { // the dump reads the file alone: it cannot know where the segment ends
                assertThatThrownBy(() -> EngineFileDump.lines(FileIO.real(), file)).as(problems.get(i))
                        .isInstanceOf(CorruptIndexException.class);
            }
        }
    }
}

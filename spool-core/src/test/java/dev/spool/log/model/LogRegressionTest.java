package dev.spool.log.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.TimestampOffset;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Minimal, deterministic versions of failures the model-based properties found. Each is named
 * after what it shows; the report of the branch that added it gives the original sequence.
 */
class LogRegressionTest {
    @TempDir
    Path dir;

    private long nowMs = 1_000_000L;

    private Log open(LogConfig config, LoadState state) throws IOException {
        return Log.open(FileIO.real(), dir.resolve("t-0"), config, state, () -> nowMs);
    }

    private static void append(Log log, RecordSpec... records) throws IOException {
        log.append(Batches.encode(List.of(List.of(records))));
    }

    @Test
    void findOffsetByTimestampIgnoresRecordsBelowTheLogStart() throws IOException {
        try (Log log = open(LogConfig.defaults(), LoadState.unknown())) {
            append(log, RecordSpec.ofValue(1000, "a"));
            append(log, RecordSpec.ofValue(500, "b"));
            append(log, RecordSpec.ofValue(2000, "c"));
            log.advanceLogStartOffset(1);
            // Offset 0 (ts 1000) is below the start; the first record at or after it with ts >= 1000 is offset 2.
            assertThat(log.findOffsetByTimestamp(1000)).contains(new TimestampOffset(2, 2000));
            log.advanceLogStartOffset(2);
            assertThat(log.findOffsetByTimestamp(2000)).contains(new TimestampOffset(2, 2000));
            assertThat(log.findOffsetByTimestamp(2001)).isEmpty();
        }
    }

    @Test
    void findOffsetByTimestampReportsNothingWhenOnlyRecordsBelowTheStartAreLateEnough() throws IOException {
        try (Log log = open(LogConfig.defaults(), LoadState.unknown())) {
            append(log, RecordSpec.ofValue(1000, "a"), RecordSpec.ofValue(500, "b"));
            log.advanceLogStartOffset(1);
            // Before the fix: TimestampOffset[offset=1, timestamp=1000], a timestamp offset 1 does not have.
            assertThat(log.findOffsetByTimestamp(1000)).isEmpty();
        }
    }

    @Test
    void indexEntriesRewrittenAfterTruncationReachTheFileBeforeACleanReopen() throws IOException {
        LogConfig config = LogConfig.defaults().withIndexIntervalBytes(0);
        try (Log log = open(config, LoadState.unknown())) {
            append(log, RecordSpec.ofValue(1000, "a"));
            append(log, RecordSpec.ofValue(1000, "b"));
            append(log, RecordSpec.ofValue(1000, "c"));
            log.flush(); // the offset index file now holds entries for offsets 1 and 2
            log.truncateTo(1);
            append(log, RecordSpec.ofValue(1000, "a much longer value than before"));
            append(log, RecordSpec.ofValue(1000, "e")); // two entries again, at other positions
            log.roll();
            append(log, RecordSpec.ofValue(1000, "f"));
        }
        try (Log log = open(config, LoadState.clean())) {
            // Before the fix the first segment's index still said offset 2 was at its old position:
            // "batch length 33650933 does not fit the segment's … bytes".
            List<Batches.ReadBatch> read = Batches.decode(log.read(2, 1 << 20).batches());
            assertThat(read).hasSize(1);
            assertThat(read.get(0).baseOffset()).isEqualTo(2);
            assertThat(new String(read.get(0).records().get(0).valueBytes())).isEqualTo("e");
        }
    }

    @Test
    void truncatingTheBatchThatHoldsTheStartOffsetEmptiesTheLogAtTheCut() throws IOException {
        try (Log log = open(LogConfig.defaults(), LoadState.unknown())) {
            append(log, RecordSpec.ofValue(1000, "a"));
            append(log, RecordSpec.ofValue(1000, "b"), RecordSpec.ofValue(1000, "c"), RecordSpec.ofValue(1000, "d"));
            log.advanceLogStartOffset(2);
            // The batch 1..3 holds offset 2 and goes whole. Before the fix: start 2, end 1.
            assertThat(log.truncateTo(2)).isEqualTo(1);
            assertThat(log.logStartOffset()).isEqualTo(1);
            assertThat(log.logEndOffset()).isEqualTo(1);
            assertThat(log.read(1, 1000).isEmpty()).isTrue();
            append(log, RecordSpec.ofValue(1000, "e"));
            List<Batches.ReadBatch> read = Batches.decode(log.read(1, 1000).batches());
            assertThat(new String(read.get(0).records().get(0).valueBytes())).isEqualTo("e");
        }
    }

    @Test
    void segmentsScannedByRecoveryKeepTheirLargestTimestampAcrossALaterCleanReopen() throws IOException {
        // Batches of ~70 bytes, an index entry when more than 100 bytes passed: the rebuilt time
        // index gets an entry at offset 2 (ts 1000) and none for offset 3, the newest (ts 2000).
        LogConfig config = LogConfig.defaults().withIndexIntervalBytes(100);
        try (Log log = open(config, LoadState.unknown())) {
            append(log, RecordSpec.ofValue(1000, "a"));
            append(log, RecordSpec.ofValue(1000, "b"));
            append(log, RecordSpec.ofValue(1000, "c"));
            append(log, RecordSpec.ofValue(2000, "d"));
            log.roll();
            append(log, RecordSpec.ofValue(3000, "c"));
        }
        try (Log log = open(config, LoadState.unknown())) { // scans, rebuilds the indexes
            assertThat(log.segments().get(0).maxTimestamp()).isEqualTo(2000);
        }
        try (Log log = open(config, LoadState.clean())) {
            // Before the fix: 1000, so time retention and search by timestamp skipped the segment.
            assertThat(log.segments().get(0).maxTimestamp()).isEqualTo(2000);
            assertThat(log.findOffsetByTimestamp(1500)).contains(new TimestampOffset(3, 2000));
        }
    }

    @Test
    void aMultiBatchAppendLeavesRoomInTheTimeIndexForTheSegmentsLargestTimestamp() throws IOException {
        // A 24-byte time index holds two entries; one must stay free for the entry a roll adds.
        LogConfig config = LogConfig.defaults().withSegmentIndexBytes(24).withIndexIntervalBytes(0);
        try (Log log = open(config, LoadState.unknown())) {
            log.append(Batches.encode(List.of(List.of(RecordSpec.ofValue(1000, "a")),
                    List.of(RecordSpec.ofValue(2000, "b")), List.of(RecordSpec.ofValue(3000, "c")),
                    List.of(RecordSpec.ofValue(4000, "d")))));
            log.roll();
            append(log, RecordSpec.ofValue(5000, "e"));
        }
        try (Log log = open(config, LoadState.clean())) {
            // Before the fix the first segment claimed 3000 and a search for 3500 skipped it.
            assertThat(log.segments().get(0).maxTimestamp()).isEqualTo(4000);
            assertThat(log.findOffsetByTimestamp(3500)).contains(new TimestampOffset(3, 4000));
        }
    }

    @Test
    void aTruncatedTimeIndexIsCutOnDiskEvenWhenItEndsWithAsManyEntriesAsItsFileHeld() throws IOException {
        LogConfig config = LogConfig.defaults().withIndexIntervalBytes(0);
        try (Log log = open(config, LoadState.unknown())) {
            append(log, RecordSpec.ofValue(1000, "a"));
            append(log, RecordSpec.ofValue(2000, "b")); // time index entry (2000, 1)
            append(log, RecordSpec.ofValue(3000, "c")); // time index entry (3000, 2)
            log.flush();
            log.truncateTo(2); // drops (3000, 2) in memory
            append(log, RecordSpec.ofValue(1500, "c2")); // no new time entry: back to one entry, as the file had two
            log.roll();
            append(log, RecordSpec.ofValue(100, "e"));
        }
        try (Log log = open(config, LoadState.clean())) {
            // Before the fix the file kept (3000, 2) and the segment claimed 3000.
            assertThat(log.segments().get(0).maxTimestamp()).isEqualTo(2000);
        }
    }
}

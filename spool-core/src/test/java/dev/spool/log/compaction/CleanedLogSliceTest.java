package dev.spool.log.compaction;

import dev.spool.log.CleanerSettings;
import static dev.spool.log.compaction.CompactionLogs.append;
import static dev.spool.log.compaction.CompactionLogs.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.FileSlice;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogSlice;
import dev.spool.log.compaction.CompactionLogs.Kv;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server's read of a cleaned log ({@link Log#readSlice}) steps over the empty batches the cleaner
 * left over removed offsets, within a segment and across whole segments of them, so every slice
 * starts with a batch that holds the first surviving record at or after the offset asked for.
 * {@link Log#read(long, int)} still returns them, for embedded readers that walk every offset.
 */
class CleanedLogSliceTest {
    @TempDir
    Path dir;

    @Test
    void everySliceOfACleanedLogStartsWithTheFirstSurvivingRecordAtOrAfterTheOffset() throws IOException {
        LogConfig config = LogConfig.defaults().withSegmentBytes(2048).withBatchBytesMax(1024);
        try (Log log = Log.open(FileIO.real(), dir.resolve("t-0"), config, LoadState.unknown(), () -> 1_000L)) {
            String pad = "x".repeat(80);
            for (int i = 0; i < 60; i++) {
                append(log, 1_000L, "a", "a" + i + pad, "b", "b" + i + pad);
                if (i % 7 == 0) {
                    append(log, 1_000L, "k" + i, "once" + pad);
                }
            }
            log.roll();
            append(log, 1_000L, "c", "active");
            log.clean(new Cleaner(FileIO.real(), CleanerSettings.defaults()), 0);

            List<Kv> kept = readAll(log);
            assertThat(kept).extracting(Kv::key).contains("a", "b", "c", "k0", "k56");
            assertThat(RecordBatch.holdsRecords(log.read(0, 1 << 20).batches(), 0))
                    .as("the log starts with an empty batch: the case under test").isFalse();
            boolean wholeSegmentOfGaps = false;
            for (long offset = 0; offset < log.logEndOffset(); offset++) {
                wholeSegmentOfGaps |= log.read(offset, 1 << 20).records().isEmpty();
                Kv first = firstAtOrAfter(kept, offset);
                for (int maxBytes : new int[] {1, 300, 1 << 20}) {
                    LogSlice slice = log.readSlice(offset, maxBytes);
                    ByteBuffer bytes = bytes(slice.slice().orElseThrow());
                    assertThat(RecordBatch.holdsRecords(bytes, 0)).as("offset %d", offset).isTrue();
                    assertThat(RecordBatch.baseOffset(bytes, 0)).as("offset %d", offset)
                            .isLessThanOrEqualTo(first.offset());
                    assertThat(RecordBatch.lastOffset(bytes, 0)).as("offset %d", offset)
                            .isGreaterThanOrEqualTo(first.offset());
                }
            }
            assertThat(wholeSegmentOfGaps).as("some read returns a segment of nothing but empty batches").isTrue();
            assertThat(log.readSlice(log.logEndOffset(), 100).slice()).isEmpty();
        }
    }

    private static Kv firstAtOrAfter(List<Kv> kept, long offset) {
        return kept.stream().filter(kv -> kv.offset() >= offset).findFirst().orElseThrow();
    }

    private static ByteBuffer bytes(FileSlice slice) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(slice.sizeBytes());
        slice.file().readFully(bytes, slice.position());
        return bytes.flip();
    }
}

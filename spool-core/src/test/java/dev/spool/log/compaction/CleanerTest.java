package dev.spool.log.compaction;

import dev.spool.log.CleanerSettings;
import static dev.spool.log.compaction.CompactionLogs.append;
import static dev.spool.log.compaction.CompactionLogs.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.CompactionConfig;
import dev.spool.log.LogConfig;
import dev.spool.log.compaction.CompactionLogs.Kv;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CleanerTest {
    private static final long DAY_MS = 24L * 60 * 60 * 1000;
    @TempDir
    Path dir;
    private final AtomicLong clock = new AtomicLong(10 * DAY_MS);

    /** A log with Kafka's compaction defaults: tombstones stay a day ({@code delete.retention.ms}). */
    private Log open() throws IOException {
        return open(LogConfig.defaults());
    }

    private Log open(LogConfig config) throws IOException {
        return Log.open(FileIO.real(), dir.resolve("t-0"), config, LoadState.unknown(), clock::get);
    }

    private Cleaner cleaner(CleanerSettings settings) {
        return new Cleaner(FileIO.real(), settings);
    }

    @Test
    void keepsTheLatestPerKeyWithOffsetsUnchangedAndLeavesTheActiveSegment() throws IOException {
        try (Log log = open()) {
            append(log, clock.get(), "a", "1", "b", "1");
            append(log, clock.get(), "a", "2");
            append(log, clock.get(), "c", "1");
            log.roll();
            append(log, clock.get(), "a", "3");
            log.roll();
            append(log, clock.get(), "a", "active", "b", "active");
            CleanResult result = log.clean(cleaner(CleanerSettings.defaults()), 0);

            assertThat(result.firstDirtyOffset()).isEqualTo(5);
            assertThat(result.recordsRemoved()).isEqualTo(2);
            assertThat(readAll(log)).containsExactly(new Kv(1, "b", "1"), new Kv(3, "c", "1"), new Kv(4, "a", "3"),
                    new Kv(5, "a", "active"), new Kv(6, "b", "active"));
            assertThat(log.logEndOffset()).isEqualTo(7);
            assertThat(log.segmentCount()).as("the two closed segments were regrouped into one").isEqualTo(2);
        }
        try (Log log = open()) {
            assertThat(readAll(log)).extracting(Kv::offset).containsExactly(1L, 3L, 4L, 5L, 6L);
        }
        try (Stream<Path> files = Files.list(dir.resolve("t-0"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.endsWith(".swap") || name.endsWith(".cleaned") || name.endsWith(".deleted"));
        }
    }

    @Test
    void tombstonesStayUntilDeleteRetentionAfterACleaningThenGo() throws IOException {
        CleanerSettings settings = CleanerSettings.defaults();
        assertThat(LogConfig.defaults().compaction().deleteRetentionMs()).isEqualTo(DAY_MS);
        try (Log log = open()) {
            append(log, clock.get(), "a", "1", "b", "1");
            append(log, clock.get(), "a", null);
            log.roll();
            append(log, clock.get(), "b", "2");
            long dirty = log.clean(cleaner(settings), 0).firstDirtyOffset();
            assertThat(readAll(log)).containsExactly(new Kv(1, "b", "1"), new Kv(2, "a", null), new Kv(3, "b", "2"));

            clock.addAndGet(DAY_MS / 2);
            dirty = log.clean(cleaner(settings), dirty).firstDirtyOffset();
            assertThat(readAll(log)).as("within delete retention").contains(new Kv(2, "a", null));

            clock.addAndGet(DAY_MS);
            log.roll();
            append(log, clock.get(), "c", "1");
            log.clean(cleaner(settings), dirty);
            assertThat(readAll(log)).containsExactly(new Kv(3, "b", "2"), new Kv(4, "c", "1"));
        }
    }

    @Test
    void recordsYoungerThanTheMinimumLagAreNotCleaned() throws IOException {
        CleanerSettings settings = CleanerSettings.defaults();
        try (Log log = open(LogConfig.defaults().withCompaction(CompactionConfig.defaults().withMinCompactionLagMs(60_000)))) {
            append(log, clock.get() - 120_000, "a", "1");
            log.roll();
            append(log, clock.get(), "a", "2");
            log.roll();
            append(log, clock.get(), "a", "3");
            CleanResult result = log.clean(cleaner(settings), 0);
            assertThat(result.recordsRemoved()).isZero();
            assertThat(result.firstDirtyOffset()).isEqualTo(1);
            assertThat(readAll(log)).extracting(Kv::value).containsExactly("1", "2", "3");
        }
    }

    @Test
    void aFullMapStopsTheRoundAtABatchAndTheNextRoundGoesOn() throws IOException {
        CleanerSettings settings = CleanerSettings.defaults().withDedupeBufferBytes(1024);
        int capacity = new OffsetMap(1024).capacity();
        try (Log log = open()) {
            for (int i = 0; i < capacity + 5; i++) {
                append(log, clock.get(), "k" + i, "old");
            }
            for (int i = 0; i < capacity + 5; i++) {
                append(log, clock.get(), "k" + i, "new");
            }
            log.roll();
            append(log, clock.get(), "x", "active");
            long dirty = 0;
            for (int round = 0; round < 10 && dirty < log.logEndOffset() - 1; round++) {
                dirty = log.clean(cleaner(settings), dirty).firstDirtyOffset();
            }
            List<Kv> all = readAll(log);
            assertThat(all).filteredOn(kv -> "old".equals(kv.value())).isEmpty();
            assertThat(all).filteredOn(kv -> "new".equals(kv.value())).hasSize(capacity + 5);
        }
    }

    @Test
    void aProducersBatchKeepsItsSequencesAndAnEmptiedOneStaysAsAnEmptyBatch() throws IOException {
        try (Log log = open()) {
            log.append(producerBatch(7L, (short) 2, 100, "a", "b", "c"));
            log.append(producerBatch(7L, (short) 2, 103, "a"));
            log.append(producerBatch(7L, (short) 2, 104, "c", "d"));
            log.roll();
            log.append(producerBatch(7L, (short) 2, 106, "a", "c", "d"));
            log.roll();
            log.clean(cleaner(CleanerSettings.defaults()), 0);

            java.nio.ByteBuffer batches = log.read(0, 1 << 20).batches();
            List<String> shapes = new java.util.ArrayList<>();
            for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
                shapes.add(RecordBatch.baseOffset(batches, at) + "+" + RecordBatch.lastOffsetDelta(batches, at)
                        + " n=" + RecordBatch.recordCount(batches, at) + " pid=" + RecordBatch.producerId(batches, at)
                        + " seq=" + RecordBatch.baseSequence(batches, at));
            }
            assertThat(shapes).containsExactly(
                    "0+0 n=0 pid=-1 seq=-1",          // "a" superseded: a gap
                    "1+0 n=1 pid=7 seq=101",          // "b" kept, its sequence moved by the record skipped
                    "2+0 n=0 pid=-1 seq=-1",          // "c" superseded
                    "3+0 n=0 pid=7 seq=103",          // the producer's whole batch gone: kept empty
                    "4+1 n=0 pid=7 seq=104",
                    "6+2 n=3 pid=7 seq=106");         // the next segment, whole
            assertThat(RecordBatch.producerEpoch(batches, batches.position() + RecordBatch.HEADER_BYTES))
                    .isEqualTo((short) 2);
        }
    }

    private static java.nio.ByteBuffer producerBatch(long producerId, short epoch, int sequence, String... keys) {
        dev.spool.log.record.BatchBuilder builder = new dev.spool.log.record.BatchBuilder(1 << 16)
                .producer(producerId, epoch, sequence);
        for (String key : keys) {
            builder.append(1, java.nio.ByteBuffer.wrap(key.getBytes()), java.nio.ByteBuffer.wrap("v".getBytes()), null);
        }
        java.nio.ByteBuffer built = builder.build();
        return java.nio.ByteBuffer.allocate(built.remaining()).put(built).flip();
    }

    @Test
    void aStoppedCleanerGivesUpAndLeavesTheLogAsItWas() throws IOException {
        try (Log log = open()) {
            append(log, clock.get(), "a", "1");
            append(log, clock.get(), "a", "2");
            log.roll();
            Cleaner stopped = cleaner(CleanerSettings.defaults());
            stopped.stop();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.clean(stopped, 0))
                    .isInstanceOf(IOException.class).hasMessageContaining("stopped");
            assertThat(readAll(log)).extracting(Kv::value).containsExactly("1", "2");
            assertThat(log.isFailed()).isFalse();
        }
    }

    @Test
    void aLeftoverCleanedFileIsDeletedAndASwapFileCompletedOnOpen() throws IOException {
        Path logDir = dir.resolve("t-0");
        try (Log log = open()) {
            append(log, clock.get(), "a", "1");
            log.roll();
            append(log, clock.get(), "a", "2");
            log.roll();
            append(log, clock.get(), "a", "3");
        }
        // A swap of segments 0 and 1 by a cleaned file holding a gap over 0 and "a"=2 at 1.
        Path swap = CleanerFiles.swapFile(logDir, 0);
        Files.write(swap, cleanedBytes());
        Files.write(logDir.resolve("00000000000000000005.log.cleaned"), new byte[] {1, 2, 3});
        try (Log log = open()) {
            assertThat(readAll(log)).containsExactly(new Kv(1, "a", "2"), new Kv(2, "a", "3"));
            assertThat(log.segmentCount()).isEqualTo(2);
        }
        assertThat(logDir.resolve("00000000000000000001.log")).doesNotExist();
        assertThat(swap).doesNotExist();
        assertThat(logDir.resolve("00000000000000000005.log.cleaned")).doesNotExist();
    }

    private static byte[] cleanedBytes() {
        java.nio.ByteBuffer gap = dev.spool.log.record.RecordBatch.gapBatch(0, 0);
        dev.spool.log.record.BatchBuilder builder = new dev.spool.log.record.BatchBuilder(1 << 16);
        builder.append(1, java.nio.ByteBuffer.wrap("a".getBytes()), java.nio.ByteBuffer.wrap("2".getBytes()), null);
        java.nio.ByteBuffer kept = builder.build();
        dev.spool.log.record.RecordBatch.setBaseOffset(kept, 0, 1);
        byte[] out = new byte[gap.remaining() + kept.remaining()];
        gap.get(out, 0, gap.remaining());
        kept.get(out, out.length - kept.remaining(), kept.remaining());
        return out;
    }
}

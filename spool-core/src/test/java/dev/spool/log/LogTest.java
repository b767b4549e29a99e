package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.RecordingFileIO;
import dev.spool.log.record.BatchBuilder;
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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class LogTest {
    @TempDir
    Path dir;

    public static ByteBuffer batch(long timestamp, String... values) {
        BatchBuilder builder = new BatchBuilder(1 << 20);
        for (String value : values) {
            builder.tryAppend(timestamp, null, value.getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer built = builder.build();
        ByteBuffer copy = ByteBuffer.allocate(built.remaining());
        copy.put(built).flip();
        return copy;
    }

    static List<String> values(ByteBuffer batches) throws IOException {
        List<String> out = new ArrayList<>();
        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
            for (Record record : RecordBatch.records(batches, at)) {
                out.add(new String(record.valueBytes(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @Test
    void appendsAssignDenseOffsetsAndReadBack() throws IOException {
        try (Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown())) {
            AppendResult first = log.append(batch(1000, "a", "b", "c"));
            AppendResult second = log.append(batch(2000, "d"));
            assertThat(first.firstOffset()).isEqualTo(0);
            assertThat(first.lastOffset()).isEqualTo(2);
            assertThat(second.firstOffset()).isEqualTo(3);
            assertThat(log.logEndOffset()).isEqualTo(4);
            assertThat(values(log.read(0, 1 << 20).batches())).containsExactly("a", "b", "c", "d");
            assertThat(values(log.read(1, 1 << 20).batches())).containsExactly("a", "b", "c", "d");
            assertThat(values(log.read(3, 1 << 20).batches())).containsExactly("d");
            assertThat(log.read(4, 100).isEmpty()).isTrue();
            assertThatThrownBy(() -> log.read(5, 100)).isInstanceOf(OffsetOutOfRangeException.class);
        }
    }

    @Test
    void reopensCleanlyAndUncleanly() throws IOException {
        LogConfig config = LogConfig.defaults().withSegmentBytes(300).withIndexIntervalBytes(50);
        Path logDir = dir.resolve("t-0");
        try (Log log = Log.open(logDir, config, LoadState.unknown())) {
            for (int i = 0; i < 20; i++) {
                log.append(batch(1000 + i, "value-" + i, "other-" + i));
            }
            assertThat(log.segmentCount()).isGreaterThan(3);
        }
        try (Log log = Log.open(logDir, config, LoadState.clean())) {
            assertThat(log.logEndOffset()).isEqualTo(40);
            assertThat(values(log.read(17, 1 << 20).batches())).startsWith("value-8", "other-8");
            assertThat(log.findOffsetByTimestamp(1010)).contains(new TimestampOffset(20, 1010));
        }
        try (Log log = Log.open(logDir, config, LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(40);
            log.append(batch(5000, "after"));
            assertThat(values(log.read(40, 100).batches())).containsExactly("after");
        }
        assertThat(Files.list(logDir).map(p -> p.getFileName().toString()))
                .contains("00000000000000000000.log", "00000000000000000000.index", "00000000000000000000.timeindex");
    }

    @Test
    void oversizedBatchIsRefusedBeforeAnythingIsWritten() throws IOException {
        LogConfig config = LogConfig.defaults().withBatchBytesMax(1000);
        try (Log log = Log.open(dir.resolve("t-0"), config, LoadState.unknown())) {
            log.append(batch(1, "small"));
            long sizeBefore = log.sizeBytes();
            ByteBuffer big = batch(1, "x".repeat(2000));
            assertThatThrownBy(() -> log.append(big)).isInstanceOfSatisfying(InvalidBatchException.class,
                    e -> assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.TOO_LARGE))
                    .hasMessageContaining("exceeds the maximum of 1000 bytes");
            assertThat(log.logEndOffset()).isEqualTo(1);
            assertThat(log.sizeBytes()).isEqualTo(sizeBefore);
            // past the last batch the file holds only the zeros allocated ahead (another thread may add a chunk)
            byte[] file = java.nio.file.Files.readAllBytes(SegmentFiles.logFile(log.dir(), 0));
            assertThat(file.length).isGreaterThan((int) sizeBefore + big.remaining());
            assertThat(java.util.Arrays.copyOfRange(file, (int) sizeBefore, file.length)).containsOnly(0);
        }
        assertThat(java.nio.file.Files.size(SegmentFiles.logFile(dir.resolve("t-0"), 0))).isEqualTo(
                LogTest.batch(1, "small").remaining()); // closed: cut to its last batch's end
    }

    @Test
    void tooManyRecordsCorruptAndEmptyInputAreRefused() throws IOException {
        LogConfig config = LogConfig.defaults().withBatchRecordsMax(2);
        try (Log log = Log.open(dir.resolve("t-0"), config, LoadState.unknown())) {
            assertThatThrownBy(() -> log.append(batch(1, "a", "b", "c")))
                    .isInstanceOfSatisfying(InvalidBatchException.class,
                            e -> assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.TOO_MANY_RECORDS));
            ByteBuffer corrupt = batch(1, "a");
            corrupt.put(corrupt.limit() - 1, (byte) 'z');
            assertThatThrownBy(() -> log.append(corrupt)).isInstanceOf(InvalidBatchException.class)
                    .hasMessageContaining("CRC mismatch");
            assertThatThrownBy(() -> log.append(ByteBuffer.allocate(0))).isInstanceOf(InvalidBatchException.class);
            ByteBuffer trailing = ByteBuffer.allocate(batch(1, "a").remaining() + 5);
            trailing.put(batch(1, "a")).position(0);
            assertThatThrownBy(() -> log.append(trailing)).isInstanceOf(InvalidBatchException.class)
                    .hasMessageContaining("are not a batch");
            assertThat(log.logEndOffset()).isZero();
            assertThat(log.sizeBytes()).isZero();
        }
    }

    @Test
    void severalBatchesInOneAppendGetConsecutiveOffsets() throws IOException {
        ByteBuffer first = batch(1, "a", "b");
        ByteBuffer second = batch(2, "c");
        int firstSize = first.remaining();
        ByteBuffer both = ByteBuffer.allocate(firstSize + second.remaining());
        both.put(first).put(second).flip();
        try (Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown())) {
            AppendResult result = log.append(both);
            assertThat(result.firstOffset()).isZero();
            assertThat(result.lastOffset()).isEqualTo(2);
            assertThat(RecordBatch.baseOffset(both, firstSize)).isEqualTo(2);
            assertThat(values(log.read(0, 1 << 20).batches())).containsExactly("a", "b", "c");
            assertThat(values(log.read(2, 1 << 20).batches())).containsExactly("c");
        }
    }

    @Test
    void rollsBySizeAgeAndFullIndex() throws IOException {
        AtomicLong clock = new AtomicLong(1_000_000);
        LogConfig config = LogConfig.defaults().withSegmentBytes(500).withSegmentMs(60_000)
                .withIndexIntervalBytes(0).withSegmentIndexBytes(48);
        try (Log log = Log.open(FileIO.real(), dir.resolve("t-0"), config, LoadState.unknown(), clock::get)) {
            log.append(batch(1, "a"));
            log.append(batch(1, "b"));
            assertThat(log.segmentCount()).isEqualTo(1);
            clock.addAndGet(60_001);
            log.append(batch(1, "c"));
            assertThat(log.segmentCount()).as("rolled by age").isEqualTo(2);
            for (int i = 0; i < 7; i++) {
                log.append(batch(1, "d" + i));
            }
            // index interval 0 indexes every batch after the first; 48 bytes hold 6 offset entries (4 time entries)
            assertThat(log.segmentCount()).as("rolled by full index").isGreaterThanOrEqualTo(3);
            log.append(batch(1, "x".repeat(300)));
            log.append(batch(1, "y".repeat(300)));
            List<SegmentInfo> segments = log.segments();
            assertThat(segments.get(segments.size() - 1).sizeBytes()).isLessThanOrEqualTo(500);
            for (int i = 1; i < segments.size(); i++) {
                assertThat(segments.get(i).baseOffset()).isEqualTo(segments.get(i - 1).nextOffset());
            }
        }
    }

    @Test
    void rollFlushesTheOldSegmentAndAdvancesTheRecoveryPoint() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        try (Log log = Log.open(io, dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown(),
                System::currentTimeMillis)) {
            log.append(batch(1, "a"));
            io.clear();
            log.roll();
            List<String> ops = io.operations();
            int created = ops.indexOf("open 00000000000000000001.log CREATE_NEW");
            assertThat(created).isNotNegative().isLessThan(ops.indexOf("syncdir t-0"));
            assertThat(ops).contains("force 00000000000000000000.log", "force 00000000000000000000.index");
            assertThat(log.recoveryPoint()).isEqualTo(1);
        }
    }

    @Test
    void withoutFlushOnRollARollForcesNothingAndAFlushOrCloseCoversTheRolledSegments() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        java.util.ArrayDeque<Runnable> pending = new java.util.ArrayDeque<>();
        LogConfig config = LogConfig.defaults().withWrite(WriteConfig.defaults().withFlushOnRoll(false));
        Path logDir = dir.resolve("t-0");
        try (Log log = Log.open(io, logDir, config, LoadState.unknown(), System::currentTimeMillis, pending::add)) {
            log.append(batch(1, "a", "b"));
            log.roll();
            log.append(batch(2, "c"));
            log.roll();
            assertThat(pending).as("no flush handed to the executor").isEmpty();
            assertThat(io.operations()).noneMatch(op -> op.startsWith("force"));
            assertThat(log.recoveryPoint()).isZero();
            log.append(batch(3, "d"));
            log.flush();
            assertThat(io.operations()).contains("force 00000000000000000000.log", "force 00000000000000000002.log");
            assertThat(log.recoveryPoint()).isEqualTo(4);
            log.roll();
            log.append(batch(4, "e"));
            log.closeWithoutFlush(); // a crash: the last roll was never flushed
        }
        try (Log log = Log.open(io, logDir, config, LoadState.unknown(), System::currentTimeMillis, pending::add)) {
            assertThat(values(log.read(0, 1 << 20).batches())).containsExactly("a", "b");
            List<String> all = new ArrayList<>();
            for (long offset = 0; offset < log.logEndOffset(); ) {
                ReadResult read = log.read(offset, 1 << 20);
                all.addAll(values(read.batches()));
                offset = read.nextOffset(offset);
            }
            assertThat(all).containsExactly("a", "b", "c", "d", "e");
        }
    }

    @Test
    void rolledSegmentsAreFlushedOffTheAppendingThreadAndTheRecoveryPointFollows() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        java.util.ArrayDeque<Runnable> pending = new java.util.ArrayDeque<>();
        try (Log log = Log.open(io, dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown(),
                System::currentTimeMillis, pending::add)) {
            log.append(batch(1, "a", "b"));
            io.clear();
            log.roll();
            assertThat(io.operations()).doesNotContain("force 00000000000000000000.log");
            assertThat(log.recoveryPoint()).as("nothing forced yet").isZero();
            log.append(batch(2, "c"));
            pending.poll().run();
            assertThat(io.operations()).contains("force 00000000000000000000.log");
            assertThat(log.recoveryPoint()).isEqualTo(2);

            // A truncation between a roll and its flush: the flush must not vouch for offsets below
            // the roll point, which now hold new, unflushed data.
            log.roll();
            log.truncateTo(2);
            log.append(batch(3, "d", "e"));
            pending.poll().run();
            assertThat(log.recoveryPoint()).isEqualTo(2);
            log.flush();
            assertThat(log.recoveryPoint()).isEqualTo(4);
        }
    }

    @Test
    void retentionByTimeSizeAndStartOffsetDeletesWholeSegmentsRenamingFirst() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        AtomicLong clock = new AtomicLong(10_000_000);
        LogConfig config = LogConfig.defaults().withSegmentBytes(300).withRetentionMs(100_000).withRetentionBytes(2000);
        try (Log log = Log.open(io, dir.resolve("t-0"), config, LoadState.unknown(), clock::get)) {
            for (int i = 0; i < 30; i++) {
                log.append(batch(clock.get() - 500_000 + i * 20_000L, "value-" + i, "more-" + i));
            }
            int before = log.segmentCount();
            io.clear();
            int deleted = log.applyRetention(clock.get());
            assertThat(deleted).isPositive();
            assertThat(log.segmentCount()).isEqualTo(before - deleted);
            assertThat(log.sizeBytes()).isLessThanOrEqualTo(2000);
            for (SegmentInfo segment : log.segments()) {
                if (segment.sizeBytes() > 0) {
                    assertThat(clock.get() - segment.maxTimestamp()).isLessThanOrEqualTo(100_000);
                }
            }
            long start = log.logStartOffset();
            assertThat(start).isEqualTo(log.segments().get(0).baseOffset());
            assertThatThrownBy(() -> log.read(start - 1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
            assertThat(log.read(start, 100).isEmpty()).isFalse();
            List<String> ops = io.operations();
            int rename = ops.indexOf("rename 00000000000000000000.log 00000000000000000000.log.deleted");
            int sync = ops.indexOf("syncdir t-0");
            int delete = ops.indexOf("delete 00000000000000000000.log.deleted");
            assertThat(List.of(rename, sync, delete)).doesNotContain(-1).isSorted();

            long newStart = log.logEndOffset() - 3;
            log.advanceLogStartOffset(newStart);
            assertThat(log.logStartOffset()).isEqualTo(newStart);
            assertThat(log.segments().get(0).nextOffset()).isGreaterThan(newStart);
            assertThatThrownBy(() -> log.read(newStart - 1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
            assertThatThrownBy(() -> log.advanceLogStartOffset(log.logEndOffset() + 1))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        try (Log log = Log.open(io, dir.resolve("t-0"), config, LoadState.unknown(), clock::get)) {
            assertThat(log.logEndOffset()).isEqualTo(60);
        }
    }

    /**
     * The time index has no checksum: a damaged last entry that makes a segment look old must not
     * get it deleted. Retention checks the entry against the batch's own (CRC-covered) timestamp.
     */
    @Test
    void aDamagedTimeIndexCannotMakeRetentionDeleteAYoungSegment() throws IOException {
        AtomicLong clock = new AtomicLong(10_000_000_000L);
        LogConfig config = LogConfig.defaults().withSegmentBytes(300).withRetentionMs(3_600_000);
        Path partition = dir.resolve("t-0");
        try (Log log = Log.open(FileIO.real(), partition, config, LoadState.unknown(), clock::get)) {
            for (int i = 0; i < 12; i++) {
                log.append(batch(clock.get() + i, "value-" + i, "more-" + i));
            }
            assertThat(log.segmentCount()).isGreaterThan(2);
        }
        Path timeIndex = partition.resolve("00000000000000000000.timeindex");
        byte[] entries = java.nio.file.Files.readAllBytes(timeIndex);
        assertThat(entries.length).isGreaterThanOrEqualTo(12);
        // The last entry's timestamp, made ten days older: still ordered, so the index passes its sanity check.
        ByteBuffer.wrap(entries).putLong(entries.length - 12, clock.get() - 10L * 24 * 3_600_000);
        java.nio.file.Files.write(timeIndex, entries);

        try (Log log = Log.open(FileIO.real(), partition, config, LoadState.clean(), clock::get)) {
            int segments = log.segmentCount();
            assertThat(log.applyRetention(clock.get() + 60_000)).as("a young segment, however its index reads")
                    .isZero();
            assertThat(log.segmentCount()).isEqualTo(segments);
            assertThat(log.logStartOffset()).isZero();
            // Really old, it goes: the check keeps only what the batches say is young.
            assertThat(log.applyRetention(clock.get() + 2 * 3_600_000L)).isPositive();
        }
    }

    @Test
    void retentionOfAnExpiredActiveSegmentRollsFirstAndKeepsTheEndOffset() throws IOException {
        AtomicLong clock = new AtomicLong(10_000_000);
        LogConfig config = LogConfig.defaults().withRetentionMs(1000);
        try (Log log = Log.open(FileIO.real(), dir.resolve("t-0"), config, LoadState.unknown(), clock::get)) {
            log.append(batch(clock.get(), "a", "b"));
            clock.addAndGet(5000);
            assertThat(log.applyRetention(clock.get())).isEqualTo(1);
            assertThat(log.logStartOffset()).isEqualTo(2);
            assertThat(log.logEndOffset()).isEqualTo(2);
            assertThat(log.append(batch(clock.get(), "c")).firstOffset()).isEqualTo(2);
        }
    }

    @Test
    void truncateToRemovesWholeBatchesAcrossSegments() throws IOException {
        LogConfig config = LogConfig.defaults().withSegmentBytes(300);
        Path logDir = dir.resolve("t-0");
        try (Log log = Log.open(logDir, config, LoadState.unknown())) {
            for (int i = 0; i < 20; i++) {
                log.append(batch(1000 + i, "a" + i, "b" + i));
            }
            int segmentsBefore = log.segmentCount();
            assertThat(log.truncateTo(13)).as("offset 13 is inside the batch [12, 13]").isEqualTo(12);
            assertThat(log.logEndOffset()).isEqualTo(12);
            assertThat(log.segmentCount()).isLessThan(segmentsBefore);
            assertThat(log.truncateTo(100)).isEqualTo(12);
            assertThat(log.append(batch(5000, "new")).firstOffset()).isEqualTo(12);
            assertThat(log.findOffsetByTimestamp(1010)).contains(new TimestampOffset(12, 5000));
        }
        try (Log log = Log.open(logDir, config, LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(13);
            assertThat(values(log.read(12, 1000).batches())).containsExactly("new");
            assertThat(log.truncateTo(0)).isZero();
            assertThat(log.segmentCount()).isEqualTo(1);
            assertThat(log.sizeBytes()).isZero();
        }
    }

    @Test
    void findOffsetByTimestampReturnsTheFirstRecordAtOrAfterIt() throws IOException {
        LogConfig config = LogConfig.defaults().withSegmentBytes(400).withIndexIntervalBytes(50);
        try (Log log = Log.open(dir.resolve("t-0"), config, LoadState.unknown())) {
            for (int i = 0; i < 40; i++) {
                BatchBuilder builder = new BatchBuilder(1 << 16);
                builder.tryAppend(10_000 + i * 10L, null, "a".getBytes(StandardCharsets.UTF_8));
                builder.tryAppend(10_000 + i * 10L - 5, null, "b".getBytes(StandardCharsets.UTF_8));
                log.append(builder.build());
            }
            assertThat(log.findOffsetByTimestamp(0)).contains(new TimestampOffset(0, 10_000));
            // Offset order, not time order: offset 42 (10 210) comes before 43 (10 205).
            assertThat(log.findOffsetByTimestamp(10_203)).contains(new TimestampOffset(42, 10_210));
            assertThat(log.findOffsetByTimestamp(10_200)).contains(new TimestampOffset(40, 10_200));
            assertThat(log.findOffsetByTimestamp(10_391)).isEmpty();
            assertThat(log.findOffsetByTimestamp(10_390)).contains(new TimestampOffset(78, 10_390));
        }
    }

    @Test
    void readReturnsAtLeastOneWholeBatchEvenWhenLargerThanMaxBytes() throws IOException {
        try (Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown())) {
            log.append(batch(1, "x".repeat(500)));
            log.append(batch(1, "y"));
            ReadResult result = log.read(0, 10);
            assertThat(values(result.batches())).containsExactly("x".repeat(500));
            int both = result.batches().remaining() + batch(1, "y").remaining();
            assertThat(values(log.read(0, both - 1).batches())).hasSize(1);
            assertThat(values(log.read(0, both).batches())).hasSize(2);
        }
    }

    @Test
    void aRollRightAfterAFlushStillPersistsTheSealedSegmentsLargestTimestamp() throws IOException {
        Path logDir = dir.resolve("t-0");
        try (Log log = Log.open(logDir, LogConfig.defaults(), LoadState.unknown())) {
            log.append(batch(7000, "a"));
            log.flush();          // the recovery point reaches the log end: offset 1
            log.roll();           // rolls exactly at the recovery point; sealing adds a time-index entry
            log.append(batch(100, "b"));
        }
        try (Log log = Log.open(logDir, LogConfig.defaults(), LoadState.clean())) {
            assertThat(log.segments().get(0).maxTimestamp()).isEqualTo(7000);
            assertThat(log.findOffsetByTimestamp(6000)).contains(new TimestampOffset(0, 7000));
        }
    }

    @Test
    void readIntoACallersBufferReturnsWholeBatchesWithoutAllocatingAResult() throws IOException {
        LogConfig config = LogConfig.defaults().withSegmentBytes(400).withBatchBytesMax(200);
        try (Log log = Log.open(dir.resolve("t-0"), config, LoadState.unknown())) {
            for (int i = 0; i < 12; i++) {
                log.append(batch(1, "v" + i));
            }
            ByteBuffer into = ByteBuffer.allocateDirect(300);
            into.position(7); // reads land at the buffer's position
            ReadResult first = log.read(0, into);
            assertThat(values(first.batches())).startsWith("v0").doesNotContain("v11");
            assertThat(into.position()).isEqualTo(7 + first.batches().remaining());
            List<String> all = new ArrayList<>();
            long offset = 0;
            while (offset < log.logEndOffset()) {
                into.clear();
                ReadResult read = log.read(offset, into);
                all.addAll(values(read.batches()));
                offset = read.nextOffset(offset);
            }
            assertThat(all).hasSize(12).startsWith("v0").endsWith("v11");
            into.clear();
            assertThat(log.read(12, into).isEmpty()).isTrue();
            assertThatThrownBy(() -> log.read(0, ByteBuffer.allocate(20)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot hold the batch of");
        }
    }

    @Test
    void aReadCopiesNoBytesOfABatchItWillNotReturnWhenTheIndexKnowsWhereTheBatchesStart() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        LogConfig config = LogConfig.defaults().withIndexIntervalBytes(1); // every batch indexed
        try (Log log = Log.open(io, dir.resolve("t-0"), config, LoadState.unknown(), System::currentTimeMillis)) {
            for (int i = 0; i < 6; i++) {
                log.append(batch(1, ("v" + i).repeat(300))); // 600-byte values: batches of about 680 bytes
            }
            int batchBytes = batch(1, "v0".repeat(300)).remaining();
            long located = RecordBatch.HEADER_BYTES; // finding the first batch reads its header
            io.clear();
            ByteBuffer into = ByteBuffer.allocateDirect(batchBytes * 5 / 2); // two batches and half of a third
            ReadResult read = log.read(1, into);
            assertThat(values(read.batches())).containsExactly("v1".repeat(300), "v2".repeat(300));
            assertThat(io.bytesReadFrom(".log")).as("bytes copied from the segment").isEqualTo(located + 2L * batchBytes);

            io.clear();
            assertThat(values(log.read(0, batchBytes * 3 / 2).batches())).containsExactly("v0".repeat(300));
            assertThat(io.bytesReadFrom(".log")).isEqualTo(located + batchBytes);

            io.clear(); // up to the segment's end: whole batches, nothing to trim
            assertThat(values(log.read(4, into.clear()).batches())).hasSize(2);
            assertThat(io.bytesReadFrom(".log")).isEqualTo(located + 2L * batchBytes);
        }
    }

    @Test
    void anIndexEntryThatIsNotABatchStartShortensAReadButNeverBreaksIt() throws IOException {
        Path logDir = dir.resolve("t-0");
        LogConfig config = LogConfig.defaults().withIndexIntervalBytes(1);
        int batchBytes = batch(1, "v0".repeat(300)).remaining();
        try (Log log = Log.open(logDir, config, LoadState.unknown())) {
            for (int i = 0; i < 6; i++) {
                log.append(batch(1, ("v" + i).repeat(300)));
            }
        }
        // The index names the batches of offsets 1..5; point the entry of offset 3 into the middle of batch 2.
        Path index = SegmentFiles.indexFile(logDir, 0);
        ByteBuffer entries = ByteBuffer.wrap(Files.readAllBytes(index));
        int entry = (int) java.util.stream.IntStream.range(0, entries.limit() / 8)
                .filter(e -> entries.getInt(e * 8) == 3).findFirst().orElseThrow();
        entries.putInt(entry * 8 + 4, 2 * batchBytes + batchBytes / 2);
        Files.write(index, entries.array());
        try (Log log = Log.open(logDir, config, LoadState.clean())) {
            ByteBuffer into = ByteBuffer.allocateDirect(batchBytes * 7 / 2);
            List<String> all = new ArrayList<>();
            long offset = 0;
            while (offset < log.logEndOffset()) {
                ReadResult read = log.read(offset, into.clear());
                assertThat(read.isEmpty()).isFalse();
                all.addAll(values(read.batches()));
                offset = read.nextOffset(offset);
            }
            assertThat(all).hasSize(6).startsWith("v0".repeat(300)).endsWith("v5".repeat(300));
            // From 0 the read stops at the entry inside batch 2: the two whole batches before it.
            assertThat(values(log.read(0, batchBytes * 7 / 2).batches())).containsExactly("v0".repeat(300), "v1".repeat(300));
            // From 2 the entry lies inside the batch asked for: the read is not cut short of it.
            assertThat(values(log.read(2, ByteBuffer.allocate(batchBytes * 6 / 5)).batches()))
                    .containsExactly("v2".repeat(300));
        }
    }

    @Test
    void aBuilderIsBuiltAndAppendedInOneCallAndItsBatchReadsBackChecked() throws IOException {
        try (Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown())) {
            BatchBuilder builder = new BatchBuilder(1 << 16);
            for (String value : List.of("a", "b", "c")) {
                builder.tryAppend(5, null, value.getBytes(StandardCharsets.UTF_8));
            }
            AppendResult first = log.append(builder);
            assertThat(builder.isBuilt()).isTrue();
            builder.reset().tryAppend(6, "k".getBytes(StandardCharsets.UTF_8), "d".getBytes(StandardCharsets.UTF_8));
            AppendResult second = log.append(builder, Durability.STRICT);
            assertThat(first.firstOffset()).isZero();
            assertThat(first.lastOffset()).isEqualTo(2);
            assertThat(second.firstOffset()).isEqualTo(3);
            assertThat(second.durable()).isTrue();
            // RecordBatch.records checks each batch's CRC: the builder's, which the log did not compute again.
            assertThat(values(log.read(0, 1 << 20).batches())).containsExactly("a", "b", "c", "d");
        }
    }

    @Test
    void aBatchBuiltBeforeTheCallMayHaveBeenChangedSinceAndIsCheckedWhole() throws IOException {
        try (Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown())) {
            BatchBuilder builder = new BatchBuilder(1 << 16);
            builder.tryAppend(5, null, "value".getBytes(StandardCharsets.UTF_8));
            ByteBuffer view = builder.build();
            view.put(view.limit() - 3, (byte) 'X'); // a byte of the value, after the CRC was written
            assertThatThrownBy(() -> log.append(builder)).isInstanceOfSatisfying(InvalidBatchException.class,
                    e -> assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.CORRUPT))
                    .hasMessageContaining("CRC");
            assertThat(log.logEndOffset()).isZero();
        }
    }

    @Test
    void aBuildersBatchStillMeetsTheLogsLimits() throws IOException {
        LogConfig small = LogConfig.defaults().withBatchBytesMax(200).withBatchRecordsMax(2);
        try (Log log = Log.open(dir.resolve("t-0"), small, LoadState.unknown())) {
            BatchBuilder builder = new BatchBuilder(1 << 16);
            assertThatThrownBy(() -> log.append(builder)).isInstanceOfSatisfying(InvalidBatchException.class,
                    e -> assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.EMPTY));
            builder.tryAppend(5, null, "x".repeat(300).getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> log.append(builder)).isInstanceOfSatisfying(InvalidBatchException.class,
                    e -> assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.TOO_LARGE));
            builder.reset();
            for (int i = 0; i < 3; i++) {
                builder.tryAppend(5, null, new byte[] {(byte) i});
            }
            assertThatThrownBy(() -> log.append(builder)).isInstanceOfSatisfying(InvalidBatchException.class,
                    e -> assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.TOO_MANY_RECORDS));
            assertThat(log.logEndOffset()).isZero();
        }
        LogConfig compacted = LogConfig.defaults().withCleanupPolicy(CleanupPolicy.COMPACT);
        try (Log log = Log.open(dir.resolve("c-0"), compacted, LoadState.unknown())) {
            BatchBuilder builder = new BatchBuilder(1 << 16);
            builder.tryAppend(5, "k".getBytes(StandardCharsets.UTF_8), new byte[] {1});
            builder.tryAppend(5, null, new byte[] {2});
            assertThatThrownBy(() -> log.append(builder)).isInstanceOf(KeylessRecordException.class);
            assertThat(log.logEndOffset()).isZero();
        }
    }
}

package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FailingFileIO;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.record.RecordCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentTest {
    private static final long BASE = 200;
    private static final int INTERVAL_BYTES = 100;
    private static final int INDEX_BYTES_MAX = 1 << 16;
    private static final int BATCH_BYTES_MAX = 1 << 20;

    @TempDir
    Path dir;

    private final FileIO io = FileIO.real();
    private final Random random = new Random(3);
    private final List<Segment> opened = new ArrayList<>();
    /** Start position of each appended batch, in order. */
    private final List<Integer> positions = new ArrayList<>();
    private final List<ByteBuffer> appended = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (Segment s : opened) {
            s.close();
        }
    }

    private Segment create(int indexBytesMax) throws IOException {
        Segment s = Segment.create(io, dir, BASE, INTERVAL_BYTES, indexBytesMax, 0);
        opened.add(s);
        return s;
    }

    private Segment reopen(long nextOffset) throws IOException {
        Segment s = Segment.open(io, dir, BASE, INTERVAL_BYTES, INDEX_BYTES_MAX, nextOffset, 0);
        opened.add(s);
        return s;
    }

    /** Appends one batch of {@code records} records, timestamps {@code timestamp, timestamp+1, ...}. */
    private void append(Segment s, int records, long timestamp) throws IOException {
        BatchBuilder builder = new BatchBuilder(BATCH_BYTES_MAX);
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[20 + random.nextInt(40)];
            random.nextBytes(value);
            builder.tryAppend(timestamp + i, null, value);
        }
        ByteBuffer built = builder.build();
        ByteBuffer batch = ByteBuffer.allocate(built.remaining()).put(built).flip();
        RecordBatch.setBaseOffset(batch, 0, s.nextOffset());
        appended.add(batch.duplicate());
        positions.add(s.sizeBytes());
        s.append(new ByteBuffer[] {batch}, 1, s.nextOffset() + records - 1, 0, Integer.MAX_VALUE);
    }

    /** Ten batches of three records: offsets 200..229, batch i has timestamps 1000+100i .. +2. */
    private Segment tenBatches() throws IOException {
        Segment s = create(INDEX_BYTES_MAX);
        for (int i = 0; i < 10; i++) {
            append(s, 3, 1_000 + 100L * i);
        }
        return s;
    }

    private Segment flushedAndReopened() throws IOException {
        Segment s = tenBatches();
        s.seal();
        s.flush();
        s.close();
        return reopen(BASE + 30);
    }

    @Test
    void appendsAreReadBackByteForByte() throws IOException {
        Segment s = tenBatches();
        assertThat(s.nextOffset()).isEqualTo(BASE + 30);
        ByteBuffer all = s.read(BASE, BATCH_BYTES_MAX);
        assertThat(all.remaining()).isEqualTo(s.sizeBytes());
        for (int i = 0; i < 10; i++) {
            assertThat(all.slice(positions.get(i), appended.get(i).remaining())).isEqualTo(appended.get(i));
        }
    }

    @Test
    void aReadFromInsideABatchStartsAtThatBatch() throws IOException {
        Segment s = tenBatches();
        ByteBuffer read = s.read(BASE + 14, 1);
        assertThat(RecordBatch.baseOffset(read, 0)).isEqualTo(BASE + 12);
        assertThat(read.remaining()).isEqualTo(appended.get(4).remaining()); // at least one batch, even above maxBytes
    }

    @Test
    void aReadReturnsOnlyWholeBatchesThatFit() throws IOException {
        Segment s = tenBatches();
        int twoAndABit = appended.get(0).remaining() + appended.get(1).remaining() + 10;
        ByteBuffer read = s.read(BASE, twoAndABit);
        assertThat(read.remaining()).isEqualTo(positions.get(2));
    }

    @Test
    void aReadAtOrPastTheEndIsEmpty() throws IOException {
        Segment s = tenBatches();
        assertThat(s.read(BASE + 30, 1000).hasRemaining()).isFalse();
        assertThat(s.positionOf(BASE + 30)).isEqualTo(-1);
        assertThat(s.read(BASE + 29, 1000).hasRemaining()).isTrue();
    }

    /**
     * A read of batch {@code batch} on of {@link #tenBatches} (three records each, every one indexed)
     * whose buffer ends a few bytes into batch {@code endsIn}.
     */
    private ByteBuffer readUpTo(Segment s, int batch, int endsIn, long endOffset, boolean mapped) throws IOException {
        return s.read(BASE + 3L * batch, positions.get(endsIn) - positions.get(batch) + 10, endOffset, mapped);
    }

    /** Overwrites the length field of batch {@code batch} in the segment's file: no longer a batch. */
    private void damageLength(int batch) throws IOException {
        try (FileChannel ch = FileChannel.open(SegmentFiles.logFile(dir, BASE), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).putInt(0, 5), positions.get(batch) + RecordBatch.BATCH_LENGTH_OFFSET);
        }
    }

    /** Among this process's appends a read ends at the indexed batch before its buffer ends, with no walk. */
    @Test
    void aReadAmongThisProcesssAppendsEndsAtTheIndexedBatchBeforeItsBufferEnds() throws IOException {
        Segment s = tenBatches();
        for (boolean mapped : new boolean[] {false, true}) {
            ByteBuffer read = readUpTo(s, 2, 8, Long.MAX_VALUE, mapped);
            assertThat(read.remaining()).isEqualTo(positions.get(8) - positions.get(2));
            assertThat(RecordBatch.baseOffset(read, 0)).isEqualTo(BASE + 6);
        }
    }

    @Test
    void aReadAmongThisProcesssAppendsStopsBeforeABatchAtOrPastTheEndOffset() throws IOException {
        Segment s = tenBatches();
        for (boolean mapped : new boolean[] {false, true}) {
            // The end offset falls inside batch 5: batches 2 to 5 start below it, 6 and 7 do not.
            assertThat(readUpTo(s, 2, 8, BASE + 16, mapped).remaining()).isEqualTo(positions.get(6) - positions.get(2));
            // At a batch's start, that batch is left out too.
            assertThat(readUpTo(s, 2, 8, BASE + 18, mapped).remaining()).isEqualTo(positions.get(6) - positions.get(2));
            // The buffer's end batch ends exactly at the end offset: all seven before it.
            assertThat(readUpTo(s, 2, 9, BASE + 29, mapped).remaining()).isEqualTo(positions.get(9) - positions.get(2));
        }
        ByteBuffer into = ByteBuffer.allocate(positions.get(8) - positions.get(2) + 10);
        assertThat(s.read(BASE + 6, into, BASE + 16).remaining()).isEqualTo(positions.get(6) - positions.get(2));
    }

    @Test
    void bytesThatCameFromTheDiskAreWalkedAndARunStopsBeforeABatchThatIsNotOne() throws IOException {
        flushedAndReopened().close();
        damageLength(5);
        Segment s = reopen(BASE + 30);
        for (boolean mapped : new boolean[] {false, true}) {
            assertThat(readUpTo(s, 2, 8, Long.MAX_VALUE, mapped).remaining())
                    .isEqualTo(positions.get(5) - positions.get(2));
        }
    }

    @Test
    void afterATruncationTheBytesAppendedAgainAreTakenOnTheIndexsWordAndTheirReaderChecksThem()
            throws IOException {
        Segment s = flushedAndReopened();
        assertThat(s.truncateTo(BASE + 12)).isEqualTo(BASE + 12);
        positions.subList(4, positions.size()).clear();
        for (int i = 4; i < 10; i++) {
            append(s, 3, 1_000 + 100L * i);
        }
        damageLength(7); // in the page cache: bytes this process appended after the cut
        ByteBuffer read = readUpTo(s, 4, 9, Long.MAX_VALUE, true);
        // Not walked: the run goes on to the indexed batch 9; the damaged batch is the cursor's to find.
        assertThat(read.remaining()).isEqualTo(positions.get(9) - positions.get(4));
        RecordCursor cursor = new RecordCursor().reset(read);
        assertThatThrownBy(() -> {
            while (cursor.next()) {
                assertThat(cursor.offset()).isLessThan(BASE + 21);
            }
        }).isInstanceOf(CorruptRecordException.class);
        // Bytes before the cut came from the disk: a read of them still walks, and stops at damage.
        damageLength(2);
        assertThat(readUpTo(s, 0, 3, Long.MAX_VALUE, true).remaining()).isEqualTo(positions.get(2));
    }

    @Test
    void positionOfEveryOffsetIsItsBatchsStart() throws IOException {
        Segment s = tenBatches();
        assertThat(s.offsetIndex().entries()).isGreaterThan(1); // the interval was crossed: lookups use the index
        for (long offset = BASE - 3; offset < BASE + 30; offset++) {
            int batch = (int) Math.max(0, (offset - BASE) / 3);
            assertThat(s.positionOf(offset)).as("position of %d", offset).isEqualTo(positions.get(batch));
        }
    }

    @Test
    void findByTimestampReturnsTheFirstRecordAtOrAfterIt() throws IOException {
        Segment s = tenBatches();
        Optional<Record> exact = s.findOffsetByTimestamp(1_401, BASE, BATCH_BYTES_MAX);
        assertThat(exact).map(Record::offset).contains(BASE + 13);
        Optional<Record> between = s.findOffsetByTimestamp(1_450, BASE, BATCH_BYTES_MAX);
        assertThat(between).map(Record::offset).contains(BASE + 15);
        assertThat(s.findOffsetByTimestamp(0, BASE, BATCH_BYTES_MAX)).map(Record::offset).contains(BASE);
        assertThat(s.findOffsetByTimestamp(1_903, BASE, BATCH_BYTES_MAX)).isEmpty();
    }

    @Test
    void truncateInsideABatchRemovesThatWholeBatch() throws IOException {
        Segment s = tenBatches();
        long next = s.truncateTo(BASE + 16);
        assertThat(next).isEqualTo(BASE + 15);
        assertThat(s.nextOffset()).isEqualTo(BASE + 15);
        assertThat(s.sizeBytes()).isEqualTo(positions.get(5));
        assertThat(Files.size(s.logPath())).isEqualTo((long) positions.get(5));
        assertThat(s.read(BASE + 15, 1000).hasRemaining()).isFalse();
        assertThat(s.maxTimestamp()).isEqualTo(1_402L);
        s.offsetIndex().sanityCheck(s.sizeBytes());
        s.timeIndex().sanityCheck(s.nextOffset());
        append(s, 2, 5_000); // appends continue from the cut
        assertThat(s.read(BASE + 15, 1000).getLong(0)).isEqualTo(BASE + 15);
    }

    @Test
    void truncatePastTheEndChangesNothing() throws IOException {
        Segment s = tenBatches();
        int size = s.sizeBytes();
        assertThat(s.truncateTo(BASE + 30)).isEqualTo(BASE + 30);
        assertThat(s.sizeBytes()).isEqualTo(size);
    }

    @Test
    void aCleanlyClosedSegmentReopensWithItsEndAndLargestTimestamp() throws IOException {
        Segment s = flushedAndReopened();
        s.loadTail();
        assertThat(s.nextOffset()).isEqualTo(BASE + 30);
        assertThat(s.lastBatchBaseOffset()).isEqualTo(BASE + 27);
        assertThat(s.maxTimestamp()).isEqualTo(1_902);
        assertThat(s.read(BASE + 20, 1).getLong(0)).isEqualTo(BASE + 18);
    }

    @Test
    void sealRecordsTheLargestTimestampInTheTimeIndex() throws IOException {
        Segment s = create(INDEX_BYTES_MAX);
        append(s, 3, 5_000); // the first batch gets no index entry: nothing was written before it
        assertThat(s.timeIndex().entries()).isZero();
        s.seal();
        assertThat(s.timeIndex().lastTimestamp()).isEqualTo(5_002);
        assertThat(s.timeIndex().offsetAt(s.timeIndex().entries() - 1)).isEqualTo(BASE + 2);
    }

    @Test
    void aTruncatedIndexFileIsRebuiltFromTheLog() throws IOException {
        Path index;
        try (Segment s = tenBatches()) {
            s.seal();
            s.flush();
            index = s.offsetIndex().path();
        }
        opened.clear();
        byte[] bytes = Files.readAllBytes(index);
        Files.write(index, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        Segment reopened = reopen(BASE + 30);
        assertThat(reopened.positionOf(BASE + 25)).isEqualTo(positions.get(8));
        assertThat(Files.size(index) % OffsetIndex.ENTRY_BYTES).isZero();
        assertThat(reopened.offsetIndex().entries()).isEqualTo(bytes.length / OffsetIndex.ENTRY_BYTES);
    }

    @Test
    void anIndexEntryPastTheLogsEndIsRebuiltFromTheLog() throws IOException {
        Segment s = flushedAndReopened();
        Path index = SegmentFiles.indexFile(dir, BASE);
        byte[] bytes = Files.readAllBytes(index);
        ByteBuffer.wrap(bytes).putInt(bytes.length - 4, 1 << 30);
        Files.write(index, bytes);
        assertThat(s.positionOf(BASE + 29)).isEqualTo(positions.get(9));
        assertThat(s.offsetIndex().positionAt(s.offsetIndex().entries() - 1)).isLessThan(s.sizeBytes());
    }

    @Test
    void indexEntriesOutOfOrderAreRebuiltFromTheLog() throws IOException {
        Segment s = flushedAndReopened();
        Path index = SegmentFiles.indexFile(dir, BASE);
        byte[] bytes = Files.readAllBytes(index);
        assertThat(bytes.length).isGreaterThanOrEqualTo(2 * OffsetIndex.ENTRY_BYTES);
        ByteBuffer.wrap(bytes).putInt(OffsetIndex.ENTRY_BYTES, 0); // entry 1's offset below entry 0's
        Files.write(index, bytes);
        for (long offset = BASE; offset < BASE + 30; offset += 7) {
            assertThat(s.positionOf(offset)).isEqualTo(positions.get((int) (offset - BASE) / 3));
        }
        s.offsetIndex().sanityCheck(s.sizeBytes()); // the damaged file was replaced, not trusted
        assertThat(OffsetIndex.load(io, index, BASE, INDEX_BYTES_MAX).offsetAt(1)).isGreaterThan(BASE);
    }

    @Test
    void aMissingTimeIndexIsRebuiltWithTheLargestTimestamp() throws IOException {
        Segment s = flushedAndReopened();
        Files.delete(SegmentFiles.timeIndexFile(dir, BASE));
        assertThat(s.maxTimestamp()).isEqualTo(1_902);
        assertThat(Files.exists(SegmentFiles.timeIndexFile(dir, BASE))).isTrue();
    }

    @Test
    void recoverReportsATornTailAndTheEndBeforeIt() throws IOException {
        int validBytes;
        try (Segment s = tenBatches()) {
            s.seal();
            s.flush();
            validBytes = s.sizeBytes();
        }
        opened.clear();
        Files.write(SegmentFiles.logFile(dir, BASE), new byte[] {0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 1},
                java.nio.file.StandardOpenOption.APPEND);
        Segment s = reopen(0);
        ScanResult result = s.recover(BATCH_BYTES_MAX);
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.TORN_TAIL);
        assertThat(result.validBytes()).isEqualTo(validBytes);
        assertThat(s.nextOffset()).isEqualTo(BASE + 30);
    }

    @Test
    void anActiveSegmentAllocatesAheadAndSealCutsTheFileToItsLastBatchsEnd() throws IOException {
        try (Segment s = tenBatches()) {
            Path log = SegmentFiles.logFile(dir, BASE);
            assertThat(Files.size(log)).isGreaterThan(s.sizeBytes()); // zeros allocated ahead of the writes
            s.seal();
            assertThat(Files.size(log)).isEqualTo(s.sizeBytes());
            ByteBuffer last = appended.get(appended.size() - 1);
            assertThat(positions.get(positions.size() - 1) + last.remaining()).isEqualTo(s.sizeBytes());
        }
    }

    @Test
    void theSpaceAllocatedAheadReadsAsATornTailAfterACrashAndTheCutLeavesTheBatchesWhole() throws IOException {
        int validBytes;
        try (Segment s = tenBatches()) { // closed unsealed: the zeros stay, as a killed process leaves them
            validBytes = s.sizeBytes();
        }
        opened.clear();
        assertThat(Files.size(SegmentFiles.logFile(dir, BASE))).isGreaterThan(validBytes);
        Segment s = reopen(0);
        ScanResult result = s.recover(BATCH_BYTES_MAX);
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.TORN_TAIL);
        assertThat(result.problem()).contains("space allocated, never written");
        assertThat(result.validBytes()).isEqualTo(validBytes);
        assertThat(result.nextOffset()).isEqualTo(BASE + 30);
        s.truncateToPosition(result.validBytes(), result.nextOffset());
        assertThat(Files.size(SegmentFiles.logFile(dir, BASE))).isEqualTo(validBytes);
        append(s, 2, 9_000); // appends go on after the cut, allocating again
        assertThat(s.positionOf(BASE + 31)).isEqualTo(validBytes);
        assertThat(s.read(BASE + 30, BATCH_BYTES_MAX)).isEqualTo(appended.get(appended.size() - 1));
    }

    @Test
    void aBatchTornInsideTheSpaceAllocatedAheadIsATornTailNotCorruption() throws IOException {
        int validBytes;
        try (Segment s = tenBatches()) {
            validBytes = s.sizeBytes();
            append(s, 3, 9_000);
        }
        opened.clear();
        Path log = SegmentFiles.logFile(dir, BASE);
        byte[] bytes = Files.readAllBytes(log);
        int tornAt = validBytes + appended.get(appended.size() - 1).remaining() / 2;
        java.util.Arrays.fill(bytes, tornAt, validBytes + appended.get(appended.size() - 1).remaining(), (byte) 0);
        Files.write(log, bytes); // the write's second half never reached the page cache: zeros, as allocated
        ScanResult result = reopen(0).recover(BATCH_BYTES_MAX);
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.TORN_TAIL);
        assertThat(result.validBytes()).isEqualTo(validBytes);
    }

    /** Records enough for a batch larger than the window takes: the append is written. */
    private static final int WRITTEN_BATCH_RECORDS = 600;

    @Test
    void aWrittenAppendAllocatesNothingAheadAndAWindowAppendAfterItAllocatesInAlignedChunks() throws IOException {
        Segment s = create(INDEX_BYTES_MAX);
        append(s, WRITTEN_BATCH_RECORDS, 1_000);
        assertThat(appended.get(0).remaining()).isGreaterThan(AppendSpace.MAPPED_APPEND_BYTES_MAX);
        Path log = SegmentFiles.logFile(dir, BASE);
        assertThat(Files.size(log)).isEqualTo(s.sizeBytes());
        append(s, 3, 2_000); // through the window: a megabyte past it, to the next 2 MiB boundary
        // and the chunk after it, once the thread allocating ahead has written it
        assertThat(Files.size(log)).isIn((long) AppendSpace.CHUNK_BYTES, 2L * AppendSpace.CHUNK_BYTES);
        s.seal();
        assertThat(Files.size(log)).isEqualTo(s.sizeBytes());
    }

    /**
     * A log forced after every small append (a strict writer) allocates ahead again, so that its
     * later appends overwrite forced zeros and their fsyncs commit no metadata; one forced after
     * every append of more than {@link AppendSpace#FORCED_ALLOCATING_BYTES_MAX} bytes does not.
     */
    @Test
    void appendsForcedOftenAllocateAheadAndAppendsForcedFarApartDoNot() throws IOException {
        for (int valueBytes : new int[] {1_000, AppendSpace.FORCED_ALLOCATING_BYTES_MAX + 1}) {
            Path other = dir.resolve("forced-" + valueBytes);
            Files.createDirectories(other);
            Segment forced = Segment.create(io, other, BASE, INTERVAL_BYTES, INDEX_BYTES_MAX, 0);
            opened.add(forced);
            forced.forceData();
            BatchBuilder builder = new BatchBuilder(BATCH_BYTES_MAX);
            builder.tryAppend(1_000, null, new byte[valueBytes]);
            ByteBuffer built = builder.build();
            ByteBuffer batch = ByteBuffer.allocate(built.remaining()).put(built).flip();
            for (int i = 0; i < 3; i++) {
                RecordBatch.setBaseOffset(batch, 0, forced.nextOffset());
                forced.append(batch.duplicate(), forced.nextOffset(), 0, Integer.MAX_VALUE);
                forced.forceData();
            }
            long fileSize = Files.size(SegmentFiles.logFile(other, BASE));
            if (valueBytes <= AppendSpace.FORCED_ALLOCATING_BYTES_MAX) {
                assertThat(fileSize).as("forced every %d bytes", valueBytes).isEqualTo(AppendSpace.CHUNK_BYTES);
            } else {
                assertThat(fileSize).as("forced every %d bytes", valueBytes).isEqualTo(forced.sizeBytes());
            }
        }
    }

    /**
     * After a force, written appends count toward the switch as the window's do: after the first
     * {@link AppendSpace#WRITES_AFTER_FORCE} (which allocate nothing), a small append goes through
     * the window again and allocates ahead.
     */
    @Test
    void writtenAppendsCountTowardTheSwitchAfterAForce() throws IOException {
        Segment s = create(INDEX_BYTES_MAX);
        s.forceData();
        BatchBuilder builder = new BatchBuilder(BATCH_BYTES_MAX);
        builder.tryAppend(1_000, null, new byte[AppendSpace.MAPPED_APPEND_BYTES_MAX + 1]);
        ByteBuffer built = builder.build();
        ByteBuffer batch = ByteBuffer.allocate(built.remaining()).put(built).flip();
        Path log = SegmentFiles.logFile(dir, BASE);
        for (int i = 0; i < AppendSpace.WRITES_AFTER_FORCE; i++) {
            RecordBatch.setBaseOffset(batch, 0, s.nextOffset());
            s.append(batch.duplicate(), s.nextOffset(), 0, Integer.MAX_VALUE);
        }
        assertThat(Files.size(log)).isEqualTo(s.sizeBytes());
        append(s, 3, 2_000);
        assertThat(Files.size(log)).isGreaterThan(s.sizeBytes());
    }

    @Test
    void anAppendThatFitsWhereTheSpaceAheadDoesNotIsStoredAndOneThatDoesNotFitFails() throws IOException {
        FailingFileIO disk = new FailingFileIO();
        Segment s = Segment.create(disk, dir, BASE, INTERVAL_BYTES, INDEX_BYTES_MAX, 0);
        opened.add(s);
        disk.setSpaceLeft(40 << 10); // room for the append, not for the megabyte and more ahead of it
        append(s, 3, 1_000);
        assertThat(s.read(BASE, BATCH_BYTES_MAX)).isEqualTo(appended.get(0));
        assertThat(Files.size(SegmentFiles.logFile(dir, BASE))).isEqualTo(40 << 10); // the zeros that fitted

        disk.setSpaceLeft(0);
        append(s, 3, 1_500); // into the zeros that fitted: no new space needed
        int size = s.sizeBytes();
        long next = s.nextOffset();
        // Larger than the zeros left: it needs space the disk does not have.
        assertThatThrownBy(() -> append(s, 2 * WRITTEN_BATCH_RECORDS, 2_000))
                .isInstanceOf(IOException.class).hasMessageContaining("No space left");
        assertThat(appended.get(2).remaining()).isGreaterThan((40 << 10) - size);
        appended.remove(2);
        ByteBuffer read = s.read(BASE, BATCH_BYTES_MAX);
        assertThat(read.slice(0, appended.get(0).remaining())).isEqualTo(appended.get(0));
        assertThat(read.slice(positions.get(1), appended.get(1).remaining())).isEqualTo(appended.get(1));
        assertThat(s.sizeBytes()).isEqualTo(size);
        assertThat(s.nextOffset()).isEqualTo(next);
    }

    @Test
    void fullIndexesAskForARoll() throws IOException {
        // Three offset entries; two time entries, one kept for seal(): full after one.
        Segment s = create(3 * OffsetIndex.ENTRY_BYTES);
        append(s, 3, 1_000);
        assertThat(s.indexesFull()).isFalse();
        for (int i = 1; s.timeIndex().entries() == 0 && i < 20; i++) {
            append(s, 3, 1_000 + 100L * i);
        }
        assertThat(s.indexesFull()).isTrue();
        s.seal(); // the reserved slot takes the final largest timestamp
        assertThat(s.timeIndex().lastTimestamp()).isEqualTo(s.maxTimestamp());
    }
}

package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Log#appendGathered}: a batch whose bytes lie in several buffers is stored exactly as the
 * same batch in one buffer would be (bytes, offsets, indexes, hash chain), its CRC computed by the
 * log, its header checked as any append's, and is refused whole when its pieces are not one batch.
 */
class LogGatheredAppendTest {
    private static final LogConfig CONFIG = LogConfig.defaults().withIndexIntervalBytes(256)
            .withSegmentBytes(16 << 10).withHashChain(true);

    @TempDir
    Path dir;

    /** A batch of {@code records} values of about 300 bytes each. */
    private static ByteBuffer batch(int seed, int records) {
        String[] values = new String[records];
        for (int i = 0; i < records; i++) {
            values[i] = ("value-" + seed + "-" + i + "-").repeat(20);
        }
        return LogTest.batch(1000 + seed, values);
    }

    /**
     * The batch's bytes cut at {@code cuts} (positions in the batch) into direct buffers, as a
     * columnar batch's vectors would lie in memory of their own.
     */
    static ByteBuffer[] cut(ByteBuffer batch, int... cuts) {
        ByteBuffer[] pieces = new ByteBuffer[cuts.length + 1];
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : batch.remaining();
            ByteBuffer piece = ByteBuffer.allocateDirect(to - from);
            piece.put(batch.duplicate().position(batch.position() + from).limit(batch.position() + to)).flip();
            pieces[i] = piece;
            from = to;
        }
        return pieces;
    }

    /** Every offset's read, as bytes: what a reader of the log sees. */
    private static List<byte[]> reads(Log log) throws IOException {
        List<byte[]> reads = new ArrayList<>();
        for (long offset = 0; offset < log.logEndOffset(); offset++) {
            ByteBuffer read = log.read(offset, 1500).batches();
            byte[] bytes = new byte[read.remaining()];
            read.get(bytes);
            reads.add(bytes);
        }
        return reads;
    }

    @Test
    void aBatchInPiecesIsStoredAsTheSameBatchInOneBufferWouldBe() throws IOException {
        try (Log whole = Log.open(FileIO.real(), dir.resolve("whole-0"), CONFIG, LoadState.unknown(), () -> 5L);
             Log gathered = Log.open(FileIO.real(), dir.resolve("gathered-0"), CONFIG, LoadState.unknown(), () -> 5L)) {
            for (int i = 0; i < 120; i++) {
                ByteBuffer batch = batch(i, 1 + i % 4);
                AppendResult expected = whole.append(batch.duplicate(), Durability.NONE);
                AppendResult result;
                if (i % 3 == 0) {
                    result = gathered.append(batch.duplicate(), Durability.NONE);
                } else { // the header alone or with some records in the first piece; records split anywhere
                    int size = batch.remaining();
                    result = gathered.appendGathered(i % 3 == 1 ? cut(batch, RecordBatch.HEADER_BYTES, size / 2)
                            : cut(batch, 100, 101, size - 7), Durability.NONE);
                }
                assertThat(result.firstOffset()).isEqualTo(expected.firstOffset());
                assertThat(result.lastOffset()).isEqualTo(expected.lastOffset());
                assertThat(result.sizeBytes()).isEqualTo(expected.sizeBytes());
                assertThat(result.position()).isEqualTo(expected.position());
            }
            assertThat(gathered.segmentCount()).isGreaterThan(3).isEqualTo(whole.segmentCount());
            assertThat(gathered.chainHeadHex()).isEqualTo(whole.chainHeadHex());
            assertThat(reads(gathered)).containsExactlyElementsOf(reads(whole)); // reads take the index's word
        }
        try (Log whole = Log.open(dir.resolve("whole-0"), CONFIG, LoadState.unknown());
             Log gathered = Log.open(dir.resolve("gathered-0"), CONFIG, LoadState.unknown())) {
            assertThat(gathered.logEndOffset()).isEqualTo(whole.logEndOffset());
            assertThat(reads(gathered)).containsExactlyElementsOf(reads(whole));
        }
    }

    @Test
    void aGatheredBatchQueuedBehindOthersIsWrittenInTheirGroup() throws Exception {
        List<Runnable> held = new ArrayList<>();
        try (Log log = Log.open(FileIO.real(), dir.resolve("t-0"), CONFIG.withHashChain(false), LoadState.unknown(),
                System::currentTimeMillis, held::add)) {
            List<CompletableFuture<AppendResult>> queued = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                queued.add(log.appendAsync(batch(i, 2), Durability.NONE));
            }
            assertThat(queued).noneMatch(CompletableFuture::isDone); // the writer has not run: they wait in the queue
            ByteBuffer batch = batch(3, 3);
            AppendResult result = log.appendGathered(cut(batch, 80, 500), Durability.NONE);
            assertThat(result.firstOffset()).isEqualTo(6);
            assertThat(result.lastOffset()).isEqualTo(8);
            assertThat(queued).allMatch(CompletableFuture::isDone); // one group: the queued appends, then this one
            log.append(batch(4, 1));
            held.forEach(Runnable::run);
            for (long offset = 0; offset < log.logEndOffset(); offset++) {
                ByteBuffer read = log.read(offset, 1).batches();
                assertThat(RecordBatch.baseOffset(read, read.position())).isLessThanOrEqualTo(offset);
                assertThat(RecordBatch.lastOffset(read, read.position())).isGreaterThanOrEqualTo(offset);
                RecordBatch.validate(read, read.position(), Integer.MAX_VALUE);
            }
            assertThat(LogTest.values(log.read(6, 1).batches())).hasSize(3).first().asString()
                    .startsWith("value-3-0-");
        }
    }

    @Test
    void piecesThatAreNotOneSoundBatchAreRefusedAndNothingIsWritten() throws IOException {
        try (Log log = Log.open(dir.resolve("t-0"), CONFIG, LoadState.unknown())) {
            log.append(batch(0, 1));
            String head = log.chainHeadHex();
            ByteBuffer batch = batch(1, 2);
            int size = batch.remaining();

            ByteBuffer[] badMagic = cut(batch, 100, 400);
            badMagic[0].put(RecordBatch.MAGIC_OFFSET, (byte) 1);
            assertThatThrownBy(() -> log.appendGathered(badMagic, Durability.NONE))
                    .isInstanceOfSatisfying(InvalidBatchException.class,
                            e -> assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.CORRUPT))
                    .hasMessageContaining("Unsupported magic 1");
            ByteBuffer[] short1 = cut(batch, 100, size - 10);
            assertThatThrownBy(() -> log.appendGathered(new ByteBuffer[] {short1[0], short1[1]}, Durability.NONE))
                    .isInstanceOf(InvalidBatchException.class).hasMessageContaining("does not match the " + (size - 10));
            assertThatThrownBy(() -> log.appendGathered(cut(batch, 30, 200), Durability.NONE))
                    .isInstanceOf(InvalidBatchException.class).hasMessageContaining("less than a batch header");
            assertThatThrownBy(() -> log.appendGathered(new ByteBuffer[0], Durability.NONE))
                    .isInstanceOfSatisfying(InvalidBatchException.class,
                            e -> assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.EMPTY));
            assertThat(log.logEndOffset()).isEqualTo(1);
            assertThat(log.chainHeadHex()).isEqualTo(head);
            ByteBuffer[] unsealed = cut(batch, 100); // the log computes the CRC: what the field held does not matter
            unsealed[0].putInt(RecordBatch.CRC_OFFSET, 0);
            assertThat(log.appendGathered(unsealed, Durability.NONE).firstOffset()).isEqualTo(1);
            ByteBuffer stored = log.read(1, 1 << 20).batches();
            RecordBatch.validate(stored, stored.position(), Integer.MAX_VALUE);
            assertThat(RecordBatch.storedCrc(stored, stored.position())).isEqualTo(RecordBatch.storedCrc(batch, 0));
            assertThat(LogTest.values(stored)).hasSize(2);
        }
        try (Log one = Log.open(dir.resolve("one-0"), CONFIG.withBatchRecordsMax(1), LoadState.unknown())) {
            ByteBuffer[] two = cut(batch(4, 2), 100);
            two[0].putInt(RecordBatch.CRC_OFFSET, 0);
            assertThatThrownBy(() -> one.appendGathered(two, Durability.NONE))
                    .isInstanceOfSatisfying(InvalidBatchException.class,
                            e -> assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.TOO_MANY_RECORDS));
            assertThat(two[0].getInt(RecordBatch.CRC_OFFSET)).as("a refused batch is left as it came").isZero();
            ByteBuffer[] wide = cut(batch(5, 100), 100); // some 20 KiB, over the 16 KiB segment
            assertThatThrownBy(() -> one.appendGathered(wide, Durability.NONE))
                    .isInstanceOfSatisfying(InvalidBatchException.class,
                            e -> assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.TOO_LARGE))
                    .hasMessageContaining("exceeds the segment size");
            assertThat(one.logEndOffset()).isZero();
        }
        try (Log small = Log.open(dir.resolve("small-0"), CONFIG.withBatchBytesMax(500), LoadState.unknown())) {
            assertThatThrownBy(() -> small.appendGathered(cut(batch(2, 4), 100), Durability.NONE))
                    .isInstanceOfSatisfying(InvalidBatchException.class,
                            e -> assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.TOO_LARGE));
            assertThat(small.logEndOffset()).isZero();
        }
    }

    @Test
    void aCompactedLogChecksTheKeysOfAGatheredBatch() throws IOException {
        LogConfig compacted = LogConfig.defaults().withCompaction(CompactionConfig.defaults());
        try (Log log = Log.open(dir.resolve("t-0"), compacted, LoadState.unknown())) {
            ByteBuffer keyless = CompactedLogAppendTest.batch(CompressionType.NONE, "a", null);
            assertThatThrownBy(() -> log.appendGathered(cut(keyless, 100), Durability.NONE))
                    .isInstanceOf(KeylessRecordException.class);
            ByteBuffer keyed = CompactedLogAppendTest.batch(CompressionType.NONE, "a", "b");
            assertThat(log.appendGathered(cut(keyed, 70, 300), Durability.NONE).lastOffset()).isEqualTo(1);
            assertThat(CompactedLogAppendTest.keys(log.read(0, 1 << 20).batches())).containsExactly("a", "b");
        }
    }
}

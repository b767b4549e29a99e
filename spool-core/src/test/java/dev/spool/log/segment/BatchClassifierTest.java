package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.record.Header;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.BatchClassifier.Kind;
import dev.spool.log.segment.BatchClassifier.Verdict;
import dev.spool.log.segment.BatchClassifier.ZeroTail;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every rule of {@link BatchClassifier}, each kind and each boundary, on bytes in memory: the
 * classifier is pure, so no file is needed (the cursor's tests read real files).
 */
class BatchClassifierTest {
    private static final int BATCH_BYTES_MAX = 1 << 20;
    private static final int LENGTH_MAX = BATCH_BYTES_MAX - RecordBatch.LOG_OVERHEAD_BYTES;
    /**
     * A zero tail asked about the bytes past the length only (the rules ask from the position only
     * when the length is 0); it answers that data follows there.
     */
    private static final ZeroTail NOT_ASKED = skipBytes -> {
        if (skipBytes == 0) {
            throw new AssertionError("the zero tail was asked for a length that is not 0");
        }
        return false;
    };
    private static final ZeroTail ZEROS = skipBytes -> true;
    private static final ZeroTail DATA_AFTER = skipBytes -> false;

    private final Random random = new Random(7);

    /** A valid batch of {@code records} records of 100 random bytes, based at {@code base}. */
    private ByteBuffer batch(long base, int records) {
        BatchBuilder builder = new BatchBuilder(BATCH_BYTES_MAX);
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[100];
            random.nextBytes(value);
            builder.tryAppend(1_000 + i, null, value);
        }
        ByteBuffer built = builder.build();
        RecordBatch.setBaseOffset(built, 0, base);
        return built;
    }

    /** A header whose length field says {@code length}, the rest of it made non-zero. */
    private static ByteBuffer headerWithLength(int length) {
        ByteBuffer header = ByteBuffer.allocate(RecordBatch.HEADER_BYTES);
        for (int i = 0; i < header.limit(); i++) {
            header.put(i, (byte) 7);
        }
        return header.putInt(RecordBatch.BATCH_LENGTH_OFFSET, length);
    }

    private static Verdict header(ByteBuffer bytes, long remaining, ZeroTail zeroTail) throws IOException {
        return BatchClassifier.header(bytes, 0, remaining, BATCH_BYTES_MAX, zeroTail);
    }

    @Test
    void noByteLeftIsTheEnd() throws IOException {
        assertThat(header(ByteBuffer.allocate(0), 0, NOT_ASKED)).isEqualTo(new Verdict(Kind.END, ""));
    }

    @Test
    void fewerBytesThanOffsetAndLengthAreATornTail() throws IOException {
        Verdict verdict = header(ByteBuffer.allocate(11), 11, NOT_ASKED);
        assertThat(verdict).isEqualTo(new Verdict(Kind.TORN_TAIL, "11 bytes at the end are too few for a batch header"));
    }

    @Test
    void aHeaderExactlyAtTheEndWhoseBatchWouldGoOnIsATornTail() throws IOException {
        ByteBuffer header = headerWithLength(RecordBatch.BATCH_LENGTH_MIN + 10);
        Verdict verdict = header(header, RecordBatch.HEADER_BYTES, NOT_ASKED);
        assertThat(verdict.kind()).isEqualTo(Kind.TORN_TAIL);
        assertThat(verdict.problem()).isEqualTo("the last batch announces " + (RecordBatch.HEADER_BYTES + 10)
                + " bytes but only " + RecordBatch.HEADER_BYTES + " remain");
    }

    @Test
    void aBatchEndingExactlyAtTheEndIsValid() throws IOException {
        ByteBuffer batch = batch(0, 3);
        assertThat(header(batch, batch.limit(), NOT_ASKED)).isEqualTo(new Verdict(Kind.VALID, ""));
        assertThat(header(batch, batch.limit() - 1, NOT_ASKED).kind()).isEqualTo(Kind.TORN_TAIL);
    }

    @Test
    void zerosToTheEndAreATornTailAndAZeroHeaderBeforeDataIsAHole() throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate(RecordBatch.HEADER_BYTES);
        assertThat(header(zeros, 4096, ZEROS))
                .isEqualTo(new Verdict(Kind.TORN_TAIL, "4096 zero bytes at the end (space allocated, never written)"));
        assertThat(header(zeros, 4096, DATA_AFTER)).isEqualTo(new Verdict(Kind.HOLE,
                "a zero-filled batch header with data after it (pages written back out of order?)"));
    }

    @Test
    void aLengthTornByAWriteIntoSpaceAllocatedAheadIsATornTailNotCorruption() throws IOException {
        ByteBuffer header = headerWithLength(0x00_07_00_00 | (1 << 30)); // out of range, as a torn length reads
        assertThat(header(header, 4096, ZEROS).kind()).isEqualTo(Kind.TORN_TAIL);
        assertThat(header(header, 4096, DATA_AFTER).kind()).isEqualTo(Kind.CORRUPT);
    }

    @Test
    void aBatchFailingItsCheckWithZerosAfterItToTheEndIsATornTail() {
        ByteBuffer batch = batch(0, 3);
        batch.put(batch.limit() - 1, (byte) (batch.get(batch.limit() - 1) ^ 1)); // fails its CRC; no zero sector
        assertThat(BatchClassifier.failedCheck(batch, 0, false, true, "CRC mismatch").kind())
                .isEqualTo(Kind.TORN_TAIL);
        assertThat(BatchClassifier.failedCheck(batch, 0, false, false, "CRC mismatch").kind())
                .isEqualTo(Kind.CORRUPT);
    }

    /** {@code batch} with its bytes from {@code from} to its end zeroed: a write into zeros, torn there. */
    private static ByteBuffer tornAt(ByteBuffer batch, int from) {
        for (int i = from; i < batch.limit(); i++) {
            batch.put(i, (byte) 0);
        }
        return batch;
    }

    /** Batches of every framing a tear must be recognised in: plain, with headers, compressed, a control batch. */
    private List<ByteBuffer> batchesOfEveryKind() {
        List<ByteBuffer> kinds = new ArrayList<>();
        kinds.add(batch(0, 3));
        BatchBuilder withHeaders = new BatchBuilder(BATCH_BYTES_MAX);
        withHeaders.tryAppend(1_000, "k".getBytes(), "v1".getBytes(), new Header[] {Header.of("h", "x".getBytes())});
        withHeaders.tryAppend(1_001, null, "v2".getBytes(),
                new Header[] {Header.of("a", "1".getBytes()), Header.of("b", "22".getBytes())});
        kinds.add(withHeaders.build());
        BatchBuilder compressed = new BatchBuilder(BATCH_BYTES_MAX).compression(CompressionType.GZIP);
        for (int i = 0; i < 5; i++) {
            compressed.tryAppend(1_000 + i, null, ("value-" + i).getBytes());
        }
        kinds.add(compressed.build());
        kinds.add(new EndTransactionMarker(false, 0).encode(7, (short) 0, 1_000));
        return kinds;
    }

    /**
     * Every tear a write into zeros can leave in a batch that ends where the file ends (bytes from
     * {@code k} on zeroed, the batch changed by it) is a torn tail, for every {@code k} past the length.
     */
    @Test
    void everyTearOfAWriteIntoZerosEndingWithTheFileIsATornTail() {
        for (ByteBuffer whole : batchesOfEveryKind()) {
            for (int k = RecordBatch.LOG_OVERHEAD_BYTES; k < whole.limit(); k++) {
                ByteBuffer torn = tornAt(copy(whole), k);
                if (torn.equals(whole)) {
                    continue; // the bytes not written were zeros anyway: the batch is whole
                }
                assertThat(BatchClassifier.failedCheck(torn, 100, true, false, "CRC mismatch").kind())
                        .as("batch of %d bytes torn at %d", whole.limit(), k).isEqualTo(Kind.TORN_TAIL);
            }
        }
    }

    @Test
    void aLastBatchWhoseRecordsEndInZerosWhereTheFileEndsIsATornWriteIntoAllocatedSpace() {
        ByteBuffer batch = tornAt(batch(0, 3), RecordBatch.RECORDS_OFFSET + 150);
        Verdict verdict = BatchClassifier.failedCheck(batch, 100, true, false, "CRC mismatch");
        assertThat(verdict.kind()).isEqualTo(Kind.TORN_TAIL);
        assertThat(verdict.problem()).startsWith("the last batch fails its check (CRC mismatch) and ends in ");
        // With data after it the same bytes are damage (no zero sector: the batch is 300-odd bytes).
        assertThat(BatchClassifier.failedCheck(batch, 100, false, false, "CRC mismatch").kind())
                .isEqualTo(Kind.CORRUPT);
    }

    @Test
    void aLastBatchWhoseHeaderWasWrittenOnlyInPartOverZerosIsATornWrite() {
        for (int from : new int[] {RecordBatch.BATCH_LENGTH_OFFSET + 4, RecordBatch.MAGIC_OFFSET,
                RecordBatch.CRC_OFFSET + 2, RecordBatch.RECORDS_OFFSET - 2}) {
            ByteBuffer batch = tornAt(batch(0, 3), from);
            assertThat(BatchClassifier.failedCheck(batch, 100, true, false, "Unsupported magic 0").kind())
                    .as("zeros from %d", from).isEqualTo(Kind.TORN_TAIL);
        }
    }

    @Test
    void oneZeroAtTheEndIsARecordSOwnHeaderCountNotATear() {
        ByteBuffer batch = batch(0, 3);
        assertThat(batch.get(batch.limit() - 1)).as("the last record's header count").isZero();
        assertThat(batch.get(batch.limit() - 2)).isNotZero();
        batch.put(RecordBatch.RECORDS_OFFSET + 20, (byte) (batch.get(RecordBatch.RECORDS_OFFSET + 20) ^ 1));
        assertThat(BatchClassifier.failedCheck(batch, 100, true, false, "CRC mismatch").kind())
                .isEqualTo(Kind.CORRUPT);
    }

    @Test
    void aWrongMagicBeforeTheZerosIsCorruptNotATear() {
        ByteBuffer batch = tornAt(batch(0, 3), RecordBatch.RECORDS_OFFSET + 10);
        batch.put(RecordBatch.MAGIC_OFFSET, (byte) 1);
        assertThat(BatchClassifier.failedCheck(batch, 100, true, false, "Unsupported magic 1").kind())
                .isEqualTo(Kind.CORRUPT);
    }

    @Test
    void aCodecIdThatNamesNoCodecBeforeTheZerosIsCorruptNotATearNorACrash() {
        for (int codec = 5; codec <= 7; codec++) {
            ByteBuffer batch = tornAt(batch(0, 3), RecordBatch.RECORDS_OFFSET + 10);
            short attributes = RecordBatch.attributes(batch, 0);
            batch.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) ((attributes & ~0x07) | codec));
            assertThat(BatchClassifier.failedCheck(batch, 100, true, false, "Unknown compression codec id " + codec)
                    .kind()).as("codec %d", codec).isEqualTo(Kind.CORRUPT);
        }
        // Zeros from before the attributes: they were not written, whatever they read as.
        ByteBuffer early = tornAt(batch(0, 3), RecordBatch.ATTRIBUTES_OFFSET);
        assertThat(BatchClassifier.failedCheck(early, 100, true, false, "CRC mismatch").kind())
                .isEqualTo(Kind.TORN_TAIL);
    }

    @Test
    void recordFramingDamagedBeforeTheZerosIsCorruptNotATear() {
        ByteBuffer badLength = tornAt(batch(0, 3), batch(0, 3).limit() - 5);
        badLength.put(RecordBatch.RECORDS_OFFSET, (byte) 0x7f); // the first record's length: far too long
        assertThat(BatchClassifier.failedCheck(badLength, 100, true, false, "CRC mismatch").kind())
                .isEqualTo(Kind.CORRUPT);
        ByteBuffer badCount = tornAt(batch(0, 3), batch(0, 3).limit() - 5);
        badCount.putInt(RecordBatch.RECORD_COUNT_OFFSET, 4);
        assertThat(BatchClassifier.failedCheck(badCount, 100, true, false, "CRC mismatch").kind())
                .isEqualTo(Kind.CORRUPT);
    }

    private static ByteBuffer copy(ByteBuffer batch) {
        ByteBuffer copy = ByteBuffer.allocate(batch.limit() - batch.position());
        copy.put(batch.duplicate()).flip();
        return copy;
    }

    @Test
    void aLengthOfZeroInAHeaderThatIsNotAllZerosIsCorrupt() throws IOException {
        Verdict verdict = header(headerWithLength(0), 4096, DATA_AFTER);
        assertThat(verdict).isEqualTo(new Verdict(Kind.CORRUPT, "batch length 0 outside ["
                + RecordBatch.BATCH_LENGTH_MIN + ", " + LENGTH_MAX + "]"));
    }

    @Test
    void lengthsOutOfBoundsAreCorruptAndTheBoundsThemselvesAreNot() throws IOException {
        long plenty = 2L * BATCH_BYTES_MAX;
        assertThat(header(headerWithLength(RecordBatch.BATCH_LENGTH_MIN - 1), plenty, NOT_ASKED).kind())
                .isEqualTo(Kind.CORRUPT);
        assertThat(header(headerWithLength(-5), plenty, NOT_ASKED).problem())
                .isEqualTo("batch length -5 outside [" + RecordBatch.BATCH_LENGTH_MIN + ", " + LENGTH_MAX + "]");
        assertThat(header(headerWithLength(LENGTH_MAX + 1), plenty, NOT_ASKED).kind()).isEqualTo(Kind.CORRUPT);
        assertThat(header(headerWithLength(RecordBatch.BATCH_LENGTH_MIN), plenty, NOT_ASKED).kind())
                .isEqualTo(Kind.VALID);
        assertThat(header(headerWithLength(LENGTH_MAX), plenty, NOT_ASKED).kind()).isEqualTo(Kind.VALID);
    }

    @Test
    void aLengthOutOfBoundsIsCorruptEvenWhenTooFewBytesRemainForIt() throws IOException {
        // The bound comes first: a garbled length at the end is damage, not a torn write.
        assertThat(header(headerWithLength(LENGTH_MAX + 1), 100, NOT_ASKED).kind()).isEqualTo(Kind.CORRUPT);
    }

    @Test
    void belowAPublishedSizeNothingIsTornEverythingThatDoesNotFitIsCorrupt() {
        ByteBuffer header = headerWithLength(RecordBatch.BATCH_LENGTH_MIN + 10);
        assertThat(BatchClassifier.published(header, 0, 1000, 1000 + RecordBatch.HEADER_BYTES - 1))
                .isEqualTo(new Verdict(Kind.CORRUPT, (RecordBatch.HEADER_BYTES - 1)
                        + " bytes left, less than a batch header"));
        assertThat(BatchClassifier.published(header, 0, 1000, 1000 + RecordBatch.HEADER_BYTES))
                .isEqualTo(new Verdict(Kind.CORRUPT, "batch length " + (RecordBatch.BATCH_LENGTH_MIN + 10)
                        + " does not fit the segment's " + (1000 + RecordBatch.HEADER_BYTES) + " bytes"));
        assertThat(BatchClassifier.published(header, 0, 1000, 1000 + RecordBatch.HEADER_BYTES + 10).kind())
                .isEqualTo(Kind.VALID);
        assertThat(BatchClassifier.published(headerWithLength(0), 0, 0, 4096).kind()).isEqualTo(Kind.CORRUPT);
    }

    @Test
    void aFailedCheckWithAZeroSectorIsTornInTheLastBatchAndAHoleInAMiddleOne() {
        ByteBuffer batch = ByteBuffer.allocate(2048); // a whole zero sector whatever the position
        batch.put(0, (byte) 1);
        assertThat(BatchClassifier.failedCheck(batch, 0, true, "CRC mismatch")).isEqualTo(new Verdict(
                Kind.TORN_TAIL, "the last batch fails its check (CRC mismatch) and holds a zero-filled sector: an "
                + "interrupted write"));
        assertThat(BatchClassifier.failedCheck(batch, 0, false, "CRC mismatch")).isEqualTo(new Verdict(Kind.HOLE,
                "a batch fails its check (CRC mismatch) and holds a zero-filled sector: an interrupted write, with "
                        + "data after it"));
    }

    @Test
    void aFailedCheckWithoutAZeroSectorIsCorruptWithTheCheckSProblemAsItIs() {
        ByteBuffer batch = batch(0, 30);
        assertThat(BatchClassifier.failedCheck(batch, 0, true, "CRC mismatch"))
                .isEqualTo(new Verdict(Kind.CORRUPT, "CRC mismatch"));
    }

    @Test
    void onlyWholeSectorsOfTheFileCount() {
        ByteBuffer batch = ByteBuffer.allocate(700);
        for (int i = 512; i < 700; i++) {
            batch.put(i, (byte) 1);
        }
        // Bytes 0..511 of the batch are zeros: a whole sector of the file only when the batch starts on one.
        assertThat(BatchClassifier.hasZeroSector(batch, 0)).isTrue();
        assertThat(BatchClassifier.hasZeroSector(batch, 1024)).isTrue();
        assertThat(BatchClassifier.hasZeroSector(batch, 100)).isFalse();
        assertThat(BatchClassifier.failedCheck(batch, 100, true, "x").kind()).isEqualTo(Kind.CORRUPT);
    }

    @Test
    void aBaseOffsetThatIsNotTheExpectedOneIsCorrupt() {
        ByteBuffer batch = batch(105, 3);
        assertThat(BatchClassifier.offsets(batch, 0, 105, 100).kind()).isEqualTo(Kind.VALID);
        assertThat(BatchClassifier.offsets(batch, 0, 104, 100))
                .isEqualTo(new Verdict(Kind.CORRUPT, "batch base offset 105, expected 104"));
    }

    @Test
    void aLastOffsetTheSegmentCannotIndexIsCorrupt() {
        ByteBuffer negative = batch(100, 3);
        negative.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, -1);
        assertThat(BatchClassifier.offsets(negative, 0, 100, 100)).isEqualTo(new Verdict(Kind.CORRUPT,
                "batch at offset 100 has last offset delta -1, outside what a segment based at 100 can hold"));
        long farBase = 100L + Integer.MAX_VALUE - 1;
        ByteBuffer far = batch(farBase, 3); // its last offset is 2^31 past the segment's base
        assertThat(BatchClassifier.offsets(far, 0, farBase, 100).kind()).isEqualTo(Kind.CORRUPT);
        ByteBuffer edge = batch(farBase - 1, 3); // its last offset is 2^31 - 1 past the base: the most it can hold
        assertThat(BatchClassifier.offsets(edge, 0, farBase - 1, 100).kind()).isEqualTo(Kind.VALID);
    }
}

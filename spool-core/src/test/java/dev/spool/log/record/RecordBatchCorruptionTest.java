package dev.spool.log.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.record.KafkaInterop.Hdr;
import dev.spool.log.record.KafkaInterop.Producer;
import dev.spool.log.record.KafkaInterop.Rec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.IntStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every way a batch can be malformed is refused with a {@link CorruptRecordException} whose
 * message says what was wrong, never with an unchecked exception from a buffer overrun. Header
 * damage is made by editing a valid batch; record-level damage by framing hand-written record
 * bytes in a header with a correct CRC, so only the intended defect is present.
 */
class RecordBatchCorruptionTest {
    private static final long T0 = 1_700_000_000_000L;

    /** A valid three-record batch with headers, 100-odd bytes. */
    private static ByteBuffer valid() {
        return KafkaInterop.encodeOurs(List.of(Rec.of(T0, "k0", "v0", new Hdr("h", new byte[] {1})),
                Rec.of(T0 + 1, null, "v1"), Rec.of(T0 + 2, "k2", null)), Producer.NONE, 0L);
    }

    private static void assertCorrupt(ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(CorruptRecordException.class).hasMessage(message);
    }

    private static void assertCorruptStartingWith(ThrowingCallable call, String prefix) {
        assertThatThrownBy(call).isInstanceOf(CorruptRecordException.class).hasMessageStartingWith(prefix);
    }

    private static void recomputeCrc(ByteBuffer batch) {
        batch.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(batch, 0));
    }

    /** Hand-written record bytes: each {@code body} is framed with its varint length. */
    private static final class Records {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Records record(byte[] body) {
            return raw(varint(body.length)).raw(body);
        }

        Records raw(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** Concatenates pieces: an {@code Integer} is written as a zig-zag varint, a {@code byte[]} as is. */
    private static byte[] body(Object... pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object piece : pieces) {
            if (piece instanceof Integer i) {
                out.writeBytes(varint(i));
            } else if (piece instanceof byte[] b) {
                out.writeBytes(b);
            } else {
                throw new IllegalArgumentException(String.valueOf(piece));
            }
        }
        return out.toByteArray();
    }

    private static byte[] varint(int value) {
        ByteBuffer b = ByteBuffer.allocate(5);
        Varint.writeInt(value, b);
        byte[] bytes = new byte[b.position()];
        b.flip().get(bytes);
        return bytes;
    }

    private static final byte[] ATTRIBUTES = {0};

    /** A minimal well-formed record body: offset delta {@code i}, null key, 1-byte value, no headers. */
    private static byte[] goodBody(int offsetDelta) {
        return body(ATTRIBUTES, 0, offsetDelta, -1, 1, new byte[] {42}, 0);
    }

    /** Frames {@code records} in a header with a correct CRC. */
    private static ByteBuffer batch(int recordCount, int lastOffsetDelta, byte[] records, int attributes) {
        int size = RecordBatch.HEADER_BYTES + records.length;
        ByteBuffer buffer = ByteBuffer.allocate(size);
        buffer.put(RecordBatch.RECORDS_OFFSET, records);
        RecordBatch.writeHeader(buffer, 0, size, 0L, (short) attributes, lastOffsetDelta, T0, T0,
                RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, recordCount);
        return buffer;
    }

    private static ByteBuffer batch(int recordCount, byte[] records) {
        return batch(recordCount, recordCount - 1, records, 0);
    }

    @Test
    void theHandFramedBaselineIsValid() throws Exception {
        ByteBuffer good = batch(2, new Records().record(goodBody(0)).record(goodBody(1)).bytes());
        RecordBatch.validate(good, 0, Integer.MAX_VALUE);
        RecordBatch.validateRecords(good, 0);
        assertThat(RecordBatch.records(good, 0)).hasSize(2);
        assertThat(KafkaInterop.kafkaBatch(good).countOrNull()).isEqualTo(2);
    }

    // ---- truncation and length bounds --------------------------------------------------------

    @Test
    void bufferShorterThanTheHeaderIsRefusedByEveryEntryPoint() {
        ByteBuffer full = valid();
        for (int cut = 0; cut < RecordBatch.HEADER_BYTES; cut++) {
            ByteBuffer cutBuffer = full.duplicate().limit(cut);
            String message = "Batch is " + cut + " bytes, smaller than the 61-byte header";
            assertCorrupt(() -> RecordBatch.validate(cutBuffer, 0, Integer.MAX_VALUE), message);
            assertCorrupt(() -> RecordBatch.validateRecords(cutBuffer, 0), message);
            assertCorrupt(() -> RecordBatch.records(cutBuffer, 0), message);
        }
    }

    @Test
    void batchCutAnywhereAfterTheHeaderRunsPastTheBuffer() {
        ByteBuffer full = valid();
        int length = RecordBatch.batchLength(full, 0);
        for (int cut = RecordBatch.HEADER_BYTES; cut < full.limit(); cut++) {
            ByteBuffer cutBuffer = full.duplicate().limit(cut);
            String message = "Batch length " + length + " runs past the end of the buffer (" + (cut - 12)
                    + " bytes available)";
            assertCorrupt(() -> RecordBatch.validate(cutBuffer, 0, Integer.MAX_VALUE), message);
            assertCorrupt(() -> RecordBatch.validateRecords(cutBuffer, 0), message);
            assertCorrupt(() -> RecordBatch.records(cutBuffer, 0), message);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 1, 48})
    void batchLengthBelowTheMinimum(int length) {
        ByteBuffer batch = valid();
        batch.putInt(RecordBatch.BATCH_LENGTH_OFFSET, length);
        String message = "Batch length " + length + " is below the minimum 49";
        assertCorrupt(() -> RecordBatch.validate(batch, 0, Integer.MAX_VALUE), message);
        assertCorrupt(() -> RecordBatch.records(batch, 0), message);
    }

    @Test
    void batchAboveTheMaximum() {
        ByteBuffer batch = valid();
        int size = batch.remaining();
        assertCorrupt(() -> RecordBatch.validate(batch, 0, size - 1),
                "Batch of " + size + " bytes exceeds the maximum of " + (size - 1) + " bytes");
        assertThatCode(() -> RecordBatch.validate(batch, 0, size)).doesNotThrowAnyException();
    }

    @Test
    void batchLengthOfIntMaxDoesNotOverflow() {
        ByteBuffer batch = valid();
        batch.putInt(RecordBatch.BATCH_LENGTH_OFFSET, Integer.MAX_VALUE);
        assertCorrupt(() -> RecordBatch.validate(batch, 0, Integer.MAX_VALUE),
                "Batch of 2147483659 bytes exceeds the maximum of 2147483647 bytes");
    }

    // ---- magic and CRC -------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(bytes = {0, 1, 3, -1})
    void wrongMagic(byte magic) {
        ByteBuffer batch = valid();
        batch.put(RecordBatch.MAGIC_OFFSET, magic);
        assertCorrupt(() -> RecordBatch.validate(batch, 0, Integer.MAX_VALUE),
                "Unsupported magic " + magic + ", expected 2");
    }

    @Test
    void everySingleBitFlipInTheCrcAndWhatItCoversIsACrcMismatch() {
        ByteBuffer good = valid();
        long crc = RecordBatch.storedCrc(good, 0);
        int checked = 0;
        for (int at = RecordBatch.CRC_OFFSET; at < good.limit(); at++) {
            for (int bit = 0; bit < 8; bit++) {
                ByteBuffer batch = valid();
                batch.put(at, (byte) (batch.get(at) ^ (1 << bit)));
                long stored = RecordBatch.storedCrc(batch, 0);
                long computed = RecordBatch.computeCrc(batch, 0);
                assertThat(stored == crc ? computed : crc).as("byte %d bit %d changes the checksum", at, bit)
                        .isNotEqualTo(stored);
                String message = "CRC mismatch: stored 0x" + Long.toHexString(stored) + ", computed 0x"
                        + Long.toHexString(computed) + " over bytes 21.." + good.limit() + " of the batch; expected "
                        + "them equal: the batch's bytes changed after it was written";
                assertCorrupt(() -> RecordBatch.validate(batch, 0, Integer.MAX_VALUE), message);
                assertCorrupt(() -> RecordBatch.records(batch, 0), message);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(8 * (good.limit() - RecordBatch.CRC_OFFSET));
    }

    @Test
    void baseOffsetAndLeaderEpochAreOutsideTheCrc() throws Exception {
        ByteBuffer batch = valid();
        RecordBatch.setBaseOffset(batch, 0, Long.MAX_VALUE - 10);
        RecordBatch.setPartitionLeaderEpoch(batch, 0, 123);
        RecordBatch.validate(batch, 0, Integer.MAX_VALUE);
        assertThat(RecordBatch.records(batch, 0).get(2).offset()).isEqualTo(Long.MAX_VALUE - 8);
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 6, 7})
    void unknownCodecIdIsCorruptionEverywhere(int codec) {
        ByteBuffer batch = valid();
        batch.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) codec);
        recomputeCrc(batch);
        String message = "Unknown compression codec id " + codec;
        assertCorrupt(() -> RecordBatch.validate(batch, 0, Integer.MAX_VALUE), message);
        assertCorrupt(() -> RecordBatch.validateRecords(batch, 0), message);
        assertCorrupt(() -> RecordBatch.records(batch, 0), message);
    }

    // ---- record count against offsets and bytes ------------------------------------------------

    @Test
    void recordCountAboveLastOffsetDeltaPlusOne() {
        ByteBuffer batch = valid();
        batch.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, 1);
        recomputeCrc(batch);
        assertCorrupt(() -> RecordBatch.validate(batch, 0, Integer.MAX_VALUE),
                "Record count 3 does not fit last offset delta 1");
    }

    /**
     * Offsets in a Spool log are dense, and Kafka's broker refuses a produced batch whose record
     * count is not lastOffsetDelta + 1 (LogValidator: "Inner record count must match"). A batch
     * claiming more offsets than records would make the log hand out offsets that hold nothing.
     */
    @Test
    void lastOffsetDeltaAboveRecordCountMinusOne() {
        ByteBuffer batch = valid();
        batch.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, 5);
        recomputeCrc(batch);
        assertCorrupt(() -> RecordBatch.validate(batch, 0, Integer.MAX_VALUE),
                "Record count 3 does not fit last offset delta 5");
        assertCorrupt(() -> RecordBatch.validateRecords(batch, 0), "Record count 3 does not fit last offset delta 5");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, Integer.MIN_VALUE})
    void negativeRecordCount(int count) {
        ByteBuffer batch = batch(count, 0, new Records().record(goodBody(0)).bytes(), 0);
        assertCorrupt(() -> RecordBatch.validate(batch, 0, Integer.MAX_VALUE),
                "Record count " + count + " does not fit last offset delta 0");
        assertCorruptStartingWith(() -> RecordBatch.records(batch, 0), "Record count " + count);
    }

    @Test
    void zeroRecordsSpanningOffsetsIsTheEmptyBatchCompactionAndRepairLeave() throws CorruptRecordException {
        ByteBuffer batch = batch(0, 3, new byte[0], 0);
        RecordBatch.validate(batch, 0, Integer.MAX_VALUE);
        assertThat(RecordBatch.records(batch, 0)).isEmpty();
        ByteBuffer gap = RecordBatch.gapBatch(5_000, 999);
        RecordBatch.validate(gap, 0, Integer.MAX_VALUE);
        assertThat(RecordBatch.baseOffset(gap, 0)).isEqualTo(5_000);
        assertThat(RecordBatch.lastOffset(gap, 0)).isEqualTo(5_999);
        assertThat(RecordBatch.records(gap, 0)).isEmpty();
    }

    @Test
    void recordCountThatCannotFitTheBytes() {
        ByteBuffer batch = batch(1000, new Records().record(goodBody(0)).bytes());
        int recordBytes = RecordBatch.batchLength(batch, 0) - RecordBatch.BATCH_LENGTH_MIN;
        String message = "Record count 1000 cannot fit in " + recordBytes + " bytes of records";
        assertCorrupt(() -> RecordBatch.validate(batch, 0, Integer.MAX_VALUE), message);
        assertCorrupt(() -> RecordBatch.records(batch, 0), message);
    }

    @Test
    void fewerRecordsThanCounted() {
        ByteBuffer batch = batch(3, new Records().record(goodBody(0)).record(goodBody(1)).raw(new byte[7]).bytes());
        // The 7 zero bytes decode as a record of length 0, which is too short to be one.
        assertCorrupt(() -> RecordBatch.records(batch, 0), "Record 2 has length 0 with 6 bytes left in the batch");
    }

    @Test
    void bytesAfterTheLastRecord() {
        ByteBuffer batch = batch(1, new Records().record(goodBody(0)).raw(new byte[] {1, 2, 3}).bytes());
        assertCorrupt(() -> RecordBatch.validateRecords(batch, 0), "3 bytes follow the last of 1 records");
    }

    // ---- record framing ------------------------------------------------------------------------

    @Test
    void recordLengthRunsPastTheBatch() {
        byte[] body = goodBody(0);
        ByteBuffer batch = batch(1, new Records().raw(varint(1000)).raw(body).bytes());
        String message = "Record 0 has length 1000 with " + body.length + " bytes left in the batch";
        assertCorrupt(() -> RecordBatch.validateRecords(batch, 0), message);
        assertCorrupt(() -> RecordBatch.records(batch, 0), message);
    }

    @Test
    void negativeRecordLength() {
        byte[] body = goodBody(0);
        ByteBuffer batch = batch(1, new Records().raw(varint(-7)).raw(body).bytes());
        assertCorrupt(() -> RecordBatch.records(batch, 0),
                "Record 0 has length -7 with " + body.length + " bytes left in the batch");
    }

    @Test
    void overLongVarintForTheRecordLength() {
        byte[] sixBytes = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
        ByteBuffer batch = batch(1, new Records().raw(sixBytes).raw(goodBody(0)).bytes());
        assertCorrupt(() -> RecordBatch.records(batch, 0), "Varint is longer than 5 bytes");
    }

    @Test
    void overLongVarintForTheOffsetDelta() {
        byte[] sixBytes = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00};
        ByteBuffer batch = batch(1, new Records().record(body(ATTRIBUTES, 0, sixBytes, -1, -1, 0)).bytes());
        assertCorrupt(() -> RecordBatch.records(batch, 0), "Varint is longer than 5 bytes");
    }

    @Test
    void overLongVarlongForTheTimestampDelta() {
        byte[] elevenBytes = new byte[11];
        java.util.Arrays.fill(elevenBytes, (byte) 0x80);
        elevenBytes[10] = 0x01;
        ByteBuffer batch = batch(1, new Records().record(body(ATTRIBUTES, elevenBytes, 0, -1, -1, 0)).bytes());
        assertCorrupt(() -> RecordBatch.records(batch, 0), "Varlong is longer than 10 bytes");
    }

    @Test
    void varintCutByTheEndOfTheRecord() {
        ByteBuffer batch = batch(1, new Records().record(goodBody(0)).bytes());
        // Shrink the record's own length by one: its header count varint is then missing.
        byte[] records = new Records().raw(varint(goodBody(0).length - 1))
                .raw(java.util.Arrays.copyOf(goodBody(0), goodBody(0).length - 1)).bytes();
        ByteBuffer cut = batch(1, records);
        assertThatCode(() -> RecordBatch.records(batch, 0)).doesNotThrowAnyException();
        assertCorrupt(() -> RecordBatch.records(cut, 0), "Varint runs past the end of the record");
    }

    /**
     * The defect this guards against: records() decoded a batch without its CRC, so a changed value
     * came back as a record ("r2500" read as "r2509") and a damaged varint as a framing puzzle.
     */
    @Test
    void recordsChecksTheCrcBeforeDecodingSoAChangedValueIsNeverReturned() {
        ByteBuffer batch = valid();
        int value = indexOf(batch, "v1");
        batch.put(value + 1, (byte) '9'); // "v1" -> "v9": framing intact, CRC not
        assertCorruptStartingWith(() -> RecordBatch.records(batch, 0), "CRC mismatch: stored 0x");

        ByteBuffer varint = valid();
        varint.put(RecordBatch.RECORDS_OFFSET, (byte) 0x80); // the first record's length: now runs on
        assertCorruptStartingWith(() -> RecordBatch.records(varint, 0), "CRC mismatch: stored 0x");
    }

    @Test
    void recordsOfCheckedBatchDecodesWithoutTheCrcButStillChecksFraming() throws Exception {
        ByteBuffer batch = valid();
        batch.put(indexOf(batch, "v1") + 1, (byte) '9');
        assertThat(RecordBatch.recordsOfCheckedBatch(batch, 0, RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT).get(1)
                .value().map(v -> java.nio.charset.StandardCharsets.UTF_8.decode(v).toString())).contains("v9");
        ByteBuffer cut = batch(1, new Records().raw(varint(goodBody(0).length - 1))
                .raw(java.util.Arrays.copyOf(goodBody(0), goodBody(0).length - 1)).bytes());
        assertCorrupt(() -> RecordBatch.recordsOfCheckedBatch(cut, 0, RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT),
                "Varint runs past the end of the record");
    }

    private static int indexOf(ByteBuffer batch, String text) {
        byte[] wanted = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int at = RecordBatch.RECORDS_OFFSET; at + wanted.length <= batch.limit(); at++) {
            if (batch.get(at) == wanted[0] && batch.get(at + 1) == wanted[1]) {
                return at;
            }
        }
        throw new AssertionError(text + " is not in the batch");
    }

    @Test
    void wrongOffsetDelta() {
        ByteBuffer batch = batch(2, new Records().record(goodBody(0)).record(goodBody(5)).bytes());
        assertCorrupt(() -> RecordBatch.validateRecords(batch, 0), "Record 1 has offset delta 5, expected 1");
    }

    @ParameterizedTest
    @ValueSource(ints = {-2, -3, Integer.MIN_VALUE})
    void negativeKeyLengthOtherThanMinusOne(int keyLength) {
        ByteBuffer batch = batch(1, new Records().record(body(ATTRIBUTES, 0, 0, keyLength, -1, 0)).bytes());
        assertCorruptStartingWith(() -> RecordBatch.records(batch, 0), "Record key length " + keyLength + " with ");
    }

    @Test
    void keyLongerThanTheRecord() {
        ByteBuffer batch = batch(1, new Records().record(body(ATTRIBUTES, 0, 0, 50, new byte[3], -1, 0)).bytes());
        assertCorrupt(() -> RecordBatch.records(batch, 0), "Record key length 50 with 5 bytes left in the record");
    }

    @Test
    void negativeValueLengthOtherThanMinusOne() {
        ByteBuffer batch = batch(1, new Records().record(body(ATTRIBUTES, 0, 0, -1, -9, 0)).bytes());
        assertCorruptStartingWith(() -> RecordBatch.records(batch, 0), "Record value length -9 with ");
    }

    @ParameterizedTest
    @ValueSource(ints = {1_000_000, Integer.MAX_VALUE, 3})
    void absurdHeaderCount(int headers) {
        ByteBuffer batch = batch(1, new Records().record(body(ATTRIBUTES, 0, 0, -1, -1, headers, 1, new byte[] {'h'},
                -1)).bytes());
        assertCorrupt(() -> RecordBatch.validateRecords(batch, 0),
                "Record 0 claims " + headers + " headers in 3 bytes");
    }

    @Test
    void negativeHeaderCount() {
        ByteBuffer batch = batch(1, new Records().record(body(ATTRIBUTES, 0, 0, -1, -1, -1)).bytes());
        assertCorrupt(() -> RecordBatch.records(batch, 0), "Record 0 claims -1 headers in 0 bytes");
    }

    @Test
    void headerWithNullKey() {
        ByteBuffer batch = batch(1, new Records().record(body(ATTRIBUTES, 0, 0, -1, -1, 1, -1, -1)).bytes());
        assertCorrupt(() -> RecordBatch.records(batch, 0), "Record 0 has a header with a null key");
    }

    @Test
    void headerValueLengthNegativeOtherThanMinusOne() {
        ByteBuffer batch = batch(1, new Records().record(body(ATTRIBUTES, 0, 0, -1, -1, 1, 1, new byte[] {'h'}, -4))
                .bytes());
        assertCorrupt(() -> RecordBatch.records(batch, 0), "Record header value length -4 with 0 bytes left in the record");
    }

    @Test
    void bytesLeftOverInARecord() {
        ByteBuffer batch = batch(1, new Records().record(body(ATTRIBUTES, 0, 0, -1, -1, 0, new byte[] {7, 7})).bytes());
        assertCorrupt(() -> RecordBatch.records(batch, 0), "Record 0 has 2 bytes left over");
    }

    @Test
    void recordsSurviveEveryTruncationOfTheRecordsSectionWithoutUncheckedExceptions() {
        // Shrinking the batch length (and fixing the CRC) at every byte must give a checked error, never an overrun.
        ByteBuffer good = valid();
        IntStream.range(RecordBatch.HEADER_BYTES, good.limit()).forEach(size -> {
            ByteBuffer batch = ByteBuffer.allocate(size);
            batch.put(good.duplicate().limit(size)).flip();
            batch.putInt(RecordBatch.BATCH_LENGTH_OFFSET, size - RecordBatch.LOG_OVERHEAD_BYTES);
            recomputeCrc(batch);
            assertThatThrownBy(() -> {
                RecordBatch.validate(batch, 0, Integer.MAX_VALUE);
                RecordBatch.validateRecords(batch, 0);
            }).as("batch cut to %d bytes", size).isInstanceOf(CorruptRecordException.class);
        });
    }
}

package dev.spool.log.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.record.KafkaInterop.Hdr;
import dev.spool.log.record.KafkaInterop.Producer;
import dev.spool.log.record.KafkaInterop.Rec;
import dev.spool.log.record.KafkaInterop.Seen;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RecordCursorTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long SEED = 0x5EED_C0D5L;

    /** Records with every shape: null and empty keys and values, headers with and without values. */
    private static List<Rec> mixedRecords(int count, Random random) {
        List<Rec> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] key = switch (i % 4) {
                case 0 -> null;
                case 1 -> new byte[0];
                default -> ("key-" + random.nextInt(1000)).getBytes(StandardCharsets.UTF_8);
            };
            byte[] value = i % 5 == 0 ? null : new byte[i % 7 == 0 ? 0 : 1 + random.nextInt(300)];
            if (value != null) {
                random.nextBytes(value);
            }
            List<Hdr> headers = switch (i % 3) {
                case 0 -> List.of();
                case 1 -> List.of(new Hdr("h", new byte[] {(byte) i}));
                default -> List.of(new Hdr("a", null), new Hdr("bé", ("v" + i).getBytes(StandardCharsets.UTF_8)));
            };
            records.add(new Rec(T0 + random.nextInt(1_000_000), key, value, headers));
        }
        return records;
    }

    /** Batches of {@code input} one after another with dense offsets from 0, each of {@code perBatch} records. */
    private static ByteBuffer batches(List<Rec> input, int perBatch, CompressionType... codecs) {
        List<ByteBuffer> parts = new ArrayList<>();
        int bytes = 0;
        for (int from = 0, n = 0; from < input.size(); from += perBatch, n++) {
            ByteBuffer batch = KafkaInterop.encodeOurs(input.subList(from, Math.min(input.size(), from + perBatch)),
                    Producer.NONE, from, codecs.length == 0 ? CompressionType.NONE : codecs[n % codecs.length]);
            parts.add(batch);
            bytes += batch.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(bytes);
        parts.forEach(all::put);
        return all.flip();
    }

    private static String hex(ByteBuffer view) {
        return KafkaInterop.hex(view);
    }

    /** What the cursor shows of every record, through its views; checks the position accessors agree. */
    private static List<Seen> walk(RecordCursor cursor) throws CorruptRecordException {
        List<Seen> seen = new ArrayList<>();
        while (cursor.next()) {
            assertThat(cursor.hasKey()).isEqualTo(cursor.key() != null);
            assertThat(cursor.hasValue()).isEqualTo(cursor.value() != null);
            if (cursor.hasValue()) {
                assertThat(cursor.buffer().slice(cursor.valuePosition(), cursor.valueLength())).isEqualTo(cursor.value());
            } else {
                assertThat(cursor.valueLength()).isEqualTo(-1);
            }
            List<String> headers = new ArrayList<>();
            for (int h = 0; h < cursor.headerCount(); h++) {
                headers.add(StandardCharsets.UTF_8.decode(cursor.headerKey(h)) + "=" + hex(cursor.headerValue(h)));
            }
            seen.add(new Seen(cursor.offset(), cursor.timestamp(), hex(cursor.key()), hex(cursor.value()), headers));
        }
        return seen;
    }

    @Test
    void walksEveryRecordOfManyBatchesWithNullAndEmptyKeysValuesAndHeaders() throws CorruptRecordException {
        List<Rec> input = mixedRecords(1000, new Random(SEED));
        ByteBuffer batches = batches(input, 37);

        RecordCursor cursor = new RecordCursor().reset(batches);

        assertThat(walk(cursor)).isEqualTo(KafkaInterop.expected(input, 0));
        assertThat(cursor.next()).isFalse();
        assertThat(batches.position()).isZero(); // the caller's buffer is not moved
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void decompressesEachCodecIntoOneReusedArray(CompressionType type) throws CorruptRecordException {
        List<Rec> input = CompressedBatchBuilderTest.jsonRecords(600, SEED);
        ByteBuffer batches = batches(input, 50, type, CompressionType.NONE, type);

        List<Seen> seen = walk(new RecordCursor().reset(batches));

        assertThat(seen).isEqualTo(KafkaInterop.expected(input, 0));
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void recordsTakenFromACompressedBatchKeepTheirBytesAfterTheCursorMovesOn(CompressionType type)
            throws CorruptRecordException {
        List<Rec> input = CompressedBatchBuilderTest.jsonRecords(300, SEED);
        RecordCursor cursor = new RecordCursor().reset(batches(input, 30, type));
        List<Record> kept = new ArrayList<>();
        while (cursor.next()) {
            kept.add(cursor.toRecord());
        }

        for (int i = 0; i < input.size(); i++) {
            assertThat(kept.get(i).valueBytes()).as("record %d", i).isEqualTo(input.get(i).value());
            assertThat(kept.get(i).offset()).isEqualTo(i);
        }
    }

    @Test
    void nullAndEmptyAreTold() throws CorruptRecordException {
        ByteBuffer batch = KafkaInterop.encodeOurs(List.of(new Rec(T0, null, new byte[0], List.of()),
                new Rec(T0, new byte[0], null, List.of())), Producer.NONE, 7);
        RecordCursor cursor = new RecordCursor().reset(batch);

        assertThat(cursor.next()).isTrue();
        assertThat(cursor.hasKey()).isFalse();
        assertThat(cursor.key()).isNull();
        assertThat(cursor.keyLength()).isEqualTo(-1);
        assertThat(cursor.hasValue()).isTrue();
        assertThat(cursor.value().remaining()).isZero();
        assertThat(cursor.value().isReadOnly()).isTrue();
        assertThat(cursor.offset()).isEqualTo(7);
        assertThat(cursor.next()).isTrue();
        assertThat(cursor.key().remaining()).isZero();
        assertThat(cursor.value()).isNull();
        assertThat(cursor.offset()).isEqualTo(8);
        assertThat(cursor.next()).isFalse();
    }

    @Test
    void headersDecodeOnRequest() throws CorruptRecordException {
        ByteBuffer batch = KafkaInterop.encodeOurs(List.of(new Rec(T0, null, new byte[] {1},
                List.of(new Hdr("one", new byte[] {9}), new Hdr("two", null)))), Producer.NONE, 0);
        RecordCursor cursor = new RecordCursor().reset(batch);
        assertThat(cursor.next()).isTrue();

        assertThat(cursor.headerCount()).isEqualTo(2);
        assertThat(cursor.headers()).containsExactly(Header.of("one", new byte[] {9}), Header.withoutValue("two"));
        assertThat(cursor.headerValue(1)).isNull();
        assertThatThrownBy(() -> cursor.headerKey(2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void controlRecordsAreVisitedAndMarked() throws CorruptRecordException {
        ByteBuffer data = KafkaInterop.encodeOurs(List.of(Rec.of(T0, "k", "v")), Producer.NONE, 0);
        ByteBuffer marker = KafkaInterop.encodeOurs(List.of(Rec.of(T0, "\0\0\0\0", "\0\0\0\0\0\0")), Producer.NONE, 1);
        marker.putShort(RecordBatch.ATTRIBUTES_OFFSET,
                (short) (RecordBatch.attributes(marker, 0) | RecordBatch.CONTROL_MASK));
        marker.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(marker, 0));
        RecordCursor cursor = new RecordCursor().reset(concat(data, marker));

        assertThat(cursor.next()).isTrue();
        assertThat(cursor.isControl()).isFalse();
        assertThat(cursor.next()).isTrue();
        assertThat(cursor.isControl()).isTrue();
        assertThat(cursor.offset()).isEqualTo(1);
    }

    @Test
    void aBatchWithoutRecordsYieldsNothingAndOffsetsGoOnAfterIt() throws CorruptRecordException {
        ByteBuffer first = KafkaInterop.encodeOurs(List.of(Rec.of(T0, "a", "0")), Producer.NONE, 0);
        ByteBuffer gap = RecordBatch.gapBatch(1, 4);
        ByteBuffer after = KafkaInterop.encodeOurs(List.of(Rec.of(T0, "b", "6")), Producer.NONE, 6);
        RecordCursor cursor = new RecordCursor().reset(concat(first, gap, after));

        List<Long> offsets = new ArrayList<>();
        while (cursor.next()) {
            offsets.add(cursor.offset());
        }
        assertThat(offsets).containsExactly(0L, 6L);
        assertThat(cursor.nextOffset()).isEqualTo(7);
    }

    @Test
    void aBatchCutShortAtTheBufferEndIsCorruptAndNamesItsPosition() throws CorruptRecordException {
        ByteBuffer two = batches(mixedRecords(20, new Random(SEED)), 10);
        int second = RecordBatch.sizeInBytes(two, 0);
        RecordCursor cursor = new RecordCursor().reset(two.limit(two.limit() - 5));
        for (int i = 0; i < 10; i++) {
            assertThat(cursor.next()).isTrue();
        }

        assertThatThrownBy(cursor::next).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("at position " + second + " (base offset 10)")
                .hasMessageContaining("runs past the end of the buffer");
        RecordCursor headerCut = new RecordCursor().reset(two.limit(second + 20));
        for (int i = 0; i < 10; i++) {
            headerCut.next();
        }
        assertThatThrownBy(headerCut::next).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("smaller than the 61-byte header");
    }

    @Test
    void aFlippedBitIsACrcMismatch() {
        ByteBuffer batch = batches(mixedRecords(10, new Random(SEED)), 10);
        batch.put(batch.limit() - 3, (byte) (batch.get(batch.limit() - 3) ^ 0x10));

        assertThatThrownBy(() -> walk(new RecordCursor().reset(batch))).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("CRC mismatch").hasMessageContaining("at position 0 (base offset 0)");
    }

    @Test
    void withoutCrcChecksAFlippedBitInAValueIsReadAsItIsOnEveryWalk() throws CorruptRecordException {
        List<Rec> input = mixedRecords(10, new Random(SEED));
        ByteBuffer batch = batches(input, 10);
        int last = batch.limit() - 2; // the last record has no headers (9 % 3 == 0): the end of its value
        batch.put(last, (byte) (batch.get(last) ^ 0x10));
        RecordCursor unchecked = new RecordCursor().checkCrcs(false);

        for (int walk = 0; walk < 2; walk++) { // the choice holds across resets
            List<Seen> seen = walk(unchecked.reset(batch));
            assertThat(seen).hasSize(10);
            assertThat(seen.subList(0, 9)).isEqualTo(KafkaInterop.expected(input, 0).subList(0, 9));
            assertThat(seen.get(9)).isNotEqualTo(KafkaInterop.expected(input, 0).get(9));
        }
        assertThatThrownBy(() -> walk(unchecked.checkCrcs(true).reset(batch))).hasMessageContaining("CRC mismatch");
    }

    @Test
    void batchesWhoseOffsetsDoNotFollowAreCorrupt() {
        ByteBuffer first = KafkaInterop.encodeOurs(List.of(Rec.of(T0, "a", "0")), Producer.NONE, 0);
        ByteBuffer skipped = KafkaInterop.encodeOurs(List.of(Rec.of(T0, "b", "1")), Producer.NONE, 5);

        assertThatThrownBy(() -> walk(new RecordCursor().reset(concat(first, skipped))))
                .isInstanceOf(CorruptRecordException.class).hasMessageContaining("expected 1 to follow");
    }

    @Test
    void aRecordLengthPastTheBatchIsCorrupt() {
        ByteBuffer batch = KafkaInterop.encodeOurs(List.of(Rec.of(T0, "k", "value")), Producer.NONE, 3);
        batch.put(RecordBatch.RECORDS_OFFSET, (byte) 0x7E); // zig-zag 63: longer than the batch
        recomputeCrc(batch);

        assertThatThrownBy(() -> walk(new RecordCursor().reset(batch))).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("(base offset 3)").hasMessageContaining("Record 0 has length 63");
    }

    @Test
    void anOverlongVarintIsCorrupt() {
        ByteBuffer batch = KafkaInterop.encodeOurs(List.of(Rec.of(T0, "key-key", "value")), Producer.NONE, 0);
        for (int i = 0; i < 6; i++) { // the record length's varint, and then the bytes after it
            batch.put(RecordBatch.RECORDS_OFFSET + i, (byte) 0xFF);
        }
        recomputeCrc(batch);

        assertThatThrownBy(() -> walk(new RecordCursor().reset(batch))).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("Varint is longer than 5 bytes");
    }

    /** A header a producer got wrong, its CRC made to match (or outside what the CRC covers). */
    enum HeaderDamage {
        LENGTH_BELOW_MINIMUM("Batch length 5 is below the minimum", b -> b.putInt(RecordBatch.BATCH_LENGTH_OFFSET, 5)),
        /** Compressed, so that no record count can tell the length is short. */
        LENGTH_BELOW_MINIMUM_COMPRESSED("Batch length 5 is below the minimum", CompressionType.GZIP,
                b -> b.putInt(RecordBatch.BATCH_LENGTH_OFFSET, 5)),
        OLD_MAGIC("Unsupported magic 1", b -> b.put(RecordBatch.MAGIC_OFFSET, (byte) 1)),
        UNKNOWN_CODEC("Unknown compression codec id 7", b -> {
            b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) (b.getShort(RecordBatch.ATTRIBUTES_OFFSET) | 7));
            recomputeCrc(b);
        }),
        LAST_DELTA_OFF_COUNT("does not fit last offset delta", b -> {
            b.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, 5);
            recomputeCrc(b);
        }),
        NEGATIVE_COUNT("Record count -2", b -> {
            b.putInt(RecordBatch.RECORD_COUNT_OFFSET, -2);
            recomputeCrc(b);
        }),
        COUNT_BEYOND_THE_BYTES("cannot fit in", b -> {
            b.putInt(RecordBatch.RECORD_COUNT_OFFSET, 1000);
            b.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, 999);
            recomputeCrc(b);
        });

        final String says;
        final CompressionType codec;
        final Consumer<ByteBuffer> damage;

        HeaderDamage(String says, Consumer<ByteBuffer> damage) {
            this(says, CompressionType.NONE, damage);
        }

        HeaderDamage(String says, CompressionType codec, Consumer<ByteBuffer> damage) {
            this.says = says;
            this.codec = codec;
            this.damage = damage;
        }
    }

    /** The cursor's quick check of a header refuses what {@link RecordBatch#validate} refuses, in its words. */
    @ParameterizedTest
    @EnumSource(HeaderDamage.class)
    void aHeaderThatValidateRefusesIsCorruptInValidatesWords(HeaderDamage damage) {
        ByteBuffer batch = KafkaInterop.encodeOurs(List.of(Rec.of(T0, "k", "a value ".repeat(100))), Producer.NONE, 7,
                damage.codec); // long enough to be stored compressed
        assertThat(RecordBatch.compression(batch, 0)).isEqualTo(damage.codec);
        damage.damage.accept(batch);
        assertThatThrownBy(() -> RecordBatch.validate(batch, 0, Integer.MAX_VALUE)).hasMessageContaining(damage.says);

        assertThatThrownBy(() -> walk(new RecordCursor().reset(batch))).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining(damage.says).hasMessageContaining("at position 0 (base offset 7)");
        assertThatThrownBy(() -> walk(new RecordCursor().checkCrcs(false).reset(batch)))
                .isInstanceOf(CorruptRecordException.class).hasMessageContaining(damage.says);
    }

    /** Any byte changed (the CRC made to match) is a good record or a CorruptRecordException, nothing else. */
    @Test
    void damagedFramingIsNeverAnythingButCorruptRecordException() {
        ByteBuffer original = batches(mixedRecords(12, new Random(SEED)), 4);
        Random random = new Random(SEED);
        for (int trial = 0; trial < 3000; trial++) {
            ByteBuffer batch = ByteBuffer.allocate(original.limit()).put(original.duplicate()).flip();
            int at = RecordBatch.RECORDS_OFFSET + random.nextInt(RecordBatch.sizeInBytes(batch, 0)
                    - RecordBatch.RECORDS_OFFSET);
            batch.put(at, (byte) random.nextInt(256));
            walkOrCorrupt(new RecordCursor().checkCrcs(false).reset(batch), trial); // the CRC unchecked: no match needed
            recomputeCrc(batch);
            walkOrCorrupt(new RecordCursor().reset(batch), trial);
        }
    }

    private static void walkOrCorrupt(RecordCursor cursor, int trial) {
        try {
            walk(cursor);
        } catch (CorruptRecordException expected) {
            assertThat(expected.getMessage()).as("trial %d", trial).contains("at position 0");
        }
    }

    @Test
    void walkingRecordsAllocatesNothingPerRecord() throws CorruptRecordException {
        assertAllocatesNothingPerRecord(CompressionType.NONE, 100);
    }

    @Test
    void walkingCompressedRecordsAllocatesNothingPerRecord() throws CorruptRecordException {
        assertAllocatesNothingPerRecord(CompressionType.LZ4, 1000);
    }

    /** Walks 100,000 records twice to warm up, then counts the bytes the third walk allocates. */
    private static void assertAllocatesNothingPerRecord(CompressionType type, int perBatch)
            throws CorruptRecordException {
        List<Rec> input = CompressedBatchBuilderTest.jsonRecords(perBatch, SEED);
        ByteBuffer one = KafkaInterop.encodeOurs(input, Producer.NONE, 0, type);
        int batchCount = 100_000 / perBatch;
        // Direct like a read's buffer; heap when compressed, as the codecs' libraries take arrays.
        ByteBuffer all = type == CompressionType.NONE ? ByteBuffer.allocateDirect(one.remaining() * batchCount)
                : ByteBuffer.allocate(one.remaining() * batchCount);
        for (int b = 0; b < batchCount; b++) {
            ByteBuffer copy = one.duplicate();
            all.put(copy);
            RecordBatch.setBaseOffset(all, all.position() - one.remaining(), (long) b * perBatch);
        }
        all.flip();
        RecordCursor cursor = new RecordCursor();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        long allocated = 0;
        for (int pass = 0; pass < 3; pass++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            cursor.reset(all);
            long records = 0;
            while (cursor.next()) {
                sink += cursor.key().remaining() + cursor.value().get(0) + cursor.offset() + cursor.headerCount();
                records++;
            }
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(records).isEqualTo(100_000);
        }
        assertThat(sink).isNotZero();
        // Resetting and decompressing allocate per walk or per batch; 100,000 records get well under a byte each.
        assertThat(allocated).as("bytes allocated walking 100,000 records").isLessThan(100_000);
    }

    private static void recomputeCrc(ByteBuffer batch) {
        batch.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(batch, 0));
    }

    private static ByteBuffer concat(ByteBuffer... parts) {
        int bytes = 0;
        for (ByteBuffer part : parts) {
            bytes += part.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(bytes);
        for (ByteBuffer part : parts) {
            all.put(part.duplicate());
        }
        return all.flip();
    }
}

package dev.spool.log.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.record.KafkaInterop.Hdr;
import dev.spool.log.record.KafkaInterop.Producer;
import dev.spool.log.record.KafkaInterop.Rec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Batches our {@link BatchBuilder} compresses, read back by Kafka's own classes and by us; the
 * "kept only when smaller" rule; and, where the framing allows it, byte-for-byte equality with the
 * batch Kafka's {@code MemoryRecordsBuilder} writes for the same records.
 */
class CompressedBatchBuilderTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long SEED = 20_240_601L;

    /** A realistic event: about 1 KiB of JSON with repeated field names and varying values. */
    static byte[] jsonEvent(Random random, int i) {
        StringBuilder json = new StringBuilder(1100);
        json.append("{\"eventId\":\"").append(new java.util.UUID(random.nextLong(), random.nextLong()))
                .append("\",\"type\":\"").append(new String[] {"page_view", "click", "purchase", "signup"}[i % 4])
                .append("\",\"timestamp\":").append(T0 + i * 17L)
                .append(",\"user\":{\"id\":").append(random.nextInt(1_000_000))
                .append(",\"country\":\"").append(new String[] {"DE", "US", "FR", "JP", "BR"}[random.nextInt(5)])
                .append("\",\"plan\":\"").append(random.nextBoolean() ? "free" : "pro").append("\"}")
                .append(",\"session\":{\"id\":\"s-").append(Long.toHexString(random.nextLong()))
                .append("\",\"durationMs\":").append(random.nextInt(600_000)).append("}")
                .append(",\"page\":{\"url\":\"https://shop.example.com/products/").append(random.nextInt(5000))
                .append("?ref=newsletter&utm_source=mail\",\"referrer\":\"https://www.example.org/\"}")
                .append(",\"tags\":[");
        while (json.length() < 1000) {
            json.append("\"tag-").append(random.nextInt(50)).append("\",");
        }
        json.setLength(json.length() - 1);
        json.append("]}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    static List<Rec> jsonRecords(int count, long seed) {
        Random random = new Random(seed);
        List<Rec> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(new Rec(T0 + i, ("user-" + (i % 10)).getBytes(StandardCharsets.UTF_8), jsonEvent(random, i),
                    i % 3 == 0 ? List.of(new Hdr("trace-id", ("t" + i).getBytes(StandardCharsets.UTF_8))) : List.of()));
        }
        return records;
    }

    static List<Rec> randomRecords(int count, int valueBytes, long seed) {
        Random random = new Random(seed);
        List<Rec> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] value = new byte[valueBytes];
            random.nextBytes(value);
            records.add(new Rec(T0 + i, null, value, List.of()));
        }
        return records;
    }

    static Compression kafkaDefault(CompressionType type) {
        return switch (type) {
            case GZIP -> Compression.gzip().build();
            case SNAPPY -> Compression.snappy().build();
            case LZ4 -> Compression.lz4().build();
            case ZSTD -> Compression.zstd().build();
            case NONE -> Compression.NONE;
        };
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void kafkaReadsWhatWeCompress(CompressionType type) throws Exception {
        List<Rec> input = jsonRecords(100, SEED);
        Producer producer = new Producer(5L, (short) 1, 10, true);
        ByteBuffer ours = KafkaInterop.encodeOurs(input, producer, 1000L, type);

        MutableRecordBatch kafka = KafkaInterop.kafkaBatch(ours);

        assertThat(RecordBatch.compression(ours, 0)).isEqualTo(type);
        assertThat(kafka.compressionType().id).isEqualTo((byte) type.id());
        assertThat(KafkaInterop.viewByKafka(kafka)).isEqualTo(KafkaInterop.viewByUs(ours, 0));
        assertThat(KafkaInterop.seenByKafka(kafka)).isEqualTo(KafkaInterop.expected(input, 1000L));
        assertThat(KafkaInterop.seenByUs(ours, 0)).isEqualTo(KafkaInterop.expected(input, 1000L));
        assertThat(ours.remaining()).isLessThan(KafkaInterop.encodeOurs(input, producer, 1000L).remaining() / 2);
    }

    /**
     * gzip, snappy and lz4 are deterministic and we frame them exactly as Kafka does (the JDK's gzip
     * header, snappy-java's 32 KiB chunks, Kafka's lz4 frame, even lz4's compressor chosen by level
     * the way Kafka chooses it), so the whole batch, CRC included, is Kafka's. zstd is not: our
     * one-shot frame declares its content size and Kafka's streamed one ends with an empty block,
     * so zstd is checked through the records instead.
     */
    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"GZIP", "SNAPPY", "LZ4"})
    void gzipSnappyAndLz4BatchesAreByteForByteKafkas(CompressionType type) {
        List<Rec> input = jsonRecords(300, SEED); // ~300 KiB: several lz4 blocks and snappy chunks
        ByteBuffer ours = KafkaInterop.encodeOurs(input, Producer.NONE, 0L, type);
        ByteBuffer kafka = KafkaInterop.encodeKafka(input, Producer.NONE, 0L, kafkaDefault(type));

        assertThat(ours).isEqualTo(kafka);
    }

    @Test
    void lz4AtEveryLevelIsByteForByteKafkas() {
        List<Rec> input = jsonRecords(80, SEED);
        for (int level = 1; level <= 17; level++) {
            BatchBuilder builder = builderFor(input).compression(CompressionType.LZ4, level);
            ByteBuffer ours = build(builder, input);
            ByteBuffer kafka = KafkaInterop.encodeKafka(input, Producer.NONE, 0L, Compression.lz4().level(level).build());
            assertThat(ours).as("lz4 level %d", level).isEqualTo(kafka);
        }
    }

    @Test
    void gzipAtEveryLevelIsByteForByteKafkas() {
        List<Rec> input = jsonRecords(40, SEED);
        for (int level = 1; level <= 9; level++) {
            BatchBuilder builder = builderFor(input).compression(CompressionType.GZIP, level);
            ByteBuffer ours = build(builder, input);
            ByteBuffer kafka = KafkaInterop.encodeKafka(input, Producer.NONE, 0L, Compression.gzip().level(level).build());
            assertThat(ours).as("gzip level %d", level).isEqualTo(kafka);
        }
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void incompressibleRecordsAreWrittenUncompressed(CompressionType type) throws Exception {
        List<Rec> input = randomRecords(20, 512, SEED);
        ByteBuffer plain = KafkaInterop.encodeOurs(input, Producer.NONE, 0L);

        ByteBuffer built = KafkaInterop.encodeOurs(input, Producer.NONE, 0L, type);

        assertThat(RecordBatch.compression(built, 0)).isEqualTo(CompressionType.NONE);
        assertThat(built).isEqualTo(plain);
        assertThat(KafkaInterop.seenByKafka(KafkaInterop.kafkaBatch(built))).isEqualTo(KafkaInterop.expected(input, 0L));
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void aTinyBatchThatCompressionWouldGrowIsWrittenUncompressed(CompressionType type) {
        List<Rec> input = List.of(Rec.of(T0, null, "x"));
        ByteBuffer built = KafkaInterop.encodeOurs(input, Producer.NONE, 0L, type);

        assertThat(RecordBatch.compression(built, 0)).isEqualTo(CompressionType.NONE);
        assertThat(built).isEqualTo(KafkaInterop.encodeOurs(input, Producer.NONE, 0L));
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void aReusedBuilderAlternatesBetweenCompressedAndPlainBatches(CompressionType type) throws Exception {
        BatchBuilder builder = new BatchBuilder(256 * 1024).compression(type);
        for (int round = 0; round < 4; round++) {
            boolean compressible = round % 2 == 0;
            List<Rec> input = compressible ? jsonRecords(50 + round, SEED + round) : randomRecords(30, 700, SEED + round);
            builder.reset();
            ByteBuffer built = build(builder, input);
            ByteBuffer copy = ByteBuffer.allocate(built.remaining()).put(built.duplicate()).flip();

            assertThat(RecordBatch.compression(copy, 0)).as("round %d", round)
                    .isEqualTo(compressible ? type : CompressionType.NONE);
            assertThat(builder.sizeInBytes()).isEqualTo(copy.remaining());
            assertThat(KafkaInterop.seenByUs(copy, 0)).isEqualTo(KafkaInterop.expected(input, 0L));
            assertThat(KafkaInterop.seenByKafka(KafkaInterop.kafkaBatch(copy))).isEqualTo(KafkaInterop.expected(input, 0L));
        }
    }

    @Test
    void buildIsIdempotentAndCompressionCannotChangeAfterIt() {
        List<Rec> input = jsonRecords(10, SEED);
        BatchBuilder builder = builderFor(input).compression(CompressionType.ZSTD);
        ByteBuffer first = build(builder, input);
        ByteBuffer second = builder.build();

        assertThat(second).isEqualTo(first);
        assertThat(builder.compression()).isEqualTo(CompressionType.ZSTD);
        assertThatThrownBy(() -> builder.compression(CompressionType.GZIP)).isInstanceOf(IllegalStateException.class);
        builder.reset().compression(CompressionType.NONE);
        assertThat(RecordBatch.compression(build(builder, input), 0)).isEqualTo(CompressionType.NONE);
    }

    @Test
    void levelsOutsideKafkasRangesAreRefused() {
        BatchBuilder builder = new BatchBuilder(4096);
        assertThatThrownBy(() -> builder.compression(CompressionType.GZIP, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gzip level");
        assertThatThrownBy(() -> builder.compression(CompressionType.LZ4, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lz4 level");
        assertThatThrownBy(() -> builder.compression(CompressionType.ZSTD, 23)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zstd level");
        assertThatThrownBy(() -> builder.compression(CompressionType.SNAPPY, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("snappy has no compression levels");
        assertThat(builder.compression(CompressionType.GZIP, 9).compression()).isEqualTo(CompressionType.GZIP);
    }

    /**
     * Not a benchmark: prints each codec's ratio on 100 realistic 1 KiB JSON events (one batch), and
     * checks only that each codec at least halves them, which any of Kafka's codecs does on JSON.
     */
    @Test
    void compressionRatiosOnJsonEvents() {
        List<Rec> input = jsonRecords(100, SEED);
        int plain = KafkaInterop.encodeOurs(input, Producer.NONE, 0L).remaining();
        StringBuilder report = new StringBuilder("Batch of 100 JSON events, " + plain + " bytes plain:");
        for (CompressionType type : List.of(CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4,
                CompressionType.ZSTD)) {
            int compressed = KafkaInterop.encodeOurs(input, Producer.NONE, 0L, type).remaining();
            report.append(String.format(" %s %d bytes (%.2fx);", type, compressed, (double) plain / compressed));
            assertThat(compressed).as(type.toString()).isLessThan(plain / 2);
        }
        System.out.println(report);
    }

    private static BatchBuilder builderFor(List<Rec> input) {
        return new BatchBuilder(input.size() * 1200 + 4096);
    }

    private static ByteBuffer build(BatchBuilder builder, List<Rec> input) {
        for (Rec r : input) {
            Header[] headers = r.headers().stream().map(h -> Header.of(h.key(), h.value())).toArray(Header[]::new);
            builder.append(r.timestamp(), r.key() == null ? null : ByteBuffer.wrap(r.key()),
                    r.value() == null ? null : ByteBuffer.wrap(r.value()), headers);
        }
        return builder.build();
    }

    @Test
    void aDirectBuilderMakesTheSameBytesAsAHeapBuilderAndRefusesACodec() {
        BatchBuilder heap = new BatchBuilder(1 << 16);
        BatchBuilder direct = BatchBuilder.direct(1 << 16);
        Random random = new Random(11);
        for (int i = 0; i < 20; i++) {
            byte[] key = new byte[16];
            byte[] value = new byte[random.nextInt(300)];
            random.nextBytes(key);
            random.nextBytes(value);
            assertThat(heap.tryAppend(1_000L + i, ByteBuffer.wrap(key), ByteBuffer.wrap(value))).isTrue();
            assertThat(direct.tryAppend(1_000L + i, ByteBuffer.wrap(key), ByteBuffer.wrap(value))).isTrue();
        }
        ByteBuffer built = direct.build();
        assertThat(built.isDirect()).isTrue();
        assertThat(built).isEqualTo(heap.build());
        assertThatThrownBy(() -> BatchBuilder.direct(1 << 16).compression(CompressionType.LZ4))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("uncompressed batches only");
    }
}

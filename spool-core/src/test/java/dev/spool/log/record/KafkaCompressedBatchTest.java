package dev.spool.log.record;

import static dev.spool.log.record.KafkaInterop.Hdr;
import static dev.spool.log.record.KafkaInterop.Producer;
import static dev.spool.log.record.KafkaInterop.Rec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.AppendResult;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compressed batches written by Kafka, with every codec at its default level and at the ends of
 * its level range: we decompress them to exactly the records Kafka's producer was given, report
 * their codec, and store them so that what a reader gets back is Kafka's batch byte for byte (only
 * the base offset, which the log assigns, may differ). Kafka then decompresses the stored copy to
 * the original records.
 *
 * <p>snappy, lz4 and zstd load native code (snappy-java, lz4-java, zstd-jni, now dependencies of
 * spool-core itself); a codec whose library cannot load on this machine is skipped with an
 * assumption that says so.
 */
class KafkaCompressedBatchTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    static Stream<Arguments> codecs() {
        return Stream.of(
                Arguments.of(CompressionType.GZIP, Compression.gzip().build()),
                Arguments.of(CompressionType.SNAPPY, Compression.snappy().build()),
                Arguments.of(CompressionType.LZ4, Compression.lz4().build()),
                Arguments.of(CompressionType.ZSTD, Compression.zstd().build()));
    }

    /** Kafka's codecs at the ends of their level ranges: lz4 levels other than 9 use lz4's HC compressor. */
    static Stream<Arguments> codecsAndLevels() {
        return Stream.concat(codecs(), Stream.of(
                Arguments.of(CompressionType.GZIP, Compression.gzip().level(1).build()),
                Arguments.of(CompressionType.GZIP, Compression.gzip().level(9).build()),
                Arguments.of(CompressionType.LZ4, Compression.lz4().level(1).build()),
                Arguments.of(CompressionType.LZ4, Compression.lz4().level(17).build()),
                Arguments.of(CompressionType.ZSTD, Compression.zstd().level(-5).build()),
                Arguments.of(CompressionType.ZSTD, Compression.zstd().level(19).build())));
    }

    private static List<Rec> input() {
        List<Rec> records = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            records.add(Rec.of(T0 + (i % 7 == 0 ? -i : i), i % 5 == 0 ? null : "key-" + i,
                    i % 11 == 0 ? null : "a fairly compressible value, number " + i,
                    new Hdr("h", i % 2 == 0 ? null : new byte[] {(byte) i})));
        }
        return records;
    }

    private static ByteBuffer encodeOrSkip(CompressionType ours, Compression kafka, List<Rec> input,
                                           Producer producer) {
        try {
            return KafkaInterop.encodeKafka(input, producer, 0L, kafka);
        } catch (LinkageError | RuntimeException e) {
            Assumptions.assumeTrue(false, ours + " codec is not usable on this test classpath (its native library "
                    + "from kafka-clients' dependencies did not load: " + e + "); skipping its cross-check");
            throw e;
        }
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("codecsAndLevels")
    void weAcceptKafkaCompressedBatchesAndReportTheirCodec(CompressionType ours, Compression kafka) throws Exception {
        Producer producer = new Producer(77L, (short) 2, 1000, true);
        ByteBuffer bytes = encodeOrSkip(ours, kafka, input(), producer);
        MutableRecordBatch kafkaBatch = KafkaInterop.kafkaBatch(bytes);

        RecordBatch.validate(bytes, 0, Integer.MAX_VALUE);

        assertThat(RecordBatch.compression(bytes, 0)).isEqualTo(ours);
        assertThat(kafkaBatch.compressionType().id).isEqualTo((byte) ours.id());
        assertThat(KafkaInterop.viewByUs(bytes, 0)).isEqualTo(KafkaInterop.viewByKafka(kafkaBatch));
        assertThat(RecordBatch.attributes(bytes, 0) & 0x07).isEqualTo(ours.id());
        assertThat(RecordBatch.isTransactional(bytes, 0)).isTrue();
        assertThat(RecordBatch.recordCount(bytes, 0)).isEqualTo(200);
        assertThat(KafkaInterop.seenByKafka(kafkaBatch)).isEqualTo(KafkaInterop.expected(input(), 0L));
        assertThat(KafkaInterop.seenByUs(bytes, 0)).isEqualTo(KafkaInterop.expected(input(), 0L));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("codecsAndLevels")
    void weDecodeKafkaBatchesOfLargeRecordsSpanningManyCompressionBlocks(CompressionType ours, Compression kafka)
            throws Exception {
        // 64 records of 8 KiB: 512 KiB of records, so lz4 writes 64 KiB blocks and snappy 32 KiB chunks.
        java.util.Random random = new java.util.Random(4242);
        List<Rec> input = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            byte[] value = new byte[8192];
            for (int b = 0; b < value.length; b++) {
                value[b] = (byte) ('a' + random.nextInt(i % 2 == 0 ? 4 : 26)); // compressible, not trivially
            }
            input.add(new Rec(T0 + i, ("k" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8), value, List.of()));
        }
        ByteBuffer bytes = encodeOrSkip(ours, kafka, input, Producer.NONE);
        assertThat(RecordBatch.compression(bytes, 0)).isEqualTo(ours);

        assertThat(KafkaInterop.seenByUs(bytes, 0)).isEqualTo(KafkaInterop.expected(input, 0L));
        assertThatThrownBy(() -> RecordBatch.records(bytes, 0, 500_000))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining(ours + "-compressed records")
                .hasMessageContaining("500000");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecs")
    void logStoresKafkaCompressedBatchesByteForByte(CompressionType ours, Compression kafka) throws Exception {
        ByteBuffer compressed = encodeOrSkip(ours, kafka, input(), Producer.NONE);
        ByteBuffer original = compressed.duplicate();
        byte[] originalBytes = new byte[original.remaining()];
        original.get(originalBytes);
        ByteBuffer first = KafkaInterop.encodeOurs(List.of(Rec.of(T0, "a", "b"), Rec.of(T0, "c", "d")),
                Producer.NONE, 0L);

        try (Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown())) {
            log.append(first);
            AppendResult appended = log.append(compressed);
            assertThat(appended.firstOffset()).isEqualTo(2L);
            assertThat(appended.lastOffset()).isEqualTo(201L);
            assertSameExceptBaseOffset(log.read(2L, Integer.MAX_VALUE).batches(), originalBytes, 2L);
        }
        // And once more after a reopen that has to scan (and CRC-check) the segment.
        try (Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(202L);
            assertSameExceptBaseOffset(log.read(100L, Integer.MAX_VALUE).batches(), originalBytes, 2L);
        }
    }

    private static void assertSameExceptBaseOffset(ByteBuffer read, byte[] original, long expectedBase) {
        assertThat(read.remaining()).isEqualTo(original.length);
        byte[] readBytes = new byte[read.remaining()];
        read.duplicate().get(readBytes);
        assertThat(RecordBatch.baseOffset(read, read.position())).isEqualTo(expectedBase);
        assertThat(java.util.Arrays.copyOfRange(readBytes, 8, readBytes.length))
                .as("bytes after the base offset, attributes included")
                .isEqualTo(java.util.Arrays.copyOfRange(original, 8, original.length));
        MutableRecordBatch kafkaBatch = KafkaInterop.kafkaBatch(read);
        assertThat(KafkaInterop.seenByKafka(kafkaBatch)).isEqualTo(KafkaInterop.expected(input(), expectedBase));
    }
}

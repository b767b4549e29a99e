package dev.spool.log.record;

import static dev.spool.log.record.KafkaInterop.Hdr;
import static dev.spool.log.record.KafkaInterop.Producer;
import static dev.spool.log.record.KafkaInterop.Rec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.record.KafkaInterop.BatchView;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our codec against Kafka's, both directions, on hand-picked batches that each stress one part
 * of the format: every batch our {@link BatchBuilder} writes must pass Kafka's
 * {@code ensureValid()} and decode to the same fields, and every uncompressed batch Kafka's
 * {@code MemoryRecordsBuilder} writes must pass our {@code validate}/{@code validateRecords} and
 * decode to the same fields. For the same input both encoders must produce the same bytes.
 */
class KafkaCrossCheckTest {
    private static final long BASE_OFFSET = 1_234_567L;
    private static final long T0 = 1_700_000_000_000L;

    static Stream<Arguments> cases() {
        byte[] kib = new byte[100 * 1024];
        new Random(7).nextBytes(kib);
        List<Rec> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(Rec.of(T0 + i * 37L, i % 3 == 0 ? null : "k" + i, "value-" + i));
        }
        return Stream.of(
                Arguments.of("one record", List.of(Rec.of(T0, "k", "v")), Producer.NONE),
                Arguments.of("keys and values", List.of(Rec.of(T0, "alpha", "one"), Rec.of(T0 + 1, "beta", "two"),
                        Rec.of(T0 + 2, "gamma", "three")), Producer.NONE),
                Arguments.of("null key, null value, empty value, empty key", List.of(
                        Rec.of(T0, null, "no key"), Rec.of(T0, "tombstone", null), Rec.of(T0, "empty", ""),
                        Rec.of(T0, "", "empty key"), Rec.of(T0, null, null)), Producer.NONE),
                Arguments.of("headers: null value, empty value, UTF-8 keys, repeated keys", List.of(
                        Rec.of(T0, "k", "v", new Hdr("trace-id", "abc".getBytes(StandardCharsets.UTF_8)),
                                new Hdr("no-value", null), new Hdr("empty", new byte[0])),
                        Rec.of(T0 + 5, null, "v2", new Hdr("κλειδί-🔑-日本語", new byte[] {0, -1, 127}),
                                new Hdr("dup", new byte[] {1}), new Hdr("dup", new byte[] {2}), new Hdr("", null)),
                        Rec.of(T0 + 6, "no headers", "v3")), Producer.NONE),
                Arguments.of("idempotent producer", List.of(Rec.of(T0, "a", "1"), Rec.of(T0 + 1, "b", "2")),
                        new Producer(4711L, (short) 3, 100, false)),
                Arguments.of("transactional producer", List.of(Rec.of(T0, "a", "1"), Rec.of(T0 + 1, null, null)),
                        new Producer(9_000_000_000L, (short) 32_000, Integer.MAX_VALUE - 1, true)),
                Arguments.of("timestamps going backwards", List.of(Rec.of(T0, "a", "1"), Rec.of(T0 - 60_000, "b", "2"),
                        Rec.of(T0 + 5, "c", "3"), Rec.of(0, "d", "4"), Rec.of(T0 + 1, "e", "5")), Producer.NONE),
                Arguments.of("first record is not the newest", List.of(Rec.of(T0 + 999, "a", "1"),
                        Rec.of(T0, "b", "2")), Producer.NONE),
                Arguments.of("NO_TIMESTAMP (-1) records", List.of(Rec.of(-1, "a", "1"), Rec.of(-1, "b", "2")),
                        Producer.NONE),
                Arguments.of("1000 records", many, Producer.NONE),
                Arguments.of("100 KiB value with multi-byte varint lengths", List.of(
                        new Rec(T0, new byte[300], kib, List.of(new Hdr("h", new byte[200]))),
                        Rec.of(T0, "small", "x")), new Producer(1L, (short) 0, 0, false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void kafkaReadsWhatWeWrite(String name, List<Rec> input, Producer producer) {
        ByteBuffer ours = KafkaInterop.encodeOurs(input, producer, BASE_OFFSET);

        MutableRecordBatch kafka = KafkaInterop.kafkaBatch(ours);

        assertThat(KafkaInterop.viewByKafka(kafka)).isEqualTo(expectedView(input, producer, ours));
        assertThat(kafka.checksum()).isEqualTo(RecordBatch.computeCrc(ours, 0));
        assertThat(kafka.nextOffset()).isEqualTo(BASE_OFFSET + input.size());
        assertThat(kafka.lastSequence()).isEqualTo(producer.baseSequence() == RecordBatch.NO_SEQUENCE
                ? RecordBatch.NO_SEQUENCE : producer.baseSequence() + input.size() - 1);
        assertThat(kafka.deleteHorizonMs()).isEmpty();
        assertThat(KafkaInterop.seenByKafka(kafka)).isEqualTo(KafkaInterop.expected(input, BASE_OFFSET));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void weReadWhatKafkaWrites(String name, List<Rec> input, Producer producer) throws Exception {
        ByteBuffer kafka = KafkaInterop.encodeKafka(input, producer, BASE_OFFSET, Compression.NONE);

        assertThat(KafkaInterop.seenByUs(kafka, 0)).isEqualTo(KafkaInterop.expected(input, BASE_OFFSET));
        assertThat(KafkaInterop.viewByUs(kafka, 0)).isEqualTo(expectedView(input, producer, kafka));
        assertThat(RecordBatch.storedCrc(kafka, 0)).isEqualTo(RecordBatch.computeCrc(kafka, 0));
        assertThat(RecordBatch.compression(kafka, 0)).isEqualTo(CompressionType.NONE);
    }

    /**
     * For the same input, producer fields, base offset and leader epoch (-1), our batch equals
     * Kafka's byte for byte: no field is left for a difference to hide in.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ourBytesEqualKafkaBytes(String name, List<Rec> input, Producer producer) {
        ByteBuffer ours = KafkaInterop.encodeOurs(input, producer, 0L);
        ByteBuffer kafka = KafkaInterop.encodeKafka(input, producer, 0L, Compression.NONE);

        assertThat(hex(ours)).isEqualTo(hex(kafka));
    }

    @Test
    void kafkaAcceptsOurBatchAfterTheLeaderEpochIsStamped() {
        ByteBuffer ours = KafkaInterop.encodeOurs(List.of(Rec.of(T0, "k", "v")), Producer.NONE, 5L);
        RecordBatch.setPartitionLeaderEpoch(ours, 0, 17);

        MutableRecordBatch kafka = KafkaInterop.kafkaBatch(ours);

        assertThat(kafka.partitionLeaderEpoch()).isEqualTo(17);
        assertThat(kafka.baseOffset()).isEqualTo(5L);
    }

    @Test
    void kafkaStampingOffsetAndEpochKeepsOurCrcValid() throws Exception {
        ByteBuffer kafkaBytes = KafkaInterop.encodeKafka(List.of(Rec.of(T0, "k", "v")), Producer.NONE, 0L,
                Compression.NONE);
        MutableRecordBatch kafka = KafkaInterop.kafkaBatch(kafkaBytes);
        // Kafka's batch is a view over a duplicate of our buffer's content; stamp through it and re-read.
        ByteBuffer stamped = ByteBuffer.allocate(kafka.sizeInBytes());
        kafka.setLastOffset(99L);
        kafka.setPartitionLeaderEpoch(3);
        kafka.writeTo(stamped);
        stamped.flip();

        RecordBatch.validate(stamped, 0, Integer.MAX_VALUE);
        assertThat(RecordBatch.baseOffset(stamped, 0)).isEqualTo(99L);
        assertThat(RecordBatch.partitionLeaderEpoch(stamped, 0)).isEqualTo(3);
    }

    private static BatchView expectedView(List<Rec> input, Producer producer, ByteBuffer bytes) {
        return new BatchView(BASE_OFFSET, BASE_OFFSET + input.size() - 1, RecordBatch.NO_PARTITION_LEADER_EPOCH,
                (byte) 2, RecordBatch.computeCrc(bytes, 0), 0, true, producer.transactional(), false, producer.id(),
                producer.epoch(), producer.baseSequence(), KafkaInterop.maxTimestamp(input), input.size(),
                bytes.remaining());
    }

    private static String hex(ByteBuffer bytes) {
        byte[] copy = new byte[bytes.remaining()];
        bytes.duplicate().get(copy);
        return HexFormat.of().formatHex(copy);
    }
}

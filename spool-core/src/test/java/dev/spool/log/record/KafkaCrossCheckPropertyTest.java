package dev.spool.log.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.record.KafkaInterop.Hdr;
import dev.spool.log.record.KafkaInterop.Producer;
import dev.spool.log.record.KafkaInterop.Rec;
import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MutableRecordBatch;

/**
 * Random batches through both codecs. jqwik prints the seed of a failing run (and stores it in
 * {@code .jqwik-database}); replay one with {@code @Property(seed = "…")}.
 */
class KafkaCrossCheckPropertyTest {
    private static final String[] HEADER_KEY_PREFIXES = {"", "trace-id", "κλειδί", "🔑", "日本語", "ключ"};

    @Property(tries = 150, shrinking = ShrinkingMode.BOUNDED)
    void kafkaReadsWhatWeWrite(@ForAll("records") List<Rec> input, @ForAll("producers") Producer producer,
                               @ForAll("baseOffsets") long baseOffset) {
        ByteBuffer ours = KafkaInterop.encodeOurs(input, producer, baseOffset);

        MutableRecordBatch kafka = KafkaInterop.kafkaBatch(ours);

        assertThat(KafkaInterop.viewByKafka(kafka)).isEqualTo(KafkaInterop.viewByUs(ours, 0));
        assertThat(kafka.baseOffset()).isEqualTo(baseOffset);
        assertThat(kafka.lastOffset()).isEqualTo(baseOffset + input.size() - 1);
        assertThat(kafka.maxTimestamp()).isEqualTo(KafkaInterop.maxTimestamp(input));
        assertThat(kafka.producerId()).isEqualTo(producer.id());
        assertThat(kafka.isTransactional()).isEqualTo(producer.transactional());
        assertThat(KafkaInterop.seenByKafka(kafka)).isEqualTo(KafkaInterop.expected(input, baseOffset));
    }

    @Property(tries = 150, shrinking = ShrinkingMode.BOUNDED)
    void weReadWhatKafkaWrites(@ForAll("records") List<Rec> input, @ForAll("producers") Producer producer,
                               @ForAll("baseOffsets") long baseOffset) throws Exception {
        ByteBuffer kafka = KafkaInterop.encodeKafka(input, producer, baseOffset, Compression.NONE);

        assertThat(KafkaInterop.seenByUs(kafka, 0)).isEqualTo(KafkaInterop.expected(input, baseOffset));
        assertThat(KafkaInterop.viewByUs(kafka, 0)).isEqualTo(KafkaInterop.viewByKafka(KafkaInterop.kafkaBatch(kafka)));
        assertThat(RecordBatch.maxTimestamp(kafka, 0)).isEqualTo(KafkaInterop.maxTimestamp(input));
    }

    @Property(tries = 150, shrinking = ShrinkingMode.BOUNDED)
    void bothEncodersWriteTheSameBytes(@ForAll("records") List<Rec> input, @ForAll("producers") Producer producer) {
        ByteBuffer ours = KafkaInterop.encodeOurs(input, producer, 0L);
        ByteBuffer kafka = KafkaInterop.encodeKafka(input, producer, 0L, Compression.NONE);

        assertThat(ours).isEqualTo(kafka);
    }

    @Provide
    Arbitrary<List<Rec>> records() {
        Arbitrary<byte[]> bytes = Arbitraries.frequencyOf(List.of(
                weight(1, Arbitraries.<byte[]>just(null)),
                weight(1, Arbitraries.just(new byte[0])),
                weight(6, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)),
                weight(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(4096))));
        Arbitrary<String> headerKeys = Combinators.combine(Arbitraries.of(HEADER_KEY_PREFIXES),
                Arbitraries.strings().alpha().numeric().ofMaxLength(8)).as(String::concat);
        Arbitrary<Hdr> headers = Combinators.combine(headerKeys, bytes).as(Hdr::new);
        Arbitrary<Long> timestamps = Arbitraries.frequencyOf(List.of(
                weight(1, Arbitraries.just(-1L)), // Kafka's NO_TIMESTAMP
                weight(1, Arbitraries.longs().between(0, 10)),
                weight(8, Arbitraries.longs().between(1_600_000_000_000L, 1_800_000_000_000L)),
                weight(1, Arbitraries.longs().between(0, Long.MAX_VALUE / 2))));
        Arbitrary<Rec> record = Combinators.combine(timestamps, bytes, bytes, headers.list().ofMaxSize(3))
                .as(Rec::new);
        return Arbitraries.frequencyOf(List.of(
                weight(8, record.list().ofMinSize(1).ofMaxSize(20)),
                weight(1, record.list().ofMinSize(1).ofMaxSize(500))));
    }

    @Provide
    Arbitrary<Producer> producers() {
        Arbitrary<Producer> idempotent = Combinators.combine(Arbitraries.longs().between(0, Long.MAX_VALUE),
                Arbitraries.shorts().between((short) 0, Short.MAX_VALUE),
                Arbitraries.integers().between(0, Integer.MAX_VALUE - 1000), Arbitraries.of(true, false))
                .as(Producer::new);
        return Arbitraries.oneOf(Arbitraries.just(Producer.NONE), idempotent);
    }

    @Provide
    Arbitrary<Long> baseOffsets() {
        return Arbitraries.oneOf(Arbitraries.just(0L), Arbitraries.longs().between(0, Long.MAX_VALUE / 2));
    }

    private static <T> Tuple2<Integer, Arbitrary<T>> weight(int weight, Arbitrary<T> arbitrary) {
        return Tuple.of(weight, arbitrary);
    }
}

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
import net.jqwik.api.statistics.Statistics;

/**
 * Random batches through every codec, both ways: what our builder compresses decodes, with us and
 * with Kafka, to exactly the records given, and carries the codec exactly when that made it
 * smaller; what Kafka compresses decodes with us to the same records. Values mix random bytes
 * (incompressible) with text from a small alphabet (compressible), so both outcomes of "kept only
 * when smaller" are exercised. jqwik prints the seed of a failing run.
 */
class CompressionRoundTripPropertyTest {

    @Property(tries = 200, shrinking = ShrinkingMode.BOUNDED)
    void ourCompressedBatchesRoundTrip(@ForAll("codecs") CompressionType type, @ForAll("records") List<Rec> input,
                                       @ForAll("baseOffsets") long baseOffset) throws Exception {
        ByteBuffer plain = KafkaInterop.encodeOurs(input, Producer.NONE, baseOffset);
        ByteBuffer ours = KafkaInterop.encodeOurs(input, Producer.NONE, baseOffset, type);

        List<KafkaInterop.Seen> expected = KafkaInterop.expected(input, baseOffset);
        assertThat(KafkaInterop.seenByUs(ours, 0)).isEqualTo(expected);
        assertThat(KafkaInterop.seenByKafka(KafkaInterop.kafkaBatch(ours))).isEqualTo(expected);
        boolean kept = RecordBatch.compression(ours, 0) != CompressionType.NONE;
        Statistics.collect(kept ? "compressed" : "plain");
        Statistics.coverage(coverage -> {
            coverage.check("compressed").count(n -> n >= 20);
            coverage.check("plain").count(n -> n >= 20);
        });
        if (!kept) {
            assertThat(ours).isEqualTo(plain);
        } else {
            assertThat(RecordBatch.compression(ours, 0)).isEqualTo(type);
            assertThat(ours.remaining()).isLessThan(plain.remaining());
        }
        // The plain records section is the most the batch can decompress to, and is enough.
        assertThat(RecordBatch.records(ours, 0, plain.remaining() - RecordBatch.RECORDS_OFFSET)).hasSize(input.size());
    }

    @Property(tries = 200, shrinking = ShrinkingMode.BOUNDED)
    void kafkasCompressedBatchesDecode(@ForAll("codecs") CompressionType type, @ForAll("records") List<Rec> input,
                                       @ForAll("baseOffsets") long baseOffset) throws Exception {
        ByteBuffer kafka = KafkaInterop.encodeKafka(input, Producer.NONE, baseOffset,
                CompressedBatchBuilderTest.kafkaDefault(type));

        assertThat(RecordBatch.compression(kafka, 0)).isEqualTo(type); // Kafka keeps the codec even when it grows
        assertThat(KafkaInterop.seenByUs(kafka, 0)).isEqualTo(KafkaInterop.expected(input, baseOffset));
    }

    @Provide
    Arbitrary<CompressionType> codecs() {
        return Arbitraries.of(CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD);
    }

    @Provide
    Arbitrary<List<Rec>> records() {
        Arbitrary<byte[]> randomBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<byte[]> text = Arbitraries.strings().withChars("{}\":,abc ").ofMaxLength(3000)
                .map(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Arbitrary<byte[]> bytes = Arbitraries.frequencyOf(List.of(
                Tuple.of(1, Arbitraries.<byte[]>just(null)),
                Tuple.of(3, randomBytes),
                Tuple.of(5, text)));
        Arbitrary<Hdr> headers = Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(6), bytes).as(Hdr::new);
        Arbitrary<Long> timestamps = Arbitraries.longs().between(1_600_000_000_000L, 1_800_000_000_000L);
        Arbitrary<Rec> record = Combinators.combine(timestamps, bytes, bytes, headers.list().ofMaxSize(2)).as(Rec::new);
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(6, record.list().ofMinSize(1).ofMaxSize(10)),
                Tuple.of(1, record.list().ofMinSize(1).ofMaxSize(200))));
    }

    @Provide
    Arbitrary<Long> baseOffsets() {
        return Arbitraries.oneOf(Arbitraries.just(0L), Arbitraries.longs().between(0, Long.MAX_VALUE / 2));
    }
}

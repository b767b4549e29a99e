package dev.spool.log.fuzz;

import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.Header;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The valid inputs a mutation fuzzer starts from: record batches of every codec, with keys,
 * values and headers that are absent, random, or compressible text (so the compressed form is
 * kept and the decompressors see real streams).
 */
final class ValidInputs {
    static final long T0 = 1_700_000_000_000L;

    private ValidInputs() {
    }

    /** A record as the builder takes it; null key or value is Kafka's null. */
    record Spec(long timestampDelta, byte[] key, byte[] value, List<Header> headers) {
    }

    static Arbitrary<byte[]> fieldBytes() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        Arbitrary<byte[]> text = Arbitraries.strings().withChars("ab{}\":, ").ofMaxLength(400)
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.<byte[]>just(null)), Tuple.of(2, random),
                Tuple.of(4, text));
    }

    static Arbitrary<List<Spec>> records() {
        Arbitrary<Header> header = Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(5), fieldBytes())
                .as((key, value) -> value == null ? Header.withoutValue(key) : Header.of(key, value));
        return Combinators.combine(Arbitraries.longs().between(0, 5000), fieldBytes(), fieldBytes(),
                header.list().ofMaxSize(2)).as(Spec::new).list().ofMinSize(1).ofMaxSize(12);
    }

    static Arbitrary<CompressionType> codecs() {
        return Arbitraries.of(CompressionType.class);
    }

    /** One batch of {@code records}, compressed with {@code codec} when that makes it smaller, at {@code baseOffset}. */
    static byte[] batch(List<Spec> records, CompressionType codec, long baseOffset) {
        BatchBuilder builder = new BatchBuilder(1 << 20).compression(codec);
        for (Spec spec : records) {
            builder.append(T0 + spec.timestampDelta(), wrap(spec.key()), wrap(spec.value()),
                    spec.headers().toArray(new Header[0]));
        }
        ByteBuffer built = builder.build();
        byte[] bytes = new byte[built.remaining()];
        built.duplicate().get(bytes);
        RecordBatch.setBaseOffset(ByteBuffer.wrap(bytes), 0, baseOffset);
        return bytes;
    }

    private static ByteBuffer wrap(byte[] bytes) {
        return bytes == null ? null : ByteBuffer.wrap(bytes);
    }

    /**
     * Recomputes the CRC of every batch whose length still fits in {@code bytes}, walking from
     * the start: what a hostile writer (or a bug that computes the CRC after the damage) does, so
     * that the damage reaches the record framing and the decompressors instead of stopping at
     * the checksum.
     */
    static void fixCrcs(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int at = 0;
        while (bytes.length - at >= RecordBatch.HEADER_BYTES) {
            int length = RecordBatch.batchLength(buffer, at);
            if (length < RecordBatch.BATCH_LENGTH_MIN || (long) at + RecordBatch.LOG_OVERHEAD_BYTES + length > bytes.length) {
                return;
            }
            buffer.putInt(at + RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(buffer, at));
            at += RecordBatch.LOG_OVERHEAD_BYTES + length;
        }
    }
}

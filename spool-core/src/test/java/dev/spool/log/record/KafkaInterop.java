package dev.spool.log.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;

/**
 * Test helper for the Kafka cross-check: one neutral description of a batch's input
 * ({@link Input}), encoders for both sides (ours and Kafka's {@link MemoryRecordsBuilder}) and
 * decoders that reduce each side's view of a batch to plain values ({@link Seen}, {@link BatchView})
 * so that AssertJ can compare them field for field and print a readable difference.
 */
public final class KafkaInterop {
    private KafkaInterop() {
    }

    /** A header as the producer gave it; {@code value} may be null. */
    public record Hdr(String key, byte[] value) {
    }

    /** A record as the producer gave it; {@code key} and {@code value} may be null. */
    public record Rec(long timestamp, byte[] key, byte[] value, List<Hdr> headers) {
        public static Rec of(long timestamp, String key, String value, Hdr... headers) {
            return new Rec(timestamp, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    value == null ? null : value.getBytes(StandardCharsets.UTF_8), List.of(headers));
        }
    }

    /** Producer fields of a batch; {@link #NONE} for a plain producer. */
    public record Producer(long id, short epoch, int baseSequence, boolean transactional) {
        public static final Producer NONE = new Producer(RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH,
                RecordBatch.NO_SEQUENCE, false);
    }

    /** One decoded record reduced to comparable values: hex for bytes, "null" for absent. */
    public record Seen(long offset, long timestamp, String key, String value, List<String> headers) {
    }

    /** A batch header reduced to comparable values. */
    public record BatchView(long baseOffset, long lastOffset, int partitionLeaderEpoch, byte magic, long crc,
                            int compressionId, boolean createTime, boolean transactional, boolean control,
                            long producerId, short producerEpoch, int baseSequence, long maxTimestamp,
                            int recordCount, int sizeInBytes) {
    }

    static String hex(byte[] bytes) {
        return bytes == null ? "null" : "0x" + HexFormat.of().formatHex(bytes);
    }

    static String hex(ByteBuffer bytes) {
        if (bytes == null) {
            return "null";
        }
        byte[] copy = new byte[bytes.remaining()];
        bytes.duplicate().get(copy);
        return hex(copy);
    }

    /** What a correct decoder must see for {@code input} when the batch's base offset is {@code baseOffset}. */
    public static List<Seen> expected(List<Rec> input, long baseOffset) {
        List<Seen> out = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            Rec r = input.get(i);
            List<String> headers = r.headers().stream().map(h -> h.key() + "=" + hex(h.value())).toList();
            out.add(new Seen(baseOffset + i, r.timestamp(), hex(r.key()), hex(r.value()), headers));
        }
        return out;
    }

    /** Encodes with our {@link BatchBuilder}, stamps {@code baseOffset}, returns a copy of exactly the batch. */
    public static ByteBuffer encodeOurs(List<Rec> input, Producer producer, long baseOffset) {
        return encodeOurs(input, producer, baseOffset, CompressionType.NONE);
    }

    /** As {@link #encodeOurs(List, Producer, long)}, with the builder's compression set to {@code compression}. */
    public static ByteBuffer encodeOurs(List<Rec> input, Producer producer, long baseOffset,
                                        CompressionType compression) {
        int bytes = RecordBatch.HEADER_BYTES;
        for (Rec r : input) {
            bytes += 64 + length(r.key()) + length(r.value());
            for (Hdr h : r.headers()) {
                bytes += 16 + h.key().getBytes(StandardCharsets.UTF_8).length + length(h.value());
            }
        }
        BatchBuilder builder = new BatchBuilder(bytes);
        builder.producer(producer.id(), producer.epoch(), producer.baseSequence())
                .transactional(producer.transactional())
                .compression(compression);
        for (Rec r : input) {
            Header[] headers = r.headers().stream()
                    .map(h -> h.value() == null ? Header.withoutValue(h.key()) : Header.of(h.key(), h.value()))
                    .toArray(Header[]::new);
            builder.append(r.timestamp(), r.key() == null ? null : ByteBuffer.wrap(r.key()),
                    r.value() == null ? null : ByteBuffer.wrap(r.value()), headers);
        }
        ByteBuffer built = builder.build();
        ByteBuffer copy = ByteBuffer.allocate(built.remaining());
        copy.put(built).flip();
        RecordBatch.setBaseOffset(copy, 0, baseOffset);
        return copy;
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    /** Encodes with Kafka's {@link MemoryRecordsBuilder} (magic 2, CreateTime, leader epoch -1). */
    public static ByteBuffer encodeKafka(List<Rec> input, Producer producer, long baseOffset, Compression compression) {
        ByteBuffer out = ByteBuffer.allocate(1024);
        MemoryRecordsBuilder builder = MemoryRecords.builder(out, org.apache.kafka.common.record.internal.RecordBatch.MAGIC_VALUE_V2,
                compression, TimestampType.CREATE_TIME, baseOffset, org.apache.kafka.common.record.internal.RecordBatch.NO_TIMESTAMP,
                producer.id(), producer.epoch(), producer.baseSequence(), producer.transactional(),
                RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (Rec r : input) {
            org.apache.kafka.common.header.Header[] headers = r.headers().stream()
                    .map(h -> new RecordHeader(h.key(), h.value()))
                    .toArray(org.apache.kafka.common.header.Header[]::new);
            builder.append(r.timestamp(), r.key(), r.value(), headers);
        }
        ByteBuffer built = builder.build().buffer();
        ByteBuffer copy = ByteBuffer.allocate(built.remaining());
        copy.put(built.duplicate()).flip();
        return copy;
    }

    /** The one batch Kafka finds in {@code bytes}, after Kafka's own {@code ensureValid()}. */
    public static MutableRecordBatch kafkaBatch(ByteBuffer bytes) {
        List<MutableRecordBatch> batches = new ArrayList<>();
        MemoryRecords.readableRecords(bytes.duplicate()).batches().forEach(batches::add);
        assertThat(batches).as("batches Kafka finds").hasSize(1);
        MutableRecordBatch batch = batches.get(0);
        assertThat(batch.isValid()).as("Kafka isValid()").isTrue();
        batch.ensureValid();
        return batch;
    }

    public static BatchView viewByKafka(org.apache.kafka.common.record.internal.RecordBatch batch) {
        return new BatchView(batch.baseOffset(), batch.lastOffset(), batch.partitionLeaderEpoch(), batch.magic(),
                batch.checksum(), batch.compressionType().id, batch.timestampType() == TimestampType.CREATE_TIME,
                batch.isTransactional(), batch.isControlBatch(), batch.producerId(), batch.producerEpoch(),
                batch.baseSequence(), batch.maxTimestamp(), batch.countOrNull(), batch.sizeInBytes());
    }

    public static BatchView viewByUs(ByteBuffer bytes, int at) {
        return new BatchView(RecordBatch.baseOffset(bytes, at), RecordBatch.lastOffset(bytes, at),
                RecordBatch.partitionLeaderEpoch(bytes, at), RecordBatch.magic(bytes, at),
                RecordBatch.storedCrc(bytes, at), RecordBatch.compression(bytes, at).id(),
                RecordBatch.timestampType(bytes, at) == dev.spool.log.record.TimestampType.CREATE_TIME,
                RecordBatch.isTransactional(bytes, at), RecordBatch.isControl(bytes, at),
                RecordBatch.producerId(bytes, at), RecordBatch.producerEpoch(bytes, at),
                RecordBatch.baseSequence(bytes, at), RecordBatch.maxTimestamp(bytes, at),
                RecordBatch.recordCount(bytes, at), RecordBatch.sizeInBytes(bytes, at));
    }

    public static List<Seen> seenByKafka(org.apache.kafka.common.record.internal.RecordBatch batch) {
        List<Seen> out = new ArrayList<>();
        for (org.apache.kafka.common.record.internal.Record r : batch) {
            r.ensureValid();
            List<String> headers = Arrays.stream(r.headers()).map(h -> h.key() + "=" + hex(h.value())).toList();
            out.add(new Seen(r.offset(), r.timestamp(), r.hasKey() ? hex(r.key()) : "null",
                    r.hasValue() ? hex(r.value()) : "null", headers));
        }
        return out;
    }

    /** Our view of the batch at {@code at}, after our own {@code validate} and {@code validateRecords}. */
    public static List<Seen> seenByUs(ByteBuffer bytes, int at) throws CorruptRecordException {
        RecordBatch.validate(bytes, at, Integer.MAX_VALUE);
        RecordBatch.validateRecords(bytes, at);
        List<Seen> out = new ArrayList<>();
        for (Record r : RecordBatch.records(bytes, at)) {
            List<String> headers = r.headers().stream()
                    .map(h -> h.key() + "=" + (h.hasValue() ? hex(h.value()) : "null")).toList();
            out.add(new Seen(r.offset(), r.timestamp(), r.key().map(KafkaInterop::hex).orElse("null"),
                    r.value().map(KafkaInterop::hex).orElse("null"), headers));
        }
        return out;
    }

    /** The largest timestamp of {@code input}, or -1 (Kafka's NO_TIMESTAMP) when there is none above it. */
    public static long maxTimestamp(List<Rec> input) {
        return input.stream().mapToLong(Rec::timestamp).max().orElse(-1L);
    }
}

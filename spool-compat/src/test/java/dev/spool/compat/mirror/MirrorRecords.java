package dev.spool.compat.mirror;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The records a mirror test writes and the form it compares them in. Each record carries a unique id
 * (the first four bytes of its value, and an {@code id} header), so a copy can be matched to its
 * original whatever its offset, and a duplicate seen by a consumer group is told from a second record.
 * Keys include null and empty ones; headers include a null value and a repeated key; timestamps are
 * explicit create times, all within the last minute so no retention removes them.
 */
final class MirrorRecords {
    private static final HexFormat HEX = HexFormat.of();

    private MirrorRecords() {
    }

    /**
     * One record as a comparable value: where it sits (partition, offset), and key, value and headers
     * as hex text (null stays null), in order.
     */
    record Copy(int partition, long offset, String key, String value, List<String> headers, long timestamp) {
        int id() {
            return ByteBuffer.wrap(HEX.parseHex(value)).getInt();
        }

        /** The same record without its position, to compare an original with a copy at another offset. */
        Copy content() {
            return new Copy(-1, -1, key, value, headers, timestamp);
        }
    }

    static Copy copyOf(ConsumerRecord<byte[], byte[]> record) {
        return new Copy(record.partition(), record.offset(), hex(record.key()), hex(record.value()),
                headers(record.headers()), record.timestamp());
    }

    /**
     * Writes records {@code firstId .. firstId+count-1} to {@code topic}, record {@code id} to partition
     * {@code id % partitions}; returns them by id as written (with the offsets the server assigned).
     */
    static Map<Integer, Copy> produce(Producer<byte[], byte[]> producer, String topic, int partitions, Random random,
                                      long timestampBase, int firstId, int count) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(count);
        List<Future<RecordMetadata>> sent = new ArrayList<>(count);
        for (int id = firstId; id < firstId + count; id++) {
            ProducerRecord<byte[], byte[]> record = record(random, topic, id % partitions, timestampBase, id);
            records.add(record);
            sent.add(producer.send(record));
        }
        producer.flush();
        Map<Integer, Copy> written = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            ProducerRecord<byte[], byte[]> record = records.get(i);
            RecordMetadata metadata = sent.get(i).get(30, TimeUnit.SECONDS);
            written.put(firstId + i, new Copy(metadata.partition(), metadata.offset(), hex(record.key()),
                    hex(record.value()), headers(record.headers()), record.timestamp()));
        }
        return written;
    }

    private static ProducerRecord<byte[], byte[]> record(Random random, String topic, int partition,
                                                         long timestampBase, int id) {
        byte[] idBytes = ByteBuffer.allocate(4).putInt(id).array();
        byte[] key = id % 7 == 0 ? null : bytes(random, id % 13 == 0 ? 0 : 1 + random.nextInt(16));
        byte[] payload = bytes(random, random.nextInt(200));
        byte[] value = ByteBuffer.allocate(4 + payload.length).putInt(id).put(payload).array();
        List<Header> headers = new ArrayList<>();
        headers.add(new RecordHeader("id", idBytes));
        headers.add(new RecordHeader("trace", bytes(random, random.nextInt(24))));
        if (id % 5 == 0) {
            headers.add(new RecordHeader("nothing", null));
        }
        if (id % 11 == 0) {
            headers.add(new RecordHeader("trace", bytes(random, 3)));
        }
        long timestamp = timestampBase + random.nextInt(10_000);
        return new ProducerRecord<>(topic, partition, timestamp, key, value, headers);
    }

    private static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static List<String> headers(Iterable<Header> headers) {
        List<String> out = new ArrayList<>();
        for (Header header : headers) {
            out.add(header.key() + "=" + hex(header.value()));
        }
        return out;
    }

    private static String hex(byte[] bytes) {
        return bytes == null ? null : HEX.formatHex(bytes);
    }
}

package dev.spool.kafka.txn;

import dev.spool.kafka.protocol.CoordinatorStrings;
import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The records of the transaction coordinator's log: one record per state change of a transactional
 * id, keyed by that id; the last record of a key wins, and a tombstone (null value) forgets the id.
 * They are ordinary Kafka records in ordinary batches of a Spool {@code Log}, so the batch CRC
 * covers them and the log's recovery handles torn tails.
 *
 * <p>The layout is that of Kafka's own transaction log ({@code TransactionLogKey} version 0 and
 * {@code TransactionLogValue} version 0), so the bytes carry no Spool-specific invention. Integers
 * are big-endian; a string is a signed 16-bit byte count and that many bytes of UTF-8; an array is
 * a signed 32-bit count (-1 for null) and its elements.
 *
 * <h2>Key</h2>
 * <pre>
 *  0  int16   version          0
 *  2  string  transactionalId  not empty
 * </pre>
 *
 * <h2>Value, or null for a tombstone</h2>
 * <pre>
 *  int16    version            0
 *  int64    producerId
 *  int16    producerEpoch
 *  int32    timeoutMs          > 0
 *  int8     status             {@link TransactionState#id}
 *  array    partitions         per topic: string topic, array of int32 partition ids (>= 0)
 *  int64    lastUpdateMs
 *  int64    startMs            -1 when no transaction is open
 * </pre>
 * Anything that does not decode exactly (a short or long buffer, an unknown version or status, a
 * negative length, bytes that are not UTF-8) is reported as malformed, naming what was wrong.
 */
public final class TransactionLogCodec {
    static final short KEY_VERSION = 0;
    static final short VALUE_VERSION = 0;

    /** A key or value that does not decode; the log's reader adds where it lies. */
    public static final class MalformedRecordException extends Exception {
        MalformedRecordException(String message) {
            super(message);
        }
    }

    /** One decoded record: the transactional id, and its state or empty for a tombstone. */
    public record TransactionRecord(String transactionalId, Optional<TransactionMetadata> metadata) {
    }

    private TransactionLogCodec() {
    }

    public static byte[] encodeKey(String transactionalId) {
        byte[] id = utf8(transactionalId, "transactional id");
        return ByteBuffer.allocate(2 + 2 + id.length).putShort(KEY_VERSION).putShort((short) id.length).put(id).array();
    }

    public static byte[] encodeValue(TransactionMetadata metadata) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (PartitionRef p : metadata.partitions()) {
            byTopic.computeIfAbsent(p.topic(), t -> new ArrayList<>()).add(p.partition());
        }
        int size = 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8;
        List<byte[]> topics = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> topic : byTopic.entrySet()) {
            byte[] name = utf8(topic.getKey(), "topic");
            topics.add(name);
            size += 2 + name.length + 4 + 4 * topic.getValue().size();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putShort(VALUE_VERSION).putLong(metadata.producerId()).putShort(metadata.producerEpoch())
                .putInt(metadata.timeoutMs()).put(metadata.state().id).putInt(byTopic.size());
        int i = 0;
        for (List<Integer> partitions : byTopic.values()) {
            byte[] name = topics.get(i++);
            out.putShort((short) name.length).put(name).putInt(partitions.size());
            partitions.forEach(out::putInt);
        }
        out.putLong(metadata.lastUpdateMs()).putLong(metadata.startMs());
        return out.array();
    }

    /** Decodes a record's key and value ({@code null} for a tombstone). */
    public static TransactionRecord decode(ByteBuffer key, ByteBuffer value) throws MalformedRecordException {
        if (key == null) {
            throw new MalformedRecordException("the record has no key");
        }
        ByteBuffer in = key.duplicate();
        try {
            short version = in.getShort();
            if (version != KEY_VERSION) {
                throw new MalformedRecordException("unknown key version " + version + " (expected " + KEY_VERSION + ")");
            }
            String id = readString(in, "transactional id");
            if (id.isEmpty() || in.hasRemaining()) {
                throw new MalformedRecordException("the key's transactional id is empty or followed by "
                        + in.remaining() + " more bytes");
            }
            return new TransactionRecord(id, value == null ? Optional.empty() : Optional.of(decodeValue(id, value)));
        } catch (BufferUnderflowException e) {
            throw new MalformedRecordException("key of " + key.remaining() + " bytes is cut short");
        }
    }

    private static TransactionMetadata decodeValue(String id, ByteBuffer value) throws MalformedRecordException {
        ByteBuffer in = value.duplicate();
        try {
            short version = in.getShort();
            if (version != VALUE_VERSION) {
                throw new MalformedRecordException("unknown value version " + version + " of " + id + " (expected "
                        + VALUE_VERSION + ")");
            }
            long producerId = in.getLong();
            short epoch = in.getShort();
            int timeoutMs = in.getInt();
            byte status = in.get();
            TransactionState state = TransactionState.ofId(status).orElseThrow(
                    () -> new MalformedRecordException("unknown transaction status " + status + " of " + id));
            int topicCount = in.getInt();
            TreeSet<PartitionRef> partitions = new TreeSet<>();
            for (int t = 0; t < topicCount; t++) {
                String topic = readString(in, "topic");
                int count = length(in.getInt(), in, 4, "partition count of " + topic);
                for (int p = 0; p < count; p++) {
                    int partition = in.getInt();
                    if (partition < 0) {
                        throw new MalformedRecordException("partition " + partition + " of " + topic + " is negative");
                    }
                    partitions.add(new PartitionRef(topic, partition));
                }
            }
            long lastUpdateMs = in.getLong();
            long startMs = in.getLong();
            if (in.hasRemaining()) {
                throw new MalformedRecordException("value of " + id + " has " + in.remaining() + " bytes left over");
            }
            if (timeoutMs <= 0) {
                throw new MalformedRecordException("timeout of " + id + " is " + timeoutMs + " ms");
            }
            return new TransactionMetadata(id, producerId, epoch, timeoutMs, state, partitions, startMs, lastUpdateMs);
        } catch (BufferUnderflowException e) {
            throw new MalformedRecordException("value of " + id + " (" + value.remaining() + " bytes) is cut short");
        }
    }

    private static int length(int length, ByteBuffer in, int elementBytes, String what) throws MalformedRecordException {
        if (length < -1 || (long) Math.max(0, length) * elementBytes > in.remaining()) {
            throw new MalformedRecordException(what + " is " + length + " with " + in.remaining() + " bytes left");
        }
        return Math.max(0, length);
    }

    private static String readString(ByteBuffer in, String what) throws MalformedRecordException {
        try {
            return CoordinatorStrings.read(in, what);
        } catch (CoordinatorStrings.MalformedStringException e) {
            throw new MalformedRecordException(e.getMessage());
        }
    }

    private static byte[] utf8(String text, String what) {
        return CoordinatorStrings.utf8(text, what, "a transaction record");
    }
}

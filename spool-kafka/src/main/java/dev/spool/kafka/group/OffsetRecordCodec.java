package dev.spool.kafka.group;

import java.nio.ByteBuffer;
import dev.spool.kafka.protocol.CoordinatorStrings;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The layout of the records in the offsets log: one record per committed offset, keyed by group,
 * topic and partition; the last record of a key wins, and a record with a null value (a tombstone)
 * removes the key. They are ordinary Kafka v2 records inside ordinary batches of a Spool {@code Log},
 * so the batch CRC covers them and the log's recovery handles torn tails.
 *
 * <p>The layout is that of Kafka's own {@code __consumer_offsets} offset-commit records (the
 * {@code OffsetCommitKey} schema behind record type 1, and {@code OffsetCommitValue} version 3), so
 * the bytes carry no Spool-specific invention. All integers are big-endian; a string is a signed
 * 16-bit byte count followed by that many bytes of UTF-8.
 *
 * <h2>Key (10 + G + T bytes)</h2>
 * <pre>
 *  0      2          4        4+G        6+G      6+G+T        10+G+T
 *  ├──────┼──────────┼─────────┼──────────┼─────────┼────────────┤
 *  │ type │ group len│ group   │ topic len│ topic   │ partition  │
 *  │ i16=1│ i16 = G  │ G bytes │ i16 = T  │ T bytes │ i32 (>= 0) │
 * </pre>
 * Type 0 is Kafka's older spelling of the same key and is read the same way. Type 2 (Kafka's group
 * metadata record) is not written by Spool and is skipped when read, so that a later version may add
 * it. Any other type is corruption.
 *
 * <h2>Value (24 + M bytes), or null for a tombstone</h2>
 * <pre>
 *  0        2           10             14          16      16+M               24+M
 *  ├────────┼───────────┼──────────────┼───────────┼────────┼──────────────────┤
 *  │ version│ offset    │ leader epoch │ meta len  │ meta   │ commit timestamp │
 *  │ i16 = 3│ i64       │ i32, -1 none │ i16 = M   │ M bytes│ i64, epoch ms    │
 * </pre>
 * Only version 3 is accepted: it is the one Spool writes. A key or value whose lengths do not add up
 * to its size exactly, a negative partition or length, a group that is empty, or bytes that are not
 * UTF-8, is reported as malformed with what was wrong.
 *
 * <h2>Batches</h2>
 * The batch says what a record means, not the record ({@link OffsetBatches} writes them,
 * {@link OffsetsLogReplay} reads them): in a plain batch it is a committed offset; in a
 * transactional batch (producer id and epoch set) an offset pending in that producer's open
 * transaction, the same bytes; a control batch holds no offsets record but Kafka's transaction
 * marker (COMMIT or ABORT for the producer), which this codec never sees.
 */
final class OffsetRecordCodec {
    static final short KEY_TYPE_OFFSET_COMMIT_LEGACY = 0;
    static final short KEY_TYPE_OFFSET_COMMIT = 1;
    static final short KEY_TYPE_GROUP_METADATA = 2;
    static final short VALUE_VERSION = 3;

    static final int KEY_TYPE_OFFSET = 0;
    static final int KEY_GROUP_OFFSET = 2;
    static final int KEY_FIXED_BYTES = 2 + 2 + 2 + 4;
    static final int VALUE_VERSION_OFFSET = 0;
    static final int VALUE_OFFSET_OFFSET = 2;
    static final int VALUE_LEADER_EPOCH_OFFSET = 10;
    static final int VALUE_METADATA_OFFSET = 14;
    static final int VALUE_FIXED_BYTES = 2 + 8 + 4 + 2 + 8;
    /** The longest string the two-byte length can carry. */
    static final int STRING_BYTES_MAX = CoordinatorStrings.BYTES_MAX;

    /** A key or value that does not decode; the offsets store adds the file and log offset. */
    static final class MalformedRecordException extends Exception {
        MalformedRecordException(String message) {
            super(message);
        }
    }

    /** One decoded offsets record: the key, and the committed offset or empty for a tombstone. */
    record OffsetRecord(String group, String topic, int partition, Optional<CommittedOffset> value) {
    }

    private OffsetRecordCodec() {
    }

    static byte[] encodeKey(String group, String topic, int partition) {
        byte[] groupBytes = utf8(group, "group");
        byte[] topicBytes = utf8(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("Partition " + partition + " is negative");
        }
        ByteBuffer out = ByteBuffer.allocate(KEY_FIXED_BYTES + groupBytes.length + topicBytes.length)
                .order(ByteOrder.BIG_ENDIAN);
        out.putShort(KEY_TYPE_OFFSET_COMMIT);
        out.putShort((short) groupBytes.length).put(groupBytes);
        out.putShort((short) topicBytes.length).put(topicBytes);
        out.putInt(partition);
        return out.array();
    }

    static byte[] encodeValue(CommittedOffset value) {
        byte[] metadata = utf8(value.metadata(), "metadata");
        ByteBuffer out = ByteBuffer.allocate(VALUE_FIXED_BYTES + metadata.length).order(ByteOrder.BIG_ENDIAN);
        out.putShort(VALUE_VERSION);
        out.putLong(value.offset());
        out.putInt(value.leaderEpoch());
        out.putShort((short) metadata.length).put(metadata);
        out.putLong(value.commitTimestampMs());
        return out.array();
    }

    /**
     * Decodes a record's key and value ({@code null} for a tombstone). Empty for a record of a kind
     * this version skips (type 2); malformed bytes throw, naming what was wrong.
     */
    static Optional<OffsetRecord> decode(ByteBuffer key, ByteBuffer value) throws MalformedRecordException {
        if (key == null) {
            throw new MalformedRecordException("the record has no key");
        }
        ByteBuffer in = key.duplicate().order(ByteOrder.BIG_ENDIAN);
        if (in.remaining() < 2) {
            throw new MalformedRecordException("key of " + in.remaining() + " bytes is shorter than its type");
        }
        short type = in.getShort();
        if (type == KEY_TYPE_GROUP_METADATA) {
            return Optional.empty();
        }
        if (type != KEY_TYPE_OFFSET_COMMIT && type != KEY_TYPE_OFFSET_COMMIT_LEGACY) {
            throw new MalformedRecordException("unknown key type " + type + " (expected " + KEY_TYPE_OFFSET_COMMIT
                    + ")");
        }
        String group = readString(in, "group");
        if (group.isEmpty()) {
            throw new MalformedRecordException("the key's group is empty");
        }
        String topic = readString(in, "topic");
        if (in.remaining() != 4) {
            throw new MalformedRecordException("key has " + in.remaining() + " bytes after the topic; expected 4"
                    + " (the partition)");
        }
        int partition = in.getInt();
        if (partition < 0) {
            throw new MalformedRecordException("the key's partition " + partition + " is negative");
        }
        return Optional.of(new OffsetRecord(group, topic, partition,
                value == null ? Optional.empty() : Optional.of(decodeValue(value))));
    }

    private static CommittedOffset decodeValue(ByteBuffer value) throws MalformedRecordException {
        ByteBuffer in = value.duplicate().order(ByteOrder.BIG_ENDIAN);
        if (in.remaining() < VALUE_FIXED_BYTES) {
            throw new MalformedRecordException("value of " + in.remaining() + " bytes is shorter than the "
                    + VALUE_FIXED_BYTES + " of version " + VALUE_VERSION);
        }
        short version = in.getShort();
        if (version != VALUE_VERSION) {
            throw new MalformedRecordException("value version " + version + " (expected " + VALUE_VERSION + ")");
        }
        long offset = in.getLong();
        int leaderEpoch = in.getInt();
        String metadata = readString(in, "metadata");
        if (in.remaining() != 8) {
            throw new MalformedRecordException("value has " + in.remaining() + " bytes after the metadata; expected 8"
                    + " (the commit timestamp)");
        }
        return new CommittedOffset(offset, leaderEpoch, metadata, in.getLong());
    }

    private static String readString(ByteBuffer in, String field) throws MalformedRecordException {
        try {
            return CoordinatorStrings.read(in, field);
        } catch (CoordinatorStrings.MalformedStringException e) {
            throw new MalformedRecordException(e.getMessage());
        }
    }

    private static byte[] utf8(String text, String field) {
        return CoordinatorStrings.utf8(text, field, "an offsets record");
    }
}

package dev.spool.log.record;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A transaction's end, as Kafka writes it into every partition the transaction touched: a control
 * batch (attributes: transactional and control, never compressed) holding one control record whose
 * key says COMMIT or ABORT and whose value names the coordinator's epoch. Consumers never see
 * control records; {@code read_committed} ones use them to drop an aborted transaction's records.
 *
 * <h2>Layout of the control record (big-endian, inside a batch of Kafka's format)</h2>
 * <pre>
 *  key, 4 bytes:   int16 version (0), int16 type (0 = ABORT, 1 = COMMIT)
 *  value, 6 bytes: int16 version (0), int32 coordinatorEpoch
 * </pre>
 * The batch carries the producer's id and epoch, base sequence -1, one record at offset delta 0,
 * and its timestamp as both base and max timestamp. Other control types (Kafka's leader-change and
 * snapshot records, types 2 and up) are not transaction markers: {@link #read} answers empty.
 *
 * @param commit           whether the transaction committed (false: it aborted)
 * @param coordinatorEpoch the epoch of the coordinator that wrote the marker (fences a stale one)
 */
public record EndTransactionMarker(boolean commit, int coordinatorEpoch) {
    static final short ABORT = 0;
    static final short COMMIT = 1;
    static final int KEY_BYTES = 4;
    static final int VALUE_BYTES = 6;
    /** One record: length, attributes, timestamp delta, offset delta, key, value, header count. */
    static final int RECORD_BODY_BYTES = 1 + 1 + 1 + 1 + KEY_BYTES + 1 + VALUE_BYTES + 1;
    public static final int BATCH_BYTES = RecordBatch.HEADER_BYTES + 1 + RECORD_BODY_BYTES;

    /**
     * Encodes the marker as a whole control batch at base offset 0 (the log stamps the real one),
     * for producer {@code producerId} at {@code producerEpoch}.
     */
    public ByteBuffer encode(long producerId, short producerEpoch, long timestampMs) {
        ByteBuffer buffer = ByteBuffer.allocate(BATCH_BYTES);
        buffer.position(RecordBatch.HEADER_BYTES);
        Varint.writeInt(RECORD_BODY_BYTES, buffer);
        buffer.put((byte) 0); // record attributes
        Varint.writeLong(0, buffer); // timestamp delta
        Varint.writeInt(0, buffer); // offset delta
        Varint.writeInt(KEY_BYTES, buffer);
        buffer.putShort((short) 0).putShort(commit ? COMMIT : ABORT);
        Varint.writeInt(VALUE_BYTES, buffer);
        buffer.putShort((short) 0).putInt(coordinatorEpoch);
        Varint.writeInt(0, buffer); // headers
        short attributes = RecordBatch.attributes(CompressionType.NONE, TimestampType.CREATE_TIME, true, true);
        RecordBatch.writeHeader(buffer, 0, BATCH_BYTES, 0L, attributes, 0, timestampMs, timestampMs, producerId,
                producerEpoch, RecordBatch.NO_SEQUENCE, 1);
        return buffer.clear();
    }

    /**
     * The transaction marker in the batch at {@code at}, or empty when the batch is not a control
     * batch or holds another kind of control record.
     *
     * @throws CorruptRecordException when a control batch's record is cut short or its key or value
     *                                has the wrong size
     */
    public static Optional<EndTransactionMarker> read(ByteBuffer buffer, int at) throws CorruptRecordException {
        if (!RecordBatch.isControl(buffer, at)) {
            return Optional.empty();
        }
        long baseOffset = RecordBatch.baseOffset(buffer, at);
        int end = at + RecordBatch.sizeInBytes(buffer, at);
        if (end > buffer.limit() || RecordBatch.recordCount(buffer, at) < 1) {
            throw new CorruptRecordException("Control batch at offset " + baseOffset + " holds no whole record");
        }
        RecordCursor cursor = new RecordCursor().reset(buffer.duplicate().limit(end).position(at));
        if (!cursor.next()) {
            throw new CorruptRecordException("Control batch at offset " + baseOffset + " holds no whole record");
        }
        ByteBuffer key = cursor.hasKey() ? cursor.key() : null;
        if (key == null || key.remaining() < KEY_BYTES) {
            throw new CorruptRecordException("Control record at offset " + baseOffset + " has a key of "
                    + (key == null ? "null" : key.remaining() + " bytes") + ", expected at least " + KEY_BYTES);
        }
        short keyVersion = key.getShort(key.position());
        short type = key.getShort(key.position() + 2);
        if (type != ABORT && type != COMMIT) {
            return Optional.empty();
        }
        ByteBuffer value = cursor.hasValue() ? cursor.value() : null;
        if (keyVersion < 0 || value == null || value.remaining() < VALUE_BYTES) {
            throw new CorruptRecordException("Transaction marker at offset " + baseOffset + " has key version "
                    + keyVersion + " and a value of " + (value == null ? "null" : value.remaining() + " bytes")
                    + ", expected version >= 0 and at least " + VALUE_BYTES + " bytes");
        }
        return Optional.of(new EndTransactionMarker(type == COMMIT, value.getInt(value.position() + 2)));
    }
}

package dev.spool.queue;

import dev.spool.log.record.RecordBatch;
import dev.spool.log.record.RecordCursor;
import dev.spool.log.record.Varint;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The on-disk form of one buffer item: a Kafka v2 record batch holding exactly one record, so
 * Kafka's and Spool's tools ({@code spool dump}, {@code kafka-dump-log}) read a buffer as they read
 * any topic.
 * <pre>
 *  record batch (one per item; the 61-byte header of {@link RecordBatch}: base offset 0 (the log
 *  │             stamps it), magic 2, CRC-32C over attributes..end, attributes 0 (no compression,
 *  │             create time), last offset delta 0, base and max timestamp = the enqueue time, no
 *  │             producer id, epoch or sequence, record count 1)
 *   └ record 0   varint length, attributes 0, timestamp delta 0, offset delta 0
 *       key       null (varint -1)
 *       value     varint length, the payload bytes
 *       headers   varint count, then per metadata entry: key = entry key (UTF-8), value = entry
 *                 value (UTF-8); in the map's iteration order
 * </pre>
 * One record per batch keeps the item's stored size exact and its sequence equal to the batch's
 * base offset, so acknowledging a prefix never splits a batch.
 *
 * <p>The batch is written by hand rather than with the log's batch builder so that a payload can
 * be written straight into it ({@link ItemSink}): the value is laid down first, at a fixed
 * position, and the record's length prefix and the batch header go in front of it once its size
 * is known, the header starting as far in as the prefix is short. Stateless; thread-safe.
 */
final class ItemCodec {
    /** Attributes, timestamp delta, offset delta and key length: one byte each for an item's record. */
    private static final int FIXED_PREFIX_BYTES = 4;
    /** The most bytes between the batch header and the value: two varint lengths and the fixed fields. */
    static final int VALUE_PREFIX_BYTES_MAX = 5 + FIXED_PREFIX_BYTES + 5;
    /** Where a streamed value starts in its buffer: room for the longest header and prefix before it. */
    static final int STREAMED_VALUE_AT = RecordBatch.HEADER_BYTES + VALUE_PREFIX_BYTES_MAX;

    private ItemCodec() {
    }

    /** A metadata map as its headers' UTF-8 bytes, and their encoded size. */
    record Headers(byte[][] keys, byte[][] values, int encodedBytes) {
        static final Headers NONE = new Headers(new byte[0][], new byte[0][], 1);

        static Headers of(Map<String, String> metadata) {
            if (metadata.isEmpty()) {
                return NONE;
            }
            byte[][] keys = new byte[metadata.size()][];
            byte[][] values = new byte[metadata.size()][];
            int bytes = Varint.sizeOfInt(metadata.size());
            int i = 0;
            for (Map.Entry<String, String> entry : metadata.entrySet()) {
                keys[i] = entry.getKey().getBytes(StandardCharsets.UTF_8);
                values[i] = entry.getValue() == null ? null : entry.getValue().getBytes(StandardCharsets.UTF_8);
                bytes += Varint.sizeOfInt(keys[i].length) + keys[i].length
                        + (values[i] == null ? Varint.sizeOfInt(-1) : Varint.sizeOfInt(values[i].length) + values[i].length);
                i++;
            }
            return new Headers(keys, values, bytes);
        }

        void writeTo(ByteBuffer out) {
            Varint.writeInt(keys.length, out);
            for (int i = 0; i < keys.length; i++) {
                Varint.writeInt(keys[i].length, out);
                out.put(keys[i]);
                if (values[i] == null) {
                    Varint.writeInt(-1, out);
                } else {
                    Varint.writeInt(values[i].length, out);
                    out.put(values[i]);
                }
            }
        }
    }

    /** The stored size of an item: its batch, header included. */
    static long storedBytes(long payloadBytes, Headers headers) {
        long body = FIXED_PREFIX_BYTES + Varint.sizeOfInt((int) Math.min(payloadBytes, Integer.MAX_VALUE)) + payloadBytes
                + headers.encodedBytes();
        return RecordBatch.HEADER_BYTES + Varint.sizeOfInt((int) Math.min(body, Integer.MAX_VALUE)) + body;
    }

    /**
     * Encodes the item as a batch in a heap buffer of exactly its size (the log writes it
     * asynchronously, so it is not reused).
     */
    static ByteBuffer encode(byte[] payload, Map<String, String> metadata, long timestampMs, int itemBytesMax) {
        Headers headers = Headers.of(metadata);
        long size = storedBytes(payload.length, headers);
        checkSize(size, payload.length, itemBytesMax);
        return encodeInto(ByteBuffer.allocate((int) size), payload, headers, timestampMs);
    }

    /** Encodes the item as a batch at the start of {@code buffer}, which holds at least its {@link #storedBytes}. */
    static ByteBuffer encodeInto(ByteBuffer buffer, byte[] payload, Headers headers, long timestampMs) {
        int valueAt = (int) storedBytes(payload.length, headers) - headers.encodedBytes() - payload.length;
        buffer.put(valueAt, payload);
        return finish(buffer, valueAt, payload.length, headers, timestampMs);
    }

    static void checkSize(long size, long payloadBytes, int itemBytesMax) {
        if (size > itemBytesMax) {
            throw new IllegalArgumentException("Item of " + size + " bytes (payload " + payloadBytes
                    + " bytes) exceeds the buffer's itemBytesMax of " + itemBytesMax + " bytes");
        }
    }

    /**
     * Completes the batch around a value already in {@code buffer} at {@code valueAt}: writes the
     * headers after it, the record's prefix and the batch header before it, and the CRC. The buffer
     * must have room for the headers after the value and for the header and prefix before it.
     * Returns the batch: a big-endian view of the buffer from the header to the last header byte.
     */
    static ByteBuffer finish(ByteBuffer buffer, int valueAt, int valueBytes, Headers headers, long timestampMs) {
        ByteBuffer batch = frame(buffer, valueAt, valueBytes, valueAt + valueBytes, headers, timestampMs);
        batch.putInt(batch.position() + RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(batch, batch.position()));
        return batch;
    }

    /**
     * As {@link #finish}, for a value of {@code valueBytes} of which only some lie in {@code buffer},
     * from {@code valueAt} to {@code headersAt} (the rest in buffers a lending {@link ItemSink} kept
     * where they lie): writes the headers at {@code headersAt} and the prefix and batch header before
     * {@code valueAt}, and returns the view of the buffer from the header to the last header byte.
     * The CRC is not written: the log computes it over the batch's pieces as it appends them
     * ({@code Log.appendGathered}).
     */
    static ByteBuffer frame(ByteBuffer buffer, int valueAt, int valueBytes, int headersAt, Headers headers,
                            long timestampMs) {
        int body = FIXED_PREFIX_BYTES + Varint.sizeOfInt(valueBytes) + valueBytes + headers.encodedBytes();
        int recordAt = valueAt - Varint.sizeOfInt(valueBytes) - FIXED_PREFIX_BYTES - Varint.sizeOfInt(body);
        int at = recordAt - RecordBatch.HEADER_BYTES;
        int batchBytes = valueAt - at + valueBytes + headers.encodedBytes();
        ByteBuffer batch = buffer.duplicate().order(ByteOrder.BIG_ENDIAN).limit(headersAt + headers.encodedBytes())
                .position(headersAt);
        headers.writeTo(batch);
        batch.position(recordAt);
        Varint.writeInt(body, batch);
        batch.put((byte) 0);             // record attributes
        Varint.writeInt(0, batch);           // timestamp delta
        Varint.writeInt(0, batch);           // offset delta
        Varint.writeInt(-1, batch);          // key: null
        Varint.writeInt(valueBytes, batch);
        batch.putLong(at + RecordBatch.BASE_OFFSET_OFFSET, 0L);
        batch.putInt(at + RecordBatch.BATCH_LENGTH_OFFSET, batchBytes - RecordBatch.LOG_OVERHEAD_BYTES);
        batch.putInt(at + RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        batch.put(at + RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC);
        batch.putShort(at + RecordBatch.ATTRIBUTES_OFFSET, (short) 0);
        batch.putInt(at + RecordBatch.LAST_OFFSET_DELTA_OFFSET, 0);
        batch.putLong(at + RecordBatch.BASE_TIMESTAMP_OFFSET, timestampMs);
        batch.putLong(at + RecordBatch.MAX_TIMESTAMP_OFFSET, timestampMs);
        batch.putLong(at + RecordBatch.PRODUCER_ID_OFFSET, RecordBatch.NO_PRODUCER_ID);
        batch.putShort(at + RecordBatch.PRODUCER_EPOCH_OFFSET, RecordBatch.NO_PRODUCER_EPOCH);
        batch.putInt(at + RecordBatch.BASE_SEQUENCE_OFFSET, RecordBatch.NO_SEQUENCE);
        batch.putInt(at + RecordBatch.RECORD_COUNT_OFFSET, 1);
        return batch.position(at);
    }

    /** The current record's headers as an unmodifiable map, in their order; a header without a value maps to null. */
    static Map<String, String> metadata(RecordCursor record) {
        int count = record.headerCount();
        if (count == 0) {
            return Map.of();
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int h = 0; h < count; h++) {
            ByteBuffer value = record.headerValue(h);
            metadata.put(StandardCharsets.UTF_8.decode(record.headerKey(h)).toString(),
                    value == null ? null : StandardCharsets.UTF_8.decode(value).toString());
        }
        return Collections.unmodifiableMap(metadata);
    }
}

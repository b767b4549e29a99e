package dev.spool.queue;

import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Header;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The on-disk form of one buffer item: a Kafka v2 record batch holding exactly one record, so
 * Kafka's and Spool's tools ({@code spool dump}, {@code kafka-dump-log}) read a buffer as they read
 * any topic.
 * <pre>
 *  record batch (one per item; header, CRC-32C over attributes..end, see {@link RecordBatch})
 *   └ record 0
 *       key       null
 *       value     the payload bytes
 *       headers   one per metadata entry: key = entry key (UTF-8), value = entry value (UTF-8);
 *                 in the map's iteration order
 * </pre>
 * One record per batch keeps the item's stored size exact and its sequence equal to the batch's
 * base offset, so acknowledging a prefix never splits a batch. Stateless; thread-safe.
 */
final class ItemCodec {
    private ItemCodec() {
    }

    /** Encodes the item as a batch in a buffer of exactly its size (the log writes it asynchronously). */
    static ByteBuffer encode(byte[] payload, Map<String, String> metadata, long timestampMs, int itemBytesMax) {
        Header[] headers = new Header[metadata.size()];
        int i = 0;
        for (Map.Entry<String, String> entry : metadata.entrySet()) {
            headers[i++] = Header.of(entry.getKey(), entry.getValue().getBytes(StandardCharsets.UTF_8));
        }
        long size = (long) RecordBatch.HEADER_BYTES
                + BatchBuilder.recordSizeInBytes(0, 0, -1, payload.length, headers);
        if (size > itemBytesMax) {
            throw new IllegalArgumentException("Item of " + size + " bytes (payload " + payload.length
                    + " bytes) exceeds the buffer's itemBytesMax of " + itemBytesMax + " bytes");
        }
        BatchBuilder builder = new BatchBuilder((int) size);
        if (!builder.tryAppend(timestampMs, null, payload, headers)) {
            throw new IllegalStateException("Item of " + size + " bytes did not fit its own batch");
        }
        return builder.build();
    }

    /** The item held by {@code record}; the metadata map keeps the headers' order. */
    static BufferItem decode(Record record, int storedBytes) {
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            metadata.put(header.key(), header.hasValue() ? new String(header.value(), StandardCharsets.UTF_8) : null);
        }
        return new BufferItem(record.offset(), record.valueBytes(), Collections.unmodifiableMap(metadata), storedBytes);
    }
}

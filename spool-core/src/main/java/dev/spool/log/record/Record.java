package dev.spool.log.record;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * One decoded record: its absolute offset and timestamp, key, value and headers. Key and value
 * are read-only views into the batch's buffer; absent (Kafka's null) when {@link Optional#empty()}.
 */
public record Record(long offset, long timestamp, Optional<ByteBuffer> key, Optional<ByteBuffer> value,
                     List<Header> headers) {

    /** The value's bytes, copied; an empty array when the value is absent. */
    public byte[] valueBytes() {
        return value.map(Record::copy).orElseGet(() -> new byte[0]);
    }

    /** The key's bytes, copied; an empty array when the key is absent. */
    public byte[] keyBytes() {
        return key.map(Record::copy).orElseGet(() -> new byte[0]);
    }

    private static byte[] copy(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}

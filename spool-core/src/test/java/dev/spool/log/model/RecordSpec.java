package dev.spool.log.model;

import dev.spool.log.record.Header;
import dev.spool.log.record.Record;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * One record as a producer hands it over: timestamp, key and value ({@code null} for Kafka's null),
 * headers. The model stores these; {@link #sameAs} compares one with what the log read back.
 */
public record RecordSpec(long timestamp, byte[] key, byte[] value, List<Header> headers) {

    public RecordSpec {
        headers = List.copyOf(headers);
    }

    public static RecordSpec ofValue(long timestamp, String value) {
        return new RecordSpec(timestamp, null, value.getBytes(StandardCharsets.UTF_8), List.of());
    }

    /** Null when equal, otherwise a sentence saying which field differs. */
    public String differenceFrom(Record record) {
        if (record.timestamp() != timestamp) {
            return "timestamp " + record.timestamp() + ", expected " + timestamp;
        }
        if (!sameBytes(record.key(), key)) {
            return "key " + show(record.key()) + ", expected " + show(key);
        }
        if (!sameBytes(record.value(), value)) {
            return "value " + show(record.value()) + ", expected " + show(value);
        }
        if (!record.headers().equals(headers)) {
            return "headers " + record.headers() + ", expected " + headers;
        }
        return null;
    }

    private static boolean sameBytes(Optional<ByteBuffer> actual, byte[] expected) {
        if (actual.isEmpty() || expected == null) {
            return actual.isEmpty() && expected == null;
        }
        ByteBuffer bytes = actual.get();
        byte[] copy = new byte[bytes.remaining()];
        bytes.duplicate().get(copy);
        return Arrays.equals(copy, expected);
    }

    private static String show(Optional<ByteBuffer> bytes) {
        return bytes.map(b -> {
            byte[] copy = new byte[b.remaining()];
            b.duplicate().get(copy);
            return show(copy);
        }).orElse("null");
    }

    private static String show(byte[] bytes) {
        return bytes == null ? "null" : "0x" + HexFormat.of().formatHex(bytes);
    }

    @Override
    public String toString() {
        return "Rec(ts=" + timestamp + ", key=" + show(key) + ", value=" + show(value)
                + (headers.isEmpty() ? "" : ", headers=" + headers) + ")";
    }
}

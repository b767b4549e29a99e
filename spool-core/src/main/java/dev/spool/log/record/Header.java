package dev.spool.log.record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A record header: a UTF-8 key and a value. As in Kafka, the value may be absent ({@code null}
 * on the wire as length -1); {@link #hasValue()} tells which.
 */
public final class Header {
    private final String key;
    private final byte[] keyUtf8;
    private final byte[] value;

    private Header(String key, byte[] value) {
        this.key = Objects.requireNonNull(key, "key");
        this.keyUtf8 = key.getBytes(StandardCharsets.UTF_8);
        this.value = value;
    }

    /** A header with a value (which may be empty). */
    public static Header of(String key, byte[] value) {
        return new Header(key, Objects.requireNonNull(value, "value").clone());
    }

    /** A header whose value is absent (Kafka's null header value). */
    public static Header withoutValue(String key) {
        return new Header(key, null);
    }

    static Header decoded(String key, byte[] valueOrNull) {
        return new Header(key, valueOrNull);
    }

    /** The headers of the record {@code cursor} is on, decoded into new objects. */
    static List<Header> allOf(RecordCursor cursor) {
        int count = cursor.headerCount();
        if (count == 0) {
            return List.of();
        }
        List<Header> headers = new ArrayList<>(count);
        for (int h = 0; h < count; h++) {
            String key = StandardCharsets.UTF_8.decode(cursor.headerKey(h)).toString();
            ByteBuffer value = cursor.headerValue(h);
            byte[] bytes = null;
            if (value != null) {
                bytes = new byte[value.remaining()];
                value.get(bytes);
            }
            headers.add(decoded(key, bytes));
        }
        return Collections.unmodifiableList(headers);
    }

    public String key() {
        return key;
    }

    public boolean hasValue() {
        return value != null;
    }

    /** The value; an empty array when absent (check {@link #hasValue()} to tell the two apart). */
    public byte[] value() {
        return value == null ? new byte[0] : value.clone();
    }

    byte[] keyUtf8() {
        return keyUtf8;
    }

    byte[] valueOrNull() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header other && key.equals(other.key) && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return key.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return key + "=" + (value == null ? "null" : new String(value, StandardCharsets.UTF_8));
    }
}

package dev.spool.cli;

import dev.spool.log.record.Header;
import dev.spool.log.record.Record;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * {@code consume --json}: one JSON object per record, on one line:
 * <pre>
 * {"topic":"t","partition":0,"offset":7,"timestamp":1733400000000,"key":"k","value":"v",
 *  "headers":[{"key":"h","value":"x"}]}
 * </pre>
 * A null key, value or header value is {@code null}. Keys and values are written in the chosen
 * {@link Encoding}: {@code utf8} for text, {@code base64} or {@code hex} to carry any bytes exactly;
 * header values use the value's encoding. Header names are text in Kafka, so always strings.
 */
final class JsonRecordFormat implements RecordFormat {
    /** How bytes become a JSON string. */
    enum Encoding {
        /** UTF-8 text; bytes that are not UTF-8 become U+FFFD, so use base64 or hex for binary data. */
        UTF8,
        BASE64,
        HEX;

        String encode(byte[] bytes) {
            return switch (this) {
                case UTF8 -> new String(bytes, StandardCharsets.UTF_8);
                case BASE64 -> Base64.getEncoder().encodeToString(bytes);
                case HEX -> HexFormat.of().formatHex(bytes);
            };
        }

        /**
         * The encoding named by {@code text} (utf8, utf-8, base64 or hex, any case).
         *
         * @throws IllegalArgumentException naming the option and the accepted values
         */
        static Encoding parse(String option, String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "utf8", "utf-8" -> UTF8;
                case "base64" -> BASE64;
                case "hex" -> HEX;
                default -> throw new IllegalArgumentException(option + " must be utf8, base64 or hex, not '" + text + "'");
            };
        }
    }

    private final Encoding keyEncoding;
    private final Encoding valueEncoding;

    JsonRecordFormat(Encoding keyEncoding, Encoding valueEncoding) {
        this.keyEncoding = keyEncoding;
        this.valueEncoding = valueEncoding;
    }

    @Override
    public void write(String topic, int partition, Record record, PrintStream out) {
        StringBuilder json = new StringBuilder(128);
        Json.string(json.append("{\"topic\":"), topic);
        json.append(",\"partition\":").append(partition).append(",\"offset\":").append(record.offset())
                .append(",\"timestamp\":").append(record.timestamp());
        Json.string(json.append(",\"key\":"), record.key().map(key -> keyEncoding.encode(bytes(key))).orElse(null));
        Json.string(json.append(",\"value\":"),
                record.value().map(value -> valueEncoding.encode(bytes(value))).orElse(null));
        json.append(",\"headers\":[");
        for (int i = 0; i < record.headers().size(); i++) {
            Header header = record.headers().get(i);
            Json.string(json.append(i == 0 ? "{\"key\":" : ",{\"key\":"), header.key());
            Json.string(json.append(",\"value\":"), header.hasValue() ? valueEncoding.encode(header.value()) : null)
                    .append('}');
        }
        byte[] line = json.append("]}\n").toString().getBytes(StandardCharsets.UTF_8);
        out.write(line, 0, line.length);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}

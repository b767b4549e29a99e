package dev.spool.cli;

import dev.spool.log.record.Header;
import dev.spool.log.record.Record;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code consume --format}: kcat's {@code -f} format strings, so scripts written for kcat read
 * Spool the same way. Parsed once into parts; each record is then written part by part, keys,
 * values and headers as raw bytes (never decoded, so nothing is mangled).
 *
 * <table>
 *   <caption>Tokens</caption>
 *   <tr><td>{@code %t}</td><td>topic</td></tr>
 *   <tr><td>{@code %p}</td><td>partition</td></tr>
 *   <tr><td>{@code %o}</td><td>offset</td></tr>
 *   <tr><td>{@code %T}</td><td>timestamp, milliseconds since the epoch</td></tr>
 *   <tr><td>{@code %k}, {@code %s}</td><td>key, value (nothing when null)</td></tr>
 *   <tr><td>{@code %K}, {@code %S}</td><td>key, value length in bytes, -1 when null</td></tr>
 *   <tr><td>{@code %R}</td><td>value length (-1 when null) as a big-endian 32-bit integer</td></tr>
 *   <tr><td>{@code %h}</td><td>headers as {@code name=value} separated by commas ({@code NULL} for a null value)</td></tr>
 *   <tr><td>{@code %%}</td><td>a percent sign</td></tr>
 * </table>
 *
 * <p>In the text between tokens {@code \n}, {@code \r} and {@code \t} are a newline, carriage
 * return and tab, {@code \xHH} the byte with hex value HH, {@code \NNN} the byte with decimal value
 * NNN, and a backslash before any other character is that character. Any other token is a usage
 * error, as in kcat.
 */
final class FormatString implements RecordFormat {
    /** The default: each value on a line. */
    static final String VALUES = "%s\\n";
    /** {@code --print-key}: key, tab, value. */
    static final String KEYS_AND_VALUES = "%k\\t%s\\n";

    /** One piece of the format: literal bytes, or a field of the record. */
    private sealed interface Part permits Literal, Field {
    }

    private record Literal(byte[] bytes) implements Part {
    }

    private record Field(char token) implements Part {
    }

    private final List<Part> parts;

    private FormatString(List<Part> parts) {
        this.parts = parts;
    }

    /**
     * Parses a format string.
     *
     * @throws IllegalArgumentException naming the token that is not one of kcat's, or a lone '%' at the end
     */
    static FormatString parse(String format) {
        List<Part> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%') {
                text.append(c);
                continue;
            }
            if (i + 1 == format.length()) {
                throw new IllegalArgumentException("--format '" + format + "' ends with a lone '%' (write %% for a percent sign)");
            }
            char token = format.charAt(++i);
            if (token == '%') {
                text.append('%');
            } else if ("tpoTkKsSRh".indexOf(token) >= 0) {
                addLiteral(parts, text);
                parts.add(new Field(token));
            } else {
                throw new IllegalArgumentException("--format '" + format + "' has the unknown token %" + token
                        + "; the tokens are %t %p %o %T %k %K %s %S %R %h and %%");
            }
        }
        addLiteral(parts, text);
        return new FormatString(List.copyOf(parts));
    }

    private static void addLiteral(List<Part> parts, StringBuilder text) {
        if (!text.isEmpty()) {
            parts.add(new Literal(unescape(text.toString())));
            text.setLength(0);
        }
    }

    /** The bytes of literal text: UTF-8, with kcat's backslash escapes applied. */
    static byte[] unescape(String text) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '\\' || i + 1 == text.length()) {
                int end = i + Character.charCount(text.codePointAt(i));
                bytes.writeBytes(text.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end;
                continue;
            }
            char next = text.charAt(i + 1);
            i += 2;
            switch (next) {
                case 'n' -> bytes.write('\n');
                case 'r' -> bytes.write('\r');
                case 't' -> bytes.write('\t');
                case 'x' -> {
                    int end = digits(text, i, 2, 16);
                    if (end == i) {
                        bytes.write('x');
                    } else {
                        bytes.write(Integer.parseInt(text.substring(i, end), 16));
                        i = end;
                    }
                }
                default -> {
                    int end = digits(text, i - 1, 3, 10);
                    if (end == i - 1) {
                        bytes.writeBytes(String.valueOf(next).getBytes(StandardCharsets.UTF_8));
                    } else {
                        bytes.write(Integer.parseInt(text.substring(i - 1, end)) & 0xFF);
                        i = end;
                    }
                }
            }
        }
        return bytes.toByteArray();
    }

    /** The end of the run of at most {@code max} digits in {@code radix} starting at {@code from}. */
    private static int digits(String text, int from, int max, int radix) {
        int end = from;
        while (end < text.length() && end - from < max && Character.digit(text.charAt(end), radix) >= 0) {
            end++;
        }
        return end;
    }

    @Override
    public void write(String topic, int partition, Record record, PrintStream out) {
        for (Part part : parts) {
            if (part instanceof Literal literal) {
                out.write(literal.bytes(), 0, literal.bytes().length);
                continue;
            }
            switch (((Field) part).token()) {
                case 't' -> text(out, topic);
                case 'p' -> text(out, Integer.toString(partition));
                case 'o' -> text(out, Long.toString(record.offset()));
                case 'T' -> text(out, Long.toString(record.timestamp()));
                case 'k' -> record.key().ifPresent(key -> bytes(out, key));
                case 's' -> record.value().ifPresent(value -> bytes(out, value));
                case 'K' -> text(out, Integer.toString(length(record.key())));
                case 'S' -> text(out, Integer.toString(length(record.value())));
                case 'R' -> {
                    int length = length(record.value());
                    out.write(length >>> 24);
                    out.write(length >>> 16);
                    out.write(length >>> 8);
                    out.write(length);
                }
                case 'h' -> headers(out, record.headers());
                default -> throw new IllegalStateException("No field for token %" + ((Field) part).token());
            }
        }
    }

    private static int length(Optional<ByteBuffer> bytes) {
        return bytes.map(ByteBuffer::remaining).orElse(-1);
    }

    private static void headers(PrintStream out, List<Header> headers) {
        for (int i = 0; i < headers.size(); i++) {
            Header header = headers.get(i);
            text(out, (i > 0 ? "," : "") + header.key() + "=");
            if (header.hasValue()) {
                byte[] value = header.value();
                out.write(value, 0, value.length);
            } else {
                text(out, "NULL");
            }
        }
    }

    private static void text(PrintStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write(bytes, 0, bytes.length);
    }

    /** Writes a buffer's bytes without moving its position, in chunks (a value can be a megabyte). */
    static void bytes(PrintStream out, ByteBuffer bytes) {
        ByteBuffer view = bytes.duplicate();
        if (view.hasArray()) {
            out.write(view.array(), view.arrayOffset() + view.position(), view.remaining());
            return;
        }
        byte[] chunk = new byte[Math.min(view.remaining(), 8192)];
        while (view.hasRemaining()) {
            int n = Math.min(chunk.length, view.remaining());
            view.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }
}

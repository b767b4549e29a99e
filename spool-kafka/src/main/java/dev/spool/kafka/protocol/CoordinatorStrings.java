package dev.spool.kafka.protocol;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The strings of the coordinators' log records (committed offsets, transactions), as Kafka lays
 * them out: a signed 16-bit byte count, then that many bytes of UTF-8. Reading is strict: a length
 * that does not fit, or bytes that are not UTF-8, are reported naming the field and the byte.
 */
public final class CoordinatorStrings {
    /** The longest string the two-byte length can carry. */
    public static final int BYTES_MAX = Short.MAX_VALUE;

    /** A string that does not decode; the record's codec turns it into its own malformed-record error. */
    public static final class MalformedStringException extends Exception {
        MalformedStringException(String message) {
            super(message);
        }
    }

    private CoordinatorStrings() {
    }

    /** Reads the string at {@code in}'s position, which moves past it. */
    public static String read(ByteBuffer in, String field) throws MalformedStringException {
        if (in.remaining() < 2) {
            throw new MalformedStringException("no room for the " + field + "'s length at byte " + in.position());
        }
        int length = in.getShort();
        if (length < 0 || length > in.remaining()) {
            throw new MalformedStringException("the " + field + "'s length " + length + " at byte "
                    + (in.position() - 2) + " does not fit the " + in.remaining() + " bytes left");
        }
        ByteBuffer bytes = in.slice(in.position(), length);
        in.position(in.position() + length);
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new MalformedStringException("the " + field + " is not valid UTF-8");
        }
    }

    /**
     * {@code text} as UTF-8 bytes, refused (IllegalArgumentException) past {@link #BYTES_MAX}, naming the
     * field and the kind of record that could not hold it.
     */
    public static byte[] utf8(String text, String field, String record) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > BYTES_MAX) {
            throw new IllegalArgumentException("The " + field + " is " + bytes.length
                    + " bytes of UTF-8, more than the " + BYTES_MAX + " " + record + " holds");
        }
        return bytes;
    }
}

package dev.spool.cli;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Renders bytes as one printable line: UTF-8 text with control characters escaped, or \xNN for bytes that are not UTF-8. */
final class Escape {
    /** Longest rendering of one field before it is cut with "…". */
    static final int CHARS_MAX = 2000;

    private Escape() {
    }

    static String bytes(ByteBuffer bytes) {
        ByteBuffer view = bytes.duplicate();
        try {
            CharBuffer text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(view.duplicate());
            return text(text);
        } catch (CharacterCodingException e) {
            StringBuilder out = new StringBuilder();
            while (view.hasRemaining() && out.length() < CHARS_MAX) {
                int b = view.get() & 0xFF;
                if (b >= 0x20 && b < 0x7F && b != '\\') {
                    out.append((char) b);
                } else {
                    out.append(String.format("\\x%02x", b));
                }
            }
            return view.hasRemaining() ? out + "…" : out.toString();
        }
    }

    static String text(CharSequence text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            if (out.length() >= CHARS_MAX) {
                return out + "…";
            }
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}

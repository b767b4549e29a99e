package dev.spool.cli;

/**
 * The little JSON the CLI writes ({@code consume --json}): strings escaped by hand, as RFC 8259
 * asks (quote, backslash and control characters), so the command needs no JSON library.
 */
final class Json {
    private Json() {
    }

    /** Appends {@code text} as a JSON string, quotes included; {@code null} as {@code null}. */
    static StringBuilder string(StringBuilder out, String text) {
        if (text == null) {
            return out.append("null");
        }
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029') {
                        // 0x7F and the two separators are legal JSON but break some line-oriented readers
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}

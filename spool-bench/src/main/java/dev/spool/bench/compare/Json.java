package dev.spool.bench.compare;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** A minimal JSON writer for maps, lists, strings, numbers and booleans (the harness's results only). */
public final class Json {
    private Json() {
    }

    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out, "");
        return out.toString();
    }

    private static void write(Object value, StringBuilder out, String indent) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Map) {
            String inner = indent + "  ";
            out.append("{");
            Iterator<? extends Map.Entry<?, ?>> entries = ((Map<?, ?>) value).entrySet().iterator();
            while (entries.hasNext()) {
                Map.Entry<?, ?> entry = entries.next();
                out.append('\n').append(inner);
                string(String.valueOf(entry.getKey()), out);
                out.append(": ");
                write(entry.getValue(), out, inner);
                if (entries.hasNext()) {
                    out.append(',');
                }
            }
            out.append('\n').append(indent).append('}');
        } else if (value instanceof List) {
            List<?> list = (List<?>) value;
            boolean flat = list.stream().allMatch(v -> v instanceof Number);
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (!flat) {
                    out.append('\n').append(indent).append("  ");
                }
                write(list.get(i), out, indent + "  ");
                if (i + 1 < list.size()) {
                    out.append(flat ? ", " : ",");
                }
            }
            if (!flat && !list.isEmpty()) {
                out.append('\n').append(indent);
            }
            out.append(']');
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            out.append(Double.isFinite(d) ? String.valueOf(d) : "null");
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else {
            string(value.toString(), out);
        }
    }

    private static void string(String text, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}

package dev.spool.log;

/**
 * Kafka's rules for topic names, which also keep every name inside the data directory: 1 to 249
 * characters, each an ASCII letter, digit, {@code .}, {@code _} or {@code -}, and not {@code .}
 * or {@code ..}. No separator, NUL or other path character can pass, so {@code ../x} or
 * {@code /abs} never reach the file system.
 */
public final class TopicName {
    public static final int LENGTH_MAX = 249;

    private TopicName() {
    }

    /** Returns {@code name} if legal; otherwise throws {@link InvalidTopicNameException} saying why. */
    public static String validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidTopicNameException("Topic name is empty");
        }
        if (name.length() > LENGTH_MAX) {
            throw new InvalidTopicNameException("Topic name is " + name.length() + " characters, more than the "
                    + LENGTH_MAX + " allowed");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new InvalidTopicNameException("Topic name cannot be '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!legal) {
                throw new InvalidTopicNameException("Topic name '" + printable(name) + "' has an illegal character "
                        + describe(c) + " at index " + i + "; use ASCII letters, digits, '.', '_' and '-'");
            }
        }
        return name;
    }

    public static boolean isValid(String name) {
        try {
            validate(name);
            return true;
        } catch (InvalidTopicNameException e) {
            return false;
        }
    }

    private static String describe(char c) {
        return c < 0x20 || c == 0x7f ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }

    private static String printable(String name) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length() && out.length() < 80; i++) {
            char c = name.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return out.toString();
    }
}

package dev.spool.compat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Record timestamps for the from-a-timestamp cells: whole seconds, ten minutes in the past. */
final class Timestamps {
    private static final DateTimeFormatter TOOL_FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    static long base() {
        long now = System.currentTimeMillis();
        return now - now % 1000 - 600_000;
    }

    /** {@code millis} as Kafka's tools take a date-time ({@code --to-datetime}), in UTC. */
    static String toolDateTime(long millis) {
        return TOOL_FORMAT.format(Instant.ofEpochMilli(millis)) + "Z";
    }
}

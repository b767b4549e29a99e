package dev.spool.log;

/**
 * The cleaner's own bounds, the same for every log of a log manager. When and what to clean is each
 * log's: its {@link dev.spool.log.CompactionConfig} (a topic's {@code delete.retention.ms},
 * {@code min.cleanable.dirty.ratio}, {@code min.compaction.lag.ms}, {@code max.compaction.lag.ms}).
 *
 * @param dedupeBufferBytes memory of the key map (the cleaner's {@code OffsetMap}: about 24 bytes a key); bounds the keys one round can map
 * @param ioBytesPerSecond  the cleaner's read and write rate, or {@code Long.MAX_VALUE} for no limit
 * @param backoffMs         how long the background cleaner waits between looks for a dirty compacted log
 *                          (Kafka's {@code log.cleaner.backoff.ms}, 15 s)
 * @param enabled           whether the log manager cleans in the background (Kafka's {@code log.cleaner.enable},
 *                          on by default); {@code LogManager.cleanNow} cleans on request either way
 */
public record CleanerSettings(int dedupeBufferBytes, long ioBytesPerSecond, long backoffMs, boolean enabled) {
    /**
     * 16 MiB, against Kafka's 128 MiB: an embedded engine shares its process's heap with the
     * application, and 16 MiB still maps about 630,000 keys per round (24 bytes a key at a 0.9
     * load); a log with more distinct dirty keys is cleaned over several rounds.
     */
    public static final int DEFAULT_DEDUPE_BUFFER_BYTES = 16 << 20;
    /** Kafka's {@code log.cleaner.backoff.ms} default. */
    public static final long DEFAULT_BACKOFF_MS = 15_000L;

    public CleanerSettings {
        if (dedupeBufferBytes < 1024) {
            throw new IllegalArgumentException("dedupeBufferBytes " + dedupeBufferBytes + " must be >= 1024");
        }
        if (ioBytesPerSecond <= 0) {
            throw new IllegalArgumentException("ioBytesPerSecond " + ioBytesPerSecond + " must be > 0");
        }
        if (backoffMs <= 0) {
            throw new IllegalArgumentException("backoffMs " + backoffMs + " must be > 0");
        }
    }

    /** The smaller key map above, no I/O limit, Kafka's backoff, cleaning in the background. */
    public static CleanerSettings defaults() {
        return new CleanerSettings(DEFAULT_DEDUPE_BUFFER_BYTES, Long.MAX_VALUE, DEFAULT_BACKOFF_MS, true);
    }

    public CleanerSettings withDedupeBufferBytes(int bytes) {
        return new CleanerSettings(bytes, ioBytesPerSecond, backoffMs, enabled);
    }

    public CleanerSettings withIoBytesPerSecond(long bytesPerSecond) {
        return new CleanerSettings(dedupeBufferBytes, bytesPerSecond, backoffMs, enabled);
    }

    /** These settings with the background cleaner looking for work every {@code ms} milliseconds. */
    public CleanerSettings withBackoffMs(long ms) {
        return new CleanerSettings(dedupeBufferBytes, ioBytesPerSecond, ms, enabled);
    }

    /** These settings with the background cleaner on or off. */
    public CleanerSettings withEnabled(boolean on) {
        return new CleanerSettings(dedupeBufferBytes, ioBytesPerSecond, backoffMs, on);
    }
}

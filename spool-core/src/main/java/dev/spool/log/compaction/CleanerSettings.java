package dev.spool.log.compaction;

/**
 * How the cleaner compacts: Kafka's topic settings of the same meaning, plus the cleaner's own
 * bounds.
 *
 * @param deleteRetentionMs       how long a tombstone (a record with a null value) stays after the
 *                                cleaner has passed it, so consumers that read the key see the delete
 * @param minCompactionLagMs      records younger than this (by their segment's largest timestamp) are not cleaned
 * @param minCleanableDirtyRatio  a log is cleaned when its dirty bytes reach this share of its closed segments' bytes
 * @param maxCompactionLagMs      a log whose oldest dirty segment is older than this is cleaned whatever its ratio
 * @param dedupeBufferBytes       memory of the key map ({@link OffsetMap}); bounds the keys one round can map
 * @param ioBytesPerSecond        the cleaner's read and write rate, or {@code Long.MAX_VALUE} for no limit
 */
public record CleanerSettings(long deleteRetentionMs, long minCompactionLagMs, double minCleanableDirtyRatio,
                              long maxCompactionLagMs, int dedupeBufferBytes, long ioBytesPerSecond) {

    /** Kafka's {@code delete.retention.ms}: one day. */
    public static final long DEFAULT_DELETE_RETENTION_MS = 24L * 60 * 60 * 1000;
    public static final double DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.5;
    /**
     * 16 MiB, against Kafka's 128 MiB: an embedded engine shares its process's heap with the
     * application, and 16 MiB still maps about 630,000 keys per round (24 bytes a key at a 0.9
     * load); a log with more distinct dirty keys is cleaned over several rounds.
     */
    public static final int DEFAULT_DEDUPE_BUFFER_BYTES = 16 << 20;

    public CleanerSettings {
        if (deleteRetentionMs < 0 || minCompactionLagMs < 0 || maxCompactionLagMs < 0) {
            throw new IllegalArgumentException("Cleaner times must be >= 0: deleteRetentionMs " + deleteRetentionMs
                    + ", minCompactionLagMs " + minCompactionLagMs + ", maxCompactionLagMs " + maxCompactionLagMs);
        }
        if (!(minCleanableDirtyRatio >= 0 && minCleanableDirtyRatio <= 1)) {
            throw new IllegalArgumentException("minCleanableDirtyRatio " + minCleanableDirtyRatio
                    + " must be in [0, 1]");
        }
        if (dedupeBufferBytes < 1024) {
            throw new IllegalArgumentException("dedupeBufferBytes " + dedupeBufferBytes + " must be >= 1024");
        }
        if (ioBytesPerSecond <= 0) {
            throw new IllegalArgumentException("ioBytesPerSecond " + ioBytesPerSecond + " must be > 0");
        }
    }

    /** Kafka's defaults, with the smaller key map above and no I/O limit. */
    public static CleanerSettings defaults() {
        return new CleanerSettings(DEFAULT_DELETE_RETENTION_MS, 0L, DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
                Long.MAX_VALUE, DEFAULT_DEDUPE_BUFFER_BYTES, Long.MAX_VALUE);
    }

    public CleanerSettings withDeleteRetentionMs(long ms) {
        return new CleanerSettings(ms, minCompactionLagMs, minCleanableDirtyRatio, maxCompactionLagMs,
                dedupeBufferBytes, ioBytesPerSecond);
    }

    public CleanerSettings withMinCompactionLagMs(long ms) {
        return new CleanerSettings(deleteRetentionMs, ms, minCleanableDirtyRatio, maxCompactionLagMs,
                dedupeBufferBytes, ioBytesPerSecond);
    }

    public CleanerSettings withMinCleanableDirtyRatio(double ratio) {
        return new CleanerSettings(deleteRetentionMs, minCompactionLagMs, ratio, maxCompactionLagMs,
                dedupeBufferBytes, ioBytesPerSecond);
    }

    public CleanerSettings withDedupeBufferBytes(int bytes) {
        return new CleanerSettings(deleteRetentionMs, minCompactionLagMs, minCleanableDirtyRatio, maxCompactionLagMs,
                bytes, ioBytesPerSecond);
    }

    public CleanerSettings withMaxCompactionLagMs(long ms) {
        return new CleanerSettings(deleteRetentionMs, minCompactionLagMs, minCleanableDirtyRatio, ms,
                dedupeBufferBytes, ioBytesPerSecond);
    }

    public CleanerSettings withIoBytesPerSecond(long bytesPerSecond) {
        return new CleanerSettings(deleteRetentionMs, minCompactionLagMs, minCleanableDirtyRatio, maxCompactionLagMs,
                dedupeBufferBytes, bytesPerSecond);
    }
}

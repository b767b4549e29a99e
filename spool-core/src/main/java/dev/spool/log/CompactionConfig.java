package dev.spool.log;

/**
 * How a compacted log ({@link LogConfig#compacted()}) is cleaned, with Kafka's names, ranges and
 * defaults. Immutable; {@link #defaults()} and the {@code with…} methods build one. These settings
 * say when a cleaner may and must clean; a log whose policy is {@link CleanupPolicy#DELETE}
 * carries them unused.
 *
 * @param deleteRetentionMs      how long a tombstone (a record with a key and no value) stays after
 *                               the cleaner first passes it, so that a reader behind sees the
 *                               delete (Kafka {@code delete.retention.ms}, at least 0)
 * @param minCleanableDirtyRatio the share of the log not yet cleaned (by bytes) above which it is
 *                               worth cleaning ({@code min.cleanable.dirty.ratio}, 0 to 1)
 * @param minCompactionLagMs     a record stays uncompacted at least this long after it was
 *                               appended ({@code min.compaction.lag.ms}, at least 0)
 * @param maxCompactionLagMs     a record is compacted at the latest this long after it was
 *                               appended, whatever the ratio ({@code max.compaction.lag.ms}, at
 *                               least 1 and not below {@code minCompactionLagMs})
 */
public record CompactionConfig(long deleteRetentionMs, double minCleanableDirtyRatio, long minCompactionLagMs,
                               long maxCompactionLagMs) {
    /** Kafka's {@code delete.retention.ms}: one day. */
    public static final long DEFAULT_DELETE_RETENTION_MS = 24L * 60 * 60 * 1000;
    public static final double DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.5;
    public static final long DEFAULT_MIN_COMPACTION_LAG_MS = 0;
    public static final long DEFAULT_MAX_COMPACTION_LAG_MS = Long.MAX_VALUE;

    public CompactionConfig {
        if (deleteRetentionMs < 0) {
            throw new IllegalArgumentException("deleteRetentionMs must be at least 0, was " + deleteRetentionMs);
        }
        if (!(minCleanableDirtyRatio >= 0 && minCleanableDirtyRatio <= 1)) { // NaN fails too
            throw new IllegalArgumentException("minCleanableDirtyRatio must be from 0 to 1, was "
                    + minCleanableDirtyRatio);
        }
        if (minCompactionLagMs < 0) {
            throw new IllegalArgumentException("minCompactionLagMs must be at least 0, was " + minCompactionLagMs);
        }
        if (maxCompactionLagMs < 1) {
            throw new IllegalArgumentException("maxCompactionLagMs must be at least 1, was " + maxCompactionLagMs);
        }
        if (minCompactionLagMs > maxCompactionLagMs) {
            throw new IllegalArgumentException("minCompactionLagMs " + minCompactionLagMs
                    + " must not exceed maxCompactionLagMs " + maxCompactionLagMs);
        }
    }

    /** Kafka's defaults: tombstones kept a day, cleaned when half the log is dirty, no lag bounds. */
    public static CompactionConfig defaults() {
        return new CompactionConfig(DEFAULT_DELETE_RETENTION_MS, DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
                DEFAULT_MIN_COMPACTION_LAG_MS, DEFAULT_MAX_COMPACTION_LAG_MS);
    }

    public CompactionConfig withDeleteRetentionMs(long ms) {
        return new CompactionConfig(ms, minCleanableDirtyRatio, minCompactionLagMs, maxCompactionLagMs);
    }

    public CompactionConfig withMinCleanableDirtyRatio(double ratio) {
        return new CompactionConfig(deleteRetentionMs, ratio, minCompactionLagMs, maxCompactionLagMs);
    }

    public CompactionConfig withMinCompactionLagMs(long ms) {
        return new CompactionConfig(deleteRetentionMs, minCleanableDirtyRatio, ms, maxCompactionLagMs);
    }

    public CompactionConfig withMaxCompactionLagMs(long ms) {
        return new CompactionConfig(deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, ms);
    }
}

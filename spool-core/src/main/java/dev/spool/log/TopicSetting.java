package dev.spool.log;

import dev.spool.log.record.CompressionType;
import dev.spool.log.record.TimestampType;
import java.util.Optional;

/**
 * The per-topic overrides a Kafka user sets ({@code kafka-configs --alter --add-config …}), under
 * Kafka's names and with the ranges Kafka's broker accepts. A topic stores only the overrides set
 * on it ({@link TopicConfig#overrides()}); every other setting follows the log manager's
 * {@link LogConfig}. Each value is held as a {@code long}; {@link #MESSAGE_TIMESTAMP_TYPE} as the
 * ordinal of its {@link TimestampType}, {@link #COMPRESSION_TYPE} as a codec id or
 * {@link #COMPRESSION_PRODUCER}, {@link #MIN_CLEANABLE_DIRTY_RATIO} (a fraction) in parts per
 * million ({@link #RATIO_PARTS}), so that its text round-trips exactly to six decimals.
 *
 * <p>Some Kafka ranges are wider than what a Spool log can run with (a 14-byte segment, a
 * 0-byte batch limit, retention of 0 ms); {@link TopicConfig#applyTo(LogConfig, int)} says how each
 * is mapped onto the log, and the Kafka server enforces the exact value on produce.
 */
public enum TopicSetting {
    /** Delete segments whose newest record is older than this; -1 keeps them forever. */
    RETENTION_MS("retention.ms", -1, Long.MAX_VALUE),
    /** Delete the oldest segments while a partition is larger than this; negative for no limit. */
    RETENTION_BYTES("retention.bytes", Long.MIN_VALUE, Long.MAX_VALUE),
    /** Roll when the active segment would grow past this (Kafka's minimum: a legacy record's overhead). */
    SEGMENT_BYTES("segment.bytes", 14, Integer.MAX_VALUE),
    /** Roll when the active segment's first batch is older than this. */
    SEGMENT_MS("segment.ms", 1, Long.MAX_VALUE),
    /** Largest size of a new segment's offset or time index. */
    SEGMENT_INDEX_BYTES("segment.index.bytes", 4, Integer.MAX_VALUE),
    /** Largest batch a producer may append, log overhead included. */
    MAX_MESSAGE_BYTES("max.message.bytes", 0, Integer.MAX_VALUE),
    /** Whose clock a batch's timestamps come from: the producer's or the log's at append. */
    MESSAGE_TIMESTAMP_TYPE("message.timestamp.type", 0, 1),
    /** With CreateTime: how far a record's timestamp may lie before the append time. */
    MESSAGE_TIMESTAMP_BEFORE_MAX_MS("message.timestamp.before.max.ms", 0, Long.MAX_VALUE),
    /**
     * With CreateTime: how far a record's timestamp may lie after the append time; an hour by
     * default, as in Kafka 4 (a clock years ahead would otherwise stamp records retention never
     * removes).
     */
    MESSAGE_TIMESTAMP_AFTER_MAX_MS("message.timestamp.after.max.ms", 0, Long.MAX_VALUE),
    /**
     * The codec the topic's batches are stored with: {@code producer} (-1, as the producer sent
     * them) or a codec, by its attribute id (0 {@code uncompressed}, 1 {@code gzip} … 4
     * {@code zstd}) that the Kafka server recompresses produced batches with. Unlike
     * {@link TopicConfig#compression()}, the codec Spool's own producers compress with.
     */
    COMPRESSION_TYPE("compression.type", -1, 4),
    /**
     * What happens to old segments, as a set of bits: {@link #CLEANUP_DELETE} (retention by time
     * and size) and {@link #CLEANUP_COMPACT} ({@link CleanupPolicy}). A topic whose policy lacks
     * {@code delete} is never trimmed by retention, as in Kafka; one with {@code compact} refuses
     * records without a key; the log manager's cleaner, when enabled, keeps only the latest record of
     * each key ({@link CleanerSettings#enabled}).
     */
    CLEANUP_POLICY("cleanup.policy", 1, 3),
    /** How long a tombstone stays after the cleaner first passes it ({@link CompactionConfig#deleteRetentionMs()}). */
    DELETE_RETENTION_MS("delete.retention.ms", 0, Long.MAX_VALUE),
    /**
     * The dirty share of a compacted log above which it is cleaned, in parts per million (Kafka's
     * double from 0 to 1, parsed as Kafka parses it and rounded to the nearest millionth).
     */
    MIN_CLEANABLE_DIRTY_RATIO("min.cleanable.dirty.ratio", 0, 1_000_000),
    /** A record stays uncompacted at least this long after its append. */
    MIN_COMPACTION_LAG_MS("min.compaction.lag.ms", 0, Long.MAX_VALUE),
    /** A record is compacted at the latest this long after its append; not below {@link #MIN_COMPACTION_LAG_MS}. */
    MAX_COMPACTION_LAG_MS("max.compaction.lag.ms", 1, Long.MAX_VALUE);

    /** {@link #MIN_CLEANABLE_DIRTY_RATIO}'s unit: its value divided by this is the ratio. */
    public static final long RATIO_PARTS = 1_000_000;

    /** {@link #MESSAGE_TIMESTAMP_AFTER_MAX_MS} where a topic sets none: Kafka 4's one hour. */
    public static final long TIMESTAMP_AFTER_MAX_MS_DEFAULT = 3_600_000L;

    /** {@link #CLEANUP_POLICY}'s bit for {@code delete}. */
    public static final long CLEANUP_DELETE = 1;
    /** {@link #CLEANUP_POLICY}'s bit for {@code compact}. */
    public static final long CLEANUP_COMPACT = 2;

    /** {@link #COMPRESSION_TYPE}'s value for "keep the producer's codec". */
    public static final long COMPRESSION_PRODUCER = -1;
    private static final String PRODUCER = "producer";
    private static final String UNCOMPRESSED = "uncompressed";

    private static final String CREATE_TIME = "CreateTime";
    private static final String LOG_APPEND_TIME = "LogAppendTime";

    private final String key;
    private final long min;
    private final long max;

    TopicSetting(String key, long min, long max) {
        this.key = key;
        this.min = min;
        this.max = max;
    }

    /** Kafka's name of the setting. */
    public String key() {
        return key;
    }

    /** The setting named {@code key} (Kafka's name), if there is one. */
    public static Optional<TopicSetting> forKey(String key) {
        for (TopicSetting setting : values()) {
            if (setting.key.equals(key)) {
                return Optional.of(setting);
            }
        }
        return Optional.empty();
    }

    /**
     * The value of {@code text}, as Kafka parses it (surrounding blanks ignored, timestamp types
     * case-sensitive); throws {@link IllegalArgumentException} naming the setting, the value and
     * what was expected.
     */
    public long parse(String text) {
        String value = text == null ? "" : text.strip();
        if (this == MESSAGE_TIMESTAMP_TYPE) {
            return switch (value) {
                case CREATE_TIME -> TimestampType.CREATE_TIME.ordinal();
                case LOG_APPEND_TIME -> TimestampType.LOG_APPEND_TIME.ordinal();
                default -> throw new IllegalArgumentException("Invalid value '" + text + "' for " + key
                        + ": expected " + CREATE_TIME + " or " + LOG_APPEND_TIME);
            };
        }
        if (this == COMPRESSION_TYPE) {
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case PRODUCER -> COMPRESSION_PRODUCER;
                case UNCOMPRESSED, "none" -> CompressionType.NONE.id();
                case "gzip" -> CompressionType.GZIP.id();
                case "snappy" -> CompressionType.SNAPPY.id();
                case "lz4" -> CompressionType.LZ4.id();
                case "zstd" -> CompressionType.ZSTD.id();
                default -> throw new IllegalArgumentException("Invalid value '" + text + "' for " + key
                        + ": expected producer, uncompressed, gzip, snappy, lz4 or zstd");
            };
        }
        if (this == CLEANUP_POLICY) {
            return parseCleanupPolicy(text, value);
        }
        if (this == MIN_CLEANABLE_DIRTY_RATIO) {
            return parseRatio(text, value);
        }
        long parsed;
        try {
            parsed = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid value '" + text + "' for " + key + ": expected a whole number"
                    + (max == Integer.MAX_VALUE ? " of 32 bits" : ""));
        }
        check(parsed);
        return parsed;
    }

    private long parseCleanupPolicy(String text, String value) {
        long bits = 0;
        for (String item : value.split(",")) {
            bits |= switch (item.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "delete" -> CLEANUP_DELETE;
                case "compact" -> CLEANUP_COMPACT;
                default -> throw new IllegalArgumentException("Invalid value '" + text + "' for " + key
                        + ": expected delete, compact or compact,delete");
            };
        }
        return bits;
    }

    private long parseRatio(String text, String value) {
        double ratio;
        try {
            ratio = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid value '" + text + "' for " + key + ": expected a number");
        }
        if (!(ratio >= 0 && ratio <= 1)) { // NaN fails too
            throw new IllegalArgumentException("Invalid value " + value + " for " + key + ": expected 0 to 1");
        }
        return Math.round(ratio * RATIO_PARTS);
    }

    /** Throws {@link IllegalArgumentException} unless {@code value} lies in the setting's range. */
    public void check(long value) {
        if (this == MIN_CLEANABLE_DIRTY_RATIO && (value < min || value > max)) {
            throw new IllegalArgumentException("Invalid value " + value + " parts per million for " + key
                    + ": expected 0 to " + RATIO_PARTS + " (0 to 1)");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("Invalid value " + format(value) + " for " + key + ": expected "
                    + (max == Long.MAX_VALUE ? "at least " + min : min + " to " + max));
        }
    }

    /** {@code value} as Kafka writes it (the timestamp type by name). */
    public String format(long value) {
        if (this == MESSAGE_TIMESTAMP_TYPE && (value == 0 || value == 1)) {
            return value == TimestampType.CREATE_TIME.ordinal() ? CREATE_TIME : LOG_APPEND_TIME;
        }
        if (this == COMPRESSION_TYPE && value >= COMPRESSION_PRODUCER && value <= CompressionType.ZSTD.id()) {
            return value == COMPRESSION_PRODUCER ? PRODUCER : value == CompressionType.NONE.id() ? UNCOMPRESSED
                    : CompressionType.forId((int) value).name().toLowerCase(java.util.Locale.ROOT);
        }
        if (this == CLEANUP_POLICY && value >= 1 && value <= 3) {
            return value == CLEANUP_DELETE ? "delete" : value == CLEANUP_COMPACT ? "compact" : "compact,delete";
        }
        if (this == MIN_CLEANABLE_DIRTY_RATIO) {
            return Double.toString((double) value / RATIO_PARTS); // as Kafka prints a double: 0.5, 1.0
        }
        return Long.toString(value);
    }

    /** The value a topic without an override of this setting runs with, from the log manager's settings. */
    public long defaultValue(LogConfig base) {
        return switch (this) {
            case RETENTION_MS -> base.retentionMs();
            case RETENTION_BYTES -> base.retentionBytes();
            case SEGMENT_BYTES -> base.segmentBytes();
            case SEGMENT_MS -> base.segmentMs();
            case SEGMENT_INDEX_BYTES -> base.segmentIndexBytes();
            case MAX_MESSAGE_BYTES -> base.batchBytesMax();
            case MESSAGE_TIMESTAMP_TYPE -> TimestampType.CREATE_TIME.ordinal();
            case MESSAGE_TIMESTAMP_BEFORE_MAX_MS -> Long.MAX_VALUE;
            case MESSAGE_TIMESTAMP_AFTER_MAX_MS -> TIMESTAMP_AFTER_MAX_MS_DEFAULT;
            case COMPRESSION_TYPE -> COMPRESSION_PRODUCER;
            case CLEANUP_POLICY -> base.cleanupPolicy().bits();
            case DELETE_RETENTION_MS -> base.compaction().deleteRetentionMs();
            case MIN_CLEANABLE_DIRTY_RATIO -> Math.round(base.compaction().minCleanableDirtyRatio() * RATIO_PARTS);
            case MIN_COMPACTION_LAG_MS -> base.compaction().minCompactionLagMs();
            case MAX_COMPACTION_LAG_MS -> base.compaction().maxCompactionLagMs();
        };
    }

    /** Kafka's name, so that a topic's overrides print as Kafka users know them. */
    @Override
    public String toString() {
        return key;
    }
}

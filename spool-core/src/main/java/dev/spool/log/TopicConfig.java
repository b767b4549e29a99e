package dev.spool.log;

import dev.spool.log.record.CompressionType;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.record.TimestampType;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A topic's own settings, kept with its partitions ({@link dev.spool.log.catalog.TopicConfigFile}) and applied to every
 * partition's log: the default durability of its appends, the codec producers should compress
 * with, whether its logs keep a hash chain, and the Kafka overrides set on it
 * ({@link TopicSetting}: retention, segment roll, batch size limit, timestamp policy). Only the
 * overrides that were set are held; every other setting follows the log manager's
 * {@link LogConfig}, so a change of the manager's defaults reaches the topics that did not
 * override it (and Kafka's DescribeConfigs can tell a default from a topic's own value).
 *
 * @param durability  the durability of appends that do not choose one ({@link Log#append(java.nio.ByteBuffer)})
 * @param compression the codec producers of this topic use by default (the log stores whatever
 *                    batches it is given; the CLI and the server compress with this)
 * @param hashChain   keep a tamper-evident hash chain over the topic's batches
 * @param overrides   the Kafka settings set on this topic, each within its {@link TopicSetting} range
 */
public record TopicConfig(Durability durability, CompressionType compression, boolean hashChain,
                          Map<TopicSetting, Long> overrides) {

    /** The smallest batch limit a log runs with: a header and the smallest record. */
    private static final int LOG_BATCH_BYTES_MIN = RecordBatch.HEADER_BYTES + RecordBatch.RECORD_BYTES_MIN;

    public TopicConfig {
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(overrides, "overrides");
        EnumMap<TopicSetting, Long> copy = new EnumMap<>(TopicSetting.class);
        overrides.forEach((setting, value) -> {
            Objects.requireNonNull(setting, "setting");
            Objects.requireNonNull(value, "value");
            setting.check(value);
            copy.put(setting, value);
        });
        long minLagMs = copy.getOrDefault(TopicSetting.MIN_COMPACTION_LAG_MS, 0L);
        long maxLagMs = copy.getOrDefault(TopicSetting.MAX_COMPACTION_LAG_MS, Long.MAX_VALUE);
        if (minLagMs > maxLagMs) { // Kafka refuses the pair the same way
            throw new IllegalArgumentException("Invalid values: " + TopicSetting.MIN_COMPACTION_LAG_MS + " ("
                    + minLagMs + ") must not exceed " + TopicSetting.MAX_COMPACTION_LAG_MS + " (" + maxLagMs + ")");
        }
        overrides = Collections.unmodifiableMap(copy);
    }

    /** Settings without Kafka overrides. */
    public TopicConfig(Durability durability, CompressionType compression, boolean hashChain) {
        this(durability, compression, hashChain, Map.of());
    }

    /** The settings a topic gets when it is created without any: the log manager's defaults. */
    public static TopicConfig defaults(LogConfig logConfig) {
        return new TopicConfig(logConfig.write().durability(), CompressionType.NONE, logConfig.hashChain());
    }

    public TopicConfig withDurability(Durability value) {
        return new TopicConfig(value, compression, hashChain, overrides);
    }

    public TopicConfig withCompression(CompressionType value) {
        return new TopicConfig(durability, value, hashChain, overrides);
    }

    public TopicConfig withHashChain(boolean value) {
        return new TopicConfig(durability, compression, value, overrides);
    }

    /** These settings with {@code setting} overridden; throws {@link IllegalArgumentException} outside its range. */
    public TopicConfig withOverride(TopicSetting setting, long value) {
        EnumMap<TopicSetting, Long> next = new EnumMap<>(TopicSetting.class);
        next.putAll(overrides);
        next.put(setting, value);
        return new TopicConfig(durability, compression, hashChain, next);
    }

    /** These settings with {@code setting} back to the log manager's default. */
    public TopicConfig withoutOverride(TopicSetting setting) {
        EnumMap<TopicSetting, Long> next = new EnumMap<>(TopicSetting.class);
        next.putAll(overrides);
        next.remove(setting);
        return new TopicConfig(durability, compression, hashChain, next);
    }

    /** The value set on this topic, empty when it follows the default. */
    public OptionalLong override(TopicSetting setting) {
        Long value = overrides.get(setting);
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /** The value the topic runs with: its override, or the default in {@code base}. */
    public long value(TopicSetting setting, LogConfig base) {
        Long value = overrides.get(setting);
        return value != null ? value : setting.defaultValue(base);
    }

    /** Whose clock the topic's batches carry ({@code message.timestamp.type}). */
    public TimestampType timestampType() {
        return TimestampType.values()[(int) override(TopicSetting.MESSAGE_TIMESTAMP_TYPE)
                .orElse(TimestampType.CREATE_TIME.ordinal())];
    }

    /**
     * The codec the Kafka server stores the topic's batches with ({@code compression.type}), or
     * empty to keep the producer's.
     */
    public java.util.Optional<CompressionType> storedCompression() {
        long id = override(TopicSetting.COMPRESSION_TYPE).orElse(TopicSetting.COMPRESSION_PRODUCER);
        return id == TopicSetting.COMPRESSION_PRODUCER ? java.util.Optional.empty()
                : java.util.Optional.of(CompressionType.forId((int) id));
    }

    /** {@code base} with this topic's settings, as a log that never held a batch larger than its limit runs. */
    public LogConfig applyTo(LogConfig base) {
        return applyTo(base, 0);
    }

    /**
     * {@code base} with this topic's settings. A log's batch limit is also the bound its recovery
     * and readers trust batch lengths up to, so it never falls below {@code batchBytesMaxStored},
     * the largest limit the topic had before ({@link dev.spool.log.catalog.TopicConfigFile} keeps it): lowering
     * {@code max.message.bytes} must not make the batches written under the old limit look
     * corrupt. The Kafka server enforces the exact, lower value on produce. Kafka's wider ranges
     * map onto the log as follows:
     * <pre>
     *  max.message.bytes     at least a header and one record (61 + 7 bytes), and batchBytesMaxStored
     *  segment.bytes         at least a batch header (61 bytes); an append larger than a segment is refused
     *  segment.index.bytes   at least the manager's: a smaller bound would reject indexes already written
     *  retention.ms 0        1 ms (Spool's 0 is not a retention time)
     *  retention.bytes 0     1 byte; any negative value: no limit
     *  cleanup.policy        the log's {@link CleanupPolicy}; without delete (compact alone) also no
     *                        retention by time or size, as in Kafka
     *  delete.retention.ms, min.cleanable.dirty.ratio, min/max.compaction.lag.ms
     *                        the log's {@link CompactionConfig} (the ratio from parts per million)
     * </pre>
     */
    public LogConfig applyTo(LogConfig base, int batchBytesMaxStored) {
        int batchBytesMax = (int) Math.max(Math.max(value(TopicSetting.MAX_MESSAGE_BYTES, base), LOG_BATCH_BYTES_MIN),
                batchBytesMaxStored);
        int segmentBytes = (int) Math.max(value(TopicSetting.SEGMENT_BYTES, base), RecordBatch.HEADER_BYTES);
        boolean deletes = (value(TopicSetting.CLEANUP_POLICY, base) & TopicSetting.CLEANUP_DELETE) != 0;
        long retentionMs = deletes ? value(TopicSetting.RETENTION_MS, base) : -1;
        long retentionBytes = deletes ? value(TopicSetting.RETENTION_BYTES, base) : -1;
        int segmentIndexBytes = (int) Math.max(value(TopicSetting.SEGMENT_INDEX_BYTES, base), base.segmentIndexBytes());
        return new LogConfig(segmentBytes, value(TopicSetting.SEGMENT_MS, base), segmentIndexBytes,
                base.indexIntervalBytes(), batchBytesMax, base.batchRecordsMax(), retentionMs == 0 ? 1 : retentionMs,
                retentionBytes < 0 ? -1 : Math.max(1, retentionBytes), base.write().withDurability(durability),
                hashChain, CleanupPolicy.ofBits(value(TopicSetting.CLEANUP_POLICY, base)), compaction(base));
    }

    /** The topic's compaction settings: its overrides, else {@code base}'s. */
    public CompactionConfig compaction(LogConfig base) {
        long minLagMs = value(TopicSetting.MIN_COMPACTION_LAG_MS, base);
        // A topic that overrides only one lag bound may cross the manager's other; the bound it set wins.
        long maxLagMs = Math.max(value(TopicSetting.MAX_COMPACTION_LAG_MS, base), minLagMs);
        return new CompactionConfig(value(TopicSetting.DELETE_RETENTION_MS, base),
                (double) value(TopicSetting.MIN_CLEANABLE_DIRTY_RATIO, base) / TopicSetting.RATIO_PARTS, minLagMs,
                maxLagMs);
    }
}

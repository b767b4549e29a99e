package dev.spool.kafka.api;

import dev.spool.kafka.KafkaServerConfig;
import dev.spool.log.Durability;
import dev.spool.log.LogConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicSetting;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/**
 * Spool's settings under Kafka's config names: what DescribeConfigs reports for a topic or the
 * broker, and how CreateTopics, AlterConfigs and IncrementalAlterConfigs change a topic's
 * {@link TopicConfig}. Three kinds of topic configs:
 * <pre>
 *  the overrides of {@link TopicSetting}   retention.ms, segment.bytes, max.message.bytes, compression.type, … :
 *                                          stored when set,
 *                                          reported as DYNAMIC_TOPIC_CONFIG, else DEFAULT_CONFIG
 *  spool.durability                        Spool's own: the durability of acks=1 appends (none | strict)
 *  fixed                                   accepted with their one value, so that tools which set them work:
 *                                          min.insync.replicas=1, unclean.leader.election.enable=false
 * </pre>
 * {@code cleanup.policy} is one of the overrides: {@code compact} is accepted (Kafka Streams'
 * changelogs, Connect's and MirrorMaker 2's internal topics cannot be created without it), refuses
 * records without a key and keeps at least the latest value of each key; a topic without
 * {@code delete} is never trimmed by retention, as in Kafka. So are the compaction settings
 * ({@code delete.retention.ms}, {@code min.cleanable.dirty.ratio}, {@code min/max.compaction.lag.ms}),
 * with Kafka's ranges. Anything else, and a fixed
 * config with another value, is refused with a message naming the key ({@link InvalidConfig},
 * answered INVALID_CONFIG): a value Spool would silently ignore is worse than a refusal. Stateless.
 */
final class TopicSettings {
    /** Spool's own setting: the durability of {@code acks=1} appends to the topic. */
    static final String DURABILITY = "spool.durability";
    static final String CLEANUP_POLICY = "cleanup.policy";
    private static final Map<String, String> FIXED = Map.of("min.insync.replicas", "1",
            "unclean.leader.election.enable", "false");
    private static final List<String> FIXED_ORDER = List.of("min.insync.replicas", "unclean.leader.election.enable");

    /** A config as DescribeConfigs (and CreateTopics v5+) report it. */
    record Described(String name, String value, boolean readOnly, ConfigSource source, ConfigType type,
                     String documentation, List<Synonym> synonyms) {
    }

    /** Where a value comes from, most specific first (DescribeConfigs v1+ with includeSynonyms). */
    record Synonym(String name, String value, ConfigSource source) {
    }

    /** A config Spool cannot set; the message names the key, the value and what is accepted. */
    static final class InvalidConfig extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidConfig(String message) {
            super(message, null, false, false);
        }
    }

    private TopicSettings() {
    }

    /** The configs of a topic with {@code config}, on a server whose logs default to {@code base}. */
    static List<Described> topic(TopicConfig config, LogConfig base) {
        List<Described> out = new ArrayList<>();
        for (String name : FIXED_ORDER) {
            out.add(fixed(name, FIXED.get(name), name.equals("min.insync.replicas") ? ConfigType.INT
                    : name.startsWith("unclean") ? ConfigType.BOOLEAN : ConfigType.STRING));
        }
        for (TopicSetting setting : TopicSetting.values()) {
            String defaultValue = setting.format(setting.defaultValue(base));
            Synonym fallback = new Synonym(brokerSynonym(setting), defaultValue, ConfigSource.DEFAULT_CONFIG);
            ConfigType type = setting == TopicSetting.CLEANUP_POLICY ? ConfigType.LIST
                    : setting == TopicSetting.MIN_CLEANABLE_DIRTY_RATIO ? ConfigType.DOUBLE
                    : setting == TopicSetting.MESSAGE_TIMESTAMP_TYPE
                    || setting == TopicSetting.COMPRESSION_TYPE ? ConfigType.STRING
                    : setting == TopicSetting.SEGMENT_BYTES || setting == TopicSetting.SEGMENT_INDEX_BYTES
                    || setting == TopicSetting.MAX_MESSAGE_BYTES ? ConfigType.INT : ConfigType.LONG;
            var override = config.override(setting);
            if (override.isPresent()) {
                String value = setting.format(override.getAsLong());
                out.add(new Described(setting.key(), value, false, ConfigSource.TOPIC_CONFIG, type, documentation(setting),
                        List.of(new Synonym(setting.key(), value, ConfigSource.TOPIC_CONFIG), fallback)));
            } else {
                out.add(new Described(setting.key(), defaultValue, false, ConfigSource.DEFAULT_CONFIG, type,
                        documentation(setting), List.of(fallback)));
            }
        }
        out.add(fixed("index.interval.bytes", Integer.toString(base.indexIntervalBytes()), ConfigType.INT));
        out.add(fixed("flush.messages", Long.toString(base.write().flushMessages() < 0 ? Long.MAX_VALUE
                : base.write().flushMessages()), ConfigType.LONG));
        String durability = config.durability().name().toLowerCase(Locale.ROOT);
        boolean ownDurability = config.durability() != base.write().durability();
        out.add(new Described(DURABILITY, durability, false, ownDurability ? ConfigSource.TOPIC_CONFIG
                : ConfigSource.DEFAULT_CONFIG, ConfigType.STRING, "Spool: what an acks=1 produce waits for, none "
                + "(the page cache) or strict (an fsync)", List.of(new Synonym(DURABILITY, durability,
                ownDurability ? ConfigSource.TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG))));
        return out;
    }

    private static Described fixed(String name, String value, ConfigType type) {
        return new Described(name, value, true, ConfigSource.DEFAULT_CONFIG, type,
                "Fixed in Spool: only " + name + "=" + value + " is accepted",
                List.of(new Synonym(name, value, ConfigSource.DEFAULT_CONFIG)));
    }

    /** The broker's configs: fixed when the server starts ({@code spool serve} options). */
    static List<Described> broker(KafkaServerConfig config, LogConfig base) {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        values.put("broker.id", Integer.toString(MetadataHandler.NODE_ID));
        values.put("num.partitions", Integer.toString(config.defaultPartitions()));
        values.put("auto.create.topics.enable", Boolean.toString(config.autoCreateTopics()));
        values.put("default.replication.factor", "1");
        values.put("min.insync.replicas", "1");
        values.put("socket.request.max.bytes", Integer.toString(config.requestBytesMax()));
        values.put("max.connections", Integer.toString(config.connectionsMax()));
        for (TopicSetting setting : TopicSetting.values()) {
            values.put(brokerSynonym(setting), setting.format(setting.defaultValue(base)));
        }
        values.put("spool.acks.all.durability", config.acksAllDurability().name().toLowerCase(Locale.ROOT));
        List<Described> out = new ArrayList<>();
        values.forEach((name, value) -> out.add(new Described(name, value, true, ConfigSource.STATIC_BROKER_CONFIG,
                ConfigType.STRING, "Set when the server starts", List.of(new Synonym(name, value,
                ConfigSource.STATIC_BROKER_CONFIG)))));
        return out;
    }

    /** The broker config a topic setting falls back to, by Kafka's name. */
    private static String brokerSynonym(TopicSetting setting) {
        return switch (setting) {
            case RETENTION_MS -> "log.retention.ms";
            case RETENTION_BYTES -> "log.retention.bytes";
            case SEGMENT_BYTES -> "log.segment.bytes";
            case SEGMENT_MS -> "log.roll.ms";
            case SEGMENT_INDEX_BYTES -> "log.index.size.max.bytes";
            case MAX_MESSAGE_BYTES -> "message.max.bytes";
            case MESSAGE_TIMESTAMP_TYPE -> "log.message.timestamp.type";
            case MESSAGE_TIMESTAMP_BEFORE_MAX_MS -> "log.message.timestamp.before.max.ms";
            case MESSAGE_TIMESTAMP_AFTER_MAX_MS -> "log.message.timestamp.after.max.ms";
            case COMPRESSION_TYPE -> "compression.type";
            case CLEANUP_POLICY -> "log.cleanup.policy";
            case DELETE_RETENTION_MS -> "log.cleaner.delete.retention.ms";
            case MIN_CLEANABLE_DIRTY_RATIO -> "log.cleaner.min.cleanable.ratio";
            case MIN_COMPACTION_LAG_MS -> "log.cleaner.min.compaction.lag.ms";
            case MAX_COMPACTION_LAG_MS -> "log.cleaner.max.compaction.lag.ms";
        };
    }

    private static String documentation(TopicSetting setting) {
        return switch (setting) {
            case RETENTION_MS -> "Delete segments whose newest record is older than this; -1 keeps them forever";
            case RETENTION_BYTES -> "Delete the oldest segments while a partition is larger than this; -1: no limit";
            case SEGMENT_BYTES -> "Roll to a new segment file when the active one would grow past this";
            case SEGMENT_MS -> "Roll to a new segment file when the active one's first batch is older than this";
            case SEGMENT_INDEX_BYTES -> "Largest size of a new segment's offset and time index";
            case MAX_MESSAGE_BYTES -> "Largest record batch a producer may append, 12 bytes of log overhead included";
            case MESSAGE_TIMESTAMP_TYPE -> "CreateTime (the producer's timestamps) or LogAppendTime (the server's)";
            case MESSAGE_TIMESTAMP_BEFORE_MAX_MS -> "With CreateTime: how far a record's timestamp may lie in the past";
            case MESSAGE_TIMESTAMP_AFTER_MAX_MS -> "With CreateTime: how far a record's timestamp may lie in the future";
            case COMPRESSION_TYPE -> "producer (store batches as sent) or the codec the server recompresses them with: "
                    + "uncompressed, gzip, snappy, lz4, zstd";
            case CLEANUP_POLICY -> "delete (retention by time and size), compact (the latest record of each key kept; "
                    + "records without a key refused), or both";
            case DELETE_RETENTION_MS -> "How long a tombstone stays on a compacted topic after the cleaner first "
                    + "passes it";
            case MIN_CLEANABLE_DIRTY_RATIO -> "The share of a compacted log not yet cleaned above which it is cleaned "
                    + "(0 to 1; kept to six decimals)";
            case MIN_COMPACTION_LAG_MS -> "A record stays uncompacted at least this long after its append";
            case MAX_COMPACTION_LAG_MS -> "A record is compacted at the latest this long after its append";
        };
    }

    /** {@code config} with {@code name} set to {@code value}; throws {@link InvalidConfig} if it cannot be. */
    static TopicConfig set(TopicConfig config, String name, String value) {
        Optional<TopicSetting> setting = TopicSetting.forKey(name);
        if (setting.isPresent()) {
            try {
                return config.withOverride(setting.get(), setting.get().parse(value));
            } catch (IllegalArgumentException e) {
                throw new InvalidConfig(e.getMessage());
            }
        }
        if (name.equals(DURABILITY)) {
            return config.withDurability(durability(value).orElseThrow(() -> new InvalidConfig(
                    "Invalid value '" + value + "' for " + DURABILITY + ": expected none or strict")));
        }
        String fixed = FIXED.get(name);
        if (fixed == null) {
            throw new InvalidConfig("Unknown or unsupported topic config " + name + "; Spool accepts "
                    + supported());
        }
        if (value == null || !value.strip().equalsIgnoreCase(fixed)) {
            throw new InvalidConfig("Spool cannot set " + name + "=" + value + ": only " + fixed + " is supported");
        }
        return config;
    }

    /**
     * {@code config} with {@code name} back to its default. A name Spool does not keep is already
     * at its default: nothing to do, as Kafka's broker answers (MirrorMaker 2 deletes every config
     * the source topic leaves at its default, Kafka's whole list, on each sync).
     */
    static TopicConfig delete(TopicConfig config, String name, LogConfig base) {
        Optional<TopicSetting> setting = TopicSetting.forKey(name);
        if (setting.isPresent()) {
            return config.withoutOverride(setting.get());
        }
        if (name.equals(DURABILITY)) {
            return config.withDurability(base.write().durability());
        }
        return config;
    }

    /** IncrementalAlterConfigs APPEND or SUBTRACT: for list configs only, of which Spool has cleanup.policy. */
    static TopicConfig appendOrSubtract(TopicConfig config, String name, String value, boolean append) {
        if (!name.equals(CLEANUP_POLICY)) {
            String what = TopicSetting.forKey(name).isPresent() || FIXED.containsKey(name) || name.equals(DURABILITY)
                    ? name + " is not a list config" : "Unknown or unsupported topic config " + name;
            throw new InvalidConfig("Cannot " + (append ? "APPEND to " : "SUBTRACT from ") + name + ": " + what);
        }
        TopicSetting setting = TopicSetting.CLEANUP_POLICY;
        Set<String> policies = new LinkedHashSet<>(listOf(setting.format(config.override(setting)
                .orElse(TopicSetting.CLEANUP_DELETE))));
        if (append) {
            policies.addAll(listOf(value));
        } else {
            policies.removeAll(listOf(value));
        }
        if (policies.isEmpty()) {
            throw new InvalidConfig("Cannot SUBTRACT " + value + " from " + CLEANUP_POLICY
                    + ": a topic needs delete, compact or both");
        }
        return set(config, CLEANUP_POLICY, String.join(",", policies));
    }

    private static List<String> listOf(String value) {
        List<String> out = new ArrayList<>();
        for (String item : (value == null ? "" : value).split(",")) {
            if (!item.isBlank()) {
                out.add(item.strip().toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    private static String supported() {
        List<String> keys = new ArrayList<>();
        for (TopicSetting setting : TopicSetting.values()) {
            keys.add(setting.key());
        }
        keys.add(DURABILITY);
        FIXED_ORDER.forEach(name -> keys.add(name + "=" + FIXED.get(name)));
        return String.join(", ", keys);
    }

    static Optional<Durability> durability(String value) {
        return switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
            case "none" -> Optional.of(Durability.NONE);
            case "strict" -> Optional.of(Durability.STRICT);
            default -> Optional.empty();
        };
    }
}

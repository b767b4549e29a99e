package dev.spool.kafka.api;

import dev.spool.kafka.KafkaServerConfig;
import dev.spool.log.Durability;
import dev.spool.log.LogConfig;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Spool's settings under Kafka's config names: what DescribeConfigs reports for a topic or the
 * broker, and which values CreateTopics accepts. A value Spool cannot honour (compaction, a
 * recompressing {@code compression.type}, more than one replica) is refused rather than silently
 * ignored.
 */
final class TopicSettings {
    /** Spool's own setting: the durability of {@code acks=1} appends to the topic. */
    static final String DURABILITY = "spool.durability";

    private TopicSettings() {
    }

    static Map<String, String> topic(LogConfig config) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("cleanup.policy", "delete");
        out.put("compression.type", "producer");
        out.put("retention.ms", Long.toString(config.retentionMs()));
        out.put("retention.bytes", Long.toString(config.retentionBytes()));
        out.put("segment.bytes", Integer.toString(config.segmentBytes()));
        out.put("segment.ms", Long.toString(config.segmentMs()));
        out.put("segment.index.bytes", Integer.toString(config.segmentIndexBytes()));
        out.put("index.interval.bytes", Integer.toString(config.indexIntervalBytes()));
        out.put("max.message.bytes", Integer.toString(config.batchBytesMax()));
        out.put("message.timestamp.type", "CreateTime");
        out.put("min.insync.replicas", "1");
        out.put("unclean.leader.election.enable", "false");
        out.put("flush.messages", Long.toString(config.write().flushMessages() < 0 ? Long.MAX_VALUE
                : config.write().flushMessages()));
        out.put(DURABILITY, config.write().durability().name().toLowerCase(Locale.ROOT));
        return out;
    }

    static Map<String, String> broker(KafkaServerConfig config) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("broker.id", Integer.toString(MetadataHandler.NODE_ID));
        out.put("num.partitions", Integer.toString(config.defaultPartitions()));
        out.put("auto.create.topics.enable", Boolean.toString(config.autoCreateTopics()));
        out.put("default.replication.factor", "1");
        out.put("socket.request.max.bytes", Integer.toString(config.requestBytesMax()));
        out.put("max.connections", Integer.toString(config.connectionsMax()));
        out.put("spool.acks.all.durability", config.acksAllDurability().name().toLowerCase(Locale.ROOT));
        return out;
    }

    /** Why {@code name=value} cannot be set on a new topic; empty if it can. */
    static Optional<String> refusal(String name, String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        boolean accepted = switch (name) {
            case "cleanup.policy" -> v.equals("delete");
            case "compression.type" -> v.equals("producer");
            case "min.insync.replicas" -> v.equals("1");
            case "message.timestamp.type" -> v.equals("createtime");
            case "unclean.leader.election.enable" -> v.equals("false");
            case DURABILITY -> durability(v).isPresent();
            default -> false;
        };
        if (accepted) {
            return Optional.empty();
        }
        return Optional.of("Spool cannot set " + name + "=" + value + " on a topic (supported: cleanup.policy=delete, "
                + "compression.type=producer, min.insync.replicas=1, message.timestamp.type=CreateTime, "
                + DURABILITY + "=none|strict)");
    }

    static Optional<Durability> durability(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "none" -> Optional.of(Durability.NONE);
            case "strict" -> Optional.of(Durability.STRICT);
            default -> Optional.empty();
        };
    }
}

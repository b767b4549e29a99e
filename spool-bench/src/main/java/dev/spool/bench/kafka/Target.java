package dev.spool.bench.kafka;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The four servers the wire benchmark measures, as two pairs of equal durability:
 * <pre>
 *   durable     spool-strict  (acks=all waits for an fsync, group commit)
 *               kafka-flush1  (topic config flush.messages=1: an fsync after every append)
 *   page cache  spool-relaxed (acks=all waits for the page cache)
 *               kafka-default (Kafka's defaults: the page cache, no flush policy)
 * </pre>
 */
enum Target {
    SPOOL_STRICT("spool-strict", true, true, Map.of()),
    KAFKA_FLUSH1("kafka-flush1", false, true, Map.of("flush.messages", "1")),
    SPOOL_RELAXED("spool-relaxed", true, false, Map.of()),
    KAFKA_DEFAULT("kafka-default", false, false, Map.of());

    final String label;
    final boolean spool;
    /** Acknowledged only once on disk (fsync); the other pair acknowledges from the page cache. */
    final boolean durable;
    /** Topic configs the benchmark's topics are created with. */
    final Map<String, String> topicConfigs;

    Target(String label, boolean spool, boolean durable, Map<String, String> topicConfigs) {
        this.label = label;
        this.spool = spool;
        this.durable = durable;
        this.topicConfigs = topicConfigs;
    }

    /** The arguments of {@link BrokerMain} for this target over {@code dir}. */
    List<String> brokerArgs(Path dir, int port, int controllerPort) {
        if (spool) {
            return List.of("spool", dir.toString(), this == SPOOL_STRICT ? "strict" : "none");
        }
        return List.of("kafka", dir.toString(), Integer.toString(port), Integer.toString(controllerPort));
    }

    /** The Kafka target of the same durability as this Spool target. */
    Target rival() {
        return switch (this) {
            case SPOOL_STRICT -> KAFKA_FLUSH1;
            case SPOOL_RELAXED -> KAFKA_DEFAULT;
            case KAFKA_FLUSH1 -> SPOOL_STRICT;
            case KAFKA_DEFAULT -> SPOOL_RELAXED;
        };
    }

    static Target parse(String label) {
        for (Target target : values()) {
            if (target.label.equals(label.trim())) {
                return target;
            }
        }
        throw new IllegalArgumentException("Unknown target '" + label + "': spool-strict, kafka-flush1, "
                + "spool-relaxed or kafka-default");
    }
}

package dev.spool.kafka.api;

import dev.spool.log.LogManager;
import dev.spool.log.UnknownTopicException;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.common.Uuid;

/**
 * Topic ids between the log manager, which keeps them as {@link UUID}s (spool-core does not
 * depend on kafka-clients), and the wire, where they are kafka-clients' {@link Uuid}: the same
 * 128 bits, so the same text ({@code Uuid.toString()} is what {@code partition.metadata} holds).
 */
final class KafkaTopicIds {
    private KafkaTopicIds() {
    }

    static Uuid toKafka(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    static UUID fromKafka(Uuid id) {
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    /**
     * The id of topic {@code name}, or the zero id (Kafka's "none") if it does not exist or runs
     * without one (its id files are damaged): clients then address it by name, as they do a topic
     * that Kafka made without an id.
     */
    static Uuid of(LogManager manager, String name) {
        try {
            return manager.findTopicId(name).map(KafkaTopicIds::toKafka).orElse(Uuid.ZERO_UUID);
        } catch (UnknownTopicException e) {
            return Uuid.ZERO_UUID;
        }
    }

    /** The name of the topic with id {@code id}; empty for the zero id or an id no topic has. */
    static Optional<String> nameOf(LogManager manager, Uuid id) {
        if (id == null || Uuid.ZERO_UUID.equals(id)) {
            return Optional.empty();
        }
        return manager.findTopicName(fromKafka(id));
    }
}

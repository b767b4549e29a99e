package dev.spool.kafka.api;

import dev.spool.kafka.KafkaServerConfig;
import dev.spool.log.InvalidTopicNameException;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.TopicExistsException;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.protocol.Errors;

/**
 * The server's view of the topics in a {@link LogManager}: finds a partition's log, creates topics
 * when Metadata asks for an unknown one (if allowed), and keeps each log's {@link PartitionState}.
 * State is keyed by the {@link Log} object itself, so a topic deleted and created again starts
 * afresh. Topics whose name starts with {@code __} are internal (the group coordinator's): listed
 * as such, never created, written or deleted by clients. Thread-safe.
 */
final class Partitions {
    static final String INTERNAL_PREFIX = "__";

    private final LogManager manager;
    private final KafkaServerConfig config;
    private final Map<Log, PartitionState> states = new ConcurrentHashMap<>();

    Partitions(LogManager manager, KafkaServerConfig config) {
        this.manager = manager;
        this.config = config;
    }

    LogManager manager() {
        return manager;
    }

    KafkaServerConfig config() {
        return config;
    }

    static boolean isInternal(String topic) {
        return topic != null && topic.startsWith(INTERNAL_PREFIX);
    }

    Optional<Log> find(String topic, int partition) {
        return topic == null ? Optional.empty() : manager.findLog(topic, partition);
    }

    PartitionState state(Log log) {
        return states.computeIfAbsent(log, PartitionState::new);
    }

    /** Drops the state of logs that were closed (their topic was deleted). */
    void forgetClosed() {
        states.keySet().removeIf(Log::isClosed);
    }

    /**
     * Creates {@code topic} with {@code partitions} partitions unless it exists (another request
     * may create it at the same moment: that is success too). Returns the error, NONE on success.
     */
    Errors create(String topic, int partitions) throws IOException {
        if (isInternal(topic)) {
            return Errors.INVALID_TOPIC_EXCEPTION;
        }
        try {
            manager.createTopic(topic, partitions);
            return Errors.NONE;
        } catch (TopicExistsException e) {
            return Errors.TOPIC_ALREADY_EXISTS;
        } catch (InvalidTopicNameException e) {
            return Errors.INVALID_TOPIC_EXCEPTION;
        }
    }
}

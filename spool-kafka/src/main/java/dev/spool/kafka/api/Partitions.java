package dev.spool.kafka.api;

import dev.spool.kafka.KafkaServerConfig;
import dev.spool.log.InvalidTopicNameException;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.PartitionOfflineException;
import dev.spool.log.TopicExistsException;
import dev.spool.log.TopicPartition;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's view of the topics in a {@link LogManager}: finds a partition's log, creates topics
 * when Metadata asks for an unknown one (if allowed), and keeps each log's {@link PartitionState}.
 * State is keyed by the {@link Log} object itself, so a topic deleted and created again starts
 * afresh. Topics whose name starts with {@code __} are internal (the group coordinator's): listed
 * as such, never created, written or deleted by clients. Thread-safe.
 */
final class Partitions {
    static final String INTERNAL_PREFIX = "__";

    private static final Logger LOG = LoggerFactory.getLogger(Partitions.class);

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

    /**
     * The partition's log; empty for a partition that does not exist and for one that is offline
     * (its files are damaged): {@link #missing} tells the two apart.
     */
    Optional<Log> find(String topic, int partition) {
        if (topic == null) {
            return Optional.empty();
        }
        try {
            return manager.findLog(topic, partition);
        } catch (PartitionOfflineException e) {
            return Optional.empty();
        }
    }

    /**
     * The error for a partition {@link #find} found no log for: {@code KAFKA_STORAGE_ERROR}, Kafka's
     * code for a partition whose log directory failed, when the partition is offline (damaged: the
     * rest of the server serves, and {@code spool repair} brings it back); otherwise
     * {@code UNKNOWN_TOPIC_OR_PARTITION}.
     */
    Errors missing(String topic, int partition) {
        return isOffline(topic, partition) ? Errors.KAFKA_STORAGE_ERROR : Errors.UNKNOWN_TOPIC_OR_PARTITION;
    }

    /**
     * Whether the topic has the partition, online or offline: what a group's offset commit needs.
     * Kafka commits an offset for any partition its metadata lists, without reading the partition's
     * log, so a commit for an offline partition succeeds here too.
     */
    boolean exists(String topic, int partition) {
        return find(topic, partition).isPresent() || isOffline(topic, partition);
    }

    boolean isOffline(String topic, int partition) {
        return offline(topic, partition).isPresent();
    }

    /** Why the partition is offline (the damage, and the repair to run); empty when it is not. */
    Optional<PartitionOfflineException> offline(String topic, int partition) {
        return topic == null ? Optional.empty()
                : Optional.ofNullable(manager.offlinePartitions().get(new TopicPartition(topic, partition)));
    }

    /**
     * The server's state of {@code log}, made on first use. Making it also tells the log's cleaner
     * where compaction must stop: before the earliest open transaction (its records may still be
     * aborted), the producer state loaded from the log's tail the first time the cleaner asks.
     */
    PartitionState state(Log log) {
        return states.computeIfAbsent(log, l -> {
            PartitionState state = new PartitionState(l);
            l.setFirstUnstableOffset(() -> firstUnstableOffset(state));
            return state;
        });
    }

    /** The first offset of the log's earliest open transaction, or {@link Long#MAX_VALUE} when none is open. */
    private long firstUnstableOffset(PartitionState state) {
        if (!state.isLoaded()) {
            try {
                synchronized (state) {
                    state.producers(config.producerStateScanBytes(), config.producersPerPartitionMax());
                }
            } catch (java.io.IOException e) {
                return state.log.logStartOffset(); // unknown: clean nothing this round
            }
        }
        return state.hasTransactions() ? state.lastStableOffset(Long.MAX_VALUE) : Long.MAX_VALUE;
    }

    /** Makes the state of every partition's log, so the cleaner knows each one's open transactions. */
    void trackAll() {
        for (String topic : manager.topics()) {
            for (int p = 0; p < manager.partitionCount(topic); p++) {
                find(topic, p).ifPresent(this::state); // an offline partition is left out: it serves nothing
            }
        }
    }

    /** Drops the state of logs that were closed (their topic was deleted). */
    void forgetClosed() {
        states.keySet().removeIf(Log::isClosed);
    }

    /**
     * Why {@code more} partitions do not fit under the server's {@code max.partitions}, or empty
     * when they do. Creations running at the same moment may pass it together: a bound on what
     * clients can make the server hold, not an exact count.
     */
    Optional<String> noRoomFor(int more) {
        long held = 0;
        for (String topic : manager.topics()) {
            try {
                held += manager.partitionCount(topic);
            } catch (dev.spool.log.UnknownTopicException e) {
                // deleted meanwhile
            }
        }
        if (held + more <= config.partitionsMax()) {
            return Optional.empty();
        }
        return Optional.of("this server holds " + held + " partition(s) and at most " + config.partitionsMax()
                + " (max.partitions): " + more + " more do not fit");
    }

    /**
     * Creates {@code topic} with {@code partitions} partitions unless it exists (another request
     * may create it at the same moment: that is success too). Returns the error, NONE on success.
     */
    Errors create(String topic, int partitions) throws IOException {
        if (isInternal(topic)) {
            return Errors.INVALID_TOPIC_EXCEPTION;
        }
        Optional<String> full = noRoomFor(partitions);
        if (full.isPresent()) {
            LOG.warn("Not creating topic {}: {}", topic, full.get());
            return Errors.POLICY_VIOLATION;
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

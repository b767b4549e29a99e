package dev.spool.kafka.metrics;

import dev.spool.log.LogManager;
import dev.spool.log.PartitionOfflineException;
import dev.spool.log.TopicPartition;
import java.util.Optional;
import java.util.SortedMap;
import java.util.stream.Collectors;

/**
 * What {@code GET /ready} answers ({@link MetricsEndpoint#readiness}): 200 when the server can
 * serve every partition, 503 with the reason otherwise.
 */
@FunctionalInterface
public interface Readiness {
    /** How many offline partitions a reason names; the count says how many more there are. */
    int NAMED_PARTITIONS_MAX = 10;

    /** Why the server cannot serve (a short sentence), or empty when it can. */
    Optional<String> notReadyBecause();

    /** Before the data directory is loaded and the Kafka listener bound. */
    Readiness STARTING = () -> Optional.of("starting: the data directory is loading or the Kafka listener is not bound yet");

    /** After a stop was asked for. */
    Readiness STOPPING = () -> Optional.of("stopping: finishing the requests in flight");

    /**
     * A server that loaded {@code manager} and listens: ready unless partitions are offline
     * (damaged; {@link LogManager#offlinePartitions()}), which it names.
     */
    static Readiness serving(LogManager manager) {
        return () -> {
            SortedMap<TopicPartition, PartitionOfflineException> offline = manager.offlinePartitions();
            if (offline.isEmpty()) {
                return Optional.empty();
            }
            String named = offline.keySet().stream().limit(NAMED_PARTITIONS_MAX).map(TopicPartition::toString)
                    .collect(Collectors.joining(", "));
            return Optional.of(offline.size() + " partition" + (offline.size() == 1 ? " is" : "s are")
                    + " offline (damaged files): " + named + (offline.size() > NAMED_PARTITIONS_MAX ? ", ..." : "")
                    + "; stop the server and run spool repair");
        };
    }
}

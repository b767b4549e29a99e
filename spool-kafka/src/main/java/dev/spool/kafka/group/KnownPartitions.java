package dev.spool.kafka.group;

/**
 * Which partitions exist on the server, as its topic handlers see them. The coordinator commits and
 * deletes offsets only for these (a commit for any other partition gets
 * {@code UNKNOWN_TOPIC_OR_PARTITION}, as Kafka answers). An offline partition (its files damaged)
 * exists: Kafka commits an offset for any partition its metadata lists, without reading its log.
 * The server passes its own view with each request, so the group package needs nothing of the
 * topic layer. Implementations must be thread-safe and cheap: they are asked once per partition
 * of a request.
 */
@FunctionalInterface
public interface KnownPartitions {
    boolean exists(String topic, int partition);
}

package dev.spool.compat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** What the harness reads back after an admin operation, with the Java client; and a group to act on. */
final class Admins {
    private Admins() {
    }

    /**
     * Waits until the server describes {@code topic} with {@code expected} partitions. Kafka's broker
     * learns of a topic or partition its controller created a moment later, so a describe right
     * after a create may not see it yet; the wait is bounded and the last answer is reported.
     */
    static void awaitPartitions(Fixtures f, String topic, int expected) throws Exception {
        long deadline = System.currentTimeMillis() + Fixtures.WAIT_MS;
        String seen = "nothing";
        while (System.currentTimeMillis() < deadline) {
            try {
                int partitions = f.admin().describeTopics(List.of(topic)).allTopicNames()
                        .get(Fixtures.WAIT_MS, TimeUnit.MILLISECONDS).get(topic).partitions().size();
                if (partitions == expected) {
                    return;
                }
                seen = partitions + " partitions";
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                seen = e.getCause().toString();
            }
            Thread.sleep(100); // polling the server's state, not waiting for an event of ours
        }
        throw new AssertionError("topic " + topic + " should have " + expected + " partitions; the server still said "
                + seen + " after " + Fixtures.WAIT_MS + " ms");
    }

    /** Waits until the topic no longer shows in the server's topic list (Kafka deletes asynchronously). */
    static void awaitGone(Fixtures f, String topic) throws Exception {
        long deadline = System.currentTimeMillis() + Fixtures.WAIT_MS;
        Set<String> names = Set.of();
        while (System.currentTimeMillis() < deadline) {
            names = f.admin().listTopics().names().get(Fixtures.WAIT_MS, TimeUnit.MILLISECONDS);
            if (!names.contains(topic)) {
                return;
            }
            Thread.sleep(100); // polling the server's state, not waiting for an event of ours
        }
        throw new AssertionError("topic " + topic + " still listed " + Fixtures.WAIT_MS + " ms after its delete: "
                + names);
    }

    static String topicConfig(Fixtures f, String topic, String name) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = f.admin().describeConfigs(List.of(resource)).all()
                .get(Fixtures.WAIT_MS, TimeUnit.MILLISECONDS).get(resource);
        return config.get(name) == null ? null : config.get(name).value();
    }

    /**
     * A consumer group {@code TOPIC-g} that a Java consumer joined (subscribe), read partition 0 of a
     * fresh 6-record topic with, committed {@code committed} and left: an Empty group with offsets.
     */
    static String groupWithCommit(Fixtures f, String topic, long committed) throws Exception {
        return groupWithCommit(f, topic, committed, -1);
    }

    /** As above, the records' timestamps {@code firstTimestamp + 1000 i} (now when negative). */
    static String groupWithCommit(Fixtures f, String topic, long committed, long firstTimestamp) throws Exception {
        f.createTopic(topic, 1);
        f.produce(topic, Fixtures.values("g", 6), firstTimestamp);
        String group = topic + "-g";
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Fixtures.consumerProps(f.target, group, "earliest"))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + Fixtures.WAIT_MS;
            while (consumer.assignment().isEmpty() && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200));
            }
            if (consumer.assignment().isEmpty()) {
                throw new AssertionError("the Java consumer got no partition of " + topic + " in group " + group
                        + " within " + Fixtures.WAIT_MS + " ms");
            }
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(committed)), Duration.ofMillis(Fixtures.WAIT_MS));
        }
        return group;
    }
}

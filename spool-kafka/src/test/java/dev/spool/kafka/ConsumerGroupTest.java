package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own Java consumers in a group (the classic protocol) against the server with the real
 * group coordinator: two consumers share a topic's partitions, one leaves and the other takes them
 * all, the server restarts in the middle, and the group's committed offsets outlive it.
 */
class ConsumerGroupTest {
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 2_000;

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void twoConsumersShareThePartitionsThenOneTakesOverAcrossARestartAndCommittedOffsetsSurvive() throws Exception {
        RunningServer.CoordinatorFactory groups = RunningServer.groups();
        try (RunningServer server = new RunningServer(dir, KafkaServerConfig.defaults(), groups)) {
            createTopic(server.bootstrap());
            produce(server.bootstrap());

            Map<String, Integer> deliveries = new HashMap<>();
            Tracked first = new Tracked(server.bootstrap(), "first");
            Tracked second = new Tracked(server.bootstrap(), "second");
            try {
                // Both poll until each owns some partitions and half the records are in.
                pollUntil(List.of(first, second), deliveries,
                        () -> !first.assigned.isEmpty() && !second.assigned.isEmpty()
                                && deliveries.size() >= RECORDS / 2);
                assertThat(first.assigned).doesNotContainAnyElementsOf(second.assigned);
                assertThat(first.assigned.size() + second.assigned.size()).isEqualTo(PARTITIONS);
            } finally {
                second.consumer.close(); // LeaveGroup: the first takes every partition at the next rebalance
            }
            assertThat(second.everAssigned).isNotEmpty();

            server.restart(); // group membership is in memory only: the first rejoins from committed offsets
            try {
                pollUntil(List.of(first), deliveries, () -> deliveries.size() == RECORDS
                        && first.assigned.size() == PARTITIONS && first.committedAll);
            } finally {
                first.consumer.close();
            }
        }
        // Every record was delivered (at least once: commits of the old generation fail once after a restart).
        // A third consumer, after another restart, finds nothing left: the commits were durable.
        try (RunningServer server = new RunningServer(dir, KafkaServerConfig.defaults(),
                RunningServer.groups());
             KafkaConsumer<byte[], byte[]> third = new KafkaConsumer<>(groupProps(server.bootstrap(), "third"))) {
            third.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (third.assignment().size() < PARTITIONS && System.nanoTime() < deadline) {
                assertThat(third.poll(Duration.ofMillis(200)).count()).as("records after everything was committed")
                        .isZero();
            }
            assertThat(third.assignment()).hasSize(PARTITIONS);
            for (int i = 0; i < 5; i++) {
                assertThat(third.poll(Duration.ofMillis(200)).count()).isZero();
            }
            Map<TopicPartition, OffsetAndMetadata> committed = third.committed(new HashSet<>(third.assignment()));
            long total = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
            assertThat(total).as("committed offsets add up to every record, each stored once").isEqualTo(RECORDS);
        }
    }

    private static void createTopic(String bootstrap) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
        }
    }

    private static void produce(String bootstrap) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                ProduceConsumeTest.producerProps(bootstrap, "lz4"), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                byte[] key = ("k" + i).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(TOPIC, key, ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    static Properties groupProps(String bootstrap, String clientId) {
        Properties props = ProduceConsumeTest.consumerProps(bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return props;
    }

    /** A group member that remembers what it was given. */
    private static final class Tracked implements ConsumerRebalanceListener {
        final KafkaConsumer<byte[], byte[]> consumer;
        final Set<TopicPartition> assigned = new HashSet<>();
        final Set<TopicPartition> everAssigned = new HashSet<>();
        boolean committedAll;

        Tracked(String bootstrap, String clientId) {
            consumer = new KafkaConsumer<>(groupProps(bootstrap, clientId));
            consumer.subscribe(List.of(TOPIC), this);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            assigned.removeAll(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assigned.addAll(partitions);
            everAssigned.addAll(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            assigned.removeAll(partitions);
        }

        /** One poll, then a synchronous commit of what it returned. */
        void pollOnce(Map<String, Integer> deliveries) {
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            for (ConsumerRecord<byte[], byte[]> record : records) {
                String key = new String(record.key(), StandardCharsets.UTF_8);
                assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("v" + key.substring(1));
                deliveries.merge(key, 1, Integer::sum);
            }
            try {
                consumer.commitSync();
                committedAll = records.isEmpty();
            } catch (CommitFailedException | RebalanceInProgressException e) {
                committedAll = false; // a rebalance or a restart moved the generation: redelivered, not lost
            }
        }
    }

    private static void pollUntil(List<Tracked> members, Map<String, Integer> deliveries,
                                  java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("the group settles and the records arrive").isLessThan(deadline);
            for (Tracked member : members) {
                member.pollOnce(deliveries);
            }
        }
    }
}

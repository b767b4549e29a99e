package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeProducersResult;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin APIs Kafka's tools call besides topics, groups and configs, through the real Admin client. */
class AdminApisTest {
    @TempDir
    Path dir;


    private static KafkaProducer<byte[], byte[]> producer(RunningServer server) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "20");
        props.put(ProducerConfig.METADATA_MAX_AGE_CONFIG, "500");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(RunningServer server) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        props.put(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG, "20");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static List<RecordMetadata> send(KafkaProducer<byte[], byte[]> producer, String topic, int partition,
                                             int count) throws Exception {
        List<RecordMetadata> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(producer.send(new ProducerRecord<>(topic, partition, null,
                    ("v" + i).getBytes(StandardCharsets.UTF_8))).get());
        }
        return sent;
    }

    /** Reads from the earliest offset until {@code count} records came (bounded by a poll budget). */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(RunningServer server, TopicPartition tp, int count) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(server)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            for (int polls = 0; polls < 100 && out.size() < count; polls++) {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            return out;
        }
    }

    @Test
    void topicIdsAgreeInCreateTopicsDescribeTopicsAndMetadataAndSurviveARestart() throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            Uuid created;
            try (Admin admin = server.admin()) {
                CreateTopicsResult result = admin.createTopics(List.of(new NewTopic("ids", 2, (short) 1)));
                created = result.topicId("ids").get();
                assertThat(created).isNotEqualTo(Uuid.ZERO_UUID);
                assertThat(created.toString()).isEqualTo(
                        dev.spool.log.catalog.PartitionMetadataFile.encode(server.manager().topicId("ids")));
                TopicDescription byName = admin.describeTopics(List.of("ids")).allTopicNames().get().get("ids");
                assertThat(byName.topicId()).isEqualTo(created);
                TopicDescription byId = admin.describeTopics(TopicCollection.ofTopicIds(List.of(created)))
                        .allTopicIds().get().get(created);
                assertThat(byId.name()).isEqualTo("ids");
                assertThat(byId.partitions()).hasSize(2);
                assertThat(Files.readString(dir.resolve("ids-1").resolve("partition.metadata")))
                        .isEqualTo("version: 0\ntopic_id: " + created);
            }
            server.restart();
            try (Admin admin = server.admin()) {
                assertThat(admin.describeTopics(List.of("ids")).allTopicNames().get().get("ids").topicId())
                        .isEqualTo(created);
                Uuid unknown = Uuid.randomUuid();
                assertThatThrownBy(() -> admin.describeTopics(TopicCollection.ofTopicIds(List.of(unknown)))
                        .allTopicIds().get()).hasCauseInstanceOf(UnknownTopicIdException.class);
                assertThatThrownBy(() -> admin.deleteTopics(TopicCollection.ofTopicIds(List.of(unknown))).all().get())
                        .hasCauseInstanceOf(UnknownTopicIdException.class);
                admin.deleteTopics(TopicCollection.ofTopicIds(List.of(created))).all().get();
                assertThat(server.manager().topicExists("ids")).isFalse();
            }
        }
    }

    @Test
    void createPartitionsGrowsATopicThatThenTakesRecordsInItsNewPartition() throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin();
             KafkaProducer<byte[], byte[]> producer = producer(server)) {
            admin.createTopics(List.of(new NewTopic("grow", 1, (short) 1))).all().get();
            send(producer, "grow", 0, 2);
            admin.createPartitions(Map.of("grow", NewPartitions.increaseTo(3))).all().get();
            assertThat(server.manager().partitionCount("grow")).isEqualTo(3);
            assertThat(admin.describeTopics(List.of("grow")).allTopicNames().get().get("grow").partitions()).hasSize(3);

            List<RecordMetadata> sent = send(producer, "grow", 2, 3);
            assertThat(sent).extracting(RecordMetadata::partition).containsOnly(2);
            assertThat(sent).extracting(RecordMetadata::offset).containsExactly(0L, 1L, 2L);
            assertThat(readAll(server, new TopicPartition("grow", 2), 3)).extracting(r -> new String(r.value(),
                    StandardCharsets.UTF_8)).containsExactly("v0", "v1", "v2");

            admin.createPartitions(Map.of("grow", NewPartitions.increaseTo(4)),
                    new org.apache.kafka.clients.admin.CreatePartitionsOptions().validateOnly(true)).all().get();
            assertThat(server.manager().partitionCount("grow")).isEqualTo(3);
        }
    }

    @Test
    void createPartitionsRefusesShrinkingTheSameCountOtherNodesAndUnknownTopics() throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin()) {
            admin.createTopics(List.of(new NewTopic("fixed", 3, (short) 1))).all().get();
            assertThatThrownBy(() -> admin.createPartitions(Map.of("fixed", NewPartitions.increaseTo(2))).all().get())
                    .hasCauseInstanceOf(InvalidPartitionsException.class)
                    .hasMessageContaining("the count can only grow, not become 2");
            assertThatThrownBy(() -> admin.createPartitions(Map.of("fixed", NewPartitions.increaseTo(3))).all().get())
                    .hasCauseInstanceOf(InvalidPartitionsException.class).hasMessageContaining("already has 3");
            assertThatThrownBy(() -> admin.createPartitions(Map.of("fixed",
                    NewPartitions.increaseTo(4, List.of(List.of(1))))).all().get())
                    .hasCauseInstanceOf(InvalidReplicaAssignmentException.class);
            assertThatThrownBy(() -> admin.createPartitions(Map.of("absent", NewPartitions.increaseTo(4))).all().get())
                    .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
            admin.createPartitions(Map.of("fixed", NewPartitions.increaseTo(4, List.of(List.of(0))))).all().get();
            assertThat(server.manager().partitionCount("fixed")).isEqualTo(4);
        }
    }

    @Test
    void deleteRecordsMovesTheStartTheConsumerBeginsThereAndItSurvivesARestart() throws Exception {
        TopicPartition tp = new TopicPartition("trim", 0);
        try (RunningServer server = new RunningServer(dir)) {
            try (Admin admin = server.admin(); KafkaProducer<byte[], byte[]> producer = producer(server)) {
                admin.createTopics(List.of(new NewTopic("trim", 1, (short) 1))).all().get();
                send(producer, "trim", 0, 10);
                long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(4))).lowWatermarks().get(tp).get()
                        .lowWatermark();
                assertThat(low).isEqualTo(4);
                assertThat(readAll(server, tp, 6)).extracting(ConsumerRecord::offset)
                        .containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
                assertThatThrownBy(() -> admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(11)))
                        .all().get()).hasCauseInstanceOf(OffsetOutOfRangeException.class);
            }
            server.restart();
            assertThat(server.manager().log("trim", 0).logStartOffset()).isEqualTo(4);
            assertThat(readAll(server, tp, 6).get(0).offset()).isEqualTo(4);
            try (Admin admin = server.admin()) { // -1: up to the high watermark
                long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(-1))).lowWatermarks().get(tp).get()
                        .lowWatermark();
                assertThat(low).isEqualTo(10);
            }
        }
    }

    @Test
    void describeLogDirsReportsTheDataDirectoryAndEachPartitionsSize() throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin();
             KafkaProducer<byte[], byte[]> producer = producer(server)) {
            admin.createTopics(List.of(new NewTopic("sized", 2, (short) 1))).all().get();
            send(producer, "sized", 1, 5);
            Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(0)).allDescriptions().get().get(0);
            assertThat(dirs).containsOnlyKeys(dir.toAbsolutePath().toString());
            LogDirDescription description = dirs.get(dir.toAbsolutePath().toString());
            assertThat(description.error()).isNull();
            assertThat(description.totalBytes().orElseThrow()).isPositive();
            assertThat(description.usableBytes().orElseThrow()).isPositive()
                    .isLessThanOrEqualTo(description.totalBytes().orElseThrow());
            Map<TopicPartition, ReplicaInfo> replicas = description.replicaInfos();
            assertThat(replicas.get(new TopicPartition("sized", 0)).size()).isZero();
            assertThat(replicas.get(new TopicPartition("sized", 1)).size())
                    .isEqualTo(server.manager().log("sized", 1).sizeBytes()).isPositive();
            assertThat(replicas.get(new TopicPartition("sized", 1)).offsetLag()).isZero();

            var replicaLogDirs = admin.describeReplicaLogDirs(List.of(
                    new org.apache.kafka.common.TopicPartitionReplica("sized", 1, 0))).all().get();
            assertThat(replicaLogDirs.values().iterator().next().getCurrentReplicaLogDir())
                    .isEqualTo(dir.toAbsolutePath().toString());
        }
    }

    @Test
    void describeClusterNamesThisNodeAsTheOneBrokerAndController() throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin()) {
            DescribeClusterResult cluster = admin.describeCluster();
            assertThat(cluster.clusterId().get()).isEqualTo("spool");
            assertThat(cluster.nodes().get()).singleElement().satisfies(node -> {
                assertThat(node.id()).isZero();
                assertThat(node.port()).isEqualTo(server.port());
            });
            assertThat(cluster.controller().get().id()).isZero();
        }
    }

    @Test
    void describeProducersListsTheIdempotentProducerThatWrote() throws Exception {
        TopicPartition tp = new TopicPartition("pids", 0);
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin();
             KafkaProducer<byte[], byte[]> producer = producer(server)) {
            admin.createTopics(List.of(new NewTopic("pids", 1, (short) 1))).all().get();
            long before = System.currentTimeMillis();
            send(producer, "pids", 0, 3);
            DescribeProducersResult result = admin.describeProducers(List.of(tp));
            List<ProducerState> producers = result.partitionResult(tp).get().activeProducers();
            assertThat(producers).singleElement().satisfies(state -> {
                assertThat(state.producerId()).isNotNegative();
                assertThat(state.producerEpoch()).isZero();
                assertThat(state.lastSequence()).isEqualTo(2);
                assertThat(state.lastTimestamp()).isGreaterThanOrEqualTo(before);
                assertThat(state.currentTransactionStartOffset()).isEmpty();
            });
        }
    }

    /** A consumer that commits and later resumes checks its position with OffsetForLeaderEpoch. */
    @Test
    void aConsumerValidatesItsPositionAgainstTheOneLeaderEpoch() throws Exception {
        TopicPartition tp = new TopicPartition("epochs", 0);
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin();
             KafkaProducer<byte[], byte[]> producer = producer(server)) {
            admin.createTopics(List.of(new NewTopic("epochs", 1, (short) 1))).all().get();
            send(producer, "epochs", 0, 4);
            try (KafkaConsumer<byte[], byte[]> consumer = consumer(server)) {
                consumer.assign(Set.of(tp));
                consumer.seek(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(2, java.util.Optional.of(0),
                        ""));
                List<Long> offsets = new ArrayList<>();
                for (int polls = 0; polls < 100 && offsets.size() < 2; polls++) {
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> offsets.add(r.offset()));
                }
                assertThat(offsets).containsExactly(2L, 3L);
            }
        }
    }
}

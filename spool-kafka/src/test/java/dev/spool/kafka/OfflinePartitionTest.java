package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.group.ClassicGroupCoordinator;
import dev.spool.kafka.group.GroupCoordinatorConfig;
import dev.spool.log.AppendResult;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.TopicPartition;
import dev.spool.log.record.BatchBuilder;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition whose segment is damaged below its recovery point: the server starts, serves every
 * other partition, and answers the damaged one with {@code KAFKA_STORAGE_ERROR} (Kafka's code for
 * a partition whose log directory failed) in Metadata, Produce, Fetch, ListOffsets, DeleteRecords,
 * OffsetForLeaderEpoch and DescribeProducers; DescribeLogDirs leaves it out, and a group's offset
 * commit for it is accepted, as Kafka commits without reading the partition's log. A topic whose
 * partition 0 {@code topic.config} is damaged is offline as a whole: its settings are
 * {@code KAFKA_STORAGE_ERROR} too (DescribeConfigs, IncrementalAlterConfigs, CreatePartitions),
 * and it can be deleted.
 */
class OfflinePartitionTest {
    @TempDir
    Path dataDir;

    /** Topics {@code good} (empty) and {@code bad} (2 partitions); {@code bad-0} cut mid-batch after a clean shutdown. */
    private void writeThenDamage() throws IOException {
        List<AppendResult> appended = new ArrayList<>();
        try (RunningServer server = new RunningServer(dataDir)) {
            server.manager().createTopic("good", 1);
            server.manager().createTopic("bad", 2);
            Log log = server.manager().log("bad", 0);
            for (int i = 0; i < 100; i++) {
                appended.add(log.append(batch("v-" + i)));
            }
        }
        Path segment = dataDir.resolve("bad-0").resolve("00000000000000000000.log");
        long cut = appended.get(50).position() + 10;
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.setLength(cut);
        }
        assertThat(Files.size(segment)).isEqualTo(cut);
    }

    @Test
    void theDamagedPartitionGetsKafkaStorageErrorWhileTheRestOfTheServerServes() throws Exception {
        writeThenDamage();
        try (RunningServer server = new RunningServer(dataDir); RawClient client = new RawClient(server.port())) {
            assertThat(server.manager().offlinePartitions()).containsOnlyKeys(new TopicPartition("bad", 0));

            MetadataResponseData metadata = (MetadataResponseData) client.call(ApiKeys.METADATA, (short) 12,
                    new MetadataRequestData().setAllowAutoTopicCreation(false).setTopics(List.of(
                            new MetadataRequestData.MetadataRequestTopic().setName("good"),
                            new MetadataRequestData.MetadataRequestTopic().setName("bad"))));
            assertThat(metadata.topics().find("good").partitions()).singleElement()
                    .satisfies(p -> assertThat(p.errorCode()).isEqualTo(Errors.NONE.code()));
            MetadataResponseData.MetadataResponseTopic bad = metadata.topics().find("bad");
            assertThat(bad.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(bad.partitions()).hasSize(2);
            assertThat(bad.partitions().get(0).errorCode()).isEqualTo(Errors.KAFKA_STORAGE_ERROR.code());
            assertThat(bad.partitions().get(0).offlineReplicas()).containsExactly(0);
            assertThat(bad.partitions().get(1).errorCode()).isEqualTo(Errors.NONE.code());

            ProduceResponseData.PartitionProduceResponse toGood = produce(client, "good");
            assertThat(toGood.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(toGood.baseOffset()).isZero();
            ProduceResponseData.PartitionProduceResponse toBad = produce(client, "bad");
            assertThat(toBad.errorCode()).isEqualTo(Errors.KAFKA_STORAGE_ERROR.code());
            assertThat(toBad.errorMessage()).startsWith("Partition bad-0 is offline: Corrupt log ")
                    .endsWith("; run 'spool repair bad'");

            FetchRequestData fetch = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
                    .setReplicaId(-1);
            for (String topic : List.of("good", "bad")) {
                fetch.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                                .setPartitionMaxBytes(1 << 20))));
            }
            FetchResponseData fetched = (FetchResponseData) client.call(ApiKeys.FETCH, (short) 12, fetch);
            FetchResponseData.PartitionData good = fetched.responses().get(0).partitions().get(0);
            assertThat(good.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(good.highWatermark()).isEqualTo(1);
            assertThat(((MemoryRecords) good.records()).records()).hasSize(1);
            assertThat(fetched.responses().get(1).partitions().get(0).errorCode())
                    .isEqualTo(Errors.KAFKA_STORAGE_ERROR.code());

            assertThat(listOffsets(client, "good").errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(listOffsets(client, "good").offset()).isEqualTo(1);
            assertThat(listOffsets(client, "bad").errorCode()).isEqualTo(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }

    @Test
    void theAdminAndEpochApisAnswerKafkaStorageErrorForTheDamagedPartitionAndAnOffsetCommitIsAccepted()
            throws Exception {
        writeThenDamage();
        RunningServer.CoordinatorFactory groups = dir -> ClassicGroupCoordinator.open(
                dir.resolve(LogManager.RESERVED_PREFIX + "consumer_offsets"), GroupCoordinatorConfig.defaults());
        try (RunningServer server = new RunningServer(dataDir, KafkaServerConfig.defaults(), groups);
             RawClient client = new RawClient(server.port())) {
            DeleteRecordsRequestData deleteRecords = new DeleteRecordsRequestData().setTimeoutMs(10_000);
            deleteRecords.topics().add(new DeleteRecordsRequestData.DeleteRecordsTopic().setName("bad").setPartitions(
                    List.of(new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(1),
                            new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(1).setOffset(0))));
            DeleteRecordsResponseData.DeleteRecordsTopicResult deleted = ((DeleteRecordsResponseData) client.call(
                    ApiKeys.DELETE_RECORDS, (short) 2, deleteRecords)).topics().find("bad");
            assertThat(deleted.partitions().find(0).errorCode()).isEqualTo(Errors.KAFKA_STORAGE_ERROR.code());
            assertThat(deleted.partitions().find(1).errorCode()).isEqualTo(Errors.NONE.code());

            OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection epochTopics =
                    new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection();
            epochTopics.add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic("bad").setPartitions(
                    List.of(epochOf(0), epochOf(1))));
            List<OffsetForLeaderEpochResponseData.EpochEndOffset> epochs = ((OffsetForLeaderEpochResponseData)
                    client.call(ApiKeys.OFFSET_FOR_LEADER_EPOCH, (short) 4, new OffsetForLeaderEpochRequestData()
                            .setReplicaId(-1).setTopics(epochTopics))).topics().find("bad").partitions();
            assertThat(epochs.get(0).errorCode()).isEqualTo(Errors.KAFKA_STORAGE_ERROR.code());
            assertThat(epochs.get(1).errorCode()).isEqualTo(Errors.NONE.code());

            DescribeProducersRequestData producers = new DescribeProducersRequestData();
            producers.topics().add(new DescribeProducersRequestData.TopicRequest().setName("bad")
                    .setPartitionIndexes(List.of(0, 1)));
            List<DescribeProducersResponseData.PartitionResponse> described = ((DescribeProducersResponseData)
                    client.call(ApiKeys.DESCRIBE_PRODUCERS, (short) 0, producers)).topics().get(0).partitions();
            assertThat(described.get(0).errorCode()).isEqualTo(Errors.KAFKA_STORAGE_ERROR.code());
            assertThat(described.get(0).errorMessage()).startsWith("Partition bad-0 is offline: Corrupt log ");
            assertThat(described.get(1).errorCode()).isEqualTo(Errors.NONE.code());

            DescribeLogDirsResponseData.DescribeLogDirsResult dir = ((DescribeLogDirsResponseData) client.call(
                    ApiKeys.DESCRIBE_LOG_DIRS, (short) 4, new DescribeLogDirsRequestData().setTopics(null)))
                    .results().get(0);
            assertThat(dir.topics()).filteredOn(t -> t.name().equals("bad")).singleElement()
                    .satisfies(t -> assertThat(t.partitions()).extracting(p -> p.partitionIndex()).containsExactly(1));

            OffsetCommitResponseData committed = (OffsetCommitResponseData) client.call(ApiKeys.OFFSET_COMMIT,
                    (short) 9, new OffsetCommitRequestData().setGroupId("g").setGenerationIdOrMemberEpoch(-1)
                            .setMemberId("").setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic()
                                    .setName("bad").setPartitions(List.of(commitOf(0, 42), commitOf(2, 1))))));
            assertThat(committed.topics().get(0).partitions()).extracting(p -> p.errorCode()).as("bad-2 does not exist")
                    .containsExactly(Errors.NONE.code(), Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            OffsetFetchResponseData fetched = (OffsetFetchResponseData) client.call(ApiKeys.OFFSET_FETCH, (short) 7,
                    new OffsetFetchRequestData().setGroupId("g").setTopics(List.of(
                            new OffsetFetchRequestData.OffsetFetchRequestTopic().setName("bad")
                                    .setPartitionIndexes(List.of(0)))));
            assertThat(fetched.topics().get(0).partitions().get(0).committedOffset()).isEqualTo(42);
        }
    }

    private static OffsetForLeaderEpochRequestData.OffsetForLeaderPartition epochOf(int partition) {
        return new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(partition)
                .setCurrentLeaderEpoch(-1).setLeaderEpoch(0);
    }

    private static OffsetCommitRequestData.OffsetCommitRequestPartition commitOf(int partition, long offset) {
        return new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(partition)
                .setCommittedOffset(offset);
    }

    @Test
    void aTopicWhosePartitionZeroTopicConfigIsDamagedIsOfflineWhileTheServerServesTheRest() throws Exception {
        try (RunningServer server = new RunningServer(dataDir)) {
            server.manager().createTopic("good", 1);
            server.manager().createTopic("conf", 2);
        }
        Path config = dataDir.resolve("conf-0").resolve("topic.config");
        Files.writeString(config, "version=2\n"); // as a disk might leave it: durability and the rest lost
        try (RunningServer server = new RunningServer(dataDir); RawClient client = new RawClient(server.port())) {
            assertThat(server.manager().offlinePartitions()).containsOnlyKeys(new TopicPartition("conf", 0),
                    new TopicPartition("conf", 1));
            MetadataResponseData metadata = (MetadataResponseData) client.call(ApiKeys.METADATA, (short) 12,
                    new MetadataRequestData().setAllowAutoTopicCreation(false).setTopics(List.of(
                            new MetadataRequestData.MetadataRequestTopic().setName("conf"))));
            assertThat(metadata.topics().find("conf").partitions()).extracting(p -> p.errorCode())
                    .containsExactly(Errors.KAFKA_STORAGE_ERROR.code(), Errors.KAFKA_STORAGE_ERROR.code());
            assertThat(produce(client, "good").errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(produce(client, "conf").errorMessage()).startsWith("Partition conf-0 is offline: Bad topic config "
                    + config + ": missing 'durability'; run 'spool repair conf'");

            DescribeConfigsResponseData.DescribeConfigsResult describedConfig = ((DescribeConfigsResponseData)
                    client.call(ApiKeys.DESCRIBE_CONFIGS, (short) 4, new DescribeConfigsRequestData().setResources(
                            List.of(new DescribeConfigsRequestData.DescribeConfigsResource()
                                    .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("conf")
                                    .setConfigurationKeys(null))))).results().get(0);
            assertThat(describedConfig.errorCode()).isEqualTo(Errors.KAFKA_STORAGE_ERROR.code());
            assertThat(describedConfig.errorMessage()).contains("Bad topic config " + config);
            assertThat(describedConfig.configs()).isEmpty();

            IncrementalAlterConfigsRequestData.AlterableConfigCollection change =
                    new IncrementalAlterConfigsRequestData.AlterableConfigCollection();
            change.add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("retention.ms")
                    .setConfigOperation((byte) 0).setValue("1000"));
            IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection resources =
                    new IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection();
            resources.add(new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                    .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("conf").setConfigs(change));
            IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse altered =
                    ((IncrementalAlterConfigsResponseData) client.call(ApiKeys.INCREMENTAL_ALTER_CONFIGS, (short) 1,
                            new IncrementalAlterConfigsRequestData().setResources(resources))).responses().get(0);
            assertThat(altered.errorCode()).isEqualTo(Errors.KAFKA_STORAGE_ERROR.code());
            assertThat(Files.readString(config)).as("not overwritten").isEqualTo("version=2\n");

            CreatePartitionsRequestData grow = new CreatePartitionsRequestData().setTimeoutMs(10_000);
            grow.topics().add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("conf").setCount(3)
                    .setAssignments(null));
            CreatePartitionsResponseData.CreatePartitionsTopicResult grown = ((CreatePartitionsResponseData)
                    client.call(ApiKeys.CREATE_PARTITIONS, (short) 3, grow)).results().get(0);
            assertThat(grown.errorCode()).isEqualTo(Errors.KAFKA_STORAGE_ERROR.code());
            assertThat(grown.errorMessage()).contains("Bad topic config " + config);

            DeleteTopicsResponseData deletedTopic = (DeleteTopicsResponseData) client.call(ApiKeys.DELETE_TOPICS,
                    (short) 6, new DeleteTopicsRequestData().setTimeoutMs(10_000).setTopics(List.of(
                            new DeleteTopicsRequestData.DeleteTopicState().setName("conf"))));
            assertThat(deletedTopic.responses().iterator().next().errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(server.manager().topics()).containsExactly("good");
            assertThat(server.manager().offlinePartitions()).isEmpty();
        }
    }

    private static ProduceResponseData.PartitionProduceResponse produce(RawClient client, String topic)
            throws IOException {
        ProduceResponseData response = (ProduceResponseData) client.call(ApiKeys.PRODUCE, (short) 9,
                ProtocolTest.produce(topic, (short) 1, "second"));
        return response.responses().iterator().next().partitionResponses().get(0);
    }

    private static ListOffsetsResponseData.ListOffsetsPartitionResponse listOffsets(RawClient client, String topic)
            throws IOException {
        ListOffsetsResponseData response = (ListOffsetsResponseData) client.call(ApiKeys.LIST_OFFSETS, (short) 7,
                ProtocolTest.listOffsets(topic, -1));
        return response.topics().get(0).partitions().get(0);
    }

    private static ByteBuffer batch(String value) {
        BatchBuilder builder = new BatchBuilder(1 << 20);
        builder.tryAppend(1_000L, null, value.getBytes(StandardCharsets.UTF_8));
        return builder.build();
    }
}

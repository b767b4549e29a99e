package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin APIs over a bare socket: each at every version the server advertises, and the bad
 * inputs the Admin client cannot send (or would retry forever).
 */
class AdminApisProtocolTest {
    @TempDir
    Path dir;

    private static void append(RunningServer server, String topic, int partition, int records) throws Exception {
        for (int i = 0; i < records; i++) {
            server.manager().log(topic, partition).append(batch("r" + i));
        }
    }

    private static java.nio.ByteBuffer batch(String value) {
        return org.apache.kafka.common.record.internal.MemoryRecords.withRecords(
                org.apache.kafka.common.compress.Compression.NONE,
                new org.apache.kafka.common.record.internal.SimpleRecord(value.getBytes(StandardCharsets.UTF_8)))
                .buffer();
    }

    private static Uuid idOf(RunningServer server, String topic) {
        UUID id = server.manager().topicId(topic);
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    @Test
    void everyAdvertisedVersionOfTheAdminApisAnswers() throws Exception {
        try (RunningServer server = new RunningServer(dir); RawClient client = new RawClient(server.port())) {
            server.manager().createTopic("t", 1);
            append(server, "t", 0, 3);
            for (short v = 0; v <= 3; v++) {
                CreatePartitionsRequestData request = new CreatePartitionsRequestData();
                request.topics().add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("t").setCount(v + 2));
                CreatePartitionsResponseData response = (CreatePartitionsResponseData) client.call(
                        ApiKeys.CREATE_PARTITIONS, v, request);
                assertThat(response.results().get(0).errorCode()).as("v%d", v).isEqualTo(Errors.NONE.code());
            }
            assertThat(server.manager().partitionCount("t")).isEqualTo(5);
            for (short v = 0; v <= 2; v++) {
                DeleteRecordsRequestData request = new DeleteRecordsRequestData();
                request.topics().add(new DeleteRecordsRequestData.DeleteRecordsTopic().setName("t").setPartitions(List.of(
                        new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(v))));
                DeleteRecordsResponseData response = (DeleteRecordsResponseData) client.call(ApiKeys.DELETE_RECORDS, v,
                        request);
                assertThat(response.topics().find("t").partitions().find(0).lowWatermark()).as("v%d", v).isEqualTo(v);
            }
            for (short v = 2; v <= 4; v++) {
                OffsetForLeaderEpochResponseData response = offsetForLeaderEpoch(client, v, "t", -1, 0);
                assertThat(response.topics().find("t").partitions().get(0).endOffset()).as("v%d", v).isEqualTo(3);
            }
            for (short v = 0; v <= 2; v++) {
                DescribeClusterResponseData response = (DescribeClusterResponseData) client.call(
                        ApiKeys.DESCRIBE_CLUSTER, v, new DescribeClusterRequestData());
                assertThat(response.brokers().find(0).port()).as("v%d", v).isEqualTo(server.port());
            }
            for (short v = 1; v <= 5; v++) {
                DescribeLogDirsResponseData response = (DescribeLogDirsResponseData) client.call(
                        ApiKeys.DESCRIBE_LOG_DIRS, v, new DescribeLogDirsRequestData().setTopics(null));
                assertThat(response.results().get(0).topics().get(0).partitions()).as("v%d", v).hasSize(5);
                assertThat(response.results().get(0).totalBytes()).isEqualTo(v >= 4 ? response.results().get(0)
                        .totalBytes() : -1);
            }
            DescribeProducersRequestData producers = new DescribeProducersRequestData();
            producers.topics().add(new DescribeProducersRequestData.TopicRequest().setName("t").setPartitionIndexes(
                    List.of(0)));
            DescribeProducersResponseData described = (DescribeProducersResponseData) client.call(
                    ApiKeys.DESCRIBE_PRODUCERS, (short) 0, producers);
            assertThat(described.topics().get(0).partitions().get(0).activeProducers()).isEmpty(); // not idempotent
        }
    }

    @Test
    void topicIdsAppearInEveryVersionThatHasThemAndNameTopicsInDeleteTopics() throws Exception {
        try (RunningServer server = new RunningServer(dir); RawClient client = new RawClient(server.port())) {
            for (short v = 2; v <= 7; v++) {
                CreateTopicsRequestData request = new CreateTopicsRequestData();
                request.topics().add(new CreateTopicsRequestData.CreatableTopic().setName("c" + v).setNumPartitions(1)
                        .setReplicationFactor((short) 1));
                CreateTopicsResponseData response = (CreateTopicsResponseData) client.call(ApiKeys.CREATE_TOPICS, v,
                        request);
                assertThat(response.topics().find("c" + v).topicId()).as("v%d", v)
                        .isEqualTo(v >= 7 ? idOf(server, "c" + v) : Uuid.ZERO_UUID);
            }
            for (short v = 0; v <= 12; v++) {
                MetadataRequestData request = new MetadataRequestData().setAllowAutoTopicCreation(v < 4);
                request.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("c7"));
                MetadataResponseData response = (MetadataResponseData) client.call(ApiKeys.METADATA, v, request);
                assertThat(response.topics().find("c7").topicId()).as("v%d", v)
                        .isEqualTo(v >= 10 ? idOf(server, "c7") : Uuid.ZERO_UUID);
            }
            Uuid unknown = Uuid.randomUuid();
            MetadataRequestData byId = new MetadataRequestData().setAllowAutoTopicCreation(true);
            byId.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(null).setTopicId(unknown));
            MetadataResponseData unknownTopic = (MetadataResponseData) client.call(ApiKeys.METADATA, (short) 12, byId);
            assertThat(unknownTopic.topics()).singleElement().satisfies(topic -> {
                assertThat(topic.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
                assertThat(topic.name()).isNull();
                assertThat(topic.topicId()).isEqualTo(unknown);
            });
            MetadataRequestData nameless = new MetadataRequestData().setAllowAutoTopicCreation(true);
            nameless.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(null));
            MetadataResponseData refused = (MetadataResponseData) client.call(ApiKeys.METADATA, (short) 11, nameless);
            assertThat(refused.topics()).singleElement().satisfies(topic -> {
                assertThat(topic.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
                assertThat(topic.name()).isEmpty();
            });

            Uuid c6 = idOf(server, "c6");
            DeleteTopicsRequestData delete = new DeleteTopicsRequestData();
            delete.topics().add(new DeleteTopicsRequestData.DeleteTopicState().setTopicId(c6));
            delete.topics().add(new DeleteTopicsRequestData.DeleteTopicState().setTopicId(unknown));
            DeleteTopicsResponseData deleted = (DeleteTopicsResponseData) client.call(ApiKeys.DELETE_TOPICS, (short) 6,
                    delete);
            assertThat(deleted.responses()).extracting(DeleteTopicsResponseData.DeletableTopicResult::name,
                    DeleteTopicsResponseData.DeletableTopicResult::errorCode).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple("c6", Errors.NONE.code()),
                    org.assertj.core.groups.Tuple.tuple(null, Errors.UNKNOWN_TOPIC_ID.code()));
            assertThat(server.manager().topicExists("c6")).isFalse();
            List<String> left = List.of("c2", "c3", "c4", "c5", "c7");
            for (short v = 1; v <= 5; v++) {
                String name = left.get(v - 1);
                DeleteTopicsResponseData byName = (DeleteTopicsResponseData) client.call(ApiKeys.DELETE_TOPICS, v,
                        new DeleteTopicsRequestData().setTopicNames(List.of(name)));
                assertThat(byName.responses().find(name).errorCode()).as("v%d", v).isEqualTo(Errors.NONE.code());
            }
            assertThat(server.manager().topics()).isEmpty();
            DeleteTopicsResponseData empty = (DeleteTopicsResponseData) client.call(ApiKeys.DELETE_TOPICS, (short) 4,
                    new DeleteTopicsRequestData().setTopicNames(List.of("")));
            assertThat(empty.responses().find("").errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
    }

    @Test
    void fetchFrom13OnNamesTopicsByIdAndAnUnknownIdIsUnknownTopicId() throws Exception {
        try (RunningServer server = new RunningServer(dir); RawClient client = new RawClient(server.port())) {
            server.manager().createTopic("f", 1);
            append(server, "f", 0, 3);
            Uuid id = idOf(server, "f");
            for (short v = 4; v <= 18; v++) {
                FetchRequestData fetch = new FetchRequestData().setMaxWaitMs(0).setMaxBytes(1 << 20).setReplicaId(-1);
                FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(1)
                                .setPartitionMaxBytes(1 << 20)));
                fetch.topics().add(v >= 13 ? topic.setTopicId(id) : topic.setTopic("f"));
                if (v >= 13) {
                    fetch.topics().add(new FetchRequestData.FetchTopic().setTopicId(Uuid.randomUuid()).setPartitions(
                            List.of(new FetchRequestData.FetchPartition().setPartition(0))));
                }
                FetchResponseData response = (FetchResponseData) client.call(ApiKeys.FETCH, v, fetch);
                FetchResponseData.FetchableTopicResponse found = response.responses().get(0);
                assertThat(v >= 13 ? found.topicId() : found.topic()).as("v%d", v).isEqualTo(v >= 13 ? id : "f");
                FetchResponseData.PartitionData partition = found.partitions().get(0);
                assertThat(partition.errorCode()).as("v%d", v).isEqualTo(Errors.NONE.code());
                assertThat(partition.highWatermark()).isEqualTo(3);
                assertThat(partition.records().sizeInBytes()).as("v%d", v).isPositive();
                if (v >= 13) {
                    assertThat(response.responses().get(1).partitions().get(0).errorCode()).as("v%d", v)
                            .isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
                }
            }
        }
    }

    @Test
    void deleteRecordsRefusesOffsetsPastTheEndAndUnknownPartitions() throws Exception {
        try (RunningServer server = new RunningServer(dir); RawClient client = new RawClient(server.port())) {
            server.manager().createTopic("d", 1);
            append(server, "d", 0, 4);
            DeleteRecordsRequestData request = new DeleteRecordsRequestData();
            request.topics().add(new DeleteRecordsRequestData.DeleteRecordsTopic().setName("d").setPartitions(List.of(
                    new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(5),
                    new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(1).setOffset(1))));
            request.topics().add(new DeleteRecordsRequestData.DeleteRecordsTopic().setName("absent").setPartitions(
                    List.of(new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(1))));
            DeleteRecordsResponseData response = (DeleteRecordsResponseData) client.call(ApiKeys.DELETE_RECORDS,
                    (short) 2, request);
            DeleteRecordsResponseData.DeleteRecordsPartitionResult beyond = response.topics().find("d").partitions().find(0);
            assertThat(beyond.errorCode()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE.code());
            assertThat(beyond.lowWatermark()).isEqualTo(-1);
            assertThat(response.topics().find("d").partitions().find(1).errorCode())
                    .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            assertThat(response.topics().find("absent").partitions().find(0).errorCode())
                    .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            assertThat(server.manager().log("d", 0).logStartOffset()).isZero();

            DeleteRecordsRequestData negative = new DeleteRecordsRequestData();
            negative.topics().add(new DeleteRecordsRequestData.DeleteRecordsTopic().setName("d").setPartitions(List.of(
                    new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(-2))));
            DeleteRecordsResponseData refused = (DeleteRecordsResponseData) client.call(ApiKeys.DELETE_RECORDS,
                    (short) 2, negative);
            assertThat(refused.topics().find("d").partitions().find(0).errorCode())
                    .isEqualTo(Errors.OFFSET_OUT_OF_RANGE.code());
        }
    }

    private static OffsetForLeaderEpochResponseData offsetForLeaderEpoch(RawClient client, short version, String topic,
                                                                         int currentEpoch, int epoch) throws Exception {
        OffsetForLeaderEpochRequestData request = new OffsetForLeaderEpochRequestData();
        OffsetForLeaderEpochRequestData.OffsetForLeaderTopic requested =
                new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(topic);
        requested.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(0)
                .setCurrentLeaderEpoch(currentEpoch).setLeaderEpoch(epoch));
        request.topics().add(requested);
        return (OffsetForLeaderEpochResponseData) client.call(ApiKeys.OFFSET_FOR_LEADER_EPOCH, version, request);
    }

    @Test
    void offsetForLeaderEpochKnowsEpochZeroOnly() throws Exception {
        try (RunningServer server = new RunningServer(dir); RawClient client = new RawClient(server.port())) {
            server.manager().createTopic("e", 1);
            append(server, "e", 0, 2);
            record Case(int current, int epoch, Errors error, int leaderEpoch, long endOffset) {
            }
            for (Case c : List.of(new Case(-1, 0, Errors.NONE, 0, 2), new Case(0, 0, Errors.NONE, 0, 2),
                    new Case(0, 1, Errors.NONE, -1, -1), new Case(-1, -1, Errors.NONE, -1, -1),
                    new Case(1, 0, Errors.UNKNOWN_LEADER_EPOCH, -1, -1), new Case(-2, 0, Errors.FENCED_LEADER_EPOCH, -1, -1))) {
                OffsetForLeaderEpochResponseData.EpochEndOffset result = offsetForLeaderEpoch(client, (short) 4, "e",
                        c.current, c.epoch).topics().find("e").partitions().get(0);
                assertThat(result.errorCode()).as("%s", c).isEqualTo(c.error.code());
                assertThat(result.leaderEpoch()).as("%s", c).isEqualTo(c.leaderEpoch);
                assertThat(result.endOffset()).as("%s", c).isEqualTo(c.endOffset);
            }
            assertThat(offsetForLeaderEpoch(client, (short) 2, "absent", -1, 0).topics().find("absent").partitions()
                    .get(0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
    }

    @Test
    void describeRequestsForWhatIsNotThereAnswerWithErrorsOrLeaveItOut() throws Exception {
        try (RunningServer server = new RunningServer(dir); RawClient client = new RawClient(server.port())) {
            server.manager().createTopic("x", 2);
            DescribeClusterResponseData controllers = (DescribeClusterResponseData) client.call(
                    ApiKeys.DESCRIBE_CLUSTER, (short) 1, new DescribeClusterRequestData().setEndpointType((byte) 2));
            assertThat(controllers.errorCode()).isEqualTo(Errors.MISMATCHED_ENDPOINT_TYPE.code());

            DescribeLogDirsRequestData some = new DescribeLogDirsRequestData();
            some.topics().add(new DescribeLogDirsRequestData.DescribableLogDirTopic().setTopic("x")
                    .setPartitions(List.of(1, 7)));
            some.topics().add(new DescribeLogDirsRequestData.DescribableLogDirTopic().setTopic("absent")
                    .setPartitions(List.of(0)));
            DescribeLogDirsResponseData dirs = (DescribeLogDirsResponseData) client.call(ApiKeys.DESCRIBE_LOG_DIRS,
                    (short) 4, some);
            assertThat(dirs.results()).singleElement().satisfies(result -> {
                assertThat(result.logDir()).isEqualTo(dir.toAbsolutePath().toString());
                assertThat(result.topics()).singleElement().satisfies(topic -> assertThat(topic.partitions())
                        .extracting(DescribeLogDirsResponseData.DescribeLogDirsPartition::partitionIndex)
                        .containsExactly(1));
            });

            DescribeProducersRequestData producers = new DescribeProducersRequestData();
            producers.topics().add(new DescribeProducersRequestData.TopicRequest().setName("x")
                    .setPartitionIndexes(List.of(2)));
            producers.topics().add(new DescribeProducersRequestData.TopicRequest().setName("absent")
                    .setPartitionIndexes(List.of(0)));
            DescribeProducersResponseData described = (DescribeProducersResponseData) client.call(
                    ApiKeys.DESCRIBE_PRODUCERS, (short) 0, producers);
            assertThat(described.topics()).flatExtracting(DescribeProducersResponseData.TopicResponse::partitions)
                    .extracting(DescribeProducersResponseData.PartitionResponse::errorCode)
                    .containsOnly(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
    }
}

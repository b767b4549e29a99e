package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.group.GroupCoordinator;
import dev.spool.kafka.group.KnownPartitions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group APIs reach the {@link GroupCoordinator} the server was given (here a test fake that
 * keeps committed offsets in a map and fails heartbeats): a real consumer commits and reads back
 * its offsets through the server, and a coordinator failure becomes the API's error response.
 */
class GroupRoutingTest {
    @TempDir
    Path dir;

    /** Commits into a map (offset fetch reads it back); every other call fails. */
    static final class OffsetsOnlyCoordinator implements GroupCoordinator {
        final Map<String, Long> committed = new ConcurrentHashMap<>();

        @Override
        public CompletableFuture<JoinGroupResponseData> joinGroup(JoinGroupRequestData request, short apiVersion,
                                                                  String clientId, String clientHost) {
            return CompletableFuture.failedFuture(new IllegalStateException("fake"));
        }

        @Override
        public CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData request, short apiVersion) {
            return CompletableFuture.failedFuture(new IllegalStateException("fake"));
        }

        @Override
        public CompletableFuture<HeartbeatResponseData> heartbeat(HeartbeatRequestData request, short apiVersion) {
            return CompletableFuture.failedFuture(new IllegalStateException("fake"));
        }

        @Override
        public CompletableFuture<LeaveGroupResponseData> leaveGroup(LeaveGroupRequestData request, short apiVersion) {
            return CompletableFuture.failedFuture(new IllegalStateException("fake"));
        }

        @Override
        public CompletableFuture<OffsetCommitResponseData> commitOffsets(OffsetCommitRequestData request,
                                                                         short apiVersion,
                                                                         KnownPartitions partitions) {
            OffsetCommitResponseData response = new OffsetCommitResponseData();
            for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
                OffsetCommitResponseData.OffsetCommitResponseTopic out =
                        new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(topic.name());
                for (OffsetCommitRequestData.OffsetCommitRequestPartition partition : topic.partitions()) {
                    committed.put(request.groupId() + "/" + topic.name() + "-" + partition.partitionIndex(),
                            partition.committedOffset());
                    out.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                            .setPartitionIndex(partition.partitionIndex()));
                }
                response.topics().add(out);
            }
            return CompletableFuture.completedFuture(response);
        }

        @Override
        public CompletableFuture<OffsetFetchResponseData> fetchOffsets(OffsetFetchRequestData request,
                                                                       short apiVersion) {
            OffsetFetchResponseData response = new OffsetFetchResponseData();
            for (OffsetFetchRequestData.OffsetFetchRequestGroup group : request.groups()) {
                OffsetFetchResponseData.OffsetFetchResponseGroup out =
                        new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(group.groupId());
                for (OffsetFetchRequestData.OffsetFetchRequestTopics topic : group.topics()) {
                    OffsetFetchResponseData.OffsetFetchResponseTopics topicOut =
                            new OffsetFetchResponseData.OffsetFetchResponseTopics().setName(topic.name());
                    for (int partition : topic.partitionIndexes()) {
                        long offset = committed.getOrDefault(group.groupId() + "/" + topic.name() + "-" + partition,
                                -1L);
                        topicOut.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                                .setPartitionIndex(partition).setCommittedOffset(offset).setMetadata(""));
                    }
                    out.topics().add(topicOut);
                }
                response.groups().add(out);
            }
            return CompletableFuture.completedFuture(response);
        }

        @Override
        public CompletableFuture<ListGroupsResponseData> listGroups(ListGroupsRequestData request, short apiVersion) {
            return CompletableFuture.failedFuture(new IllegalStateException("fake"));
        }

        @Override
        public CompletableFuture<DescribeGroupsResponseData> describeGroups(DescribeGroupsRequestData request,
                                                                            short apiVersion) {
            return CompletableFuture.failedFuture(new IllegalStateException("fake"));
        }

        @Override
        public CompletableFuture<DeleteGroupsResponseData> deleteGroups(DeleteGroupsRequestData request,
                                                                        short apiVersion) {
            return CompletableFuture.failedFuture(new IllegalStateException("fake"));
        }

        @Override
        public CompletableFuture<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData request,
                                                                         short apiVersion, KnownPartitions partitions) {
            return CompletableFuture.failedFuture(new IllegalStateException("fake"));
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aConsumerCommitsAndReadsItsOffsetsThroughTheCoordinator() throws Exception {
        OffsetsOnlyCoordinator coordinator = new OffsetsOnlyCoordinator();
        try (RunningServer server = new RunningServer(dir, KafkaServerConfig.defaults(), Optional.of(coordinator))) {
            server.manager().createTopic("ledger", 1);
            Properties props = ProduceConsumeTest.consumerProps(server.bootstrap());
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "auditors");
            TopicPartition partition = new TopicPartition("ledger", 0);
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer.assign(List.of(partition));
                consumer.commitSync(Map.of(partition, new OffsetAndMetadata(0)));
                assertThat(consumer.committed(java.util.Set.of(partition)).get(partition).offset()).isEqualTo(0);
            }
            assertThat(coordinator.committed).containsEntry("auditors/ledger-0", 0L);

            try (RawClient client = new RawClient(server.port())) {
                ApiVersionsResponseData versions = (ApiVersionsResponseData) client.call(ApiKeys.API_VERSIONS,
                        (short) 3, new ApiVersionsRequestData().setClientSoftwareName("raw")
                                .setClientSoftwareVersion("1"));
                assertThat(versions.apiKeys().find(ApiKeys.JOIN_GROUP.id).maxVersion()).isEqualTo((short) 9);
                HeartbeatResponseData heartbeat = (HeartbeatResponseData) client.call(ApiKeys.HEARTBEAT, (short) 4,
                        new HeartbeatRequestData().setGroupId("auditors").setMemberId("m").setGenerationId(1));
                assertThat(heartbeat.errorCode()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE.code());
            }
        }
    }
}

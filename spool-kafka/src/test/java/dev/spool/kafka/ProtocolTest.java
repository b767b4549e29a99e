package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Protocol behaviour checked request by request over a bare socket. */
class ProtocolTest {
    @TempDir
    Path dir;

    @Test
    void apiVersionsAdvertisesOnlyWhatIsImplementedAndFallsBackForNewerClients() throws Exception {
        try (RunningServer server = new RunningServer(dir); RawClient client = new RawClient(server.port())) {
            ApiVersionsResponseData response = (ApiVersionsResponseData) client.call(ApiKeys.API_VERSIONS, (short) 3,
                    new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1"));
            assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(response.apiKeys().find(ApiKeys.FETCH.id).maxVersion()).isEqualTo((short) 18);
            assertThat(response.apiKeys().find(ApiKeys.PRODUCE.id).maxVersion()).isEqualTo((short) 11);
            // Without a group coordinator the group APIs are not advertised.
            assertThat(response.apiKeys().find(ApiKeys.JOIN_GROUP.id)).isNull();

            // A newer ApiVersions: UNSUPPORTED_VERSION in a version-0 body behind a version-0 header.
            client.writeRaw(RawClient.frame(ApiKeys.API_VERSIONS, (short) 5, 77,
                    new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1")));
            ByteBuffer frame = client.readFrame();
            assertThat(frame.getInt()).isEqualTo(77);
            ApiVersionsResponseData fallback = new ApiVersionsResponseData(new ByteBufferAccessor(frame), (short) 0);
            assertThat(fallback.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
            assertThat(fallback.apiKeys()).hasSize(1);
            assertThat(fallback.apiKeys().find(ApiKeys.API_VERSIONS.id).maxVersion()).isEqualTo((short) 4);
        }
    }

    @Test
    void aVersionThatIsNotAdvertisedGetsUnsupportedVersion() throws Exception {
        try (RunningServer server = new RunningServer(dir); RawClient client = new RawClient(server.port())) {
            ListOffsetsRequestData listOffsets = new ListOffsetsRequestData().setReplicaId(-1);
            listOffsets.topics().add(new ListOffsetsRequestData.ListOffsetsTopic().setName("t").setPartitions(
                    java.util.List.of(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0))));
            ListOffsetsResponseData response = (ListOffsetsResponseData) client.call(ApiKeys.LIST_OFFSETS, (short) 8,
                    listOffsets);
            assertThat(response.topics().get(0).partitions().get(0).errorCode())
                    .isEqualTo(Errors.UNSUPPORTED_VERSION.code());
            // The connection stays usable.
            assertThat(((ApiVersionsResponseData) client.call(ApiKeys.API_VERSIONS, (short) 0,
                    new ApiVersionsRequestData())).errorCode()).isEqualTo(Errors.NONE.code());
        }
    }

    @Test
    void metadataCreatesTopicsWhenAllowedAndFetchLongPollsUntilDataArrives() throws Exception {
        try (RunningServer server = new RunningServer(dir); RawClient client = new RawClient(server.port());
             RawClient producer = new RawClient(server.port())) {
            MetadataRequestData metadata = new MetadataRequestData().setAllowAutoTopicCreation(false)
                    .setTopics(java.util.List.of(new MetadataRequestData.MetadataRequestTopic().setName("clicks")));
            MetadataResponseData unknown = (MetadataResponseData) client.call(ApiKeys.METADATA, (short) 12, metadata);
            assertThat(unknown.topics().find("clicks").errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            MetadataResponseData created = (MetadataResponseData) client.call(ApiKeys.METADATA, (short) 12,
                    metadata.setAllowAutoTopicCreation(true));
            assertThat(created.topics().find("clicks").partitions()).hasSize(1);
            assertThat(created.brokers().find(0).port()).isEqualTo(server.port());

            // acks=0: no response; the next request's answer shows the record landed.
            producer.send(ApiKeys.PRODUCE, (short) 9, produce("clicks", (short) 0, "first"));
            ListOffsetsResponseData offsets = (ListOffsetsResponseData) producer.call(ApiKeys.LIST_OFFSETS, (short) 7,
                    listOffsets("clicks", -1));
            assertThat(offsets.topics().get(0).partitions().get(0).offset()).isEqualTo(1);

            // A fetch at the end waits (minBytes 1) and is answered by the next produce.
            FetchRequestData fetch = new FetchRequestData().setMaxWaitMs(30_000).setMinBytes(1).setMaxBytes(1 << 20)
                    .setReplicaId(-1);
            fetch.topics().add(new FetchRequestData.FetchTopic().setTopic("clicks").setPartitions(java.util.List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(1)
                            .setPartitionMaxBytes(1 << 20))));
            client.writeRaw(RawClient.frame(ApiKeys.FETCH, (short) 12, 500, fetch));
            ProduceResponseData produced = (ProduceResponseData) producer.call(ApiKeys.PRODUCE, (short) 9,
                    produce("clicks", (short) 1, "second"));
            assertThat(produced.responses().iterator().next().partitionResponses().get(0).baseOffset()).isEqualTo(1);
            ByteBuffer frame = client.readFrame();
            assertThat(frame.getInt()).isEqualTo(500);
            frame.get(); // the empty tagged fields of response header v1
            FetchResponseData fetched = new FetchResponseData(new ByteBufferAccessor(frame), (short) 12);
            FetchResponseData.PartitionData partition = fetched.responses().get(0).partitions().get(0);
            assertThat(partition.highWatermark()).isEqualTo(2);
            MemoryRecords records = (MemoryRecords) partition.records();
            RecordBatch batch = records.batches().iterator().next();
            assertThat(batch.baseOffset()).isEqualTo(1);
            assertThat(StandardCharsets.UTF_8.decode(batch.iterator().next().value()).toString()).isEqualTo("second");

            // Out of range, and by timestamp.
            ListOffsetsResponseData earliest = (ListOffsetsResponseData) producer.call(ApiKeys.LIST_OFFSETS, (short) 7,
                    listOffsets("clicks", -2));
            assertThat(earliest.topics().get(0).partitions().get(0).offset()).isEqualTo(0);
            ListOffsetsResponseData byTime = (ListOffsetsResponseData) producer.call(ApiKeys.LIST_OFFSETS, (short) 7,
                    listOffsets("clicks", 1_000));
            assertThat(byTime.topics().get(0).partitions().get(0).offset()).isEqualTo(1);
            ListOffsetsResponseData future = (ListOffsetsResponseData) producer.call(ApiKeys.LIST_OFFSETS, (short) 7,
                    listOffsets("clicks", 5_000));
            assertThat(future.topics().get(0).partitions().get(0).offset()).isEqualTo(-1);
        }
    }

    @Test
    void findCoordinatorWithoutACoordinatorSaysNotAvailable() throws Exception {
        try (RunningServer server = new RunningServer(dir); RawClient client = new RawClient(server.port())) {
            FindCoordinatorResponseData response = (FindCoordinatorResponseData) client.call(ApiKeys.FIND_COORDINATOR,
                    (short) 4, new FindCoordinatorRequestData().setKeyType((byte) 0)
                            .setCoordinatorKeys(java.util.List.of("group-a")));
            assertThat(response.coordinators().get(0).errorCode()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE.code());
        }
    }

    static ProduceRequestData produce(String topic, short acks, String value) {
        long timestamp = value.equals("first") ? 500 : 2_000;
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(timestamp, null, value.getBytes(StandardCharsets.UTF_8)));
        ProduceRequestData request = new ProduceRequestData().setAcks(acks).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData data = new ProduceRequestData.TopicProduceData().setName(topic);
        data.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        request.topicData().add(data);
        return request;
    }

    static ListOffsetsRequestData listOffsets(String topic, long timestamp) {
        ListOffsetsRequestData request = new ListOffsetsRequestData().setReplicaId(-1);
        request.topics().add(new ListOffsetsRequestData.ListOffsetsTopic().setName(topic).setPartitions(
                java.util.List.of(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                        .setTimestamp(timestamp))));
        return request;
    }
}

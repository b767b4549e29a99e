package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.AppendResult;
import dev.spool.log.Log;
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
 * a partition whose log directory failed) in Metadata, Produce, Fetch and ListOffsets.
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

package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fetch from a cleaned topic: whatever the offset and the size asked for, a response below the
 * high watermark holds at least one record. A cleaned log keeps empty batches over the offsets it
 * removed; librdkafka reports "Message at offset N might be too large to fetch" and kafka-python
 * fails with IndexError on a response that holds nothing else, so Fetch steps over them. Checked
 * for the zero-copy send and for the copying one.
 */
class CleanedTopicFetchTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "zeroCopy={0}")
    @ValueSource(booleans = {true, false})
    void everyFetchBelowTheHighWatermarkOfACleanedTopicHoldsARecord(boolean zeroCopy) throws Exception {
        try (RunningServer server = new RunningServer(dir, KafkaServerConfig.defaults().withZeroCopyFetch(zeroCopy))) {
            try (Admin admin = server.admin()) {
                admin.createTopics(List.of(new NewTopic("changelog", 1, (short) 1).configs(Map.of(
                        "cleanup.policy", "compact", "segment.bytes", "2048")))).all().get();
            }
            Properties props = ProduceConsumeTest.producerProps(server.bootstrap(), "none");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                String pad = "x".repeat(100);
                for (int i = 0; i < 80; i++) {
                    producer.send(new ProducerRecord<>("changelog", bytes("k" + (i % 3)), bytes(i + pad))).get();
                }
                producer.send(new ProducerRecord<>("changelog", bytes("last"), bytes("v"))).get();
            }
            server.manager().log("changelog", 0).roll();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>("changelog", bytes("active"), bytes("v"))).get();
            }
            assertThat(server.manager().cleanNow("changelog")).isGreaterThan(70);
            long highWatermark = server.manager().log("changelog", 0).logEndOffset();

            try (RawClient client = new RawClient(server.port())) {
                for (int maxBytes : new int[] {1, 200, 1 << 20}) {
                    for (long offset = 0; offset < highWatermark; offset++) {
                        FetchResponseData.PartitionData data = fetch(client, offset, maxBytes);
                        assertThat(data.errorCode()).isEqualTo(Errors.NONE.code());
                        assertThat(count((MemoryRecords) data.records())).as("offset %d, max %d", offset, maxBytes)
                                .isPositive();
                    }
                }
                Map<String, String> latest = new LinkedHashMap<>();
                long offset = 0;
                while (offset < highWatermark) {
                    MemoryRecords records = (MemoryRecords) fetch(client, offset, 300).records();
                    for (MutableRecordBatch batch : records.batches()) {
                        for (Record record : batch) {
                            assertThat(record.offset()).isGreaterThanOrEqualTo(offset);
                            latest.put(text(record.key()), text(record.value()));
                        }
                        offset = batch.lastOffset() + 1;
                    }
                }
                assertThat(latest).containsOnlyKeys("k0", "k1", "k2", "last", "active");
                assertThat(latest.get("k1")).startsWith("79x");
                assertThat(latest.get("k2")).startsWith("77x");
            }
        }
    }

    private static FetchResponseData.PartitionData fetch(RawClient client, long offset, int maxBytes)
            throws java.io.IOException {
        FetchRequestData fetch = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(maxBytes)
                .setReplicaId(-1);
        fetch.topics().add(new FetchRequestData.FetchTopic().setTopic("changelog").setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(offset)
                        .setPartitionMaxBytes(maxBytes))));
        FetchResponseData response = (FetchResponseData) client.call(ApiKeys.FETCH, (short) 12, fetch);
        return response.responses().get(0).partitions().get(0);
    }

    private static int count(MemoryRecords records) {
        int count = 0;
        for (MutableRecordBatch batch : records.batches()) {
            for (Record ignored : batch) {
                count++;
            }
        }
        return count;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(java.nio.ByteBuffer buffer) {
        return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }
}

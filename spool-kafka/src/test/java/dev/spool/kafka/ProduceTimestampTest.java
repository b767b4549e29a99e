package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.ReadResult;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Record timestamps a hand-made Produce can carry and Kafka's clients cannot: negative ones, ones
 * far ahead or far behind, and a batch header whose max timestamp disagrees with its records.
 */
class ProduceTimestampTest {
    @TempDir
    Path dir;

    @Test
    void negativeFarFutureAndTooOldTimestampsAreRefusedWithInvalidTimestamp() throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin();
             RawClient client = new RawClient(server.port())) {
            admin.createTopics(List.of(new NewTopic("plain", 1, (short) 1),
                    new NewTopic("recent", 1, (short) 1).configs(Map.of("message.timestamp.before.max.ms", "60000"))))
                    .all().get();
            long now = System.currentTimeMillis();

            for (long refused : new long[] {-1000L, -2L, Long.MIN_VALUE, 1L << 62}) {
                ProduceResponseData.PartitionProduceResponse response = produce(client, "plain", now, refused);
                assertThat(response.errorCode()).as("timestamp %d", refused).isEqualTo(Errors.INVALID_TIMESTAMP.code());
                assertThat(response.errorMessage()).contains(Long.toString(refused));
            }
            ProduceResponseData.PartitionProduceResponse tooOld = produce(client, "recent", now - 3_600_000L);
            assertThat(tooOld.errorCode()).isEqualTo(Errors.INVALID_TIMESTAMP.code());
            assertThat(tooOld.errorMessage()).contains("message.timestamp.before.max.ms=60000");
            assertThat(server.manager().log("plain", 0).logEndOffset()).isZero();
            assertThat(server.manager().log("recent", 0).logEndOffset()).isZero();

            // No timestamp at all, an old one where the topic allows any past, and a recent one are stored.
            assertThat(produce(client, "plain", -1L).errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(produce(client, "plain", 0L, 1_000L).errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(produce(client, "recent", now - 1_000L).errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(server.manager().log("plain", 0).logEndOffset()).isEqualTo(3);
        }
    }

    @Test
    void aHeaderMaxTimestampUnlikeTheRecordsIsCorrectedBeforeTheAppend() throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin();
             RawClient client = new RawClient(server.port())) {
            admin.createTopics(List.of(new NewTopic("plain", 1, (short) 1))).all().get();
            long now = System.currentTimeMillis();
            ByteBuffer batch = batch(now - 5, now);
            batch.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, 1L << 62);
            batch.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(batch, 0));

            assertThat(produce(client, "plain", batch).errorCode()).isEqualTo(Errors.NONE.code());
            ReadResult stored = server.manager().log("plain", 0).read(0, 1 << 20);
            assertThat(RecordBatch.maxTimestamp(stored.batches(), stored.batches().position())).isEqualTo(now);
            RecordBatch.validate(stored.batches(), stored.batches().position(), 1 << 20); // the CRC still holds
        }
    }

    private static ProduceResponseData.PartitionProduceResponse produce(RawClient client, String topic,
                                                                        long... timestamps) throws Exception {
        return produce(client, topic, batch(timestamps));
    }

    private static ProduceResponseData.PartitionProduceResponse produce(RawClient client, String topic,
                                                                        ByteBuffer batch) throws Exception {
        ProduceRequestData request = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000);
        ProduceRequestData.TopicProduceData data = new ProduceRequestData.TopicProduceData().setName(topic);
        data.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.readableRecords(batch)));
        request.topicData().add(data);
        ProduceResponseData response = (ProduceResponseData) client.call(ApiKeys.PRODUCE, (short) 9, request);
        return response.responses().iterator().next().partitionResponses().get(0);
    }

    /** One record per timestamp; Spool's builder, unlike Kafka's, writes any timestamp it is given. */
    private static ByteBuffer batch(long... timestamps) {
        BatchBuilder builder = new BatchBuilder(1 << 16);
        for (long timestamp : timestamps) {
            builder.append(timestamp, null, ByteBuffer.wrap(new byte[] {1}), new dev.spool.log.record.Header[0]);
        }
        ByteBuffer built = builder.build();
        ByteBuffer copy = ByteBuffer.allocate(built.remaining());
        copy.put(built).flip();
        return copy;
    }
}

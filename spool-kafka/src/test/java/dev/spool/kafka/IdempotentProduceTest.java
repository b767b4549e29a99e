package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retried batches of an idempotent producer, sent by hand so the retry is exact: a duplicate
 * gets its original offset and is not written again, also after a restart (the state is rebuilt
 * from the log's tail); gaps and stale epochs get the protocol's errors; producer ids are never
 * reused across restarts.
 */
class IdempotentProduceTest {
    private static final short PRODUCE_VERSION = 11;

    @TempDir
    Path dir;

    @Test
    void retriedBatchesGetTheirOriginalOffsetsAndAreNotWrittenTwice() throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            server.manager().createTopic("orders", 1);
            long producerId;
            try (RawClient client = new RawClient(server.port())) {
                producerId = initProducerId(client);
                assertThat(produce(client, producerId, (short) 0, 0, 3)).isEqualTo(result(Errors.NONE, 0));
                assertThat(produce(client, producerId, (short) 0, 3, 2)).isEqualTo(result(Errors.NONE, 3));
                // The first batch again (its response was lost, say): the original offset, nothing written.
                assertThat(produce(client, producerId, (short) 0, 0, 3)).isEqualTo(result(Errors.NONE, 0));
                assertThat(produce(client, producerId, (short) 0, 3, 2)).isEqualTo(result(Errors.NONE, 3));
                assertThat(server.manager().log("orders", 0).logEndOffset()).isEqualTo(5);
                // A gap in the sequence, and a batch that overlaps without matching: out of order.
                assertThat(produce(client, producerId, (short) 0, 7, 1).error())
                        .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
                assertThat(produce(client, producerId, (short) 0, 1, 1).error())
                        .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
                // A bumped epoch starts again at 0; after it the old epoch is fenced.
                assertThat(produce(client, producerId, (short) 1, 0, 1)).isEqualTo(result(Errors.NONE, 5));
                assertThat(produce(client, producerId, (short) 0, 5, 1).error())
                        .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
                assertThat(produce(client, producerId, (short) 2, 4, 1).error())
                        .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
            }
            assertThat(server.manager().log("orders", 0).logEndOffset()).isEqualTo(6);

            server.restart();
            try (RawClient client = new RawClient(server.port())) {
                // Rebuilt from the log: the last batch is still known as a duplicate, and the next follows on.
                assertThat(produce(client, producerId, (short) 1, 0, 1)).isEqualTo(result(Errors.NONE, 5));
                assertThat(produce(client, producerId, (short) 0, 5, 1).error())
                        .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
                assertThat(produce(client, producerId, (short) 1, 1, 2)).isEqualTo(result(Errors.NONE, 6));
                assertThat(initProducerId(client)).isGreaterThan(producerId);
            }
            assertThat(server.manager().log("orders", 0).logEndOffset()).isEqualTo(8);
        }
    }

    @Test
    void producerIdsAreNeverReusedAcrossRestarts() throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            long first;
            long second;
            try (RawClient client = new RawClient(server.port())) {
                first = initProducerId(client);
                second = initProducerId(client);
            }
            assertThat(second).isGreaterThan(first);
            server.restart();
            try (RawClient client = new RawClient(server.port())) {
                assertThat(initProducerId(client)).isGreaterThan(second);
            }
        }
    }

    @Test
    void aProducerIdTheServerNeverIssuedIsRefusedAndOneIssuedBeforeARestartIsNot() throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            server.manager().createTopic("orders", 1);
            long issued;
            try (RawClient client = new RawClient(server.port())) {
                issued = initProducerId(client);
                for (long madeUp : new long[] {issued + 1, issued + 1_000_000, Long.MAX_VALUE}) {
                    assertThat(produce(client, madeUp, (short) 0, 0, 1).error()).as("producer id %d", madeUp)
                            .isEqualTo(Errors.UNKNOWN_PRODUCER_ID);
                }
                assertThat(produce(client, issued, (short) 0, 0, 2)).isEqualTo(result(Errors.NONE, 0));
            }
            assertThat(server.manager().log("orders", 0).logEndOffset()).as("nothing of the refused batches").isEqualTo(2);
            server.restart();
            try (RawClient client = new RawClient(server.port())) {
                assertThat(produce(client, issued, (short) 0, 2, 1)).isEqualTo(result(Errors.NONE, 2));
            }
        }
    }

    record Result(Errors error, long baseOffset) {
    }

    private static Result result(Errors error, long baseOffset) {
        return new Result(error, baseOffset);
    }

    static long initProducerId(RawClient client) throws Exception {
        InitProducerIdResponseData response = (InitProducerIdResponseData) client.call(ApiKeys.INIT_PRODUCER_ID,
                (short) 4, new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000));
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
        assertThat(response.producerEpoch()).isEqualTo((short) 0);
        return response.producerId();
    }

    static Result produce(RawClient client, long producerId, short epoch, int firstSequence, int records)
            throws Exception {
        SimpleRecord[] batch = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            batch[i] = new SimpleRecord(("record-" + (firstSequence + i)).getBytes(StandardCharsets.UTF_8));
        }
        MemoryRecords memory = MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, firstSequence,
                batch);
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("orders");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(memory));
        request.topicData().add(topic);
        ProduceResponseData response = (ProduceResponseData) client.call(ApiKeys.PRODUCE, PRODUCE_VERSION, request);
        ProduceResponseData.PartitionProduceResponse partition =
                response.responses().iterator().next().partitionResponses().get(0);
        Errors error = Errors.forCode(partition.errorCode());
        return new Result(error, error == Errors.NONE ? partition.baseOffset() : -1);
    }
}

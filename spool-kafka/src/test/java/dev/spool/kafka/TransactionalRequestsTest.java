package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.record.BatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactional requests against the running server, built by kafka-clients and sent raw:
 * hostile transactional and control batches are refused and write nothing; a read_committed
 * Fetch (zero copy, the server's default) of a partition without transactions reads everything,
 * with the last stable offset at the high watermark and an empty aborted-transactions list; a
 * read_committed ListOffsets answers the last stable offset.
 */
class TransactionalRequestsTest {
    private static final short PRODUCE_VERSION = 11;
    private static final short FETCH_VERSION = 12;
    private static final short LIST_OFFSETS_VERSION = 7;

    @TempDir
    Path dir;

    @Test
    void hostileTransactionalAndControlBatchesAreRefusedAndWriteNothing() throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            server.manager().createTopic("orders", 1);
            try (RawClient client = new RawClient(server.port())) {
                long producerId = IdempotentProduceTest.initProducerId(client);
                SimpleRecord record = new SimpleRecord("r".getBytes(StandardCharsets.UTF_8));
                // kafka-clients will not build this one; Spool's own builder writes what it is told.
                MemoryRecords noProducer = MemoryRecords.readableRecords(oneRecord(new BatchBuilder(4096)
                        .producer(-1L, (short) -1, -1).transactional(true), record.value()));
                assertThat(produce(client, noProducer, "txn")).isEqualTo(Errors.INVALID_RECORD);
                MemoryRecords marker = MemoryRecords.withEndTransactionMarker(0L, 1_000L, 0, producerId, (short) 0,
                        new EndTransactionMarker(ControlRecordType.COMMIT, 0));
                assertThat(produce(client, marker, "txn")).isEqualTo(Errors.INVALID_RECORD);
                MemoryRecords transactional = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId,
                        (short) 0, 0, record);
                assertThat(produce(client, transactional, null)).isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
                // A producer id without a transaction holding the partition: whatever the verifier says, not taken.
                assertThat(produce(client, transactional, "txn")).isNotEqualTo(Errors.NONE);
            }
            assertThat(server.manager().log("orders", 0).logEndOffset()).isZero();
        }
    }

    @Test
    void aReadCommittedFetchOfAPartitionWithoutTransactionsReadsEverything() throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            server.manager().createTopic("orders", 1);
            try (RawClient client = new RawClient(server.port())) {
                for (int i = 0; i < 3; i++) {
                    MemoryRecords plain = MemoryRecords.withRecords(Compression.NONE,
                            new SimpleRecord(("r" + i).getBytes(StandardCharsets.UTF_8)));
                    assertThat(produce(client, plain, null)).isEqualTo(Errors.NONE);
                }
                FetchResponseData.PartitionData committed = fetch(client, (byte) 1);
                assertThat(committed.highWatermark()).isEqualTo(3);
                assertThat(committed.lastStableOffset()).isEqualTo(3);
                assertThat(committed.abortedTransactions()).isNotNull().isEmpty();
                assertThat(baseOffsets(committed)).containsExactly(0L, 1L, 2L);
                FetchResponseData.PartitionData uncommitted = fetch(client, (byte) 0);
                assertThat(uncommitted.lastStableOffset()).isEqualTo(3);
                assertThat(baseOffsets(uncommitted)).containsExactly(0L, 1L, 2L);
                assertThat(latest(client, (byte) 1)).isEqualTo(3);
                assertThat(latest(client, (byte) 0)).isEqualTo(3);
            }
        }
    }

    private static ByteBuffer oneRecord(BatchBuilder builder, ByteBuffer value) {
        builder.tryAppend(1_000L, null, value);
        return builder.build();
    }

    private static Errors produce(RawClient client, MemoryRecords records, String transactionalId) throws Exception {
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000)
                .setTransactionalId(transactionalId);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("orders");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        request.topicData().add(topic);
        ProduceResponseData response = (ProduceResponseData) client.call(ApiKeys.PRODUCE, PRODUCE_VERSION, request);
        return Errors.forCode(response.responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    private static FetchResponseData.PartitionData fetch(RawClient client, byte isolationLevel) throws Exception {
        FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
                .setMaxBytes(1 << 20).setIsolationLevel(isolationLevel);
        FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopic("orders");
        topic.partitions().add(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                .setPartitionMaxBytes(1 << 20));
        request.topics().add(topic);
        FetchResponseData response = (FetchResponseData) client.call(ApiKeys.FETCH, FETCH_VERSION, request);
        return response.responses().get(0).partitions().get(0);
    }

    private static long latest(RawClient client, byte isolationLevel) throws Exception {
        ListOffsetsRequestData request = new ListOffsetsRequestData().setReplicaId(-1).setIsolationLevel(isolationLevel);
        ListOffsetsRequestData.ListOffsetsTopic topic = new ListOffsetsRequestData.ListOffsetsTopic().setName("orders");
        topic.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1));
        request.topics().add(topic);
        ListOffsetsResponseData response = (ListOffsetsResponseData) client.call(ApiKeys.LIST_OFFSETS,
                LIST_OFFSETS_VERSION, request);
        return response.topics().get(0).partitions().get(0).offset();
    }

    private static List<Long> baseOffsets(FetchResponseData.PartitionData data) {
        List<Long> out = new ArrayList<>();
        for (RecordBatch batch : ((MemoryRecords) data.records()).batches()) {
            out.add(batch.baseOffset());
        }
        return out;
    }
}

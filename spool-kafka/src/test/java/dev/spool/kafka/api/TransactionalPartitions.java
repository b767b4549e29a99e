package dev.spool.kafka.api;

import dev.spool.kafka.KafkaServerConfig;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import dev.spool.kafka.txn.TransactionVerifier;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.AbortedTransaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * The server's partition handlers (Produce, Fetch, ListOffsets, DescribeProducers and the marker
 * writer) over one {@link LogManager}, wired as the server wires them but with a verifier and a
 * transaction index the test controls. Requests are encoded and decoded as on the wire, so each
 * goes through the version's schema.
 */
final class TransactionalPartitions implements AutoCloseable {
    static final String TOPIC = "orders";
    static final String TRANSACTIONAL_ID = "txn-1";

    /** The aborted transactions recorded, in memory. */
    final List<AbortedTransaction> aborted = new ArrayList<>();
    /** Whether recording in the index fails (a full disk), for the marker's failure path. */
    volatile boolean indexFails;
    final AbortedTransactionIndex index = AbortedTransactionIndex.of(
            (log, entry, durability) -> {
                if (indexFails) {
                    throw new IOException("No space left on device");
                }
                synchronized (aborted) {
                    // As the log's index: markers follow each other.
                    if (!aborted.isEmpty() && entry.lastOffset() <= aborted.get(aborted.size() - 1).lastOffset()) {
                        throw new IllegalArgumentException(entry + " cannot follow " + aborted);
                    }
                    aborted.add(entry);
                }
            },
            (log, fetchOffset, upperBoundOffset) -> {
                synchronized (aborted) {
                    return aborted.stream().filter(entry -> entry.lastOffset() >= fetchOffset
                            && entry.firstOffset() < upperBoundOffset).toList();
                }
            });

    /** Runs once, at the start of the next read of stored records (a fetch's). */
    volatile Runnable beforeRead;
    final LogManager manager;
    final Partitions partitions;
    final ProduceHandler produce;
    final FetchHandler fetch;
    final ListOffsetsHandler listOffsets;
    final DescribeHandler describe;
    final PartitionMarkers markers;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final FetchWaiters waiters = new FetchWaiters(timer, executor);

    /** {@code verifier} decides every transactional batch; fetches read without copying when {@code zeroCopy}. */
    TransactionalPartitions(Path dir, TransactionVerifier verifier, boolean zeroCopy) throws IOException {
        manager = LogManager.open(dir, LogManagerConfig.defaults().withoutBackgroundTasks());
        if (manager.topics().isEmpty()) {
            manager.createTopic(TOPIC, 1);
        }
        partitions = new Partitions(manager, KafkaServerConfig.defaults());
        produce = new ProduceHandler(partitions, waiters::appended, id -> true, verifier);
        StoredRecords stored = zeroCopy ? StoredRecords.zeroCopy() : StoredRecords.copying();
        fetch = new FetchHandler(partitions, waiters, (log, offset, maxBytes, endOffset) -> {
            Runnable hook = beforeRead;
            beforeRead = null;
            if (hook != null) {
                hook.run();
            }
            return stored.read(log, offset, maxBytes, endOffset);
        }, 1 << 20, index);
        listOffsets = new ListOffsetsHandler(partitions);
        describe = new DescribeHandler(partitions, null);
        markers = new PartitionMarkers(partitions, index, waiters::appended, executor, System::currentTimeMillis);
    }

    Log log() {
        return manager.log(TOPIC, 0);
    }

    /** A batch of {@code count} records ("v0", "v1" ...) of {@code producerId} (-1: none), transactional or not. */
    static MemoryRecords batch(long producerId, short epoch, int firstSequence, int count, boolean transactional) {
        BatchBuilder builder = new BatchBuilder(4096).producer(producerId, epoch, firstSequence)
                .transactional(transactional);
        for (int i = 0; i < count; i++) {
            builder.tryAppend(System.currentTimeMillis(), null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.readableRecords(builder.build());
    }

    ProduceResponseData.PartitionProduceResponse produce(MemoryRecords records, String transactionalId)
            throws Exception {
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000)
                .setTransactionalId(transactionalId);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName(TOPIC);
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        data.topicData().add(topic);
        Response response = produce.handle(parse(ApiKeys.PRODUCE, (short) 11, data)).get(10, TimeUnit.SECONDS)
                .orElseThrow();
        return ((ProduceResponseData) response.body()).responses().iterator().next().partitionResponses().get(0);
    }

    /** A transactional batch of producer {@code producerId}, in a request naming the transactional id. */
    ProduceResponseData.PartitionProduceResponse produceTransactional(long producerId, short epoch, int firstSequence,
                                                                      int count) throws Exception {
        return produce(batch(producerId, epoch, firstSequence, count, true), TRANSACTIONAL_ID);
    }

    FetchResponseData.PartitionData fetch(long offset, boolean readCommitted) throws Exception {
        return fetch(offset, readCommitted, 0, 0).get(10, TimeUnit.SECONDS);
    }

    /** A fetch that waits up to {@code maxWaitMs} for {@code minBytes}. */
    CompletableFuture<FetchResponseData.PartitionData> fetch(long offset, boolean readCommitted, int minBytes,
                                                             int maxWaitMs) throws Exception {
        FetchRequestData data = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(minBytes)
                .setMaxBytes(1 << 20).setIsolationLevel((byte) (readCommitted ? 1 : 0));
        FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopic(TOPIC);
        topic.partitions().add(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(offset)
                .setPartitionMaxBytes(1 << 20));
        data.topics().add(topic);
        return fetch.handle(parse(ApiKeys.FETCH, (short) 12, data)).thenApply(response ->
                ((FetchResponseData) response.orElseThrow().body()).responses().get(0).partitions().get(0));
    }

    ListOffsetsResponseData.ListOffsetsPartitionResponse latest(boolean readCommitted) throws Exception {
        ListOffsetsRequestData data = new ListOffsetsRequestData().setReplicaId(-1)
                .setIsolationLevel((byte) (readCommitted ? 1 : 0));
        ListOffsetsRequestData.ListOffsetsTopic topic = new ListOffsetsRequestData.ListOffsetsTopic().setName(TOPIC);
        topic.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                .setTimestamp(ListOffsetsHandler.LATEST));
        data.topics().add(topic);
        Response response = listOffsets.handle(parse(ApiKeys.LIST_OFFSETS, (short) 7, data));
        return ((ListOffsetsResponseData) response.body()).topics().get(0).partitions().get(0);
    }

    List<DescribeProducersResponseData.ProducerState> producers() throws Exception {
        DescribeProducersRequestData data = new DescribeProducersRequestData();
        data.topics().add(new DescribeProducersRequestData.TopicRequest().setName(TOPIC).setPartitionIndexes(List.of(0)));
        Response response = describe.describeProducers(parse(ApiKeys.DESCRIBE_PRODUCERS, (short) 0, data));
        return ((DescribeProducersResponseData) response.body()).topics().get(0).partitions().get(0).activeProducers();
    }

    /** Writes a marker and waits for it. */
    void marker(long producerId, short epoch, boolean commit) throws Exception {
        markers.writeMarker(new PartitionRef(TOPIC, 0), producerId, epoch, commit, 0).get(10, TimeUnit.SECONDS);
    }

    /** The LSO the partition holds now (without a fetch). */
    long lastStableOffset() {
        return partitions.state(log()).lastStableOffset(log().logEndOffset());
    }

    /** The request as the server's decoder hands it over: encoded, then parsed at {@code version}. */
    static ParsedRequest parse(ApiKeys key, short version, ApiMessage body) {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                .setCorrelationId(1).setClientId("test");
        short headerVersion = key.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buffer = ByteBuffer.allocate(header.size(cache, headerVersion) + body.size(cache, version));
        ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
        header.write(accessor, cache, headerVersion);
        body.write(accessor, cache, version);
        buffer.flip();
        RequestHeader parsedHeader = RequestHeader.parse(buffer);
        AbstractRequest request = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(buffer)).request;
        return new ParsedRequest(parsedHeader, request, buffer.limit());
    }

    @Override
    public void close() throws IOException {
        waiters.close();
        executor.shutdown();
        timer.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        manager.close();
    }
}

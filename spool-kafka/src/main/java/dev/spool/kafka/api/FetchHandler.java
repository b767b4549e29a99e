package dev.spool.kafka.api;

import dev.spool.kafka.protocol.FileRecordsSlice;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.log.Log;
import dev.spool.log.OffsetOutOfRangeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetch (sessionless, topics by name): for each partition, whole stored batches starting with the
 * one that holds the fetch offset (clients skip the records before it; starting after it hangs
 * them), up to the partition's limit, with at least one batch for the first partition that has
 * data. Once the response holds {@code maxBytes} (at most the server's {@code fetch.max.bytes},
 * whatever the request asks), later partitions come back empty, so it exceeds the limit by one
 * batch at most. High watermark and last stable offset are both the log end
 * (every appended record is visible; there are no transactions); the preferred read replica is -1.
 * From version 13 a request names each topic by id only: an id no topic has gets UNKNOWN_TOPIC_ID
 * in each of its partitions (a topic deleted and created again has a new id).
 *
 * <p>When the first read has fewer than {@code minBytes} and no error, the fetch waits
 * ({@link FetchWaiters}) up to {@code maxWaitMs}. The records are read by a
 * {@link StoredRecords}: from the segment files without copying (zero copy) where it can.
 */
final class FetchHandler {
    private static final Logger LOG = LoggerFactory.getLogger(FetchHandler.class);
    /** The first version that names topics by id, not by name. */
    static final short TOPIC_IDS_VERSION = 13;

    private final Partitions partitions;
    private final FetchWaiters waiters;
    private final StoredRecords stored;
    /** The server's cap on a response's record bytes (Kafka's broker {@code fetch.max.bytes}). */
    private final int fetchBytesMax;

    FetchHandler(Partitions partitions, FetchWaiters waiters, StoredRecords stored, int fetchBytesMax) {
        this.partitions = partitions;
        this.waiters = waiters;
        this.stored = stored;
        this.fetchBytesMax = fetchBytesMax;
    }

    CompletableFuture<Optional<Response>> handle(ParsedRequest request) {
        FetchRequestData data = (FetchRequestData) request.request().data();
        List<Optional<String>> names = topicNames(data, request.version());
        Attempt first = read(data, names);
        if (first.bytes >= data.minBytes() || first.error || data.maxWaitMs() <= 0) {
            return CompletableFuture.completedFuture(Optional.of(Response.to(request, first.response)));
        }
        first.release();
        Set<Log> logs = new LinkedHashSet<>();
        for (int t = 0; t < data.topics().size(); t++) {
            String name = names.get(t).orElse(null);
            for (FetchRequestData.FetchPartition partition : data.topics().get(t).partitions()) {
                partitions.find(name, partition.partition()).ifPresent(logs::add);
            }
        }
        return waiters.await(logs, data.maxWaitMs(), () -> read(data, names),
                        attempt -> attempt.bytes >= data.minBytes() || attempt.error, Attempt::release)
                .thenApply(attempt -> Optional.of(Response.to(request, attempt.response)));
    }

    /** One pass over the request's partitions. */
    private static final class Attempt {
        final FetchResponseData response = new FetchResponseData();
        final List<StoredRecords.Read> reads = new ArrayList<>();
        long bytes;
        boolean error;

        void release() {
            for (StoredRecords.Read read : reads) {
                if (read.records() instanceof FileRecordsSlice slice) {
                    slice.releaseIfUnsent();
                }
            }
        }
    }

    /**
     * Each requested topic's name, in request order: as given up to version 12; from 13 the name
     * of the topic with the given id, resolved once per request so every pass reads the same topic.
     */
    private List<Optional<String>> topicNames(FetchRequestData data, short version) {
        List<Optional<String>> names = new ArrayList<>(data.topics().size());
        for (FetchRequestData.FetchTopic topic : data.topics()) {
            names.add(version >= TOPIC_IDS_VERSION ? KafkaTopicIds.nameOf(partitions.manager(), topic.topicId())
                    : Optional.ofNullable(topic.topic()));
        }
        return names;
    }

    private Attempt read(FetchRequestData data, List<Optional<String>> names) {
        Attempt attempt = new Attempt();
        int maxBytes = data.maxBytes() <= 0 ? fetchBytesMax : Math.min(data.maxBytes(), fetchBytesMax);
        for (int t = 0; t < data.topics().size(); t++) {
            FetchRequestData.FetchTopic topic = data.topics().get(t);
            Optional<String> name = names.get(t);
            FetchResponseData.FetchableTopicResponse topicResponse = new FetchResponseData.FetchableTopicResponse()
                    .setTopic(topic.topic()).setTopicId(topic.topicId());
            attempt.response.responses().add(topicResponse);
            for (FetchRequestData.FetchPartition partition : topic.partitions()) {
                FetchResponseData.PartitionData out = new FetchResponseData.PartitionData()
                        .setPartitionIndex(partition.partition()).setPreferredReadReplica(-1)
                        .setRecords(MemoryRecords.EMPTY);
                topicResponse.partitions().add(out);
                if (name.isEmpty()) { // only from version 13: before, a request always names its topics
                    attempt.error = true;
                    out.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
                    continue;
                }
                readPartition(attempt, name.orElse(null), partition, maxBytes, out);
            }
        }
        return attempt;
    }

    private void readPartition(Attempt attempt, String topic, FetchRequestData.FetchPartition partition, int maxBytes,
                               FetchResponseData.PartitionData out) {
        Optional<Log> found = partitions.find(topic, partition.partition());
        if (found.isEmpty()) {
            attempt.error = true;
            out.setErrorCode(partitions.missing(topic, partition.partition()).code());
            return;
        }
        Log log = found.get();
        out.setHighWatermark(log.logEndOffset()).setLastStableOffset(log.logEndOffset())
                .setLogStartOffset(log.logStartOffset());
        long budget = Math.min(partition.partitionMaxBytes(), (long) maxBytes - attempt.bytes);
        if (budget <= 0 || partition.partitionMaxBytes() <= 0) {
            return;
        }
        try {
            StoredRecords.Read read = stored.read(log, partition.fetchOffset(), (int) budget);
            attempt.reads.add(read);
            attempt.bytes += read.records().sizeInBytes();
            out.setRecords(read.records()).setHighWatermark(read.logEndOffset()).setLastStableOffset(read.logEndOffset())
                    .setLogStartOffset(read.logStartOffset());
        } catch (OffsetOutOfRangeException e) {
            attempt.error = true;
            out.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()).setHighWatermark(e.logEndOffset())
                    .setLastStableOffset(e.logEndOffset()).setLogStartOffset(e.logStartOffset());
        } catch (IllegalStateException e) { // closed: the topic was deleted
            attempt.error = true;
            out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        } catch (IOException | UncheckedIOException e) {
            attempt.error = true;
            LOG.error("Fetch from {}-{} at offset {} failed: {}", topic, partition.partition(), partition.fetchOffset(),
                    e.getMessage());
            out.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }
}

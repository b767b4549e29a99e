package dev.spool.kafka.api;

import dev.spool.kafka.protocol.FileRecordsSlice;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.log.Log;
import dev.spool.log.OffsetOutOfRangeException;
import dev.spool.log.AbortedTransaction;
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
 * batch at most. The high watermark is the log end (every appended record is visible); the
 * preferred read replica is -1. From version 13 a request names each topic by id only: an id no
 * topic has gets UNKNOWN_TOPIC_ID in each of its partitions (a topic deleted and created again has
 * a new id).
 *
 * <h2>Transactions</h2>
 * Every response (v4+) carries the partition's last stable offset (LSO): the start of its earliest
 * open transaction, else the high watermark ({@link PartitionState#lastStableOffset}; before a
 * partition's producer state was built, which a {@code read_uncommitted} fetch does not wait for,
 * the high watermark). A {@code read_committed} fetch ({@code isolation_level = 1}) builds that
 * state first, reads only whole batches below the LSO, and lists the aborted transactions that
 * overlap what it returns (producer id and first offset; an empty list, not null), from the
 * partition's transaction index, so the consumer drops their records. The index entry of an abort
 * exists before the LSO moves past it ({@link PartitionMarkers}). A waiting fetch wakes when a
 * marker is written, as it does on an append. {@code read_uncommitted} reads as before, but for
 * the partition's state looked up and one volatile read: no lock, no scan.
 *
 * <p>When the first read has fewer than {@code minBytes} and no error, the fetch waits
 * ({@link FetchWaiters}) up to {@code maxWaitMs}. The records are read by a
 * {@link StoredRecords}: from the segment files without copying (zero copy) where it can.
 */
final class FetchHandler {
    private static final Logger LOG = LoggerFactory.getLogger(FetchHandler.class);
    /** The first version that names topics by id, not by name. */
    static final short TOPIC_IDS_VERSION = 13;

    /** The request's isolation level that reads only below the last stable offset. */
    static final byte READ_COMMITTED = 1;

    private final Partitions partitions;
    private final FetchWaiters waiters;
    private final StoredRecords stored;
    /** The server's cap on a response's record bytes (Kafka's broker {@code fetch.max.bytes}). */
    private final int fetchBytesMax;
    private final AbortedTransactionIndex index;

    /** {@code index} lists the aborted transactions a {@code read_committed} fetch reports. */
    FetchHandler(Partitions partitions, FetchWaiters waiters, StoredRecords stored, int fetchBytesMax,
                 AbortedTransactionIndex index) {
        this.partitions = partitions;
        this.waiters = waiters;
        this.stored = stored;
        this.fetchBytesMax = fetchBytesMax;
        this.index = index;
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

    /** Frees what a read holds when it is not sent. */
    private static void releaseUnsent(StoredRecords.Read read) {
        if (read.records() instanceof FileRecordsSlice slice) {
            slice.releaseIfUnsent();
        }
    }

    /** One pass over the request's partitions. */
    private static final class Attempt {
        final FetchResponseData response = new FetchResponseData();
        final List<StoredRecords.Read> reads = new ArrayList<>();
        long bytes;
        boolean error;

        void release() {
            for (StoredRecords.Read read : reads) {
                releaseUnsent(read);
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
        boolean readCommitted = data.isolationLevel() == READ_COMMITTED;
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
                readPartition(attempt, name.orElse(null), partition, maxBytes, readCommitted, out);
            }
        }
        return attempt;
    }

    private void readPartition(Attempt attempt, String topic, FetchRequestData.FetchPartition partition, int maxBytes,
                               boolean readCommitted, FetchResponseData.PartitionData out) {
        Optional<Log> found = partitions.find(topic, partition.partition());
        if (found.isEmpty()) {
            attempt.error = true;
            out.setErrorCode(partitions.missing(topic, partition.partition()).code());
            return;
        }
        Log log = found.get();
        PartitionState state = partitions.state(log);
        try {
            if (readCommitted) {
                loadTransactions(state);
            }
            // The high watermark first, then the open transactions: a transaction begun after this
            // read of the log end starts at or after it (see OpenTransactions), so the LSO holds.
            long highWatermark = log.logEndOffset();
            long lastStable = state.lastStableOffset(highWatermark);
            out.setHighWatermark(highWatermark).setLastStableOffset(lastStable)
                    .setLogStartOffset(log.logStartOffset());
            long budget = Math.min(partition.partitionMaxBytes(), (long) maxBytes - attempt.bytes);
            if (readCommitted) {
                out.setAbortedTransactions(new ArrayList<>());
            }
            if (budget <= 0 || partition.partitionMaxBytes() <= 0) {
                return;
            }
            StoredRecords.Read read;
            if (!readCommitted) {
                read = stored.read(log, partition.fetchOffset(), (int) budget);
            } else if (lastStable < highWatermark) { // a transaction is open: whole batches below its start
                read = stored.read(log, partition.fetchOffset(), (int) budget, lastStable);
            } else {
                // None open: read as read_uncommitted does (no cut to find). Should one have begun
                // meanwhile, its batches may be in the read: read again, cut at its start. Else
                // everything read is stable (a transaction that began and ended meanwhile has its
                // index entry), and so is the log end the read saw.
                read = stored.read(log, partition.fetchOffset(), (int) budget);
                if (state.hasTransactions()) {
                    releaseUnsent(read);
                    lastStable = state.lastStableOffset(log.logEndOffset());
                    read = stored.read(log, partition.fetchOffset(), (int) budget, lastStable);
                } else {
                    lastStable = read.logEndOffset();
                }
            }
            attempt.reads.add(read);
            attempt.bytes += read.records().sizeInBytes();
            out.setRecords(read.records()).setHighWatermark(read.logEndOffset())
                    .setLastStableOffset(readCommitted ? lastStable : state.lastStableOffset(read.logEndOffset()))
                    .setLogStartOffset(read.logStartOffset());
            if (readCommitted && read.records().sizeInBytes() > 0) {
                addAborted(log, partition.fetchOffset(), read.upperBoundOffset(), out);
            }
        } catch (OffsetOutOfRangeException e) {
            attempt.error = true;
            out.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()).setHighWatermark(e.logEndOffset())
                    .setLastStableOffset(state.lastStableOffset(e.logEndOffset())).setLogStartOffset(e.logStartOffset());
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

    /** The open transactions must be known before a read_committed read: loaded once, checked against the index. */
    private void loadTransactions(PartitionState state) throws IOException {
        if (!state.isLoaded()) {
            synchronized (state) {
                state.producers(partitions.config().producerStateScanBytes(),
                        partitions.config().producersPerPartitionMax());
            }
        }
        state.checkAbortedIndex(index);
        state.tightenLastStableOffset();
    }

    /** The aborted transactions of {@code [fetchOffset, upperBoundOffset)}, as the response lists them. */
    private void addAborted(Log log, long fetchOffset, long upperBoundOffset, FetchResponseData.PartitionData out)
            throws IOException {
        for (AbortedTransaction aborted : index.collect(log, fetchOffset, upperBoundOffset)) {
            out.abortedTransactions().add(new FetchResponseData.AbortedTransaction()
                    .setProducerId(aborted.producerId()).setFirstOffset(aborted.firstOffset()));
        }
    }
}

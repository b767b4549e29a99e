package dev.spool.kafka.api;

import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.kafka.txn.TransactionVerifier;
import dev.spool.log.AppendRejectedException;
import dev.spool.log.Durability;
import dev.spool.log.InvalidBatchException;
import dev.spool.log.KeylessRecordException;
import dev.spool.log.Log;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicSetting;
import dev.spool.log.PartitionOfflineException;
import dev.spool.log.UnknownTopicException;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.Header;
import dev.spool.log.record.Record;
import dev.spool.log.record.TimestampType;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produce: each partition's batch is validated, checked against the idempotent-producer state,
 * and handed to the log as it arrived (compressed batches stay compressed; the log stamps offsets
 * into the header, outside the CRC).
 *
 * <h2>Checks, in order, each answered with the error Kafka gives</h2>
 * <pre>
 *  unknown topic or partition, internal topic          UNKNOWN_TOPIC_OR_PARTITION / INVALID_TOPIC_EXCEPTION
 *  not exactly one whole batch (Produce v3+)           INVALID_RECORD
 *  magic, header, record framing (bounded              CORRUPT_MESSAGE
 *    decompression); the CRC, checked by the log
 *    (and first of all on any other refusal)
 *  larger than the topic's max.message.bytes          MESSAGE_TOO_LARGE (the client's RecordTooLargeException)
 *  control batch (markers are the coordinator's)       INVALID_RECORD
 *  transactional batch without producer id, epoch      INVALID_RECORD
 *    or sequence
 *  transactional batch, no transactional id            TRANSACTIONAL_ID_AUTHORIZATION_FAILED
 *  a timestamp outside the topic's before/after.max.ms INVALID_TIMESTAMP (CreateTime topics)
 *  a record without a key on a compacted topic         INVALID_RECORD with a record error per keyless record
 *    (the log refuses it: {@link KeylessRecordException})   (the client's InvalidRecordException)
 *  transactional batch its producer may not write     what {@link TransactionVerifier#verify} answers
 *    here (no open transaction holding the partition)    (INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE ...)
 *  producer id never issued by InitProducerId          UNKNOWN_PRODUCER_ID
 *  producer epoch and sequence                         see ProducerStateTable
 *  idempotent batch of a producer whose transaction    INVALID_TXN_STATE
 *    is open on the partition
 * </pre>
 * A transactional batch begins its producer's transaction on the partition
 * ({@link OpenTransactions}), which holds the last stable offset back until the transaction's
 * marker is written ({@link PartitionMarkers}). The hand-off is {@link PartitionAppends}'s: the
 * verifier is asked outside the partition's lock (it may take the coordinator's), and should a
 * marker be handed to the log between its answer and the append, the batch is verified again, so
 * no batch lands after the marker that ended the transaction it was verified for.
 *
 * <p>The batch's CRC is computed once on its way in, by the log it is appended to; the server's own
 * checks walk the records once and leave the CRC to the log unless they refuse or rewrite the batch
 * ({@link ProducedBatch}). Everything runs on the thread that calls {@link #handle}, the
 * connection's event loop, up to the hand-off to the log's writer.
 *
 * <p>A topic with {@code compression.type} other than {@code producer} gets its batches recompressed
 * ({@link #recompress}); one with {@code message.timestamp.type=LogAppendTime} gets them stamped
 * with the append time ({@link #applyTimestampPolicy}).
 *
 * <p>Durability: {@code acks=all} waits for the server's acks-all durability (strict, an fsync,
 * by default), {@code acks=1} and {@code acks=0} for the topic's own; never less than the topic's.
 * {@code acks=0} gets no response; if any partition failed, the connection is closed instead, as
 * Kafka does, which is the only way to tell such a producer.
 */
final class ProduceHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ProduceHandler.class);

    /** Bit 3 of a batch's attributes: the timestamps are the log's append time. */
    private static final int TIMESTAMP_TYPE_BIT = 0x08;

    private final Partitions partitions;
    private final PartitionAppends appends;

    /**
     * {@code appended} is told of every log that grew (to wake waiting fetches); {@code issued}
     * tells the producer ids InitProducerId handed out, the only ones a batch may carry;
     * {@code verifier} whether a transactional batch's producer may write to the partition.
     */
    ProduceHandler(Partitions partitions, Consumer<Log> appended, LongPredicate issued,
                   TransactionVerifier verifier) {
        this.partitions = partitions;
        this.appends = new PartitionAppends(partitions, appended, issued, verifier);
    }

    CompletableFuture<Optional<Response>> handle(ParsedRequest request) {
        ProduceRequestData data = (ProduceRequestData) request.request().data();
        boolean acksAll = data.acks() == -1;
        List<CompletableFuture<Errors>> pending = new ArrayList<>();
        ProduceResponseData response = new ProduceResponseData();
        try {
            for (ProduceRequestData.TopicProduceData topic : data.topicData()) {
                ProduceResponseData.TopicProduceResponse topicResponse = new ProduceResponseData.TopicProduceResponse()
                        .setName(topic.name()).setTopicId(topic.topicId());
                response.responses().add(topicResponse);
                for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                    ProduceResponseData.PartitionProduceResponse out =
                            new ProduceResponseData.PartitionProduceResponse().setIndex(partition.index())
                                    .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
                    topicResponse.partitionResponses().add(out);
                    pending.add(produce(topic.name(), partition, acksAll, data.transactionalId(), out));
                }
            }
        } catch (RuntimeException e) {
            return failAfter(pending, e);
        }
        // The request's bytes (the batches handed to the logs) are freed once its future completes:
        // it never completes before every append it started is done.
        if (data.acks() == 0) {
            String error = firstError(response); // refusals are known now; the writes themselves are not awaited
            if (error != null) {
                return failAfter(pending, new dev.spool.kafka.protocol.MalformedRequestException(
                        "a Produce with acks=0 failed (" + error + "); closing the connection tells the producer"));
            }
            // No response, but the next request on this connection is handled only once the appends are
            // done: requests on a connection take effect in order, as Kafka's do (a ListOffsets right after
            // an acks=0 Produce sees its records).
            return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenCompose(ignored -> {
                String failed = firstError(response);
                return failed == null ? CompletableFuture.completedFuture(Optional.<Response>empty())
                        : CompletableFuture.failedFuture(new dev.spool.kafka.protocol.MalformedRequestException(
                                "a Produce with acks=0 failed (" + failed + "); closing the connection tells the "
                                + "producer"));
            });
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> Optional.of(Response.to(request, response)));
    }

    /** Fails with {@code error} once every append already started is done (they read the request's bytes). */
    private static CompletableFuture<Optional<Response>> failAfter(List<CompletableFuture<Errors>> pending,
                                                                   Throwable error) {
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                .handle((ignored, appendError) -> null)
                .thenCompose(ignored -> CompletableFuture.failedFuture(error));
    }

    /** The first partition error set so far, or null when there is none. */
    private static String firstError(ProduceResponseData response) {
        for (ProduceResponseData.TopicProduceResponse topic : response.responses()) {
            for (ProduceResponseData.PartitionProduceResponse partition : topic.partitionResponses()) {
                if (partition.errorCode() != Errors.NONE.code()) {
                    return topic.name() + "-" + partition.index() + ": " + Errors.forCode(partition.errorCode()).name()
                            + (partition.errorMessage() == null ? "" : " " + partition.errorMessage());
                }
            }
        }
        return null;
    }

    /** Appends one partition's batch; completes with the error written into {@code out}. */
    private CompletableFuture<Errors> produce(String topic, ProduceRequestData.PartitionProduceData partition,
                                              boolean acksAll, String transactionalId,
                                              ProduceResponseData.PartitionProduceResponse out) {
        Optional<Log> found = partitions.find(topic, partition.index());
        if (Partitions.isInternal(topic)) {
            return done(out, Errors.INVALID_TOPIC_EXCEPTION, "Cannot produce to internal topic " + topic);
        }
        if (found.isEmpty()) {
            return done(out, partitions.missing(topic, partition.index()), partitions.offline(topic, partition.index())
                    .map(PartitionOfflineException::getMessage).orElse(null));
        }
        Log log = found.get();
        TopicConfig topicConfig;
        try {
            topicConfig = partitions.manager().topicConfig(topic);
        } catch (UnknownTopicException e) { // deleted since the log was found
            return done(out, Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
        }
        // The topic's max.message.bytes exactly; the log's own limit never goes below the largest it had.
        int batchBytesMax = (int) Math.min(log.config().batchBytesMax(),
                topicConfig.value(TopicSetting.MAX_MESSAGE_BYTES, partitions.manager().defaultLogConfig()));
        ByteBuffer batch;
        long logAppendTimeMs;
        try {
            batch = ProducedBatch.checkBatch(partition.records(), batchBytesMax, transactionalId);
            long maxTimestamp = checkRecords(batch, topicConfig, System.currentTimeMillis());
            ByteBuffer stored = recompress(batch, topicConfig, batchBytesMax);
            logAppendTimeMs = applyTimestampPolicy(stored, topicConfig, System.currentTimeMillis(),
                    stored == batch ? maxTimestamp : RecordBatch.maxTimestamp(stored, 0));
            batch = stored;
        } catch (RefusedBatch e) {
            return done(out, e.error, e.getMessage());
        }
        Durability durability = log.config().write().durability();
        if (acksAll && partitions.config().acksAllDurability() == Durability.STRICT) {
            durability = Durability.STRICT;
        }
        CompletableFuture<Long> firstOffset;
        try {
            firstOffset = RecordBatch.isTransactional(batch, 0)
                    ? appends.appendTransactional(topic, partition.index(), log, batch, durability)
                    : appends.append(log, batch, durability);
        } catch (RefusedBatch e) {
            RefusedBatch refusal = ProducedBatch.crcFirst(batch, e);
            return done(out, refusal.error, refusal.getMessage());
        } catch (KeylessRecordException e) {
            return keyless(out, topic + "-" + partition.index(), e);
        } catch (InvalidBatchException e) {
            return done(out, errorFor(e), e.getMessage());
        } catch (AppendRejectedException e) {
            return done(out, Errors.REQUEST_TIMED_OUT, e.getMessage());
        } catch (IllegalStateException e) { // the log was closed: its topic was deleted
            return done(out, Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
        } catch (IOException e) {
            LOG.error("Produce to {}-{} failed: {}", topic, partition.index(), e.getMessage());
            return done(out, Errors.KAFKA_STORAGE_ERROR, e.getMessage());
        }
        return firstOffset.handle((offset, error) -> {
            if (error != null) {
                out.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(describe(error));
                return Errors.KAFKA_STORAGE_ERROR;
            }
            out.setBaseOffset(offset).setLogStartOffset(log.logStartOffset()).setLogAppendTimeMs(logAppendTimeMs);
            return Errors.NONE;
        });
    }

    private static String describe(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        return cause.getMessage();
    }

    /**
     * The batch in the codec of the topic's {@code compression.type}, as Kafka's broker stores it:
     * unchanged for {@code producer} or when it already has that codec; otherwise its records
     * (timestamps, keys, values, headers) are encoded again with the producer's id, epoch and
     * sequence, so idempotence holds. As Spool's own producers do, a codec that would not make the
     * batch smaller is not applied (the batch is stored uncompressed instead). The result is
     * checked against the topic's limit again: recompressing may grow it.
     */
    static ByteBuffer recompress(ByteBuffer batch, TopicConfig config, int batchBytesMax) {
        Optional<CompressionType> codec = config.storedCompression();
        if (codec.isEmpty() || codec.get() == RecordBatch.compression(batch, 0) || RecordBatch.recordCount(batch, 0) == 0) {
            return batch;
        }
        ProducedBatch.requireIntact(batch); // rebuilt, it gets a new CRC: damage must not pass through
        List<Record> records;
        try {
            records = RecordBatch.recordsOfCheckedBatch(batch, 0, RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT);
        } catch (CorruptRecordException e) { // walked by checkRecords already
            throw new RefusedBatch(Errors.CORRUPT_MESSAGE, e.getMessage());
        }
        long baseTimestamp = records.get(0).timestamp();
        long plainBytes = RecordBatch.HEADER_BYTES;
        Header[][] headers = new Header[records.size()][];
        for (int i = 0; i < records.size(); i++) {
            Record record = records.get(i);
            headers[i] = record.headers().toArray(new Header[0]);
            plainBytes += BatchBuilder.recordSizeInBytes(record.timestamp() - baseTimestamp, i,
                    record.key().map(ByteBuffer::remaining).orElse(-1),
                    record.value().map(ByteBuffer::remaining).orElse(-1), headers[i]);
        }
        if (plainBytes > RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT) {
            throw new RefusedBatch(Errors.MESSAGE_TOO_LARGE, "Batch of " + plainBytes + " bytes uncompressed is too "
                    + "large to recompress with " + codec.get() + " (at most " + RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT
                    + ")");
        }
        BatchBuilder builder = new BatchBuilder((int) plainBytes).compression(codec.get())
                .producer(RecordBatch.producerId(batch, 0), RecordBatch.producerEpoch(batch, 0),
                        RecordBatch.baseSequence(batch, 0));
        for (int i = 0; i < records.size(); i++) {
            Record record = records.get(i);
            builder.append(record.timestamp(), record.key().orElse(null), record.value().orElse(null), headers[i]);
        }
        ByteBuffer rebuilt = builder.build();
        if (rebuilt.remaining() > batchBytesMax) {
            throw new RefusedBatch(Errors.MESSAGE_TOO_LARGE, "Batch of " + rebuilt.remaining() + " bytes after "
                    + "recompression with " + codec.get() + " exceeds the maximum of " + batchBytesMax);
        }
        return rebuilt;
    }

    /**
     * The one walk over the batch's records ({@link ProducedBatch#walk}): their framing, and on a
     * {@code CreateTime} topic their timestamps, as Kafka's broker checks them: a record whose
     * timestamp lies further from {@code nowMs} than {@code message.timestamp.before.max.ms} (no
     * limit by default) or {@code after.max.ms} (an hour by default, as in Kafka 4) is refused with
     * INVALID_TIMESTAMP, and so is a negative one other than -1 (no timestamp): Kafka's clients
     * cannot build such a record and Kafka's broker refuses to rebuild one, so only a hand-made
     * batch carries it, and in the time index it would sort before every real record. Returns the
     * largest record timestamp.
     */
    static long checkRecords(ByteBuffer batch, TopicConfig config, long nowMs) {
        if (config.timestampType() == TimestampType.LOG_APPEND_TIME) {
            return ProducedBatch.walk(batch, false, 0, 0, "");
        }
        long beforeMaxMs = config.override(TopicSetting.MESSAGE_TIMESTAMP_BEFORE_MAX_MS).orElse(Long.MAX_VALUE);
        long afterMaxMs = config.override(TopicSetting.MESSAGE_TIMESTAMP_AFTER_MAX_MS)
                .orElse(TopicSetting.TIMESTAMP_AFTER_MAX_MS_DEFAULT);
        long earliest = Math.max(0, saturatedAdd(nowMs, -beforeMaxMs));
        long latest = saturatedAdd(nowMs, afterMaxMs);
        return ProducedBatch.walk(batch, true, earliest, latest,
                TopicSetting.MESSAGE_TIMESTAMP_BEFORE_MAX_MS.key() + "=" + beforeMaxMs + ", "
                        + TopicSetting.MESSAGE_TIMESTAMP_AFTER_MAX_MS.key() + "=" + afterMaxMs);
    }

    /**
     * The topic's timestamp policy on a checked batch ({@link #checkRecords}), as Kafka's broker
     * applies it. {@code LogAppendTime}: the batch is stamped with the append time (the
     * timestamp-type bit of its attributes set, its max timestamp replaced, the CRC computed again;
     * readers give every record that time) and the time is returned for the response.
     * {@code CreateTime}: the header's max timestamp is set to {@code maxTimestamp}, the largest
     * record timestamp, when it says otherwise, as Kafka's broker does, so that a made-up header
     * cannot place the batch anywhere in the time index. Either rewrite checks the CRC first.
     * Returns -1 when the batch keeps the producer's timestamps.
     */
    static long applyTimestampPolicy(ByteBuffer batch, TopicConfig config, long nowMs, long maxTimestamp) {
        if (config.timestampType() == TimestampType.LOG_APPEND_TIME) {
            ProducedBatch.requireIntact(batch);
            short attributes = RecordBatch.attributes(batch, 0);
            batch.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) (attributes | TIMESTAMP_TYPE_BIT));
            batch.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, nowMs);
            batch.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(batch, 0));
            return nowMs;
        }
        if (RecordBatch.maxTimestamp(batch, 0) != maxTimestamp) {
            ProducedBatch.requireIntact(batch);
            batch.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, maxTimestamp);
            batch.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(batch, 0));
        }
        return -1;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (b < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
    }

    private static Errors errorFor(InvalidBatchException e) {
        return switch (e.reason()) {
            case TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
            case CORRUPT -> Errors.CORRUPT_MESSAGE;
            case TOO_MANY_RECORDS, EMPTY, KEY_REQUIRED -> Errors.INVALID_RECORD;
        };
    }

    /**
     * A batch with keyless records refused by a compacted topic's log, answered as Kafka's broker
     * answers it: INVALID_RECORD, one record error per keyless record (its index in the batch), and
     * a partition message quoting the first three (record errors exist from Produce v8; earlier
     * versions carry the error code alone).
     */
    private static CompletableFuture<Errors> keyless(ProduceResponseData.PartitionProduceResponse out,
                                                     String topicPartition, KeylessRecordException e) {
        String message = "Compacted topic cannot accept message without key in topic partition " + topicPartition;
        List<ProduceResponseData.BatchIndexAndErrorMessage> errors = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (int index : e.recordIndexes()) {
            errors.add(new ProduceResponseData.BatchIndexAndErrorMessage().setBatchIndex(index)
                    .setBatchIndexErrorMessage(message));
            if (shown.size() < 3) {
                shown.add("RecordError(batchIndex=" + index + ", message='" + message + "')");
            }
        }
        out.setRecordErrors(errors);
        return done(out, Errors.INVALID_RECORD, "One or more records have been rejected due to " + errors.size()
                + " record errors in total, and only showing the first three errors at most: " + shown);
    }

    private static CompletableFuture<Errors> done(ProduceResponseData.PartitionProduceResponse out, Errors error,
                                                  String message) {
        out.setErrorCode(error.code()).setErrorMessage(message);
        return CompletableFuture.completedFuture(error);
    }

    /** A batch refused before it reached the log. */
    static final class RefusedBatch extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Errors error;

        RefusedBatch(Errors error, String message) {
            super(message, null, false, false);
            this.error = error;
        }
    }
}

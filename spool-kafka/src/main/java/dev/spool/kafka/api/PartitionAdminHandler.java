package dev.spool.kafka.api;

import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.log.Log;
import dev.spool.log.PartitionOfflineException;
import dev.spool.log.UnknownTopicException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin APIs that change or check one partition's extent: CreatePartitions (grow a topic),
 * DeleteRecords (move a log start offset) and OffsetForLeaderEpoch (a client's truncation check).
 *
 * <p>This node has led every partition since it was created, so each log is one leader epoch, 0:
 * epoch 0 ends at the log end, and there is no other epoch (Metadata and ListOffsets say epoch 0
 * too). The high watermark is the log end, as Fetch reports it. Stateless; thread-safe.
 */
final class PartitionAdminHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionAdminHandler.class);
    /** The one leader epoch of every partition. */
    static final int LEADER_EPOCH = 0;
    /** DeleteRecords' offset meaning "up to the high watermark". */
    static final long HIGH_WATERMARK = -1;

    private final Partitions partitions;

    PartitionAdminHandler(Partitions partitions) {
        this.partitions = partitions;
    }

    /**
     * CreatePartitions: grows each topic to its new count. A count at or below the current one is
     * INVALID_PARTITIONS; assignments, when given, need one per new partition, each naming this node
     * only. With validateOnly the checks run and nothing changes.
     */
    Response createPartitions(ParsedRequest request) {
        CreatePartitionsRequestData data = (CreatePartitionsRequestData) request.request().data();
        CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        for (CreatePartitionsRequestData.CreatePartitionsTopic topic : data.topics()) {
            CreatePartitionsResponseData.CreatePartitionsTopicResult result =
                    new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(topic.name());
            response.results().add(result);
            Optional<String> refusal = grow(topic, data.validateOnly(), result);
            refusal.ifPresent(result::setErrorMessage);
        }
        return Response.to(request, response);
    }

    /** Grows one topic, or sets the error on {@code result} and returns its message. */
    private Optional<String> grow(CreatePartitionsRequestData.CreatePartitionsTopic topic, boolean validateOnly,
                                  CreatePartitionsResponseData.CreatePartitionsTopicResult result) {
        String name = topic.name();
        int current;
        try {
            current = name == null || Partitions.isInternal(name) ? -1 : partitions.manager().partitionCount(name);
        } catch (UnknownTopicException e) {
            current = -1;
        }
        if (current < 0) {
            return fail(result, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Unknown topic '" + name + "'");
        }
        int count = topic.count();
        if (count < current) {
            return fail(result, Errors.INVALID_PARTITIONS, "Topic '" + name + "' has " + current
                    + " partitions; the count can only grow, not become " + count);
        }
        if (count == current) {
            return fail(result, Errors.INVALID_PARTITIONS, "Topic '" + name + "' already has " + current + " partitions");
        }
        List<CreatePartitionsRequestData.CreatePartitionsAssignment> assignments = topic.assignments();
        if (assignments != null && !assignments.isEmpty()) { // none: null from the Java Admin, empty by default
            if (assignments.size() != count - current) {
                return fail(result, Errors.INVALID_REPLICA_ASSIGNMENT, "Growing topic '" + name + "' from " + current
                        + " to " + count + " partitions needs " + (count - current) + " assignments, not "
                        + assignments.size());
            }
            for (CreatePartitionsRequestData.CreatePartitionsAssignment assignment : assignments) {
                if (!assignment.brokerIds().equals(List.of(MetadataHandler.NODE_ID))) {
                    return fail(result, Errors.INVALID_REPLICA_ASSIGNMENT, "Assignment " + assignment.brokerIds()
                            + " names other nodes: this server is the only node, id " + MetadataHandler.NODE_ID);
                }
            }
        }
        Optional<String> full = partitions.noRoomFor(count - current);
        if (full.isPresent()) {
            return fail(result, Errors.POLICY_VIOLATION, "Cannot grow topic '" + name + "': " + full.get());
        }
        if (validateOnly) {
            return Optional.empty();
        }
        try {
            partitions.manager().addPartitions(name, count);
            return Optional.empty();
        } catch (UnknownTopicException e) { // deleted meanwhile
            return fail(result, Errors.UNKNOWN_TOPIC_OR_PARTITION, e.getMessage());
        } catch (IllegalArgumentException e) { // grown meanwhile, or above the partition maximum
            return fail(result, Errors.INVALID_PARTITIONS, e.getMessage());
        } catch (PartitionOfflineException e) { // its settings (partition 0's topic.config) are unreadable
            return fail(result, Errors.KAFKA_STORAGE_ERROR, e.getMessage());
        } catch (IOException e) {
            LOG.error("Growing topic {} to {} partitions failed: {}", name, count, e.getMessage());
            return fail(result, Errors.KAFKA_STORAGE_ERROR, e.getMessage());
        }
    }

    private static Optional<String> fail(CreatePartitionsResponseData.CreatePartitionsTopicResult result, Errors error,
                                         String message) {
        result.setErrorCode(error.code());
        return Optional.of(message);
    }

    /**
     * DeleteRecords: moves each partition's log start offset up to the requested offset (-1: the
     * high watermark), durably before answering, and reports the new start as the low watermark.
     * An offset beyond the high watermark, or negative other than -1, is OFFSET_OUT_OF_RANGE.
     */
    Response deleteRecords(ParsedRequest request) {
        DeleteRecordsRequestData data = (DeleteRecordsRequestData) request.request().data();
        DeleteRecordsResponseData response = new DeleteRecordsResponseData();
        for (DeleteRecordsRequestData.DeleteRecordsTopic topic : data.topics()) {
            DeleteRecordsResponseData.DeleteRecordsTopicResult topicResult =
                    new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(topic.name());
            response.topics().add(topicResult);
            for (DeleteRecordsRequestData.DeleteRecordsPartition partition : topic.partitions()) {
                DeleteRecordsResponseData.DeleteRecordsPartitionResult result =
                        new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                                .setPartitionIndex(partition.partitionIndex()).setLowWatermark(-1);
                topicResult.partitions().add(result);
                result.setErrorCode(deleteRecords(topic.name(), partition, result).code());
            }
        }
        return Response.to(request, response);
    }

    private Errors deleteRecords(String topic, DeleteRecordsRequestData.DeleteRecordsPartition partition,
                                 DeleteRecordsResponseData.DeleteRecordsPartitionResult result) {
        Optional<Log> found = partitions.find(topic, partition.partitionIndex());
        if (found.isEmpty()) { // unknown, or offline (KAFKA_STORAGE_ERROR)
            return partitions.missing(topic, partition.partitionIndex());
        }
        long highWatermark = found.get().logEndOffset();
        long offset = partition.offset() == HIGH_WATERMARK ? highWatermark : partition.offset();
        if (offset < 0 || offset > highWatermark) {
            return Errors.OFFSET_OUT_OF_RANGE;
        }
        try {
            result.setLowWatermark(partitions.manager().deleteRecords(topic, partition.partitionIndex(), offset));
            return Errors.NONE;
        } catch (UnknownTopicException | IllegalStateException e) { // deleted meanwhile (its log closed)
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        } catch (IllegalArgumentException e) {
            return Errors.OFFSET_OUT_OF_RANGE;
        } catch (IOException e) {
            LOG.error("Deleting records of {}-{} below {} failed: {}", topic, partition.partitionIndex(), offset,
                    e.getMessage());
            return Errors.KAFKA_STORAGE_ERROR;
        }
    }

    /**
     * OffsetForLeaderEpoch: where the requested epoch ends. Epoch 0 ends at the log end; any other
     * epoch is unknown here (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET), as on a Kafka leader asked for
     * an epoch above its latest. A current leader epoch other than 0 (or -1, "not checked") is
     * FENCED_LEADER_EPOCH below 0 and UNKNOWN_LEADER_EPOCH above.
     */
    Response offsetForLeaderEpoch(ParsedRequest request) {
        OffsetForLeaderEpochRequestData data = (OffsetForLeaderEpochRequestData) request.request().data();
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : data.topics()) {
            OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult topicResult =
                    new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(topic.topic());
            response.topics().add(topicResult);
            for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition partition : topic.partitions()) {
                OffsetForLeaderEpochResponseData.EpochEndOffset result = new OffsetForLeaderEpochResponseData.EpochEndOffset()
                        .setPartition(partition.partition()).setLeaderEpoch(-1).setEndOffset(-1);
                topicResult.partitions().add(result);
                Optional<Log> log = partitions.find(topic.topic(), partition.partition());
                int current = partition.currentLeaderEpoch();
                if (log.isEmpty()) { // unknown, or offline (KAFKA_STORAGE_ERROR)
                    result.setErrorCode(partitions.missing(topic.topic(), partition.partition()).code());
                } else if (current != -1 && current < LEADER_EPOCH) {
                    result.setErrorCode(Errors.FENCED_LEADER_EPOCH.code());
                } else if (current > LEADER_EPOCH) {
                    result.setErrorCode(Errors.UNKNOWN_LEADER_EPOCH.code());
                } else if (partition.leaderEpoch() == LEADER_EPOCH) {
                    result.setLeaderEpoch(LEADER_EPOCH).setEndOffset(log.get().logEndOffset());
                }
            }
        }
        return Response.to(request, response);
    }
}

package dev.spool.kafka.api;

import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.log.Log;
import dev.spool.log.SegmentInfo;
import dev.spool.log.TimestampOffset;
import java.io.IOException;
import java.util.Optional;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ListOffsets: {@code -2} the log start, {@code -1} the log end (with {@code read_committed}
 * isolation the last stable offset: where such a consumer's records end), {@code -3} (version 7) the record
 * with the largest timestamp, any other timestamp the first record at or after it (offset -1 when
 * every record is older). Timestamps are the records' own (CreateTime). The leader epoch (0: one
 * node, never a leader change) is reported from version 4, the first whose schema has it; the
 * older versions librdkafka (v2), kafkajs (v3) and kafka-python (v1) send get the same answer
 * without it.
 */
final class ListOffsetsHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ListOffsetsHandler.class);
    static final long EARLIEST = -2L;
    static final long LATEST = -1L;
    static final long MAX_TIMESTAMP = -3L;
    /** The isolation level whose {@code -1} is the last stable offset, not the log end. */
    static final byte READ_COMMITTED = 1;
    /** The response's leaderEpoch field exists from this version; setting it below throws at encoding. */
    static final short LEADER_EPOCH_VERSION_MIN = 4;
    /** One node, never a leader change: every partition is in epoch 0. */
    static final int LEADER_EPOCH = 0;
    private static final int NO_LEADER_EPOCH = -1;

    private final Partitions partitions;

    ListOffsetsHandler(Partitions partitions) {
        this.partitions = partitions;
    }

    Response handle(ParsedRequest request) {
        ListOffsetsRequestData data = (ListOffsetsRequestData) request.request().data();
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        for (ListOffsetsRequestData.ListOffsetsTopic topic : data.topics()) {
            ListOffsetsResponseData.ListOffsetsTopicResponse topicResponse =
                    new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(topic.name());
            response.topics().add(topicResponse);
            for (ListOffsetsRequestData.ListOffsetsPartition partition : topic.partitions()) {
                ListOffsetsResponseData.ListOffsetsPartitionResponse out =
                        new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                                .setPartitionIndex(partition.partitionIndex()).setTimestamp(-1).setOffset(-1);
                if (request.version() >= LEADER_EPOCH_VERSION_MIN) {
                    out.setLeaderEpoch(LEADER_EPOCH);
                }
                topicResponse.partitions().add(out);
                Optional<Log> log = partitions.find(topic.name(), partition.partitionIndex());
                if (log.isEmpty()) {
                    out.setErrorCode(partitions.missing(topic.name(), partition.partitionIndex()).code())
                            .setLeaderEpoch(NO_LEADER_EPOCH);
                    continue;
                }
                try {
                    if (partition.timestamp() == LATEST && data.isolationLevel() == READ_COMMITTED) {
                        out.setOffset(lastStableOffset(log.get()));
                        continue;
                    }
                    lookUp(log.get(), partition.timestamp(), out);
                } catch (IllegalStateException e) { // closed: deleted meanwhile
                    out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } catch (IOException e) {
                    LOG.error("ListOffsets on {}-{} failed: {}", topic.name(), partition.partitionIndex(),
                            e.getMessage());
                    out.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
                }
            }
        }
        return Response.to(request, response);
    }

    /** The partition's last stable offset, its producer state built first if need be. */
    private long lastStableOffset(Log log) throws IOException {
        PartitionState state = partitions.state(log);
        if (!state.isLoaded()) {
            synchronized (state) {
                state.producers(partitions.config().producerStateScanBytes(),
                        partitions.config().producersPerPartitionMax());
            }
        }
        state.tightenLastStableOffset();
        return state.lastStableOffset(log.logEndOffset());
    }

    private static void lookUp(Log log, long timestamp, ListOffsetsResponseData.ListOffsetsPartitionResponse out)
            throws IOException {
        if (timestamp == EARLIEST) {
            out.setOffset(log.logStartOffset());
        } else if (timestamp == LATEST) {
            out.setOffset(log.logEndOffset());
        } else if (timestamp == MAX_TIMESTAMP) {
            long max = -1;
            for (SegmentInfo segment : log.segments()) {
                max = Math.max(max, segment.maxTimestamp());
            }
            if (max >= 0) {
                log.findOffsetByTimestamp(max).ifPresent(found -> out.setOffset(found.offset())
                        .setTimestamp(found.timestamp()));
            }
        } else if (timestamp < 0) {
            out.setErrorCode(Errors.UNSUPPORTED_VERSION.code());
        } else {
            Optional<TimestampOffset> found = log.findOffsetByTimestamp(timestamp);
            found.ifPresent(value -> out.setOffset(value.offset()).setTimestamp(value.timestamp()));
        }
    }
}

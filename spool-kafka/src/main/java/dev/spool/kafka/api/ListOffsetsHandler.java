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
 * ListOffsets: {@code -2} the log start, {@code -1} the log end, {@code -3} (version 7) the record
 * with the largest timestamp, any other timestamp the first record at or after it (offset -1 when
 * every record is older). Timestamps are the records' own (CreateTime).
 */
final class ListOffsetsHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ListOffsetsHandler.class);
    static final long EARLIEST = -2L;
    static final long LATEST = -1L;
    static final long MAX_TIMESTAMP = -3L;

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
                                .setPartitionIndex(partition.partitionIndex()).setTimestamp(-1).setOffset(-1)
                                .setLeaderEpoch(0);
                topicResponse.partitions().add(out);
                Optional<Log> log = partitions.find(topic.name(), partition.partitionIndex());
                if (log.isEmpty()) {
                    out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setLeaderEpoch(-1);
                    continue;
                }
                try {
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

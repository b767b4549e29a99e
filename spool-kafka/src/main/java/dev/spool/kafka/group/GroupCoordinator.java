package dev.spool.kafka.group;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The classic consumer-group protocol and the administration of groups, as the server's request
 * handlers see them.
 *
 * <p>Each method takes a request as kafka-clients decoded it, with the API version it arrived in,
 * and completes with the response to encode at that same version. A join or sync may complete
 * long after the call (when the rebalance ends); the others complete promptly. Errors the protocol
 * defines are reported in the response's error codes, never by completing exceptionally.
 *
 * <p>The server answers FindCoordinator itself (it is the coordinator of every group).
 *
 * <p>Threads: every method may be called from any thread, concurrently. A returned future may complete
 * on the calling thread (most answers), on the coordinator's timer thread (a join or sync that a
 * timeout ends) or on its offsets I/O thread (a commit, once durable): callbacks attached to it should
 * hand work to the connection's event loop rather than block. Every future completes, with an error
 * code if need be: after {@link #close()} everything is answered with {@code NOT_COORDINATOR}.
 */
public interface GroupCoordinator extends AutoCloseable {

    CompletableFuture<JoinGroupResponseData> joinGroup(
            JoinGroupRequestData request, short apiVersion, String clientId, String clientHost);

    CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData request, short apiVersion);

    CompletableFuture<HeartbeatResponseData> heartbeat(HeartbeatRequestData request, short apiVersion);

    CompletableFuture<LeaveGroupResponseData> leaveGroup(LeaveGroupRequestData request, short apiVersion);

    /**
     * Commits offsets; a partition that {@code partitions} does not know gets
     * {@code UNKNOWN_TOPIC_OR_PARTITION} and the others are committed all the same.
     */
    CompletableFuture<OffsetCommitResponseData> commitOffsets(OffsetCommitRequestData request, short apiVersion,
                                                              KnownPartitions partitions);

    /**
     * Answers committed offsets; a fetch that requires stable offsets (version 7 on) gets
     * {@code UNSTABLE_OFFSET_COMMIT} for each partition with an offset pending in an open transaction.
     */
    CompletableFuture<OffsetFetchResponseData> fetchOffsets(OffsetFetchRequestData request, short apiVersion);

    /** Every group: those with members and those that only have committed offsets. */
    CompletableFuture<ListGroupsResponseData> listGroups(ListGroupsRequestData request, short apiVersion);

    CompletableFuture<DescribeGroupsResponseData> describeGroups(DescribeGroupsRequestData request, short apiVersion);

    /**
     * Deletes groups that have no members, with their committed offsets and those pending in open
     * transactions (durably, before the answer), as Kafka does; a group with members gets
     * {@code NON_EMPTY_GROUP}, an unknown one {@code GROUP_ID_NOT_FOUND}.
     */
    CompletableFuture<DeleteGroupsResponseData> deleteGroups(DeleteGroupsRequestData request, short apiVersion);

    /**
     * Deletes a group's committed offsets of some partitions, except those of a topic a member
     * consumes ({@code GROUP_SUBSCRIBED_TO_TOPIC}); partitions {@code partitions} does not know get
     * {@code UNKNOWN_TOPIC_OR_PARTITION}.
     */
    CompletableFuture<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData request, short apiVersion,
                                                              KnownPartitions partitions);

    /**
     * Commits offsets inside producer {@code request.producerId()}'s transaction (TxnOffsetCommit,
     * versions 0 to 5): checked per partition as {@link #commitOffsets} checks them, and against the
     * group as Kafka checks a transactional commit ({@code ILLEGAL_GENERATION},
     * {@code UNKNOWN_MEMBER_ID}, {@code FENCED_INSTANCE_ID} from version 3; a group the coordinator
     * never saw takes them from a producer that gives no generation), then stored as pending for
     * the group and producer, durably before the answer. Pending offsets are not fetched (a fetch
     * that requires stable offsets gets {@code UNSTABLE_OFFSET_COMMIT} for their partitions) until
     * {@link #completeTransaction} commits them. The caller has checked that the producer's
     * transaction holds the group's offsets (AddOffsetsToTxn).
     */
    default CompletableFuture<TxnOffsetCommitResponseData> txnOffsetCommit(TxnOffsetCommitRequestData request,
                                                                          short apiVersion,
                                                                          KnownPartitions partitions) {
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        request.topics().forEach(topic -> {
            TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic out =
                    new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName(topic.name());
            topic.partitions().forEach(p -> out.partitions().add(new TxnOffsetCommitResponseData
                    .TxnOffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex())
                    .setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())));
            response.topics().add(out);
        });
        return CompletableFuture.completedFuture(response);
    }

    /**
     * The outcome of producer {@code producerId}'s transaction (the marker the transaction
     * coordinator writes to every partition it touched, here for the offsets): written durably,
     * then on commit every offset the producer has pending, in every group, becomes committed, as if
     * committed at that moment (replacing the older committed value), and on abort they are dropped.
     * Idempotent: a producer with nothing pending (a retry after a crash) completes normally. Completes
     * exceptionally with a retriable {@link org.apache.kafka.common.errors.ApiException}
     * ({@code NOT_COORDINATOR} once closed, {@code COORDINATOR_NOT_AVAILABLE} when the write failed).
     */
    default CompletableFuture<Void> completeTransaction(long producerId, short producerEpoch, boolean commit) {
        return CompletableFuture.failedFuture(Errors.COORDINATOR_NOT_AVAILABLE.exception(
                "This group coordinator keeps no transactional offsets"));
    }

    /**
     * Every committed offset now, for the consumer-lag meter, which reads it at each metrics
     * scrape: a snapshot taken without the groups' locks. None from a coordinator that keeps none.
     */
    default java.util.List<GroupPartitionOffset> committedOffsets() {
        return java.util.List.of();
    }

    /** Stops timers and completes pending joins and syncs with an error; committed offsets stay on disk. */
    @Override
    void close();
}

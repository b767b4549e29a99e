package dev.spool.kafka.group;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/**
 * The classic consumer-group protocol, as the server's request handlers see it.
 *
 * <p>Each method takes a request as kafka-clients decoded it, with the API version it arrived in,
 * and completes with the response to encode at that same version. A join or sync may complete
 * long after the call (when the rebalance ends); the others complete promptly. Errors the protocol
 * defines are reported in the response's error codes, never by completing exceptionally.
 *
 * <p>The server answers FindCoordinator itself (it is the coordinator of every group).
 */
public interface GroupCoordinator extends AutoCloseable {

    CompletableFuture<JoinGroupResponseData> joinGroup(
            JoinGroupRequestData request, short apiVersion, String clientId, String clientHost);

    CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData request, short apiVersion);

    CompletableFuture<HeartbeatResponseData> heartbeat(HeartbeatRequestData request, short apiVersion);

    CompletableFuture<LeaveGroupResponseData> leaveGroup(LeaveGroupRequestData request, short apiVersion);

    CompletableFuture<OffsetCommitResponseData> commitOffsets(OffsetCommitRequestData request, short apiVersion);

    CompletableFuture<OffsetFetchResponseData> fetchOffsets(OffsetFetchRequestData request, short apiVersion);

    /** Stops timers and completes pending joins and syncs with an error; committed offsets stay on disk. */
    @Override
    void close();
}

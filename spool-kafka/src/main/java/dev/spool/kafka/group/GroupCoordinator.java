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

    CompletableFuture<OffsetCommitResponseData> commitOffsets(OffsetCommitRequestData request, short apiVersion);

    CompletableFuture<OffsetFetchResponseData> fetchOffsets(OffsetFetchRequestData request, short apiVersion);

    /** Stops timers and completes pending joins and syncs with an error; committed offsets stay on disk. */
    @Override
    void close();
}

package dev.spool.kafka.api;

import dev.spool.kafka.group.GroupCoordinator;
import dev.spool.kafka.group.KnownPartitions;
import dev.spool.kafka.network.Session;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.RequestDecoder;
import dev.spool.kafka.protocol.Response;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FindCoordinator, answered here (this node coordinates every group), and the group APIs (the
 * classic protocol and the administration of groups), handed to the {@link GroupCoordinator} when
 * the server has one, with the server's view of which partitions exist. Without one the group APIs
 * are not advertised and FindCoordinator answers COORDINATOR_NOT_AVAILABLE, so consumers that
 * {@code assign()} partitions still work.
 *
 * <p>A lookup of a transaction coordinator finds this node when the server has a transaction
 * coordinator. Without one it gets {@code TRANSACTIONAL_ID_AUTHORIZATION_FAILED}, as InitProducerId
 * with a transactional id does: the one FindCoordinator error that the Java producer, librdkafka
 * and kafkajs all take as fatal, so {@code initTransactions()} fails at once instead of retrying a
 * retriable error until its timeout; librdkafka shows the error message sent here.
 */
final class GroupRouter {
    private static final Logger LOG = LoggerFactory.getLogger(GroupRouter.class);

    /** Why a transaction coordinator lookup fails: what librdkafka shows its user. */
    static final String NO_TRANSACTIONS = "This server runs without a transaction coordinator (its transaction log"
            + " could not be opened): unset transactional.id, or repair the server (an idempotent producer,"
            + " enable.idempotence=true, needs no coordinator)";

    private final Optional<GroupCoordinator> coordinator;
    private final AdvertisedAddress node;
    private final KnownPartitions partitions;
    private final boolean transactions;

    GroupRouter(Optional<GroupCoordinator> coordinator, AdvertisedAddress node, KnownPartitions partitions,
                boolean transactions) {
        this.coordinator = coordinator;
        this.node = node;
        this.partitions = partitions;
        this.transactions = transactions;
    }

    Response findCoordinator(ParsedRequest request, Session session) {
        FindCoordinatorRequestData data = (FindCoordinatorRequestData) request.request().data();
        boolean group = data.keyType() == FindCoordinatorRequest.CoordinatorType.GROUP.id();
        boolean transaction = data.keyType() == FindCoordinatorRequest.CoordinatorType.TRANSACTION.id();
        Errors error = transaction ? (transactions ? Errors.NONE : Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
                : !group ? Errors.INVALID_REQUEST
                : coordinator.isPresent() ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE;
        String message = error == Errors.NONE ? null
                : transaction ? NO_TRANSACTIONS
                : group ? "This server runs without a group coordinator"
                : "Unknown coordinator key type " + data.keyType();
        if (transaction && error != Errors.NONE) {
            LOG.warn("Refused a transaction coordinator lookup (transactional.id {}) from client {}: {}",
                    request.version() < 4 ? data.key() : data.coordinatorKeys(), request.clientId(), NO_TRANSACTIONS);
        }
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (request.version() < 4) {
            response.setErrorCode(error.code()).setErrorMessage(message);
            if (error == Errors.NONE) {
                response.setNodeId(MetadataHandler.NODE_ID).setHost(node.host(session)).setPort(node.port(session));
            } else {
                response.setNodeId(-1).setHost("").setPort(-1);
            }
        } else {
            for (String key : data.coordinatorKeys()) {
                FindCoordinatorResponseData.Coordinator out = new FindCoordinatorResponseData.Coordinator()
                        .setKey(key).setErrorCode(error.code()).setErrorMessage(message);
                if (error == Errors.NONE) {
                    out.setNodeId(MetadataHandler.NODE_ID).setHost(node.host(session)).setPort(node.port(session));
                } else {
                    out.setNodeId(-1).setHost("").setPort(-1);
                }
                response.coordinators().add(out);
            }
        }
        return Response.to(request, response);
    }

    /** Hands a group request to the coordinator; its exceptional completions become the API's error response. */
    CompletableFuture<Optional<Response>> route(ParsedRequest request, Session session) {
        if (coordinator.isEmpty()) { // not advertised, so a client should not send it
            return CompletableFuture.completedFuture(Optional.of(
                    RequestDecoder.errorResponse(request, Errors.COORDINATOR_NOT_AVAILABLE)));
        }
        GroupCoordinator groups = coordinator.get();
        short version = request.version();
        ApiMessage data = request.request().data();
        CompletableFuture<? extends ApiMessage> future;
        try {
            future = switch (request.apiKey()) {
                case JOIN_GROUP -> groups.joinGroup((JoinGroupRequestData) data, version, request.clientId(),
                        "/" + session.clientHost());
                case SYNC_GROUP -> groups.syncGroup((SyncGroupRequestData) data, version);
                case HEARTBEAT -> groups.heartbeat((HeartbeatRequestData) data, version);
                case LEAVE_GROUP -> groups.leaveGroup((LeaveGroupRequestData) data, version);
                case OFFSET_COMMIT -> groups.commitOffsets((OffsetCommitRequestData) data, version, partitions);
                case OFFSET_FETCH -> groups.fetchOffsets((OffsetFetchRequestData) data, version);
                case LIST_GROUPS -> groups.listGroups((ListGroupsRequestData) data, version);
                case DESCRIBE_GROUPS -> groups.describeGroups((DescribeGroupsRequestData) data, version);
                case DELETE_GROUPS -> groups.deleteGroups((DeleteGroupsRequestData) data, version);
                case OFFSET_DELETE -> groups.deleteOffsets((OffsetDeleteRequestData) data, version, partitions);
                case TXN_OFFSET_COMMIT ->
                        groups.txnOffsetCommit((TxnOffsetCommitRequestData) data, version, partitions);
                default -> throw new IllegalArgumentException(request.apiKey() + " is not a group API");
            };
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        return future.handle((body, error) -> {
            if (error == null) {
                return Optional.of(Response.to(request, body));
            }
            LOG.error("The group coordinator failed {} v{}: {}", request.apiKey(), version, error.toString(), error);
            return Optional.of(RequestDecoder.errorResponse(request, Errors.COORDINATOR_NOT_AVAILABLE));
        });
    }

}

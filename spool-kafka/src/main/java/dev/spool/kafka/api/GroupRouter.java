package dev.spool.kafka.api;

import dev.spool.kafka.group.GroupCoordinator;
import dev.spool.kafka.network.RequestProcessor;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.RequestDecoder;
import dev.spool.kafka.protocol.Response;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FindCoordinator, answered here (this node coordinates every group), and the classic group
 * APIs, handed to the {@link GroupCoordinator} when the server has one. Without one the group APIs
 * are not advertised and FindCoordinator answers COORDINATOR_NOT_AVAILABLE, so consumers that
 * {@code assign()} partitions still work. Transaction coordinators are not served.
 */
final class GroupRouter {
    private static final Logger LOG = LoggerFactory.getLogger(GroupRouter.class);

    private final Optional<GroupCoordinator> coordinator;
    private final AdvertisedAddress node;

    GroupRouter(Optional<GroupCoordinator> coordinator, AdvertisedAddress node) {
        this.coordinator = coordinator;
        this.node = node;
    }

    Response findCoordinator(ParsedRequest request) {
        FindCoordinatorRequestData data = (FindCoordinatorRequestData) request.request().data();
        boolean group = data.keyType() == FindCoordinatorRequest.CoordinatorType.GROUP.id();
        Errors error = !group ? Errors.COORDINATOR_NOT_AVAILABLE
                : coordinator.isPresent() ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE;
        String message = error == Errors.NONE ? null
                : group ? "This server runs without a group coordinator" : "This server does not serve transactions";
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (request.version() < 4) {
            response.setErrorCode(error.code()).setErrorMessage(message);
            if (error == Errors.NONE) {
                response.setNodeId(MetadataHandler.NODE_ID).setHost(node.host()).setPort(node.port());
            } else {
                response.setNodeId(-1).setHost("").setPort(-1);
            }
        } else {
            for (String key : data.coordinatorKeys()) {
                FindCoordinatorResponseData.Coordinator out = new FindCoordinatorResponseData.Coordinator()
                        .setKey(key).setErrorCode(error.code()).setErrorMessage(message);
                if (error == Errors.NONE) {
                    out.setNodeId(MetadataHandler.NODE_ID).setHost(node.host()).setPort(node.port());
                } else {
                    out.setNodeId(-1).setHost("").setPort(-1);
                }
                response.coordinators().add(out);
            }
        }
        return Response.to(request, response);
    }

    /** Hands a group request to the coordinator; its exceptional completions become the API's error response. */
    CompletableFuture<Optional<Response>> route(ParsedRequest request, RequestProcessor.ClientAddress client) {
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
                        "/" + client.host());
                case SYNC_GROUP -> groups.syncGroup((SyncGroupRequestData) data, version);
                case HEARTBEAT -> groups.heartbeat((HeartbeatRequestData) data, version);
                case LEAVE_GROUP -> groups.leaveGroup((LeaveGroupRequestData) data, version);
                case OFFSET_COMMIT -> groups.commitOffsets((OffsetCommitRequestData) data, version);
                case OFFSET_FETCH -> groups.fetchOffsets((OffsetFetchRequestData) data, version);
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

package dev.spool.kafka.api;

import static dev.spool.kafka.api.RequestAuthorization.now;
import static dev.spool.kafka.api.RequestAuthorization.removeDenied;
import static dev.spool.kafka.api.RequestAuthorization.then;

import dev.spool.kafka.network.Session;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.RequestDecoder;
import dev.spool.kafka.protocol.Response;
import dev.spool.kafka.security.Authorizer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACL checks of FindCoordinator and the group APIs, as Kafka's broker makes them: finding a
 * group's coordinator needs DESCRIBE on the group, a transaction's DESCRIBE on its transactional
 * id; joining, syncing, heartbeats and leaving READ;
 * committing offsets READ on the group and on each topic; fetching offsets DESCRIBE on the group,
 * with the topics the client may not DESCRIBE refused (named) or left out (all asked); listing
 * groups shows those the client may DESCRIBE (all with DESCRIBE on the cluster); describing groups
 * DESCRIBE, deleting groups DELETE; deleting offsets DELETE on the group and READ on each topic.
 * Thread-safe.
 */
final class GroupAuthorization {
    private static final short GROUP_DENIED = Errors.GROUP_AUTHORIZATION_FAILED.code();
    private static final short TOPIC_DENIED = Errors.TOPIC_AUTHORIZATION_FAILED.code();

    private final Authorizer authorizer;

    GroupAuthorization(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    private boolean group(Session session, AclOperation operation, String groupId) {
        return groupId != null && authorizer.authorize(session, operation, ResourceType.GROUP, groupId);
    }

    private boolean topic(Session session, AclOperation operation, String name) {
        return name != null && authorizer.authorize(session, operation, ResourceType.TOPIC, name);
    }

    CompletableFuture<Optional<Response>> handle(ParsedRequest request, Session session,
                                                 RequestAuthorization.Next next) {
        Object data = request.request().data();
        String memberGroup = switch (request.apiKey()) {
            case JOIN_GROUP -> ((JoinGroupRequestData) data).groupId();
            case SYNC_GROUP -> ((SyncGroupRequestData) data).groupId();
            case HEARTBEAT -> ((HeartbeatRequestData) data).groupId();
            case LEAVE_GROUP -> ((LeaveGroupRequestData) data).groupId();
            case OFFSET_COMMIT -> ((OffsetCommitRequestData) data).groupId();
            default -> null;
        };
        if (memberGroup != null && !group(session, AclOperation.READ, memberGroup)) {
            return CompletableFuture.completedFuture(Optional.of(
                    RequestDecoder.errorResponse(request, Errors.GROUP_AUTHORIZATION_FAILED)));
        }
        return switch (request.apiKey()) {
            case FIND_COORDINATOR -> findCoordinator(request, session, next);
            case OFFSET_COMMIT -> offsetCommit(request, session, next);
            case OFFSET_FETCH -> offsetFetch(request, session, next);
            case LIST_GROUPS -> listGroups(request, session, next);
            case DESCRIBE_GROUPS -> describeGroups(request, session, next);
            case DELETE_GROUPS -> deleteGroups(request, session, next);
            case OFFSET_DELETE -> offsetDelete(request, session, next);
            default -> next.handle(request, session);
        };
    }

    /**
     * FindCoordinator: DESCRIBE on the group, or on the transactional id for a transaction's
     * coordinator; each key refused gets the authorization error of its kind, the rest are served.
     */
    private CompletableFuture<Optional<Response>> findCoordinator(ParsedRequest request, Session session,
                                                                  RequestAuthorization.Next next) {
        FindCoordinatorRequestData data = (FindCoordinatorRequestData) request.request().data();
        boolean group = data.keyType() == FindCoordinatorRequest.CoordinatorType.GROUP.id();
        if (!group && data.keyType() != FindCoordinatorRequest.CoordinatorType.TRANSACTION.id()) {
            return next.handle(request, session); // an unknown key type: the handler refuses it
        }
        ResourceType type = group ? ResourceType.GROUP : ResourceType.TRANSACTIONAL_ID;
        Errors refusal = group ? Errors.GROUP_AUTHORIZATION_FAILED : Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        Predicate<String> described = key -> key != null
                && authorizer.authorize(session, AclOperation.DESCRIBE, type, key);
        if (request.version() < 4) {
            if (described.test(data.key())) {
                return next.handle(request, session);
            }
            return now(request, new FindCoordinatorResponseData().setErrorCode(refusal.code())
                    .setErrorMessage(refusal.message()).setNodeId(-1).setHost("").setPort(-1));
        }
        List<String> denied = removeDenied(data.coordinatorKeys(), described);
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        CompletableFuture<Optional<Response>> served = data.coordinatorKeys().isEmpty()
                ? now(request, new FindCoordinatorResponseData()) : next.handle(request, session);
        return then(served, FindCoordinatorResponseData.class, response -> denied.forEach(key ->
                response.coordinators().add(new FindCoordinatorResponseData.Coordinator().setKey(key)
                        .setErrorCode(refusal.code()).setErrorMessage(refusal.message()).setNodeId(-1).setHost("")
                        .setPort(-1))));
    }

    private CompletableFuture<Optional<Response>> offsetCommit(ParsedRequest request, Session session,
                                                               RequestAuthorization.Next next) {
        OffsetCommitRequestData data = (OffsetCommitRequestData) request.request().data();
        List<OffsetCommitRequestData.OffsetCommitRequestTopic> denied =
                removeDenied(data.topics(), topic -> topic(session, AclOperation.READ, topic.name()));
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), OffsetCommitResponseData.class, response -> {
            for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : denied) {
                OffsetCommitResponseData.OffsetCommitResponseTopic out =
                        new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(topic.name());
                for (OffsetCommitRequestData.OffsetCommitRequestPartition partition : topic.partitions()) {
                    out.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                            .setPartitionIndex(partition.partitionIndex()).setErrorCode(TOPIC_DENIED));
                }
                response.topics().add(out);
            }
        });
    }

    /**
     * OffsetFetch. Up to version 7 one group, refused as a whole; from 8 several, each refused on its
     * own. The topics are checked on the answer: a topic the client may not DESCRIBE has its
     * partitions refused when the request named it and is left out when it asked for all.
     */
    private CompletableFuture<Optional<Response>> offsetFetch(ParsedRequest request, Session session,
                                                              RequestAuthorization.Next next) {
        OffsetFetchRequestData data = (OffsetFetchRequestData) request.request().data();
        if (request.version() < 8) {
            if (!group(session, AclOperation.DESCRIBE, data.groupId())) {
                return CompletableFuture.completedFuture(Optional.of(
                        RequestDecoder.errorResponse(request, Errors.GROUP_AUTHORIZATION_FAILED)));
            }
            boolean named = data.topics() != null;
            return then(next.handle(request, session), OffsetFetchResponseData.class, response ->
                    response.topics().removeIf(topic -> {
                        if (topic(session, AclOperation.DESCRIBE, topic.name())) {
                            return false;
                        }
                        topic.partitions().forEach(partition -> partition.setErrorCode(TOPIC_DENIED)
                                .setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata(""));
                        return !named;
                    }));
        }
        List<OffsetFetchRequestData.OffsetFetchRequestGroup> deniedGroups =
                removeDenied(data.groups(), group -> group(session, AclOperation.DESCRIBE, group.groupId()));
        CompletableFuture<Optional<Response>> served = data.groups().isEmpty()
                ? now(request, new OffsetFetchResponseData()) : next.handle(request, session);
        return then(served, OffsetFetchResponseData.class, response -> {
            for (OffsetFetchResponseData.OffsetFetchResponseGroup group : response.groups()) {
                boolean named = data.groups().stream().filter(asked -> asked.groupId().equals(group.groupId()))
                        .anyMatch(asked -> asked.topics() != null);
                group.topics().removeIf(topic -> {
                    if (topic(session, AclOperation.DESCRIBE, topic.name())) {
                        return false;
                    }
                    topic.partitions().forEach(partition -> partition.setErrorCode(TOPIC_DENIED)
                            .setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata(""));
                    return !named;
                });
            }
            for (OffsetFetchRequestData.OffsetFetchRequestGroup group : deniedGroups) {
                response.groups().add(new OffsetFetchResponseData.OffsetFetchResponseGroup()
                        .setGroupId(group.groupId()).setErrorCode(GROUP_DENIED));
            }
        });
    }

    private CompletableFuture<Optional<Response>> listGroups(ParsedRequest request, Session session,
                                                             RequestAuthorization.Next next) {
        if (authorizer.authorize(session, AclOperation.DESCRIBE, ResourceType.CLUSTER, AclsHandler.CLUSTER)) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), ListGroupsResponseData.class, response ->
                response.groups().removeIf(group -> !group(session, AclOperation.DESCRIBE, group.groupId())));
    }

    private CompletableFuture<Optional<Response>> describeGroups(ParsedRequest request, Session session,
                                                                 RequestAuthorization.Next next) {
        DescribeGroupsRequestData data = (DescribeGroupsRequestData) request.request().data();
        List<String> denied = removeDenied(data.groups(), groupId -> group(session, AclOperation.DESCRIBE, groupId));
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        boolean messages = request.version() >= 6;
        return then(next.handle(request, session), DescribeGroupsResponseData.class, response -> {
            for (String groupId : denied) {
                DescribeGroupsResponseData.DescribedGroup out = new DescribeGroupsResponseData.DescribedGroup()
                        .setGroupId(groupId).setErrorCode(GROUP_DENIED).setGroupState("").setProtocolType("")
                        .setProtocolData("");
                response.groups().add(messages ? out.setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message()) : out);
            }
        });
    }

    private CompletableFuture<Optional<Response>> deleteGroups(ParsedRequest request, Session session,
                                                               RequestAuthorization.Next next) {
        DeleteGroupsRequestData data = (DeleteGroupsRequestData) request.request().data();
        List<String> denied = removeDenied(data.groupsNames(), groupId -> group(session, AclOperation.DELETE, groupId));
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), DeleteGroupsResponseData.class, response -> denied.forEach(groupId ->
                response.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(groupId)
                        .setErrorCode(GROUP_DENIED))));
    }

    private CompletableFuture<Optional<Response>> offsetDelete(ParsedRequest request, Session session,
                                                               RequestAuthorization.Next next) {
        OffsetDeleteRequestData data = (OffsetDeleteRequestData) request.request().data();
        if (!group(session, AclOperation.DELETE, data.groupId())) {
            return CompletableFuture.completedFuture(Optional.of(
                    RequestDecoder.errorResponse(request, Errors.GROUP_AUTHORIZATION_FAILED)));
        }
        List<OffsetDeleteRequestData.OffsetDeleteRequestTopic> denied =
                removeDenied(data.topics(), topic -> topic(session, AclOperation.READ, topic.name()));
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), OffsetDeleteResponseData.class, response -> {
            for (OffsetDeleteRequestData.OffsetDeleteRequestTopic topic : denied) {
                OffsetDeleteResponseData.OffsetDeleteResponseTopic out =
                        new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(topic.name());
                for (OffsetDeleteRequestData.OffsetDeleteRequestPartition partition : topic.partitions()) {
                    out.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                            .setPartitionIndex(partition.partitionIndex()).setErrorCode(TOPIC_DENIED));
                }
                response.topics().add(out);
            }
        });
    }
}

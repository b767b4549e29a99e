package dev.spool.kafka.api;

import static dev.spool.kafka.api.RequestAuthorization.then;

import dev.spool.kafka.network.Session;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.RequestDecoder;
import dev.spool.kafka.protocol.Response;
import dev.spool.kafka.security.Authorizer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACL checks of the transaction APIs, as Kafka's broker makes them: a transactional id is
 * used with WRITE on it (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
 * TxnOffsetCommit), described with DESCRIBE (DescribeTransactions; ListTransactions lists only
 * the ids the client may describe). Adding partitions needs WRITE on each topic too; adding a
 * group's offsets and committing them READ on the group. AddPartitionsToTxn from version 4 is the
 * brokers' own request: CLUSTER_ACTION. A refusal answers the whole request with the error.
 * Thread-safe.
 */
final class TransactionAuthorization {
    private final Authorizer authorizer;

    TransactionAuthorization(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    private boolean may(Session session, AclOperation operation, ResourceType type, String name) {
        return name != null && authorizer.authorize(session, operation, type, name);
    }

    private boolean writes(Session session, String transactionalId) {
        return may(session, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId);
    }

    CompletableFuture<Optional<Response>> handle(ParsedRequest request, Session session,
                                                 RequestAuthorization.Next next) {
        Object data = request.request().data();
        Errors refused = switch (request.apiKey()) {
            case ADD_PARTITIONS_TO_TXN -> addPartitions(request, session);
            case ADD_OFFSETS_TO_TXN -> {
                AddOffsetsToTxnRequestData add = (AddOffsetsToTxnRequestData) data;
                yield !writes(session, add.transactionalId()) ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                        : !may(session, AclOperation.READ, ResourceType.GROUP, add.groupId())
                        ? Errors.GROUP_AUTHORIZATION_FAILED : Errors.NONE;
            }
            case END_TXN -> writes(session, ((EndTxnRequestData) data).transactionalId()) ? Errors.NONE
                    : Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
            case TXN_OFFSET_COMMIT -> {
                TxnOffsetCommitRequestData commit = (TxnOffsetCommitRequestData) data;
                yield !writes(session, commit.transactionalId()) ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                        : !may(session, AclOperation.READ, ResourceType.GROUP, commit.groupId())
                        ? Errors.GROUP_AUTHORIZATION_FAILED
                        : commit.topics().stream().allMatch(t -> may(session, AclOperation.READ, ResourceType.TOPIC,
                                t.name())) ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED;
            }
            case DESCRIBE_TRANSACTIONS -> ((DescribeTransactionsRequestData) data).transactionalIds().stream()
                    .allMatch(id -> may(session, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id))
                    ? Errors.NONE : Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
            default -> Errors.NONE;
        };
        if (refused != Errors.NONE) {
            return CompletableFuture.completedFuture(Optional.of(RequestDecoder.errorResponse(request, refused)));
        }
        if (request.apiKey() == org.apache.kafka.common.protocol.ApiKeys.LIST_TRANSACTIONS) {
            return then(next.handle(request, session), ListTransactionsResponseData.class, response ->
                    response.transactionStates().removeIf(state -> !may(session, AclOperation.DESCRIBE,
                            ResourceType.TRANSACTIONAL_ID, state.transactionalId())));
        }
        return next.handle(request, session);
    }

    private Errors addPartitions(ParsedRequest request, Session session) {
        AddPartitionsToTxnRequestData add = (AddPartitionsToTxnRequestData) request.request().data();
        if (request.version() > 3) {
            return authorizer.authorize(session, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, AclsHandler.CLUSTER)
                    ? Errors.NONE : Errors.CLUSTER_AUTHORIZATION_FAILED;
        }
        if (!writes(session, add.v3AndBelowTransactionalId())) {
            return Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        }
        return add.v3AndBelowTopics().stream().allMatch(t -> may(session, AclOperation.WRITE, ResourceType.TOPIC,
                t.name())) ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED;
    }
}

package dev.spool.kafka.api;

import dev.spool.kafka.network.Session;
import dev.spool.kafka.protocol.MalformedRequestException;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.kafka.security.Authorizer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import dev.spool.kafka.protocol.RequestDecoder;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACL checks of every request, made before its handler runs, as Kafka's broker makes them: the
 * parts of a request the client may not touch are taken out of it, the handler serves the rest,
 * and the refused parts are added to its response with their authorization error (a topic's
 * partitions get TOPIC_AUTHORIZATION_FAILED, a group GROUP_AUTHORIZATION_FAILED). A request refused
 * as a whole gets the API's error response. So the handlers know nothing of ACLs, and a server
 * without an authorizer never comes here ({@link KafkaApis} asks {@link Authorizer#enabled()}).
 *
 * <p>This class holds the produce, fetch, metadata and offset-lookup rules; {@link AdminAuthorization}
 * the administrative APIs' and {@link GroupAuthorization} the group APIs'. Stateless apart from its
 * collaborators; thread-safe.
 */
final class RequestAuthorization {
    /** The handlers behind the checks. */
    interface Next {
        CompletableFuture<Optional<Response>> handle(ParsedRequest request, Session session);
    }

    private final Authorizer authorizer;
    private final Partitions partitions;
    private final AdminAuthorization admin;
    private final GroupAuthorization groups;
    private final TransactionAuthorization transactions;

    RequestAuthorization(Authorizer authorizer, Partitions partitions) {
        this.authorizer = authorizer;
        this.partitions = partitions;
        this.admin = new AdminAuthorization(authorizer, partitions);
        this.groups = new GroupAuthorization(authorizer);
        this.transactions = new TransactionAuthorization(authorizer);
    }

    boolean enabled() {
        return authorizer.enabled();
    }

    /** Checks {@code request}, lets {@code next} serve what the client may do, and answers the rest. */
    CompletableFuture<Optional<Response>> handle(ParsedRequest request, Session session, Next next) {
        if (authorizer.isSuperUser(session.principal())) {
            return next.handle(request, session);
        }
        return switch (request.apiKey()) {
            case PRODUCE -> produce(request, session, next);
            case FETCH -> fetch(request, session, next);
            case METADATA -> metadata(request, session, next);
            case LIST_OFFSETS -> listOffsets(request, session, next);
            case OFFSET_FOR_LEADER_EPOCH -> offsetForLeaderEpoch(request, session, next);
            case INIT_PRODUCER_ID -> initProducerId(request, session, next);
            case DESCRIBE_LOG_DIRS -> describeLogDirs(request, session, next);
            case CREATE_TOPICS, DELETE_TOPICS, CREATE_PARTITIONS, DELETE_RECORDS, DESCRIBE_CONFIGS, ALTER_CONFIGS,
                 INCREMENTAL_ALTER_CONFIGS, DESCRIBE_PRODUCERS -> admin.handle(request, session, next);
            case FIND_COORDINATOR, JOIN_GROUP, SYNC_GROUP, HEARTBEAT, LEAVE_GROUP, OFFSET_COMMIT, OFFSET_FETCH,
                 LIST_GROUPS, DESCRIBE_GROUPS, DELETE_GROUPS, OFFSET_DELETE -> groups.handle(request, session, next);
            case ADD_PARTITIONS_TO_TXN, ADD_OFFSETS_TO_TXN, END_TXN, TXN_OFFSET_COMMIT, DESCRIBE_TRANSACTIONS,
                 LIST_TRANSACTIONS -> transactions.handle(request, session, next);
            // Who may read or change the SASL users: Kafka asks for DESCRIBE and ALTER on the cluster.
            case DESCRIBE_USER_SCRAM_CREDENTIALS -> cluster(session, AclOperation.DESCRIBE) ? next.handle(request, session)
                    : refused(request, Errors.CLUSTER_AUTHORIZATION_FAILED);
            case ALTER_USER_SCRAM_CREDENTIALS -> cluster(session, AclOperation.ALTER) ? next.handle(request, session)
                    : refused(request, Errors.CLUSTER_AUTHORIZATION_FAILED);
            // ApiVersions and the SASL exchange are always allowed; the ACL APIs check for themselves;
            // DescribeCluster needs no ACL (Kafka checks only for the authorized operations it may list).
            default -> next.handle(request, session);
        };
    }

    private static CompletableFuture<Optional<Response>> refused(ParsedRequest request, Errors error) {
        return CompletableFuture.completedFuture(Optional.of(RequestDecoder.errorResponse(request, error)));
    }

    private boolean topic(Session session, AclOperation operation, String name) {
        return name != null && authorizer.authorize(session, operation, ResourceType.TOPIC, name);
    }

    private boolean cluster(Session session, AclOperation operation) {
        return authorizer.authorize(session, operation, ResourceType.CLUSTER, AclsHandler.CLUSTER);
    }

    private CompletableFuture<Optional<Response>> produce(ParsedRequest request, Session session, Next next) {
        ProduceRequestData data = (ProduceRequestData) request.request().data();
        if (data.transactionalId() != null && !authorizer.authorize(session, AclOperation.WRITE,
                ResourceType.TRANSACTIONAL_ID, data.transactionalId())) {
            // A transactional produce needs WRITE on its transactional id, as in Kafka: every partition refused.
            if (data.acks() == 0) {
                return CompletableFuture.failedFuture(new MalformedRequestException("a transactional Produce with"
                        + " acks=0 for " + data.transactionalId() + " is not authorized; closing the connection"));
            }
            return refused(request, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        List<ProduceRequestData.TopicProduceData> denied =
                removeDenied(data.topicData(), topic -> topic(session, AclOperation.WRITE, topic.name()));
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        if (data.acks() == 0) { // no response to carry the error: Kafka closes the connection
            return CompletableFuture.failedFuture(new MalformedRequestException("a Produce with acks=0 to "
                    + denied.get(0).name() + " is not authorized; closing the connection tells the producer"));
        }
        return then(next.handle(request, session), ProduceResponseData.class, response -> {
            for (ProduceRequestData.TopicProduceData topic : denied) {
                ProduceResponseData.TopicProduceResponse out = new ProduceResponseData.TopicProduceResponse()
                        .setName(topic.name()).setTopicId(topic.topicId());
                for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                    out.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse()
                            .setIndex(partition.index()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                            .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1));
                }
                response.responses().add(out);
            }
        });
    }

    private CompletableFuture<Optional<Response>> fetch(ParsedRequest request, Session session, Next next) {
        FetchRequestData data = (FetchRequestData) request.request().data();
        boolean byId = request.version() >= 13;
        // A topic id that names no topic is left to the handler, which answers UNKNOWN_TOPIC_ID.
        List<FetchRequestData.FetchTopic> denied = removeDenied(data.topics(), topic -> {
            Optional<String> name = byId ? KafkaTopicIds.nameOf(partitions.manager(), topic.topicId())
                    : Optional.ofNullable(topic.topic());
            return name.isEmpty() || topic(session, AclOperation.READ, name.get());
        });
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        Consumer<FetchResponseData> addDenied = response -> {
            for (FetchRequestData.FetchTopic topic : denied) {
                FetchResponseData.FetchableTopicResponse out = new FetchResponseData.FetchableTopicResponse()
                        .setTopic(topic.topic()).setTopicId(topic.topicId());
                for (FetchRequestData.FetchPartition partition : topic.partitions()) {
                    out.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(partition.partition())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setHighWatermark(-1)
                            .setLastStableOffset(-1).setLogStartOffset(-1).setPreferredReadReplica(-1)
                            .setRecords(MemoryRecords.EMPTY));
                }
                response.responses().add(out);
            }
        };
        if (data.topics().isEmpty()) { // nothing left to wait for: answer now, as Kafka does
            FetchResponseData response = new FetchResponseData();
            addDenied.accept(response);
            return CompletableFuture.completedFuture(Optional.of(Response.to(request, response)));
        }
        return then(next.handle(request, session), FetchResponseData.class, addDenied);
    }

    /**
     * Metadata: a topic the client may not DESCRIBE is answered TOPIC_AUTHORIZATION_FAILED when
     * named, and left out of a listing of all topics. A missing topic is created only with CREATE on
     * the cluster or on the topic; without, it is answered UNKNOWN_TOPIC_OR_PARTITION.
     */
    private CompletableFuture<Optional<Response>> metadata(ParsedRequest request, Session session, Next next) {
        MetadataRequestData data = (MetadataRequestData) request.request().data();
        short version = request.version();
        boolean all = data.topics() == null || (version == 0 && data.topics().isEmpty());
        if (all) {
            return then(next.handle(request, session), MetadataResponseData.class, response ->
                    response.topics().removeIf(topic -> !topic(session, AclOperation.DESCRIBE, topic.name())));
        }
        boolean mayCreateAny = cluster(session, AclOperation.CREATE);
        List<MetadataResponseData.MetadataResponseTopic> refused = new ArrayList<>();
        removeDenied(data.topics(), topic -> {
            boolean byId = topic.name() == null || !Uuid.ZERO_UUID.equals(topic.topicId());
            Optional<String> name = byId ? KafkaTopicIds.nameOf(partitions.manager(), topic.topicId())
                    : Optional.of(topic.name());
            if (name.isEmpty()) {
                return true; // the handler answers UNKNOWN_TOPIC_ID
            }
            MetadataResponseData.MetadataResponseTopic out = new MetadataResponseData.MetadataResponseTopic()
                    .setName(byId ? (version >= 12 ? null : "") : name.get())
                    .setTopicId(byId ? topic.topicId() : Uuid.ZERO_UUID);
            if (!topic(session, AclOperation.DESCRIBE, name.get())) {
                refused.add(out.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                return false;
            }
            if (!byId && !mayCreateAny && !partitions.manager().topicExists(name.get())
                    && !topic(session, AclOperation.CREATE, name.get())) {
                refused.add(out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
                return false;
            }
            return true;
        });
        if (refused.isEmpty()) {
            return next.handle(request, session);
        }
        boolean emptied = data.topics().isEmpty(); // at version 0 an empty list asks for every topic
        return then(next.handle(request, session), MetadataResponseData.class, response -> {
            if (emptied) {
                response.topics().clear();
            }
            refused.forEach(topic -> response.topics().add(topic));
        });
    }

    private CompletableFuture<Optional<Response>> listOffsets(ParsedRequest request, Session session, Next next) {
        ListOffsetsRequestData data = (ListOffsetsRequestData) request.request().data();
        List<ListOffsetsRequestData.ListOffsetsTopic> denied =
                removeDenied(data.topics(), topic -> topic(session, AclOperation.DESCRIBE, topic.name()));
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), ListOffsetsResponseData.class, response -> {
            for (ListOffsetsRequestData.ListOffsetsTopic topic : denied) {
                ListOffsetsResponseData.ListOffsetsTopicResponse out =
                        new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(topic.name());
                for (ListOffsetsRequestData.ListOffsetsPartition partition : topic.partitions()) {
                    out.partitions().add(new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                            .setPartitionIndex(partition.partitionIndex())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                            .setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1));
                }
                response.topics().add(out);
            }
        });
    }

    private CompletableFuture<Optional<Response>> offsetForLeaderEpoch(ParsedRequest request, Session session,
                                                                       Next next) {
        OffsetForLeaderEpochRequestData data = (OffsetForLeaderEpochRequestData) request.request().data();
        List<OffsetForLeaderEpochRequestData.OffsetForLeaderTopic> denied =
                removeDenied(data.topics(), topic -> topic(session, AclOperation.DESCRIBE, topic.topic()));
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), OffsetForLeaderEpochResponseData.class, response -> {
            for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : denied) {
                OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult out =
                        new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(topic.topic());
                for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition partition : topic.partitions()) {
                    out.partitions().add(new OffsetForLeaderEpochResponseData.EpochEndOffset()
                            .setPartition(partition.partition()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                            .setLeaderEpoch(-1).setEndOffset(-1));
                }
                response.topics().add(out);
            }
        });
    }

    /**
     * InitProducerId without a transactional id: IDEMPOTENT_WRITE on the cluster, or WRITE on some
     * topic (Kafka's rule since 3.0, so a producer allowed to write anywhere may be idempotent).
     * With one, WRITE on that transactional id.
     */
    private CompletableFuture<Optional<Response>> initProducerId(ParsedRequest request, Session session, Next next) {
        InitProducerIdRequestData data = (InitProducerIdRequestData) request.request().data();
        if (data.transactionalId() != null) {
            if (authorizer.authorize(session, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, data.transactionalId())) {
                return next.handle(request, session);
            }
            return now(request, new InitProducerIdResponseData()
                    .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())
                    .setProducerId(-1).setProducerEpoch((short) -1));
        }
        if (cluster(session, AclOperation.IDEMPOTENT_WRITE)
                || authorizer.authorizeAny(session, AclOperation.WRITE, ResourceType.TOPIC)) {
            return next.handle(request, session);
        }
        return now(request, new InitProducerIdResponseData().setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code())
                .setProducerId(-1).setProducerEpoch((short) -1));
    }

    /** DescribeLogDirs needs DESCRIBE on the cluster; without, an empty answer (with the error from version 3). */
    private CompletableFuture<Optional<Response>> describeLogDirs(ParsedRequest request, Session session, Next next) {
        if (cluster(session, AclOperation.DESCRIBE)) {
            return next.handle(request, session);
        }
        DescribeLogDirsResponseData response = new DescribeLogDirsResponseData();
        if (request.version() >= 3) {
            response.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code());
        }
        return now(request, response);
    }

    /**
     * Removes from {@code items} those {@code allowed} rejects and returns them, in order. Allocates
     * nothing when every item is allowed, the common case.
     */
    static <T> List<T> removeDenied(Collection<T> items, Predicate<T> allowed) {
        List<T> denied = List.of();
        if (items == null) {
            return denied;
        }
        for (Iterator<T> it = items.iterator(); it.hasNext(); ) {
            T item = it.next();
            if (!allowed.test(item)) {
                if (denied.isEmpty()) {
                    denied = new ArrayList<>();
                }
                denied.add(item);
                it.remove();
            }
        }
        return denied;
    }

    /** Once {@code served} completes, lets {@code complete} add to its body (of type {@code type}). */
    static <B> CompletableFuture<Optional<Response>> then(CompletableFuture<Optional<Response>> served, Class<B> type,
                                                         Consumer<B> complete) {
        return served.thenApply(response -> {
            response.ifPresent(answer -> complete.accept(type.cast(answer.body())));
            return response;
        });
    }

    static CompletableFuture<Optional<Response>> now(ParsedRequest request,
                                                     org.apache.kafka.common.protocol.ApiMessage body) {
        return CompletableFuture.completedFuture(Optional.of(Response.to(request, body)));
    }
}

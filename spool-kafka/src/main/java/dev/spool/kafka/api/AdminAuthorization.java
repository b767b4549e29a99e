package dev.spool.kafka.api;

import static dev.spool.kafka.api.RequestAuthorization.removeDenied;
import static dev.spool.kafka.api.RequestAuthorization.then;

import dev.spool.kafka.network.Session;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.kafka.security.Authorizer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACL checks of the administrative APIs, as Kafka's broker makes them: CreateTopics needs
 * CREATE on the cluster or the topic, DeleteTopics DELETE, CreatePartitions ALTER, DeleteRecords
 * DELETE, DescribeProducers READ on the topic; DescribeConfigs needs DESCRIBE_CONFIGS and the
 * AlterConfigs APIs ALTER_CONFIGS on the topic, on the cluster for a broker or broker logger, on
 * the group for a group. Refused entries are taken out of the request and answered with their
 * authorization error (see {@link RequestAuthorization}). Thread-safe.
 */
final class AdminAuthorization {
    private static final short TOPIC_DENIED = Errors.TOPIC_AUTHORIZATION_FAILED.code();

    private final Authorizer authorizer;
    private final Partitions partitions;

    AdminAuthorization(Authorizer authorizer, Partitions partitions) {
        this.authorizer = authorizer;
        this.partitions = partitions;
    }

    CompletableFuture<Optional<Response>> handle(ParsedRequest request, Session session,
                                                 RequestAuthorization.Next next) {
        return switch (request.apiKey()) {
            case CREATE_TOPICS -> createTopics(request, session, next);
            case DELETE_TOPICS -> deleteTopics(request, session, next);
            case CREATE_PARTITIONS -> createPartitions(request, session, next);
            case DELETE_RECORDS -> deleteRecords(request, session, next);
            case DESCRIBE_PRODUCERS -> describeProducers(request, session, next);
            case DESCRIBE_CONFIGS -> describeConfigs(request, session, next);
            case ALTER_CONFIGS -> alterConfigs(request, session, next);
            case INCREMENTAL_ALTER_CONFIGS -> incrementalAlterConfigs(request, session, next);
            default -> throw new IllegalArgumentException(request.apiKey() + " is not an administrative API");
        };
    }

    private boolean topic(Session session, AclOperation operation, String name) {
        return name != null && authorizer.authorize(session, operation, ResourceType.TOPIC, name);
    }

    private CompletableFuture<Optional<Response>> createTopics(ParsedRequest request, Session session,
                                                               RequestAuthorization.Next next) {
        if (authorizer.authorize(session, AclOperation.CREATE, ResourceType.CLUSTER, AclsHandler.CLUSTER)) {
            return next.handle(request, session);
        }
        CreateTopicsRequestData data = (CreateTopicsRequestData) request.request().data();
        List<CreateTopicsRequestData.CreatableTopic> denied =
                removeDenied(data.topics(), topic -> topic(session, AclOperation.CREATE, topic.name()));
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), CreateTopicsResponseData.class, response -> denied.forEach(topic ->
                response.topics().add(new CreateTopicsResponseData.CreatableTopicResult().setName(topic.name())
                        .setErrorCode(TOPIC_DENIED).setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message()))));
    }

    private CompletableFuture<Optional<Response>> deleteTopics(ParsedRequest request, Session session,
                                                               RequestAuthorization.Next next) {
        DeleteTopicsRequestData data = (DeleteTopicsRequestData) request.request().data();
        List<String> deniedNames = removeDenied(data.topicNames(), name -> topic(session, AclOperation.DELETE, name));
        // Version 6 names a topic or gives its id; an id that names no topic is left to the handler.
        List<DeleteTopicsRequestData.DeleteTopicState> deniedStates = removeDenied(data.topics(), topic -> {
            Optional<String> name = topic.name() != null ? Optional.of(topic.name())
                    : KafkaTopicIds.nameOf(partitions.manager(), topic.topicId());
            return name.isEmpty() || topic(session, AclOperation.DELETE, name.get());
        });
        if (deniedNames.isEmpty() && deniedStates.isEmpty()) {
            return next.handle(request, session);
        }
        boolean messages = request.version() >= 5;
        return then(next.handle(request, session), DeleteTopicsResponseData.class, response -> {
            for (String name : deniedNames) {
                response.responses().add(denied(new DeleteTopicsResponseData.DeletableTopicResult().setName(name),
                        messages));
            }
            for (DeleteTopicsRequestData.DeleteTopicState topic : deniedStates) {
                response.responses().add(denied(new DeleteTopicsResponseData.DeletableTopicResult()
                        .setName(topic.name()).setTopicId(topic.topicId()), messages));
            }
        });
    }

    private static DeleteTopicsResponseData.DeletableTopicResult denied(
            DeleteTopicsResponseData.DeletableTopicResult result, boolean messages) {
        result.setErrorCode(TOPIC_DENIED);
        return messages ? result.setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message()) : result;
    }

    private CompletableFuture<Optional<Response>> createPartitions(ParsedRequest request, Session session,
                                                                   RequestAuthorization.Next next) {
        CreatePartitionsRequestData data = (CreatePartitionsRequestData) request.request().data();
        List<CreatePartitionsRequestData.CreatePartitionsTopic> denied =
                removeDenied(data.topics(), topic -> topic(session, AclOperation.ALTER, topic.name()));
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), CreatePartitionsResponseData.class, response -> denied.forEach(
                topic -> response.results().add(new CreatePartitionsResponseData.CreatePartitionsTopicResult()
                        .setName(topic.name()).setErrorCode(TOPIC_DENIED)
                        .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message()))));
    }

    private CompletableFuture<Optional<Response>> deleteRecords(ParsedRequest request, Session session,
                                                                RequestAuthorization.Next next) {
        DeleteRecordsRequestData data = (DeleteRecordsRequestData) request.request().data();
        List<DeleteRecordsRequestData.DeleteRecordsTopic> denied =
                removeDenied(data.topics(), topic -> topic(session, AclOperation.DELETE, topic.name()));
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), DeleteRecordsResponseData.class, response -> {
            for (DeleteRecordsRequestData.DeleteRecordsTopic topic : denied) {
                DeleteRecordsResponseData.DeleteRecordsTopicResult out =
                        new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(topic.name());
                for (DeleteRecordsRequestData.DeleteRecordsPartition partition : topic.partitions()) {
                    out.partitions().add(new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                            .setPartitionIndex(partition.partitionIndex()).setLowWatermark(-1)
                            .setErrorCode(TOPIC_DENIED));
                }
                response.topics().add(out);
            }
        });
    }

    private CompletableFuture<Optional<Response>> describeProducers(ParsedRequest request, Session session,
                                                                    RequestAuthorization.Next next) {
        DescribeProducersRequestData data = (DescribeProducersRequestData) request.request().data();
        List<DescribeProducersRequestData.TopicRequest> denied =
                removeDenied(data.topics(), topic -> topic(session, AclOperation.READ, topic.name()));
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), DescribeProducersResponseData.class, response -> {
            for (DescribeProducersRequestData.TopicRequest topic : denied) {
                DescribeProducersResponseData.TopicResponse out =
                        new DescribeProducersResponseData.TopicResponse().setName(topic.name());
                for (int partition : topic.partitionIndexes()) {
                    out.partitions().add(new DescribeProducersResponseData.PartitionResponse()
                            .setPartitionIndex(partition).setErrorCode(TOPIC_DENIED)
                            .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message()));
                }
                response.topics().add(out);
            }
        });
    }

    /** The error for a config resource the client may not {@code operation}, or NONE when it may. */
    private Errors configRefusal(Session session, AclOperation operation, byte typeId, String name) {
        ConfigResource.Type type = ConfigResource.Type.forId(typeId);
        return switch (type) {
            case TOPIC -> topic(session, operation, name) ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED;
            case GROUP -> authorizer.authorize(session, operation, ResourceType.GROUP, name) ? Errors.NONE
                    : Errors.GROUP_AUTHORIZATION_FAILED;
            case UNKNOWN -> Errors.NONE; // the handler answers the unknown type
            default -> authorizer.authorize(session, operation, ResourceType.CLUSTER, AclsHandler.CLUSTER)
                    ? Errors.NONE : Errors.CLUSTER_AUTHORIZATION_FAILED;
        };
    }

    private CompletableFuture<Optional<Response>> describeConfigs(ParsedRequest request, Session session,
                                                                  RequestAuthorization.Next next) {
        DescribeConfigsRequestData data = (DescribeConfigsRequestData) request.request().data();
        List<DescribeConfigsRequestData.DescribeConfigsResource> denied = removeDenied(data.resources(), resource ->
                configRefusal(session, AclOperation.DESCRIBE_CONFIGS, resource.resourceType(),
                        resource.resourceName()) == Errors.NONE);
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), DescribeConfigsResponseData.class, response -> {
            for (DescribeConfigsRequestData.DescribeConfigsResource resource : denied) {
                Errors error = configRefusal(session, AclOperation.DESCRIBE_CONFIGS, resource.resourceType(),
                        resource.resourceName());
                response.results().add(new DescribeConfigsResponseData.DescribeConfigsResult()
                        .setErrorCode(error.code()).setErrorMessage(error.message())
                        .setResourceType(resource.resourceType()).setResourceName(resource.resourceName()));
            }
        });
    }

    private CompletableFuture<Optional<Response>> alterConfigs(ParsedRequest request, Session session,
                                                               RequestAuthorization.Next next) {
        AlterConfigsRequestData data = (AlterConfigsRequestData) request.request().data();
        List<AlterConfigsRequestData.AlterConfigsResource> denied = removeDenied(data.resources(), resource ->
                configRefusal(session, AclOperation.ALTER_CONFIGS, resource.resourceType(),
                        resource.resourceName()) == Errors.NONE);
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), AlterConfigsResponseData.class, response -> {
            for (AlterConfigsRequestData.AlterConfigsResource resource : denied) {
                Errors error = configRefusal(session, AclOperation.ALTER_CONFIGS, resource.resourceType(),
                        resource.resourceName());
                response.responses().add(new AlterConfigsResponseData.AlterConfigsResourceResponse()
                        .setErrorCode(error.code()).setErrorMessage(error.message())
                        .setResourceType(resource.resourceType()).setResourceName(resource.resourceName()));
            }
        });
    }

    private CompletableFuture<Optional<Response>> incrementalAlterConfigs(ParsedRequest request, Session session,
                                                                          RequestAuthorization.Next next) {
        IncrementalAlterConfigsRequestData data = (IncrementalAlterConfigsRequestData) request.request().data();
        List<IncrementalAlterConfigsRequestData.AlterConfigsResource> denied = removeDenied(data.resources(),
                resource -> configRefusal(session, AclOperation.ALTER_CONFIGS, resource.resourceType(),
                        resource.resourceName()) == Errors.NONE);
        if (denied.isEmpty()) {
            return next.handle(request, session);
        }
        return then(next.handle(request, session), IncrementalAlterConfigsResponseData.class, response -> {
            for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : denied) {
                Errors error = configRefusal(session, AclOperation.ALTER_CONFIGS, resource.resourceType(),
                        resource.resourceName());
                response.responses().add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                        .setErrorCode(error.code()).setErrorMessage(error.message())
                        .setResourceType(resource.resourceType()).setResourceName(resource.resourceName()));
            }
        });
    }
}

package dev.spool.kafka.api;

import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.log.Durability;
import dev.spool.log.InvalidTopicNameException;
import dev.spool.log.LogConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicExistsException;
import dev.spool.log.TopicName;
import dev.spool.log.UnknownTopicException;
import dev.spool.log.record.CompressionType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin APIs: CreateTopics, DeleteTopics and DescribeConfigs (enough for {@code Admin} and
 * Kafka's command-line tools). One node means a replication factor of 1 (or -1, the default) and
 * no replica assignment other than this node.
 */
final class TopicsHandler {
    private static final Logger LOG = LoggerFactory.getLogger(TopicsHandler.class);

    private final Partitions partitions;

    TopicsHandler(Partitions partitions) {
        this.partitions = partitions;
    }

    Response createTopics(ParsedRequest request) {
        CreateTopicsRequestData data = (CreateTopicsRequestData) request.request().data();
        CreateTopicsResponseData response = new CreateTopicsResponseData();
        for (CreateTopicsRequestData.CreatableTopic topic : data.topics()) {
            CreateTopicsResponseData.CreatableTopicResult result = new CreateTopicsResponseData.CreatableTopicResult()
                    .setName(topic.name()).setTopicId(Uuid.ZERO_UUID).setNumPartitions(-1).setReplicationFactor((short) -1);
            response.topics().add(result);
            try {
                create(topic, data.validateOnly(), result);
            } catch (IOException e) {
                LOG.error("Creating topic {} failed: {}", topic.name(), e.getMessage());
                fail(result, Errors.KAFKA_STORAGE_ERROR, e.getMessage());
            }
        }
        return Response.to(request, response);
    }

    private void create(CreateTopicsRequestData.CreatableTopic topic, boolean validateOnly,
                        CreateTopicsResponseData.CreatableTopicResult result) throws IOException {
        String name = topic.name();
        try {
            TopicName.validate(name);
        } catch (InvalidTopicNameException e) {
            fail(result, Errors.INVALID_TOPIC_EXCEPTION, e.getMessage());
            return;
        }
        if (Partitions.isInternal(name)) {
            fail(result, Errors.INVALID_TOPIC_EXCEPTION, "Topic names starting with '__' are reserved");
            return;
        }
        int count = topic.numPartitions() == -1 ? partitions.config().defaultPartitions() : topic.numPartitions();
        if (!topic.assignments().isEmpty()) {
            for (CreateTopicsRequestData.CreatableReplicaAssignment assignment : topic.assignments()) {
                if (!assignment.brokerIds().equals(List.of(MetadataHandler.NODE_ID))) {
                    fail(result, Errors.INVALID_REPLICA_ASSIGNMENT, "This server is the only node, id "
                            + MetadataHandler.NODE_ID);
                    return;
                }
            }
            count = topic.assignments().size();
        }
        if (count < 1) {
            fail(result, Errors.INVALID_PARTITIONS, "A topic needs at least one partition, not " + count);
            return;
        }
        if (topic.replicationFactor() != -1 && topic.replicationFactor() != 1) {
            fail(result, Errors.INVALID_REPLICATION_FACTOR, "This server is one node: the replication factor is 1, not "
                    + topic.replicationFactor());
            return;
        }
        Durability durability = null;
        for (CreateTopicsRequestData.CreatableTopicConfig config : topic.configs()) {
            Optional<String> refusal = TopicSettings.refusal(config.name(), config.value());
            if (refusal.isPresent()) {
                fail(result, Errors.INVALID_CONFIG, refusal.get());
                return;
            }
            if (config.name().equals(TopicSettings.DURABILITY)) {
                durability = TopicSettings.durability(config.value()).orElseThrow();
            }
        }
        if (partitions.manager().topicExists(name)) {
            fail(result, Errors.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists");
            return;
        }
        if (!validateOnly) {
            try {
                if (durability == null) {
                    partitions.manager().createTopic(name, count);
                } else {
                    partitions.manager().createTopic(name, count,
                            new TopicConfig(durability, CompressionType.NONE, LogConfig.DEFAULT_HASH_CHAIN));
                }
            } catch (TopicExistsException e) {
                fail(result, Errors.TOPIC_ALREADY_EXISTS, e.getMessage());
                return;
            } catch (IllegalArgumentException e) {
                fail(result, Errors.INVALID_PARTITIONS, e.getMessage());
                return;
            }
            result.setConfigs(configsOf(partitions.manager().log(name, 0).config()));
            result.setTopicId(KafkaTopicIds.of(partitions.manager(), name));
        }
        result.setNumPartitions(count).setReplicationFactor((short) 1);
    }

    private static List<CreateTopicsResponseData.CreatableTopicConfigs> configsOf(LogConfig config) {
        List<CreateTopicsResponseData.CreatableTopicConfigs> out = new ArrayList<>();
        TopicSettings.topic(config).forEach((name, value) -> out.add(new CreateTopicsResponseData.CreatableTopicConfigs()
                .setName(name).setValue(value).setReadOnly(true)
                .setConfigSource(DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG.id())));
        return out;
    }

    private static void fail(CreateTopicsResponseData.CreatableTopicResult result, Errors error, String message) {
        result.setErrorCode(error.code()).setErrorMessage(message);
    }

    Response deleteTopics(ParsedRequest request) {
        DeleteTopicsRequestData data = (DeleteTopicsRequestData) request.request().data();
        List<DeleteTopicsRequestData.DeleteTopicState> topics = new ArrayList<>(data.topics());
        for (String name : data.topicNames()) {
            topics.add(new DeleteTopicsRequestData.DeleteTopicState().setName(name));
        }
        DeleteTopicsResponseData response = new DeleteTopicsResponseData();
        for (DeleteTopicsRequestData.DeleteTopicState topic : topics) {
            DeleteTopicsResponseData.DeletableTopicResult result = new DeleteTopicsResponseData.DeletableTopicResult()
                    .setName(topic.name()).setTopicId(topic.topicId());
            response.responses().add(result);
            // Version 6 names a topic or gives its id; an id with no (or an empty) name speaks for the topic.
            boolean byId = (topic.name() == null || topic.name().isEmpty()) && !Uuid.ZERO_UUID.equals(topic.topicId());
            String name = byId ? KafkaTopicIds.nameOf(partitions.manager(), topic.topicId()).orElse(null) : topic.name();
            if (byId && name != null) {
                result.setName(name);
            }
            if (name == null) {
                result.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())
                        .setErrorMessage("No topic has the id " + topic.topicId());
            } else if (Partitions.isInternal(name)) {
                result.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code())
                        .setErrorMessage("Internal topic " + name + " cannot be deleted");
            } else {
                try {
                    result.setTopicId(KafkaTopicIds.of(partitions.manager(), name));
                    partitions.manager().deleteTopic(name);
                    partitions.forgetClosed();
                } catch (UnknownTopicException e) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage(e.getMessage());
                } catch (IOException e) {
                    LOG.error("Deleting topic {} failed: {}", name, e.getMessage());
                    result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.getMessage());
                }
            }
        }
        return Response.to(request, response);
    }

    Response describeConfigs(ParsedRequest request) {
        DescribeConfigsRequestData data = (DescribeConfigsRequestData) request.request().data();
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (DescribeConfigsRequestData.DescribeConfigsResource resource : data.resources()) {
            DescribeConfigsResponseData.DescribeConfigsResult result = new DescribeConfigsResponseData.DescribeConfigsResult()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            response.results().add(result);
            Map<String, String> values;
            if (resource.resourceType() == ConfigResource.Type.TOPIC.id()) {
                Optional<dev.spool.log.Log> log = partitions.find(resource.resourceName(), 0);
                if (log.isEmpty()) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage("Unknown topic '" + resource.resourceName() + "'");
                    continue;
                }
                values = TopicSettings.topic(log.get().config());
            } else if (resource.resourceType() == ConfigResource.Type.BROKER.id()) {
                values = TopicSettings.broker(partitions.config());
            } else {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Only topic and broker configs are described");
                continue;
            }
            for (Map.Entry<String, String> entry : values.entrySet()) {
                if (resource.configurationKeys() != null && !resource.configurationKeys().contains(entry.getKey())) {
                    continue;
                }
                result.configs().add(new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                        .setName(entry.getKey()).setValue(entry.getValue()).setReadOnly(true)
                        .setConfigSource(DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG.id()));
            }
        }
        return Response.to(request, response);
    }
}

package dev.spool.kafka.api;

import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.log.InvalidTopicNameException;
import dev.spool.log.LogConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicExistsException;
import dev.spool.log.TopicName;
import dev.spool.log.UnknownTopicException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topic admin APIs: CreateTopics (with configs, validated by {@link TopicSettings}) and
 * DeleteTopics, enough for {@code Admin} and Kafka's command-line tools; configs are
 * {@link ConfigsHandler}'s. One node means a replication factor of 1 (or -1, the default) and
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
        TopicConfig topicConfig = TopicConfig.defaults(partitions.manager().defaultLogConfig());
        for (CreateTopicsRequestData.CreatableTopicConfig config : topic.configs()) {
            try {
                topicConfig = TopicSettings.set(topicConfig, config.name(), config.value());
            } catch (TopicSettings.InvalidConfig e) {
                fail(result, Errors.INVALID_CONFIG, e.getMessage());
                return;
            }
        }
        if (partitions.manager().topicExists(name)) {
            fail(result, Errors.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists");
            return;
        }
        Optional<String> full = partitions.noRoomFor(count);
        if (full.isPresent()) {
            fail(result, Errors.POLICY_VIOLATION, "Cannot create topic '" + name + "': " + full.get());
            return;
        }
        if (!validateOnly) {
            try {
                partitions.manager().createTopic(name, count, topicConfig);
            } catch (TopicExistsException e) {
                fail(result, Errors.TOPIC_ALREADY_EXISTS, e.getMessage());
                return;
            } catch (IllegalArgumentException e) {
                fail(result, Errors.INVALID_PARTITIONS, e.getMessage());
                return;
            }
            result.setTopicId(KafkaTopicIds.of(partitions.manager(), name));
        }
        result.setConfigs(configsOf(topicConfig, partitions.manager().defaultLogConfig()));
        result.setNumPartitions(count).setReplicationFactor((short) 1);
    }

    private static List<CreateTopicsResponseData.CreatableTopicConfigs> configsOf(TopicConfig config, LogConfig base) {
        List<CreateTopicsResponseData.CreatableTopicConfigs> out = new ArrayList<>();
        for (TopicSettings.Described described : TopicSettings.topic(config, base)) {
            out.add(new CreateTopicsResponseData.CreatableTopicConfigs().setName(described.name())
                    .setValue(described.value()).setReadOnly(described.readOnly())
                    .setConfigSource(described.source().id()).setIsSensitive(false));
        }
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
}

package dev.spool.kafka.api;

import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.PartitionOfflineException;
import dev.spool.log.TopicConfig;
import dev.spool.log.UnknownTopicException;
import java.io.IOException;
import java.util.List;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs. A topic's configs are its
 * {@link TopicConfig} under Kafka's names ({@link TopicSettings}); a change is validated whole
 * (every entry of a resource, before anything is written), then, unless {@code validateOnly},
 * persisted and applied to the running logs by {@link LogManager#alterTopicConfig}. The broker's
 * configs are described but fixed when the server starts: a change is refused with
 * POLICY_VIOLATION naming them. Each resource is answered on its own, as Kafka does.
 */
final class ConfigsHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigsHandler.class);
    private static final byte OP_SET = 0;
    private static final byte OP_DELETE = 1;
    private static final byte OP_APPEND = 2;
    private static final byte OP_SUBTRACT = 3;

    private final Partitions partitions;

    ConfigsHandler(Partitions partitions) {
        this.partitions = partitions;
    }

    private LogConfig base() {
        return partitions.manager().defaultLogConfig();
    }

    Response describeConfigs(ParsedRequest request) {
        DescribeConfigsRequestData data = (DescribeConfigsRequestData) request.request().data();
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (DescribeConfigsRequestData.DescribeConfigsResource resource : data.resources()) {
            DescribeConfigsResponseData.DescribeConfigsResult result = new DescribeConfigsResponseData.DescribeConfigsResult()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            response.results().add(result);
            List<TopicSettings.Described> configs;
            if (resource.resourceType() == ConfigResource.Type.TOPIC.id()) {
                try {
                    configs = TopicSettings.topic(topicConfig(resource.resourceName()), base());
                } catch (UnknownTopicException e) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage(e.getMessage());
                    continue;
                } catch (PartitionOfflineException e) { // its topic.config is unreadable: the settings are unknown
                    result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.getMessage());
                    continue;
                }
            } else if (resource.resourceType() == ConfigResource.Type.BROKER.id()) {
                configs = TopicSettings.broker(partitions.config(), base());
            } else {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Only topic and broker configs are described, not resource type "
                                + resource.resourceType());
                continue;
            }
            for (TopicSettings.Described config : configs) {
                if (resource.configurationKeys() != null && !resource.configurationKeys().contains(config.name())) {
                    continue;
                }
                result.configs().add(described(config, data.includeSynonyms(), data.includeDocumentation()));
            }
        }
        return Response.to(request, response);
    }

    /** Synonyms, config type and documentation are ignorable fields: versions without them drop them. */
    private static DescribeConfigsResponseData.DescribeConfigsResourceResult described(
            TopicSettings.Described config, boolean synonyms, boolean documentation) {
        DescribeConfigsResponseData.DescribeConfigsResourceResult out =
                new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                        .setName(config.name()).setValue(config.value()).setReadOnly(config.readOnly())
                        .setConfigSource(config.source().id()).setIsSensitive(false)
                        .setConfigType(config.type().id());
        out.setDocumentation(documentation ? config.documentation() : null); // as Kafka: null when not asked for
        if (synonyms) {
            for (TopicSettings.Synonym synonym : config.synonyms()) {
                out.synonyms().add(new DescribeConfigsResponseData.DescribeConfigsSynonym()
                        .setName(synonym.name()).setValue(synonym.value()).setSource(synonym.source().id()));
            }
        }
        return out;
    }

    /** A topic's settings; internal topics are not the clients' to see or change. */
    private TopicConfig topicConfig(String name) {
        if (Partitions.isInternal(name)) {
            throw new UnknownTopicException("Topic '" + name + "' is internal");
        }
        return partitions.manager().topicConfig(name);
    }

    Response incrementalAlterConfigs(ParsedRequest request) {
        IncrementalAlterConfigsRequestData data = (IncrementalAlterConfigsRequestData) request.request().data();
        IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            Outcome outcome = alter(resource.resourceType(), resource.resourceName(), resource.configs().stream()
                    .map(c -> c.name()).toList(), data.validateOnly(), current -> {
                        TopicConfig next = current;
                        for (IncrementalAlterConfigsRequestData.AlterableConfig config : resource.configs()) {
                            next = switch (config.configOperation()) {
                                case OP_SET -> TopicSettings.set(next, config.name(), config.value());
                                case OP_DELETE -> TopicSettings.delete(next, config.name(), base());
                                case OP_APPEND, OP_SUBTRACT -> TopicSettings.appendOrSubtract(next, config.name(),
                                        config.value(), config.configOperation() == OP_APPEND);
                                default -> throw new TopicSettings.InvalidConfig("Unknown operation "
                                        + config.configOperation() + " on " + config.name());
                            };
                        }
                        return next;
                    });
            response.responses().add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                    .setErrorCode(outcome.error.code()).setErrorMessage(outcome.message));
        }
        return Response.to(request, response);
    }

    /** The legacy AlterConfigs: the listed configs replace the topic's; every other one returns to its default. */
    Response alterConfigs(ParsedRequest request) {
        AlterConfigsRequestData data = (AlterConfigsRequestData) request.request().data();
        AlterConfigsResponseData response = new AlterConfigsResponseData();
        for (AlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            Outcome outcome = alter(resource.resourceType(), resource.resourceName(), resource.configs().stream()
                    .map(c -> c.name()).toList(), data.validateOnly(), current -> {
                        TopicConfig next = new TopicConfig(base().write().durability(), current.compression(),
                                current.hashChain());
                        for (AlterConfigsRequestData.AlterableConfig config : resource.configs()) {
                            next = TopicSettings.set(next, config.name(), config.value());
                        }
                        return next;
                    });
            response.responses().add(new AlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                    .setErrorCode(outcome.error.code()).setErrorMessage(outcome.message));
        }
        return Response.to(request, response);
    }

    private interface Change {
        TopicConfig apply(TopicConfig current);
    }

    private record Outcome(Errors error, String message) {
        static final Outcome DONE = new Outcome(Errors.NONE, null);
    }

    private Outcome alter(byte resourceType, String resourceName, List<String> names, boolean validateOnly,
                          Change change) {
        if (resourceType == ConfigResource.Type.BROKER.id()) {
            return names.isEmpty() ? Outcome.DONE : new Outcome(Errors.POLICY_VIOLATION, "Spool's broker configs are "
                    + "set when the server starts and cannot change while it runs: " + String.join(", ", names));
        }
        if (resourceType != ConfigResource.Type.TOPIC.id()) {
            return new Outcome(Errors.INVALID_REQUEST, "Only topic configs can be altered, not resource type "
                    + resourceType);
        }
        LogManager manager = partitions.manager();
        synchronized (this) { // read, change, write: two alters of one topic must not lose each other's change
            try {
                TopicConfig next = change.apply(topicConfig(resourceName));
                if (!validateOnly) {
                    manager.alterTopicConfig(resourceName, next);
                }
                return Outcome.DONE;
            } catch (UnknownTopicException e) {
                return new Outcome(Errors.UNKNOWN_TOPIC_OR_PARTITION, e.getMessage());
            } catch (TopicSettings.InvalidConfig | IllegalArgumentException e) {
                return new Outcome(Errors.INVALID_CONFIG, e.getMessage());
            } catch (PartitionOfflineException e) { // a partition's topic.config is unreadable: restored, not altered
                return new Outcome(Errors.KAFKA_STORAGE_ERROR, e.getMessage());
            } catch (IOException e) {
                LOG.error("Altering the configs of topic {} failed: {}", resourceName, e.getMessage());
                return new Outcome(Errors.KAFKA_STORAGE_ERROR, e.getMessage());
            }
        }
    }
}

package dev.spool.kafka.api;

import dev.spool.kafka.network.Session;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Metadata: this node is the only broker, the controller and the leader of every partition (epoch
 * 0, the sole replica, in sync). Unknown topics are created when the server allows it and the
 * request does (versions 0–3 always ask to). Each topic carries its id (versions 10+), and version
 * 12+ requests may name a topic by id alone: an id that names no topic gets UNKNOWN_TOPIC_ID, and is
 * never created.
 */
final class MetadataHandler {
    static final int NODE_ID = 0;
    static final String CLUSTER_ID = "spool";

    private final Partitions partitions;
    private final AdvertisedAddress node;

    MetadataHandler(Partitions partitions, AdvertisedAddress node) {
        this.partitions = partitions;
        this.node = node;
    }

    /** Answers with the endpoint of the listener {@code session} came in on. */
    Response handle(ParsedRequest request, Session session) throws IOException {
        MetadataRequestData data = (MetadataRequestData) request.request().data();
        short version = request.version();
        boolean autoCreate = partitions.config().autoCreateTopics() && (version < 4 || data.allowAutoTopicCreation());
        boolean all = data.topics() == null || (version == 0 && data.topics().isEmpty());
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(CLUSTER_ID)
                .setControllerId(NODE_ID);
        response.brokers().add(new MetadataResponseData.MetadataResponseBroker()
                .setNodeId(NODE_ID).setHost(node.host(session)).setPort(node.port(session)));
        if (all) {
            for (String name : partitions.manager().topics()) {
                response.topics().add(describe(name, false));
            }
        } else {
            for (MetadataRequestData.MetadataRequestTopic topic : data.topics()) {
                // As Kafka does: a topic id, when given, names the topic (the Java Admin sends an empty name with it).
                boolean byId = topic.name() == null || !Uuid.ZERO_UUID.equals(topic.topicId());
                response.topics().add(byId ? describeById(topic.topicId(), version) : describe(topic.name(), autoCreate));
            }
        }
        return Response.to(request, response);
    }

    private MetadataResponseData.MetadataResponseTopic describeById(Uuid topicId, short version) throws IOException {
        Optional<String> name = KafkaTopicIds.nameOf(partitions.manager(), topicId);
        if (name.isPresent()) {
            return describe(name.get(), false);
        }
        // The response names a topic only from version 12 on; before that the request had no right to omit it.
        return new MetadataResponseData.MetadataResponseTopic().setTopicId(topicId)
                .setName(version >= 12 ? null : "")
                .setErrorCode(version >= 12 ? Errors.UNKNOWN_TOPIC_ID.code() : Errors.INVALID_REQUEST.code());
    }

    private MetadataResponseData.MetadataResponseTopic describe(String name, boolean autoCreate) throws IOException {
        MetadataResponseData.MetadataResponseTopic topic = new MetadataResponseData.MetadataResponseTopic()
                .setName(name).setIsInternal(Partitions.isInternal(name));
        if (!partitions.manager().topicExists(name)) {
            if (!autoCreate) {
                return topic.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            }
            Errors created = partitions.create(name, partitions.config().defaultPartitions());
            if (created != Errors.NONE && created != Errors.TOPIC_ALREADY_EXISTS) {
                return topic.setErrorCode(created.code());
            }
        }
        int count;
        try {
            topic.setTopicId(KafkaTopicIds.of(partitions.manager(), name));
            count = partitions.manager().partitionCount(name);
        } catch (dev.spool.log.UnknownTopicException e) { // deleted meanwhile
            return topic.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        List<MetadataResponseData.MetadataResponsePartition> list = new ArrayList<>(count);
        for (int p = 0; p < count; p++) {
            // A damaged partition: its one replica is offline, as Kafka reports a partition whose log dir failed.
            boolean offline = partitions.isOffline(name, p);
            list.add(new MetadataResponseData.MetadataResponsePartition()
                    .setErrorCode(offline ? Errors.KAFKA_STORAGE_ERROR.code() : Errors.NONE.code())
                    .setPartitionIndex(p).setLeaderId(NODE_ID).setLeaderEpoch(0)
                    .setReplicaNodes(List.of(NODE_ID)).setIsrNodes(offline ? List.of() : List.of(NODE_ID))
                    .setOfflineReplicas(offline ? List.of(NODE_ID) : List.of()));
        }
        return topic.setPartitions(list);
    }
}

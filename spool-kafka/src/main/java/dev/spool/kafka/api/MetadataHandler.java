package dev.spool.kafka.api;

import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Metadata: this node is the only broker, the controller and the leader of every partition (epoch
 * 0, the sole replica, in sync). Unknown topics are created when the server allows it and the
 * request does (versions 0–3 always ask to). Topic ids are the zero id, as on brokers before topic
 * ids: the advertised Produce and Fetch versions name topics, never ids.
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

    Response handle(ParsedRequest request) throws IOException {
        MetadataRequestData data = (MetadataRequestData) request.request().data();
        short version = request.version();
        boolean autoCreate = partitions.config().autoCreateTopics() && (version < 4 || data.allowAutoTopicCreation());
        Collection<String> names;
        boolean all = data.topics() == null || (version == 0 && data.topics().isEmpty());
        if (all) {
            names = partitions.manager().topics();
        } else {
            names = new ArrayList<>();
            for (MetadataRequestData.MetadataRequestTopic topic : data.topics()) {
                names.add(topic.name());
            }
        }
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(CLUSTER_ID)
                .setControllerId(NODE_ID);
        response.brokers().add(new MetadataResponseData.MetadataResponseBroker()
                .setNodeId(NODE_ID).setHost(node.host()).setPort(node.port()));
        for (String name : names) {
            response.topics().add(describe(name, autoCreate && !all));
        }
        return Response.to(request, response);
    }

    private MetadataResponseData.MetadataResponseTopic describe(String name, boolean autoCreate) throws IOException {
        MetadataResponseData.MetadataResponseTopic topic = new MetadataResponseData.MetadataResponseTopic()
                .setName(name).setTopicId(Uuid.ZERO_UUID).setIsInternal(Partitions.isInternal(name));
        if (name == null) {
            return topic.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
        }
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
            count = partitions.manager().partitionCount(name);
        } catch (dev.spool.log.UnknownTopicException e) { // deleted meanwhile
            return topic.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        List<MetadataResponseData.MetadataResponsePartition> list = new ArrayList<>(count);
        for (int p = 0; p < count; p++) {
            list.add(new MetadataResponseData.MetadataResponsePartition()
                    .setPartitionIndex(p).setLeaderId(NODE_ID).setLeaderEpoch(0)
                    .setReplicaNodes(List.of(NODE_ID)).setIsrNodes(List.of(NODE_ID)).setOfflineReplicas(List.of()));
        }
        return topic.setPartitions(list);
    }
}

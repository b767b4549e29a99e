package dev.spool.kafka.group;

import dev.spool.log.TopicName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;

/**
 * OffsetCommit and OffsetFetch between kafka-clients' message classes and the offsets store: the
 * per-partition checks of a commit, and the two shapes of OffsetFetch (one group before version 8,
 * a list of groups from version 8 on). No state; the coordinator validates membership.
 */
final class OffsetRequests {
    /** Kafka's answer for a partition without a committed offset. */
    static final long NO_OFFSET = -1L;

    private OffsetRequests() {
    }

    /** A commit's response with every partition set to {@code error}. */
    static OffsetCommitResponseData commitError(OffsetCommitRequestData request, Errors error) {
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
            OffsetCommitResponseTopic out = new OffsetCommitResponseTopic().setName(topic.name());
            topic.partitions().forEach(p -> out.partitions().add(new OffsetCommitResponsePartition()
                    .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code())));
            response.topics().add(out);
        }
        return response;
    }

    /** A commit's response, and the offsets to write with the response partitions they answer. */
    record PlannedCommit(OffsetCommitResponseData response, List<OffsetStore.Commit> commits,
                         List<OffsetCommitResponsePartition> pending) {

        /** Sets every partition that waited on the write to {@code error} (NONE once it is durable). */
        OffsetCommitResponseData complete(Errors error) {
            pending.forEach(p -> p.setErrorCode(error.code()));
            return response;
        }
    }

    /**
     * Checks each partition of a commit: a topic name Kafka would refuse or a partition the server
     * does not have gets {@code UNKNOWN_TOPIC_OR_PARTITION}, metadata longer than the limit
     * {@code OFFSET_METADATA_TOO_LARGE}; the rest are to be written, stamped {@code nowMs}, once the
     * coordinator accepts the commit as a whole.
     */
    static PlannedCommit plan(OffsetCommitRequestData request, KnownPartitions partitions, int metadataCharsMax,
                              long nowMs) {
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        List<OffsetStore.Commit> commits = new ArrayList<>();
        List<OffsetCommitResponsePartition> pending = new ArrayList<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
            OffsetCommitResponseTopic out = new OffsetCommitResponseTopic().setName(topic.name());
            boolean validTopic = isValidTopic(topic.name());
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions()) {
                OffsetCommitResponsePartition result = new OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex());
                String metadata = p.committedMetadata() == null ? "" : p.committedMetadata();
                Errors error = checkPartition(topic.name(), validTopic, p.partitionIndex(), metadata, partitions,
                        metadataCharsMax);
                if (error != Errors.NONE) {
                    result.setErrorCode(error.code());
                } else {
                    commits.add(new OffsetStore.Commit(topic.name(), p.partitionIndex(),
                            new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(), metadata, nowMs)));
                    pending.add(result);
                }
                out.partitions().add(result);
            }
            response.topics().add(out);
        }
        return new PlannedCommit(response, commits, pending);
    }

    /**
     * The error of one partition of a commit, plain or transactional, before the group is looked
     * at: {@code UNKNOWN_TOPIC_OR_PARTITION} for a topic name Kafka would refuse ({@code validTopic}
     * false), a negative partition or one the server does not have; {@code OFFSET_METADATA_TOO_LARGE}
     * for metadata longer than the limit; otherwise NONE.
     */
    static Errors checkPartition(String topic, boolean validTopic, int partition, String metadata,
                                 KnownPartitions partitions, int metadataCharsMax) {
        if (!validTopic || partition < 0 || !partitions.exists(topic, partition)) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        return metadata.length() > metadataCharsMax ? Errors.OFFSET_METADATA_TOO_LARGE : Errors.NONE;
    }

    /** Whether a topic name of a commit can be stored at all: one Kafka would accept. */
    static boolean isValidTopic(String name) {
        return name != null && TopicName.isValid(name);
    }

    /**
     * Answers an OffsetFetch from the store, in the shape of {@code version}. A fetch that requires
     * stable offsets (version 7 on) gets {@code UNSTABLE_OFFSET_COMMIT}, and no offset, for each
     * partition an open transaction holds a pending offset of: the consumer retries until the
     * transaction ends, rather than start from an offset the transaction is about to replace.
     */
    static OffsetFetchResponseData fetch(OffsetFetchRequestData request, short version, OffsetStore store) {
        OffsetFetchResponseData response = new OffsetFetchResponseData();
        boolean requireStable = version >= 7 && request.requireStable();
        if (version < 8) {
            List<TopicOffsets> topics = fetchGroup(store, request.groupId(), requireStable, request.topics() == null
                    ? null
                    : request.topics().stream().map(t -> new TopicRequest(t.name(), t.partitionIndexes())).toList());
            for (TopicOffsets topic : topics) {
                OffsetFetchResponseTopic out = new OffsetFetchResponseTopic().setName(topic.name());
                topic.partitions().forEach(p -> out.partitions().add(new OffsetFetchResponsePartition()
                        .setPartitionIndex(p.partition()).setCommittedOffset(p.offset())
                        .setCommittedLeaderEpoch(p.leaderEpoch()).setMetadata(p.metadata())
                        .setErrorCode(p.error().code())));
                response.topics().add(out);
            }
            return response.setErrorCode(Errors.NONE.code());
        }
        for (OffsetFetchRequestData.OffsetFetchRequestGroup group : request.groups()) {
            List<TopicOffsets> topics = fetchGroup(store, group.groupId(), requireStable, group.topics() == null ? null
                    : group.topics().stream().map(t -> new TopicRequest(t.name(), t.partitionIndexes())).toList());
            OffsetFetchResponseGroup out = new OffsetFetchResponseGroup().setGroupId(group.groupId())
                    .setErrorCode(Errors.NONE.code());
            for (TopicOffsets topic : topics) {
                OffsetFetchResponseTopics outTopic = new OffsetFetchResponseTopics().setName(topic.name());
                topic.partitions().forEach(p -> outTopic.partitions().add(new OffsetFetchResponsePartitions()
                        .setPartitionIndex(p.partition()).setCommittedOffset(p.offset())
                        .setCommittedLeaderEpoch(p.leaderEpoch()).setMetadata(p.metadata())
                        .setErrorCode(p.error().code())));
                out.topics().add(outTopic);
            }
            response.groups().add(out);
        }
        return response;
    }

    /** An OffsetFetch answered with {@code error} for every group (or, at version 1, every partition). */
    static OffsetFetchResponseData fetchError(OffsetFetchRequestData request, short version, Errors error) {
        OffsetFetchResponseData response = new OffsetFetchResponseData();
        if (version >= 8) {
            request.groups().forEach(g -> response.groups().add(new OffsetFetchResponseGroup()
                    .setGroupId(g.groupId()).setErrorCode(error.code())));
            return response;
        }
        if (version >= 2) {
            return response.setErrorCode(error.code());
        }
        if (request.topics() != null) {
            for (OffsetFetchRequestData.OffsetFetchRequestTopic topic : request.topics()) {
                OffsetFetchResponseTopic out = new OffsetFetchResponseTopic().setName(topic.name());
                topic.partitionIndexes().forEach(p -> out.partitions().add(new OffsetFetchResponsePartition()
                        .setPartitionIndex(p).setCommittedOffset(NO_OFFSET).setMetadata("")
                        .setErrorCode(error.code())));
                response.topics().add(out);
            }
        }
        return response;
    }

    private record TopicRequest(String name, List<Integer> partitions) {
    }

    private record PartitionOffset(int partition, long offset, int leaderEpoch, String metadata, Errors error) {
    }

    private record TopicOffsets(String name, List<PartitionOffset> partitions) {
    }

    /**
     * The listed partitions (-1 where none is committed), or with {@code topics} null every committed
     * one; with {@code requireStable}, those with a pending transactional offset are unstable.
     */
    private static List<TopicOffsets> fetchGroup(OffsetStore store, String group, boolean requireStable,
                                                 List<TopicRequest> topics) {
        List<TopicOffsets> out = new ArrayList<>();
        if (topics == null) {
            NavigableMap<String, NavigableMap<Integer, CommittedOffset>> all = store.groupOffsets(group);
            for (Map.Entry<String, NavigableMap<Integer, CommittedOffset>> topic : all.entrySet()) {
                List<PartitionOffset> partitions = new ArrayList<>();
                topic.getValue().forEach((partition, committed) -> partitions.add(partitionOffset(partition,
                        Optional.of(committed), requireStable && store.hasPending(group, topic.getKey(), partition))));
                out.add(new TopicOffsets(topic.getKey(), partitions));
            }
            return out;
        }
        for (TopicRequest topic : topics) {
            List<PartitionOffset> partitions = new ArrayList<>();
            for (int partition : topic.partitions()) {
                partitions.add(partitionOffset(partition, store.find(group, topic.name(), partition),
                        requireStable && store.hasPending(group, topic.name(), partition)));
            }
            out.add(new TopicOffsets(topic.name(), partitions));
        }
        return out;
    }

    private static PartitionOffset partitionOffset(int partition, Optional<CommittedOffset> committed,
                                                   boolean unstable) {
        if (unstable) {
            return new PartitionOffset(partition, NO_OFFSET, -1, "", Errors.UNSTABLE_OFFSET_COMMIT);
        }
        return committed.map(c -> new PartitionOffset(partition, c.offset(), c.leaderEpoch(), c.metadata(),
                Errors.NONE)).orElseGet(() -> new PartitionOffset(partition, NO_OFFSET, -1, "", Errors.NONE));
    }
}

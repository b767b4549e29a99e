package dev.spool.kafka.group;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * What the transactional-offset tests send and read: TxnOffsetCommit requests as the Java producer's
 * {@code sendOffsetsToTransaction} builds them (leader epoch 3, metadata "t" + offset), and
 * OffsetFetch answers at version 9 as (offset, error) per partition.
 */
final class TxnOffsets {
    /** One partition of an OffsetFetch answer. */
    record Fetched(long offset, Errors error) {
        static Fetched of(long offset) {
            return new Fetched(offset, Errors.NONE);
        }

        static final Fetched UNSTABLE = new Fetched(-1L, Errors.UNSTABLE_OFFSET_COMMIT);
    }

    private TxnOffsets() {
    }

    /** A TxnOffsetCommit without group membership (generation -1, as versions 0 to 2 send it). */
    static TxnOffsetCommitRequestData request(String group, long producerId, Map<TopicPartition, Long> offsets) {
        Map<String, TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic> byTopic = new TreeMap<>();
        Map<TopicPartition, Long> sorted = new TreeMap<>(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition));
        sorted.putAll(offsets);
        sorted.forEach((tp, offset) -> byTopic.computeIfAbsent(tp.topic(),
                t -> new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName(t)).partitions()
                .add(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition().setPartitionIndex(tp.partition())
                        .setCommittedOffset(offset).setCommittedLeaderEpoch(3).setCommittedMetadata("t" + offset)));
        return new TxnOffsetCommitRequestData().setTransactionalId("tx-" + producerId).setGroupId(group)
                .setProducerId(producerId).setProducerEpoch((short) 1).setTopics(new ArrayList<>(byTopic.values()));
    }

    static Map<TopicPartition, Errors> errors(TxnOffsetCommitResponseData response) {
        Map<TopicPartition, Errors> out = new LinkedHashMap<>();
        response.topics().forEach(t -> t.partitions().forEach(p ->
                out.put(new TopicPartition(t.name(), p.partitionIndex()), Errors.forCode(p.errorCode()))));
        return out;
    }

    /** OffsetFetch v9 of the listed partitions, or of every committed one when {@code partitions} is null. */
    static Map<TopicPartition, Fetched> fetch(GroupCoordinator coordinator, String group,
                                              List<TopicPartition> partitions, boolean requireStable) {
        List<OffsetFetchRequestData.OffsetFetchRequestTopics> topics = null;
        if (partitions != null) {
            Map<String, OffsetFetchRequestData.OffsetFetchRequestTopics> byTopic = new LinkedHashMap<>();
            partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new OffsetFetchRequestData
                    .OffsetFetchRequestTopics().setName(t).setPartitionIndexes(new ArrayList<>())).partitionIndexes()
                    .add(tp.partition()));
            topics = new ArrayList<>(byTopic.values());
        }
        OffsetFetchResponseData response = coordinator.fetchOffsets(new OffsetFetchRequestData()
                .setRequireStable(requireStable).setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                        .setGroupId(group).setTopics(topics))), (short) 9).join();
        OffsetFetchResponseData.OffsetFetchResponseGroup answer = response.groups().get(0);
        if (answer.errorCode() != Errors.NONE.code()) {
            throw new AssertionError("OffsetFetch of " + group + " failed: " + Errors.forCode(answer.errorCode()));
        }
        Map<TopicPartition, Fetched> out = new LinkedHashMap<>();
        answer.topics().forEach(t -> t.partitions().forEach(p -> out.put(new TopicPartition(t.name(),
                p.partitionIndex()), new Fetched(p.committedOffset(), Errors.forCode(p.errorCode())))));
        return out;
    }

    /** What the store holds: every group's committed offsets and every pending one, to compare two states. */
    static String storeState(OffsetStore store) {
        StringBuilder out = new StringBuilder();
        for (String group : store.groupsWithOffsets()) {
            out.append(group).append(' ').append(store.groupOffsets(group)).append('\n');
        }
        return out.append("pending ").append(store.pendingOffsets()).toString();
    }
}

package dev.spool.kafka.group;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The administration of groups for {@link ClassicGroupCoordinator}: ListGroups, DescribeGroups,
 * DeleteGroups and OffsetDelete, over the coordinator's groups in memory and its offsets store.
 *
 * <p>Reads lock one group at a time, so a listing is not one snapshot of every group (Kafka's is
 * not either). Deletions run under the group's lock, taken through the coordinator (which creates
 * the group object for the time of the step if it was not in memory): the group's membership is
 * checked and the tombstones for its offsets are queued on the offsets log in one locked step, so
 * a member joining meanwhile waits and its commits land after the tombstones. The answer goes out
 * once the tombstones are durable. Thread-safe.
 */
final class GroupAdministration {
    private static final Logger LOG = LoggerFactory.getLogger(GroupAdministration.class);

    private final ClassicGroupCoordinator coordinator;
    private final ConcurrentHashMap<String, ClassicGroup> groups;
    private final OffsetStore store;

    GroupAdministration(ClassicGroupCoordinator coordinator, ConcurrentHashMap<String, ClassicGroup> groups,
                        OffsetStore store) {
        this.coordinator = coordinator;
        this.groups = groups;
        this.store = store;
    }

    /** Every group in name order: the simple ones (offsets only) and those in memory, filtered. */
    ListGroupsResponseData listGroups(ListGroupsRequestData request, short apiVersion) {
        if (coordinator.isClosed()) {
            return new ListGroupsResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code());
        }
        record Listing(ListedGroup group, GroupState state) {
        }
        Map<String, Listing> all = new TreeMap<>();
        for (String groupId : store.groupsWithOffsets()) {
            all.put(groupId, new Listing(GroupViews.listedSimple(groupId, apiVersion), GroupState.EMPTY));
        }
        for (ClassicGroup group : groups.values()) { // one in memory is listed as it is, offsets or not
            group.lock.lock();
            try {
                if (!group.isIn(GroupState.DEAD)) {
                    all.put(group.groupId, new Listing(GroupViews.listed(group, apiVersion), group.state()));
                }
            } finally {
                group.lock.unlock();
            }
        }
        List<String> states = apiVersion >= 4 ? request.statesFilter() : List.of();
        List<String> types = apiVersion >= 5 ? request.typesFilter() : List.of();
        ListGroupsResponseData response = new ListGroupsResponseData().setErrorCode(Errors.NONE.code());
        for (Listing listing : all.values()) {
            if (GroupViews.passes(listing.state(), states, types)) {
                response.groups().add(listing.group());
            }
        }
        return response;
    }

    DescribeGroupsResponseData describeGroups(DescribeGroupsRequestData request, short apiVersion) {
        DescribeGroupsResponseData response = new DescribeGroupsResponseData();
        for (String groupId : request.groups()) {
            response.groups().add(describe(groupId, apiVersion));
        }
        return response;
    }

    private DescribedGroup describe(String groupId, short version) {
        if (coordinator.isClosed()) {
            return GroupViews.describedError(groupId, Errors.NOT_COORDINATOR, version);
        }
        if (groupId == null || groupId.isEmpty()) {
            return GroupViews.describedError(groupId, Errors.INVALID_GROUP_ID, version);
        }
        ClassicGroup group = groups.get(groupId);
        if (group != null) {
            group.lock.lock();
            try {
                if (!group.isIn(GroupState.DEAD)) {
                    return GroupViews.described(group, version);
                }
            } finally {
                group.lock.unlock();
            }
        }
        return store.hasOffsets(groupId) ? GroupViews.describedSimple(groupId)
                : GroupViews.describedMissing(groupId, version);
    }

    CompletableFuture<DeleteGroupsResponseData> deleteGroups(DeleteGroupsRequestData request, short apiVersion) {
        DeleteGroupsResponseData.DeletableGroupResultCollection results =
                new DeleteGroupsResponseData.DeletableGroupResultCollection();
        List<CompletableFuture<Void>> deletions = new ArrayList<>();
        for (String groupId : new LinkedHashSet<>(request.groupsNames())) { // the results are keyed by group
            DeleteGroupsResponseData.DeletableGroupResult result = new DeleteGroupsResponseData.DeletableGroupResult()
                    .setGroupId(groupId);
            results.add(result);
            deletions.add(deleteGroup(groupId).thenAccept(error -> {
                result.setErrorCode(error.code());
                if (apiVersion >= 3 && error != Errors.NONE) {
                    result.setErrorMessage(error.message());
                }
            }));
        }
        return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> new DeleteGroupsResponseData().setResults(results));
    }

    /**
     * Deletes one group: refused while it has members; otherwise tombstones for its offsets are
     * appended under the group's lock (a join meanwhile waits, and its commits land after them).
     * As in Kafka, offsets pending in open transactions do not keep a group from being deleted:
     * they are deleted with it (the tombstones drop them, and the transaction's commit then finds
     * nothing of this group to commit).
     */
    private CompletableFuture<Errors> deleteGroup(String groupId) {
        if (coordinator.isClosed()) {
            return CompletableFuture.completedFuture(Errors.NOT_COORDINATOR);
        }
        if (groupId == null || groupId.isEmpty()) {
            return CompletableFuture.completedFuture(Errors.INVALID_GROUP_ID);
        }
        List<CompletableFuture<Void>> written = new ArrayList<>(1);
        Errors error = coordinator.withGroup(groupId, true, (group, effects) -> {
            if (!group.isIn(GroupState.EMPTY)) {
                return Errors.NON_EMPTY_GROUP;
            }
            NavigableSet<OffsetStore.TopicPartitionKey> keys = new TreeSet<>(store.pendingKeys(groupId));
            store.groupOffsets(groupId).forEach((topic, partitions) -> partitions.keySet().forEach(partition ->
                    keys.add(new OffsetStore.TopicPartitionKey(topic, partition))));
            List<OffsetStore.Commit> tombstones = keys.stream()
                    .map(key -> OffsetStore.Commit.tombstone(key.topic(), key.partition())).toList();
            if (tombstones.isEmpty()) { // ids handed out to joiners keep a group in memory without offsets
                return group.pendingMembers.isEmpty() ? Errors.GROUP_ID_NOT_FOUND : Errors.NONE;
            }
            written.add(store.commit(groupId, tombstones));
            return Errors.NONE;
        });
        if (written.isEmpty()) {
            return CompletableFuture.completedFuture(error);
        }
        return written.get(0).handle((ignored, failure) -> {
            if (failure != null) {
                return coordinator.writeFailed("delete the offsets of group " + groupId, failure);
            }
            LOG.info("Deleted group {} and its committed offsets", groupId);
            coordinator.maybeQueueCompaction();
            return Errors.NONE;
        });
    }

    /** Deletes offsets of partitions no member consumes (OffsetDelete has one version: no version to shape). */
    CompletableFuture<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData request,
                                                              KnownPartitions partitions) {
        String groupId = request.groupId();
        if (coordinator.isClosed() || groupId == null || groupId.isEmpty()) {
            return CompletableFuture.completedFuture(new OffsetDeleteResponseData().setErrorCode(
                    (coordinator.isClosed() ? Errors.NOT_COORDINATOR : Errors.INVALID_GROUP_ID).code()));
        }
        OffsetDeleteResponseData response = new OffsetDeleteResponseData();
        List<CompletableFuture<Void>> written = new ArrayList<>(1);
        Errors error = coordinator.withGroup(groupId, true, (group, effects) -> {
            boolean exists = !group.isIn(GroupState.EMPTY) || !group.pendingMembers.isEmpty()
                    || store.hasOffsets(groupId);
            if (!exists) {
                return Errors.GROUP_ID_NOT_FOUND;
            }
            if (GroupViews.isNonEmptyNonConsumer(group)) {
                return Errors.NON_EMPTY_GROUP;
            }
            List<OffsetStore.Commit> tombstones = planOffsetDelete(request, group, partitions, response);
            if (!tombstones.isEmpty()) {
                written.add(store.commit(groupId, tombstones));
            }
            return Errors.NONE;
        });
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(new OffsetDeleteResponseData().setErrorCode(error.code()));
        }
        if (written.isEmpty()) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.NONE.code()));
        }
        return written.get(0).handle((ignored, failure) -> {
            if (failure != null) {
                return new OffsetDeleteResponseData().setErrorCode(
                        coordinator.writeFailed("delete offsets of group " + groupId, failure).code());
            }
            coordinator.maybeQueueCompaction();
            return response.setErrorCode(Errors.NONE.code());
        });
    }

    /**
     * Answers each partition of an OffsetDelete into {@code response} and returns the tombstones to
     * write: a partition the server does not have gets {@code UNKNOWN_TOPIC_OR_PARTITION}, one of a
     * topic a member consumes {@code GROUP_SUBSCRIBED_TO_TOPIC}, any other NONE, with a tombstone
     * if the group has an offset for it, committed or pending in a transaction (which the tombstone
     * drops, as in Kafka); Kafka answers NONE when there is nothing to delete.
     */
    private List<OffsetStore.Commit> planOffsetDelete(OffsetDeleteRequestData request, ClassicGroup group,
                                                      KnownPartitions partitions, OffsetDeleteResponseData response) {
        List<OffsetStore.Commit> tombstones = new ArrayList<>();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic topic : request.topics()) {
            boolean subscribed = GroupViews.isSubscribedTo(group, topic.name());
            OffsetDeleteResponseData.OffsetDeleteResponsePartitionCollection out =
                    new OffsetDeleteResponseData.OffsetDeleteResponsePartitionCollection();
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : topic.partitions()) {
                int partition = p.partitionIndex();
                Errors error = !partitions.exists(topic.name(), partition) ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                        : subscribed ? Errors.GROUP_SUBSCRIBED_TO_TOPIC : Errors.NONE;
                if (error == Errors.NONE && (store.find(group.groupId, topic.name(), partition).isPresent()
                        || store.hasPending(group.groupId, topic.name(), partition))) {
                    tombstones.add(OffsetStore.Commit.tombstone(topic.name(), partition));
                }
                out.add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition().setPartitionIndex(partition)
                        .setErrorCode(error.code()));
            }
            response.topics().add(new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(topic.name())
                    .setPartitions(out));
        }
        return tombstones;
    }
}

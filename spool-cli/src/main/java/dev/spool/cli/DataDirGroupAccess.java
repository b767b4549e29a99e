package dev.spool.cli;

import dev.spool.kafka.group.ClassicGroupCoordinator;
import dev.spool.kafka.group.GroupCoordinatorConfig;
import dev.spool.kafka.group.OffsetsLogCheck;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.io.DirectoryLockedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Consumer groups in a data directory no server is running on: the committed offsets are read and
 * written by the server's own group coordinator ({@link ClassicGroupCoordinator}, opened on the
 * {@code __consumer_offsets} log and asked with Kafka's request messages, as the server asks it), so
 * the CLI decodes nothing itself. Members live only in a running server's memory, so every group
 * here is {@code Empty}.
 *
 * <p>The log manager is opened first: it takes the data directory's lock, so a server running on
 * it turns this away with a hint to use {@code --bootstrap-server}. Reading never creates the
 * offsets log; a commit does.
 */
final class DataDirGroupAccess implements GroupAccess {
    /** The request versions asked: ones the coordinator answers with topics by name. */
    private static final short LIST_VERSION = 4;
    private static final short FETCH_VERSION = 7;
    private static final short COMMIT_VERSION = 8;
    private static final short DELETE_VERSION = 2;

    private final Path dataDir;
    private final LogManager manager;
    private ClassicGroupCoordinator coordinator;

    DataDirGroupAccess(CommonOptions common) throws IOException {
        this.dataDir = common.dataDir;
        try {
            this.manager = common.openManager(false);
        } catch (DirectoryLockedException e) {
            throw new IOException(e.getMessage() + ": a server is running on it? Ask it with --bootstrap-server", e);
        }
    }

    @Override
    public String where() {
        return "in " + dataDir;
    }

    /** The coordinator, opened on first use; empty when nothing was ever committed and {@code create} is false. */
    private Optional<ClassicGroupCoordinator> coordinator(boolean create) throws IOException {
        Path offsets = dataDir.resolve(OffsetsLogCheck.DIR_NAME);
        if (coordinator == null && (create || Files.isDirectory(offsets))) {
            coordinator = ClassicGroupCoordinator.open(offsets, GroupCoordinatorConfig.defaults());
        }
        return Optional.ofNullable(coordinator);
    }

    @Override
    public List<String> list() throws Exception {
        List<String> groups = new ArrayList<>();
        Optional<ClassicGroupCoordinator> groupCoordinator = coordinator(false);
        if (groupCoordinator.isPresent()) {
            ListGroupsResponseData response = groupCoordinator.get().listGroups(new ListGroupsRequestData(),
                    LIST_VERSION).get();
            check(Errors.forCode(response.errorCode()), "list groups");
            response.groups().forEach(g -> groups.add(g.groupId()));
        }
        groups.sort(null);
        return groups;
    }

    @Override
    public Group describe(String groupId) throws Exception {
        Map<TopicPartition, Long> committed = new HashMap<>();
        Optional<ClassicGroupCoordinator> groupCoordinator = coordinator(false);
        if (groupCoordinator.isPresent()) {
            OffsetFetchResponseData response = groupCoordinator.get().fetchOffsets(new OffsetFetchRequestData()
                    .setGroupId(groupId).setTopics(null), FETCH_VERSION).get();
            check(Errors.forCode(response.errorCode()), "fetch the offsets of " + groupId);
            for (OffsetFetchResponseData.OffsetFetchResponseTopic topic : response.topics()) {
                for (OffsetFetchResponseData.OffsetFetchResponsePartition p : topic.partitions()) {
                    if (p.committedOffset() >= 0) {
                        committed.put(new TopicPartition(topic.name(), p.partitionIndex()), p.committedOffset());
                    }
                }
            }
        }
        if (committed.isEmpty()) {
            throw new UnknownGroupException(groupId, where());
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (TopicPartition tp : committed.keySet()) {
            if (manager.topicExists(tp.topic())) {
                manager.findLog(tp.topic(), tp.partition()).ifPresent(log -> ends.put(tp, log.logEndOffset()));
            }
        }
        return new Group(groupId, "Empty", List.of(), GroupAccess.sorted(committed), ends);
    }

    @Override
    public SortedMap<Integer, Range> ranges(String topic) {
        SortedMap<Integer, Range> ranges = new TreeMap<>();
        for (int p = 0; p < manager.partitionCount(topic); p++) { // throws for an unknown topic
            Log log = manager.log(topic, p);
            ranges.put(p, new Range(log.logStartOffset(), log.logEndOffset()));
        }
        return ranges;
    }

    @Override
    public void commit(String groupId, Map<TopicPartition, Long> offsets) throws Exception {
        Map<String, OffsetCommitRequestData.OffsetCommitRequestTopic> topics = new TreeMap<>();
        offsets.forEach((tp, offset) -> topics.computeIfAbsent(tp.topic(), name ->
                new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(name)).partitions()
                .add(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(tp.partition())
                        .setCommittedOffset(offset)));
        OffsetCommitRequestData request = new OffsetCommitRequestData().setGroupId(groupId)
                .setGenerationIdOrMemberEpoch(-1).setMemberId("").setTopics(new ArrayList<>(topics.values()));
        OffsetCommitResponseData response = coordinator(true).orElseThrow().commitOffsets(request, COMMIT_VERSION,
                (topic, partition) -> manager.findLog(topic, partition).isPresent()).get();
        for (OffsetCommitResponseData.OffsetCommitResponseTopic topic : response.topics()) {
            for (OffsetCommitResponseData.OffsetCommitResponsePartition p : topic.partitions()) {
                check(Errors.forCode(p.errorCode()), "commit the offset of " + topic.name() + "-" + p.partitionIndex());
            }
        }
    }

    @Override
    public void delete(String groupId) throws Exception {
        Optional<ClassicGroupCoordinator> groupCoordinator = coordinator(false);
        if (groupCoordinator.isEmpty()) {
            throw new UnknownGroupException(groupId, where());
        }
        DeleteGroupsResponseData response = groupCoordinator.get().deleteGroups(new DeleteGroupsRequestData()
                .setGroupsNames(List.of(groupId)), DELETE_VERSION).get();
        Errors error = Errors.forCode(response.results().find(groupId).errorCode());
        if (error == Errors.GROUP_ID_NOT_FOUND) {
            throw new UnknownGroupException(groupId, where());
        }
        check(error, "delete group " + groupId);
    }

    private void check(Errors error, String what) {
        if (error != Errors.NONE) {
            throw new IllegalStateException("Could not " + what + " " + where() + ": " + error.message());
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (coordinator != null) {
                coordinator.close();
            }
        } finally {
            manager.close();
        }
    }
}

package dev.spool.cli;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Where {@code spool groups} finds consumer groups: a running server, through Kafka's Admin client
 * ({@link AdminGroupAccess}), or a data directory no server holds, through the group coordinator's
 * own code over its committed-offsets log ({@link DataDirGroupAccess}). The commands print and
 * decide; an access only reads and writes.
 */
interface GroupAccess extends AutoCloseable {
    /** Orders partitions by topic, then partition number. */
    Comparator<TopicPartition> ORDER = Comparator.comparing(TopicPartition::topic)
            .thenComparingInt(TopicPartition::partition);

    /** One member of a group and the partitions assigned to it. */
    record Member(String memberId, String clientId, String host, List<TopicPartition> assignment) {
    }

    /**
     * A group: its state, members, committed offsets, and the log end offset of each partition it
     * has an offset for or is assigned.
     */
    record Group(String groupId, String state, List<Member> members, SortedMap<TopicPartition, Long> committed,
                 Map<TopicPartition, Long> logEndOffsets) {
    }

    /** The first and the next offset of one partition. */
    record Range(long logStartOffset, long logEndOffset) {
    }

    static SortedMap<TopicPartition, Long> sorted(Map<TopicPartition, Long> offsets) {
        SortedMap<TopicPartition, Long> sorted = new TreeMap<>(ORDER);
        sorted.putAll(offsets);
        return sorted;
    }

    /** Where the groups are, for messages: "on HOST:PORT" or "in DIR". */
    String where();

    /** The group ids, sorted. */
    List<String> list() throws Exception;

    /** The group; {@link UnknownGroupException} if there is none. */
    Group describe(String groupId) throws Exception;

    /** Each partition's offset range, by partition number; an error if the topic is unknown. */
    SortedMap<Integer, Range> ranges(String topic) throws Exception;

    /** Commits {@code offsets} for the group, as a consumer outside the group would. */
    void commit(String groupId, Map<TopicPartition, Long> offsets) throws Exception;

    /** Deletes the group and its offsets; an error if it has members or does not exist. */
    void delete(String groupId) throws Exception;

    /** A group that has neither members nor committed offsets. */
    final class UnknownGroupException extends RuntimeException {
        UnknownGroupException(String groupId, String where) {
            super("Unknown group '" + groupId + "' " + where);
        }
    }
}

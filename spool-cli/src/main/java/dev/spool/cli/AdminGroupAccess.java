package dev.spool.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;

/**
 * Consumer groups on a running server, through Kafka's Admin client, as {@code kafka-consumer-groups}
 * reaches them: so {@code spool groups} works against Spool and against Kafka alike. Every call
 * waits at most the given time; a failure becomes one line naming the server.
 */
final class AdminGroupAccess implements GroupAccess {
    private final String bootstrap;
    private final long timeoutMs;
    private final Admin admin;

    AdminGroupAccess(String bootstrap, long timeoutMs) {
        this.bootstrap = bootstrap;
        this.timeoutMs = timeoutMs;
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "spool-groups");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMs, Integer.MAX_VALUE));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMs, Integer.MAX_VALUE));
        this.admin = Admin.create(props);
    }

    @Override
    public String where() {
        return "on " + bootstrap;
    }

    @Override
    public List<String> list() throws Exception {
        List<String> groups = new ArrayList<>();
        for (GroupListing listing : get(admin.listGroups(ListGroupsOptions.forConsumerGroups()).all(), "list groups")) {
            groups.add(listing.groupId());
        }
        groups.sort(null);
        return groups;
    }

    @Override
    public Group describe(String groupId) throws Exception {
        ConsumerGroupDescription description;
        try {
            description = get(admin.describeConsumerGroups(List.of(groupId)).all(), "describe group " + groupId)
                    .get(groupId);
        } catch (GroupIdNotFoundException e) {
            throw new UnknownGroupException(groupId, where());
        }
        Map<TopicPartition, Long> committed = new HashMap<>();
        get(admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata(), "fetch the offsets of " + groupId)
                .forEach((tp, offset) -> {
                    if (offset != null) {
                        committed.put(tp, offset.offset());
                    }
                });
        List<Member> members = new ArrayList<>();
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        committed.keySet().forEach(tp -> partitions.put(tp, OffsetSpec.latest()));
        for (MemberDescription member : description.members()) {
            List<TopicPartition> assigned = new ArrayList<>(member.assignment().topicPartitions());
            assigned.sort(ORDER);
            assigned.forEach(tp -> partitions.put(tp, OffsetSpec.latest()));
            members.add(new Member(member.consumerId(), member.clientId(), member.host(), assigned));
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        if (!partitions.isEmpty()) {
            get(admin.listOffsets(partitions).all(), "list the end offsets").forEach((tp, info) ->
                    ends.put(tp, info.offset()));
        }
        return new Group(groupId, description.groupState().toString(), members, GroupAccess.sorted(committed), ends);
    }

    @Override
    public SortedMap<Integer, Range> ranges(String topic) throws Exception {
        TopicDescription description = get(admin.describeTopics(List.of(topic)).allTopicNames(),
                "describe topic " + topic).get(topic);
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        description.partitions().forEach(p -> {
            earliest.put(new TopicPartition(topic, p.partition()), OffsetSpec.earliest());
            latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
        });
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = get(admin.listOffsets(earliest).all(),
                "list the start offsets of " + topic);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = get(admin.listOffsets(latest).all(),
                "list the end offsets of " + topic);
        SortedMap<Integer, Range> ranges = new TreeMap<>();
        starts.forEach((tp, start) -> ranges.put(tp.partition(), new Range(start.offset(), ends.get(tp).offset())));
        return ranges;
    }

    @Override
    public void commit(String groupId, Map<TopicPartition, Long> offsets) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        offsets.forEach((tp, offset) -> commits.put(tp, new OffsetAndMetadata(offset)));
        get(admin.alterConsumerGroupOffsets(groupId, commits).all(), "commit the offsets of " + groupId);
    }

    @Override
    public void delete(String groupId) throws Exception {
        try {
            get(admin.deleteConsumerGroups(List.of(groupId)).all(), "delete group " + groupId);
        } catch (GroupIdNotFoundException e) {
            throw new UnknownGroupException(groupId, where());
        } catch (GroupNotEmptyException e) {
            throw new IllegalStateException("Group '" + groupId + "' " + where() + " has members: stop its consumers"
                    + " before deleting it");
        }
    }

    /**
     * The future's value. A failure becomes one line naming what was asked and the server; the
     * group errors the callers turn into their own messages are thrown as they are.
     */
    private <T> T get(KafkaFuture<T> future, String what) throws Exception {
        try {
            return future.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw timeout(what);
            }
            if (cause instanceof GroupIdNotFoundException || cause instanceof GroupNotEmptyException) {
                throw (Exception) cause;
            }
            throw new IllegalStateException("Could not " + what + " " + where() + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw timeout(what);
        }
    }

    private IllegalStateException timeout(String what) {
        return new IllegalStateException("Could not " + what + " " + where() + " within " + timeoutMs
                + " ms: is a server listening there? (--timeout-ms waits longer)");
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofMillis(Math.min(timeoutMs, 5_000)));
    }
}

package dev.spool.kafka.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * A consumer as the Java client's classic ConsumerCoordinator talks to a group: its subscription
 * encoded with kafka-clients' {@link ConsumerProtocol}, the "range" protocol, and as leader the
 * client's own {@link RangeAssignor}. Requests go at the newest versions the server advertises
 * (JoinGroup 9, SyncGroup 5, Heartbeat 4, LeaveGroup 5, OffsetCommit 9) unless a test says otherwise.
 */
final class TestConsumer {
    static final String PROTOCOL = RangeAssignor.RANGE_ASSIGNOR_NAME;
    /** For tests that commit to topics the coordinator need not check: every partition exists. */
    static final KnownPartitions ALL_PARTITIONS = (topic, partition) -> true;

    final ClassicGroupCoordinator coordinator;
    final String groupId;
    final String clientId;
    final List<String> topics;
    String groupInstanceId;
    String memberId = "";
    int generation = -1;
    int sessionTimeoutMs = 10_000;
    int rebalanceTimeoutMs = 30_000;
    short joinVersion = 9;

    TestConsumer(ClassicGroupCoordinator coordinator, String groupId, String clientId, List<String> topics) {
        this.coordinator = coordinator;
        this.groupId = groupId;
        this.clientId = clientId;
        this.topics = List.copyOf(topics);
    }

    JoinGroupRequestData joinRequest() {
        ByteBuffer subscription = ConsumerProtocol.serializeSubscription(
                new ConsumerPartitionAssignor.Subscription(topics));
        byte[] metadata = new byte[subscription.remaining()];
        subscription.get(metadata);
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName(PROTOCOL).setMetadata(metadata));
        return new JoinGroupRequestData().setGroupId(groupId).setSessionTimeoutMs(sessionTimeoutMs)
                .setRebalanceTimeoutMs(rebalanceTimeoutMs).setMemberId(memberId).setGroupInstanceId(groupInstanceId)
                .setProtocolType(ConsumerProtocol.PROTOCOL_TYPE).setProtocols(protocols);
    }

    /** Sends a JoinGroup with the current member id; a successful answer updates id and generation. */
    CompletableFuture<JoinGroupResponseData> sendJoin() {
        return coordinator.joinGroup(joinRequest(), joinVersion, clientId, "/127.0.0.1").thenApply(response -> {
            if (response.errorCode() == Errors.MEMBER_ID_REQUIRED.code()) {
                memberId = response.memberId();
            } else if (response.errorCode() == Errors.NONE.code()) {
                memberId = response.memberId();
                generation = response.generationId();
            } else if (response.errorCode() == Errors.UNKNOWN_MEMBER_ID.code()) {
                memberId = "";
                generation = -1;
            }
            return response;
        });
    }

    /** Joins as the Java client does: once more with the id a MEMBER_ID_REQUIRED handed out. */
    CompletableFuture<JoinGroupResponseData> join() {
        CompletableFuture<JoinGroupResponseData> first = sendJoin();
        JoinGroupResponseData response = first.getNow(null);
        if (response != null && response.errorCode() == Errors.MEMBER_ID_REQUIRED.code()) {
            return sendJoin();
        }
        return first;
    }

    /** A follower's SyncGroup. */
    CompletableFuture<SyncGroupResponseData> sync() {
        return sync(List.of());
    }

    /** The leader's SyncGroup: assigns {@code partitionsPerTopic} over the members with the client's RangeAssignor. */
    CompletableFuture<SyncGroupResponseData> syncAsLeader(JoinGroupResponseData leaderJoin,
                                                          Map<String, Integer> partitionsPerTopic) {
        Map<String, ConsumerPartitionAssignor.Subscription> subscriptions = new HashMap<>();
        for (JoinGroupResponseData.JoinGroupResponseMember member : leaderJoin.members()) {
            subscriptions.put(member.memberId(), ConsumerProtocol.deserializeSubscription(
                    ByteBuffer.wrap(member.metadata())));
        }
        Map<String, List<TopicPartition>> assignment = new RangeAssignor().assign(partitionsPerTopic, subscriptions);
        List<SyncGroupRequestData.SyncGroupRequestAssignment> assignments = new ArrayList<>();
        assignment.forEach((member, partitions) -> assignments.add(new SyncGroupRequestData.SyncGroupRequestAssignment()
                .setMemberId(member).setAssignment(encodeAssignment(partitions))));
        return sync(assignments);
    }

    private CompletableFuture<SyncGroupResponseData> sync(List<SyncGroupRequestData.SyncGroupRequestAssignment> a) {
        return coordinator.syncGroup(new SyncGroupRequestData().setGroupId(groupId).setGenerationId(generation)
                .setMemberId(memberId).setGroupInstanceId(groupInstanceId)
                .setProtocolType(ConsumerProtocol.PROTOCOL_TYPE).setProtocolName(PROTOCOL).setAssignments(a),
                (short) 5);
    }

    Errors heartbeat() {
        return Errors.forCode(coordinator.heartbeat(new HeartbeatRequestData().setGroupId(groupId)
                .setGenerationId(generation).setMemberId(memberId).setGroupInstanceId(groupInstanceId), (short) 4)
                .join().errorCode());
    }

    LeaveGroupResponseData leave() {
        LeaveGroupResponseData response = coordinator.leaveGroup(new LeaveGroupRequestData().setGroupId(groupId)
                .setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(memberId)
                        .setGroupInstanceId(groupInstanceId))), (short) 5).join();
        memberId = "";
        generation = -1;
        return response;
    }

    /** Commits {@code offset} for each partition, as this member of its generation (topics and partitions in order). */
    OffsetCommitResponseData commit(Map<TopicPartition, Long> offsets) {
        return coordinator.commitOffsets(commitRequest(groupId, generation, memberId, offsets), (short) 9,
                TestConsumer.ALL_PARTITIONS).join();
    }

    static OffsetCommitRequestData commitRequest(String groupId, int generation, String memberId,
                                                 Map<TopicPartition, Long> offsets) {
        Map<String, OffsetCommitRequestData.OffsetCommitRequestTopic> byTopic = new java.util.TreeMap<>();
        Map<TopicPartition, Long> sorted = new java.util.TreeMap<>(java.util.Comparator
                .comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        sorted.putAll(offsets);
        sorted.forEach((tp, offset) -> byTopic.computeIfAbsent(tp.topic(),
                t -> new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(t)).partitions()
                .add(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(tp.partition())
                        .setCommittedOffset(offset).setCommittedLeaderEpoch(7).setCommittedMetadata("m" + offset)));
        return new OffsetCommitRequestData().setGroupId(groupId).setGenerationIdOrMemberEpoch(generation)
                .setMemberId(memberId).setTopics(new ArrayList<>(byTopic.values()));
    }

    static byte[] encodeAssignment(List<TopicPartition> partitions) {
        ByteBuffer encoded = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(partitions));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return bytes;
    }

    static List<TopicPartition> decodeAssignment(byte[] assignment) {
        if (assignment.length == 0) {
            return List.of();
        }
        return ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(assignment)).partitions();
    }
}

package dev.spool.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ListGroups, DescribeGroups, DeleteGroups and OffsetDelete against the coordinator, with time driven
 * by hand; every answer is also encoded at every version of its API and read back.
 */
class GroupAdministrationTest {
    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
    private static final TopicPartition ORDERS_1 = new TopicPartition("orders", 1);
    private static final TopicPartition AUDIT_0 = new TopicPartition("audit", 0);
    /** The server's topics: orders with 2 partitions, audit with 1. */
    private static final KnownPartitions TOPICS = (topic, partition) ->
            topic.equals("orders") && partition >= 0 && partition < 2 || topic.equals("audit") && partition == 0;

    @TempDir
    Path dir;
    private ManualScheduler scheduler;
    private ClassicGroupCoordinator coordinator;

    private ClassicGroupCoordinator open() throws IOException {
        scheduler = new ManualScheduler();
        coordinator = ClassicGroupCoordinator.open(dir.resolve("offsets"),
                GroupCoordinatorConfig.defaults().withClock(scheduler.clock()), scheduler);
        coordinator.checkInvariantsAfterEachStep();
        return coordinator;
    }

    private void reopen() throws IOException {
        coordinator.close();
        open();
    }

    @AfterEach
    void close() {
        if (coordinator != null) {
            coordinator.close();
        }
    }

    /** A member of "billing" that joined and synced, consuming orders (both partitions). */
    private TestConsumer billingMember() {
        TestConsumer consumer = new TestConsumer(coordinator, "billing", "billing-client", List.of("orders"));
        JoinGroupResponseData joined = consumer.join().join();
        assertThat(Errors.forCode(consumer.syncAsLeader(joined, Map.of("orders", 2)).join().errorCode()))
                .isEqualTo(Errors.NONE);
        return consumer;
    }

    private Map<TopicPartition, Errors> commit(String group, int generation, String memberId,
                                               Map<TopicPartition, Long> offsets) {
        OffsetCommitResponseData response = coordinator.commitOffsets(
                TestConsumer.commitRequest(group, generation, memberId, offsets), (short) 9, TOPICS).join();
        Map<TopicPartition, Errors> out = new LinkedHashMap<>();
        response.topics().forEach(t -> t.partitions().forEach(p ->
                out.put(new TopicPartition(t.name(), p.partitionIndex()), Errors.forCode(p.errorCode()))));
        return out;
    }

    private Map<TopicPartition, Long> committed(String group) {
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        coordinator.offsetStore().groupOffsets(group).forEach((topic, partitions) -> partitions.forEach(
                (partition, offset) -> out.put(new TopicPartition(topic, partition), offset.offset())));
        return out;
    }

    private List<ListedGroup> list(short version, List<String> states, List<String> types) {
        ListGroupsRequestData request = new ListGroupsRequestData();
        if (version >= 4) {
            request.setStatesFilter(states);
        }
        if (version >= 5) {
            request.setTypesFilter(types);
        }
        ListGroupsResponseData response = roundTrip(ApiKeys.LIST_GROUPS,
                coordinator.listGroups(request, version).join(), version);
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
        return response.groups();
    }

    private DescribedGroup describe(String group, short version) {
        DescribeGroupsResponseData response = roundTrip(ApiKeys.DESCRIBE_GROUPS, coordinator.describeGroups(
                new DescribeGroupsRequestData().setGroups(List.of(group)), version).join(), version);
        assertThat(response.groups()).hasSize(1);
        return response.groups().get(0);
    }

    private Map<String, Errors> deleteGroups(short version, String... groups) {
        DeleteGroupsResponseData response = roundTrip(ApiKeys.DELETE_GROUPS, coordinator.deleteGroups(
                new DeleteGroupsRequestData().setGroupsNames(List.of(groups)), version).join(), version);
        Map<String, Errors> out = new LinkedHashMap<>();
        response.results().forEach(r -> out.put(r.groupId(), Errors.forCode(r.errorCode())));
        return out;
    }

    /** The top-level error and each partition's, of an OffsetDelete. */
    private Map<TopicPartition, Errors> deleteOffsets(String group, List<TopicPartition> partitions,
                                                      Errors expectedTopLevel) {
        OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection topics =
                new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection();
        for (TopicPartition tp : partitions) {
            OffsetDeleteRequestData.OffsetDeleteRequestTopic topic = topics.find(tp.topic());
            if (topic == null) {
                topic = new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName(tp.topic());
                topics.add(topic);
            }
            topic.partitions().add(new OffsetDeleteRequestData.OffsetDeleteRequestPartition()
                    .setPartitionIndex(tp.partition()));
        }
        OffsetDeleteResponseData response = roundTrip(ApiKeys.OFFSET_DELETE, coordinator.deleteOffsets(
                new OffsetDeleteRequestData().setGroupId(group).setTopics(topics), (short) 0, TOPICS).join(),
                (short) 0);
        if (expectedTopLevel != null) { // null: either answer will do (a race decides)
            assertThat(Errors.forCode(response.errorCode())).isEqualTo(expectedTopLevel);
        }
        Map<TopicPartition, Errors> out = new LinkedHashMap<>();
        response.topics().forEach(t -> t.partitions().forEach(p ->
                out.put(new TopicPartition(t.name(), p.partitionIndex()), Errors.forCode(p.errorCode()))));
        return out;
    }

    /** Encodes {@code message} at {@code version} and decodes it again, as the client will. */
    @SuppressWarnings("unchecked")
    private static <T extends ApiMessage> T roundTrip(ApiKeys api, T message, short version) {
        ByteBuffer bytes = MessageUtil.toByteBufferAccessor(message, version).buffer();
        return (T) org.apache.kafka.common.requests.AbstractResponse.parseResponse(api,
                new ByteBufferAccessor(bytes), version).data();
    }

    @Test
    void listsGroupsWithMembersAndGroupsWithOnlyOffsetsWithTheirStatesAndTheFilters() throws IOException {
        open();
        billingMember();
        assertThat(commit("audit-tool", -1, "", Map.of(AUDIT_0, 3L))).containsOnly(Map.entry(AUDIT_0, Errors.NONE));

        List<ListedGroup> v5 = list((short) 5, List.of(), List.of());
        assertThat(v5).extracting(ListedGroup::groupId, ListedGroup::protocolType, ListedGroup::groupState,
                ListedGroup::groupType).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("audit-tool", "", "Empty", "classic"),
                        org.assertj.core.groups.Tuple.tuple("billing", ConsumerProtocol.PROTOCOL_TYPE, "Stable",
                                "classic"));
        assertThat(list((short) 4, List.of(" STABLE "), List.of())).extracting(ListedGroup::groupId)
                .containsExactly("billing");
        assertThat(list((short) 4, List.of("Empty"), List.of())).extracting(ListedGroup::groupId)
                .containsExactly("audit-tool");
        assertThat(list((short) 5, List.of(), List.of("Classic", "consumer"))).hasSize(2);
        assertThat(list((short) 5, List.of(), List.of("consumer"))).isEmpty(); // no KIP-848 groups here
        assertThat(list((short) 5, List.of(), List.of("share"))).isEmpty();
        for (short version = 0; version <= 3; version++) { // no state on the wire before version 4
            assertThat(list(version, List.of(), List.of())).extracting(ListedGroup::groupId, ListedGroup::groupState)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("audit-tool", ""),
                            org.assertj.core.groups.Tuple.tuple("billing", ""));
        }
    }

    @Test
    void describesMembersWithTheMetadataAndAssignmentBytesTheyGave() throws IOException {
        open();
        TestConsumer member = billingMember();
        byte[] metadata = member.joinRequest().protocols().find(TestConsumer.PROTOCOL).metadata();
        byte[] assignment = TestConsumer.encodeAssignment(List.of(ORDERS_0, ORDERS_1));

        for (short version = 0; version <= 6; version++) {
            DescribedGroup group = describe("billing", version);
            assertThat(Errors.forCode(group.errorCode())).isEqualTo(Errors.NONE);
            assertThat(group.groupState()).isEqualTo("Stable");
            assertThat(group.protocolType()).isEqualTo(ConsumerProtocol.PROTOCOL_TYPE);
            assertThat(group.protocolData()).isEqualTo(TestConsumer.PROTOCOL);
            assertThat(group.members()).hasSize(1);
            DescribedGroupMember described = group.members().get(0);
            assertThat(described.memberId()).isEqualTo(member.memberId);
            assertThat(described.clientId()).isEqualTo("billing-client");
            assertThat(described.clientHost()).isEqualTo("/127.0.0.1");
            assertThat(described.memberMetadata()).isEqualTo(metadata);
            assertThat(described.memberAssignment()).isEqualTo(assignment);
        }

        TestConsumer second = new TestConsumer(coordinator, "billing", "late", List.of("orders"));
        second.join(); // waits for the rebalance: the group prepares one
        DescribedGroup rebalancing = describe("billing", (short) 5);
        assertThat(rebalancing.groupState()).isEqualTo("PreparingRebalance");
        assertThat(rebalancing.protocolData()).isEmpty(); // Kafka gives protocol and metadata only when stable
        assertThat(rebalancing.members()).extracting(DescribedGroupMember::memberMetadata)
                .allSatisfy(bytes -> assertThat(bytes).isEmpty());
        assertThat(rebalancing.members()).extracting(DescribedGroupMember::memberAssignment)
                .contains(assignment); // the first member's last assignment
    }

    @Test
    void describesAGroupWithOnlyOffsetsAsEmptyAndAMissingOneByVersion() throws IOException {
        open();
        commit("audit-tool", -1, "", Map.of(AUDIT_0, 3L));
        DescribedGroup simple = describe("audit-tool", (short) 6);
        assertThat(simple.groupState()).isEqualTo("Empty");
        assertThat(simple.protocolType()).isEmpty();
        assertThat(simple.members()).isEmpty();

        for (short version = 0; version <= 5; version++) {
            DescribedGroup missing = describe("nobody", version);
            assertThat(Errors.forCode(missing.errorCode())).isEqualTo(Errors.NONE);
            assertThat(missing.groupState()).isEqualTo("Dead");
        }
        DescribedGroup missing = describe("nobody", (short) 6);
        assertThat(Errors.forCode(missing.errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(missing.errorMessage()).isEqualTo("Group nobody not found.");
        assertThat(Errors.forCode(describe("", (short) 6).errorCode())).isEqualTo(Errors.INVALID_GROUP_ID);
        assertThat(Errors.forCode(describe("", (short) 0).errorCode())).isEqualTo(Errors.INVALID_GROUP_ID);
    }

    @Test
    void deletesOnlyEmptyGroupsAndTheirOffsetsStayDeletedAcrossARestart() throws IOException {
        open();
        TestConsumer member = billingMember();
        assertThat(commit("billing", member.generation, member.memberId, Map.of(ORDERS_0, 10L, ORDERS_1, 20L)))
                .containsOnly(Map.entry(ORDERS_0, Errors.NONE), Map.entry(ORDERS_1, Errors.NONE));
        commit("audit-tool", -1, "", Map.of(AUDIT_0, 3L));
        commit("keep", -1, "", Map.of(AUDIT_0, 4L));

        for (short version = 0; version <= 3; version++) {
            assertThat(deleteGroups(version, "billing", "nobody")).containsExactly(
                    Map.entry("billing", Errors.NON_EMPTY_GROUP), Map.entry("nobody", Errors.GROUP_ID_NOT_FOUND));
        }
        assertThat(committed("billing")).containsOnlyKeys(ORDERS_0, ORDERS_1);

        member.leave();
        assertThat(describe("billing", (short) 5).groupState()).isEqualTo("Empty");
        assertThat(deleteGroups((short) 3, "billing", "audit-tool", "billing")).containsExactly(
                Map.entry("billing", Errors.NONE), Map.entry("audit-tool", Errors.NONE));
        assertThat(committed("billing")).isEmpty();
        assertThat(deleteGroups((short) 3, "billing")).containsExactly(Map.entry("billing", Errors.GROUP_ID_NOT_FOUND));
        assertThat(list((short) 5, List.of(), List.of())).extracting(ListedGroup::groupId).containsExactly("keep");

        reopen();
        assertThat(committed("billing")).isEmpty();
        assertThat(committed("audit-tool")).isEmpty();
        assertThat(committed("keep")).containsExactly(Map.entry(AUDIT_0, 4L));
        assertThat(list((short) 5, List.of(), List.of())).extracting(ListedGroup::groupId).containsExactly("keep");
        assertThat(describe("billing", (short) 6).errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }

    @Test
    void offsetDeleteRefusesTopicsAMemberConsumesAndDeletesTheOthersDurably() throws IOException {
        open();
        TestConsumer member = billingMember();
        commit("billing", member.generation, member.memberId, Map.of(ORDERS_0, 10L, ORDERS_1, 20L, AUDIT_0, 5L));

        assertThat(deleteOffsets("billing", List.of(ORDERS_0, AUDIT_0, new TopicPartition("audit", 9),
                new TopicPartition("ghost", 0)), Errors.NONE)).containsExactly(
                        Map.entry(ORDERS_0, Errors.GROUP_SUBSCRIBED_TO_TOPIC), Map.entry(AUDIT_0, Errors.NONE),
                        Map.entry(new TopicPartition("audit", 9), Errors.UNKNOWN_TOPIC_OR_PARTITION),
                        Map.entry(new TopicPartition("ghost", 0), Errors.UNKNOWN_TOPIC_OR_PARTITION));
        assertThat(committed("billing")).containsOnlyKeys(ORDERS_0, ORDERS_1);

        member.leave(); // nobody consumes orders any more
        assertThat(deleteOffsets("billing", List.of(ORDERS_0), Errors.NONE))
                .containsExactly(Map.entry(ORDERS_0, Errors.NONE));
        assertThat(deleteOffsets("billing", List.of(ORDERS_0), Errors.NONE)) // nothing left: still NONE
                .containsExactly(Map.entry(ORDERS_0, Errors.NONE));
        assertThat(deleteOffsets("nobody", List.of(ORDERS_0), Errors.GROUP_ID_NOT_FOUND)).isEmpty();
        assertThat(deleteOffsets("", List.of(ORDERS_0), Errors.INVALID_GROUP_ID)).isEmpty();

        reopen();
        assertThat(committed("billing")).containsExactly(Map.entry(ORDERS_1, 20L));
    }

    @Test
    void offsetDeleteTreatsMetadataThatIsNoSubscriptionAsSubscribedToEverything() throws IOException {
        open();
        TestConsumer member = billingMember();
        commit("billing", member.generation, member.memberId, Map.of(AUDIT_0, 5L));
        coordinator.findGroup("billing").orElseThrow().allMembers().forEach(m ->
                m.protocols = List.of(new GroupMember.Protocol(TestConsumer.PROTOCOL, new byte[] {0, 0, 0})));
        assertThat(deleteOffsets("billing", List.of(AUDIT_0), Errors.NONE))
                .containsExactly(Map.entry(AUDIT_0, Errors.GROUP_SUBSCRIBED_TO_TOPIC));
        assertThat(committed("billing")).containsOnlyKeys(AUDIT_0);
    }

    @Test
    void aCommitIsRefusedForPartitionsTheServerDoesNotHaveAndWrittenForTheOthers() throws IOException {
        open();
        TopicPartition missingPartition = new TopicPartition("orders", 2);
        TopicPartition missingTopic = new TopicPartition("ghost", 0);
        assertThat(commit("tool", -1, "", Map.of(ORDERS_0, 1L, missingPartition, 2L, missingTopic, 3L)))
                .containsOnly(Map.entry(ORDERS_0, Errors.NONE),
                        Map.entry(missingPartition, Errors.UNKNOWN_TOPIC_OR_PARTITION),
                        Map.entry(missingTopic, Errors.UNKNOWN_TOPIC_OR_PARTITION));
        assertThat(committed("tool")).containsExactly(Map.entry(ORDERS_0, 1L));

        TestConsumer member = billingMember();
        assertThat(commit("billing", member.generation + 1, member.memberId, Map.of(ORDERS_0, 1L, missingTopic, 2L)))
                .containsOnly(Map.entry(ORDERS_0, Errors.ILLEGAL_GENERATION),
                        Map.entry(missingTopic, Errors.UNKNOWN_TOPIC_OR_PARTITION));
    }

    @Test
    void offsetsAreCommittedToAGroupWhoseMembersLeftAsResetOffsetsDoes() throws IOException {
        open();
        TestConsumer member = billingMember();
        commit("billing", member.generation, member.memberId, Map.of(ORDERS_0, 10L));
        assertThat(commit("billing", -1, "", Map.of(ORDERS_0, 0L))) // refused while the member is there
                .containsOnly(Map.entry(ORDERS_0, Errors.UNKNOWN_MEMBER_ID));
        member.leave();
        assertThat(commit("billing", -1, "", Map.of(ORDERS_0, 0L, ORDERS_1, 0L)))
                .containsOnly(Map.entry(ORDERS_0, Errors.NONE), Map.entry(ORDERS_1, Errors.NONE));
        assertThat(committed("billing")).containsExactly(Map.entry(ORDERS_0, 0L), Map.entry(ORDERS_1, 0L));
    }

    /**
     * Commits and deletions of the same keys race from several threads (each op waits for its
     * answer, so they interleave in the log in any order); whatever the outcome, the offsets in
     * memory must be exactly what a replay of the log gives: a tombstone is never undone in memory
     * by an older commit completing late, nor the other way round.
     */
    @Test
    void racingCommitsAndDeletionsLeaveMemoryAgreeingWithTheLog() throws Exception {
        open();
        long seed = 20261205L;
        int threads = 4;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                java.util.Random random = new java.util.Random(seed + t);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 150; i++) {
                        String group = "g" + random.nextInt(3);
                        TopicPartition tp = random.nextBoolean() ? ORDERS_0 : ORDERS_1;
                        switch (random.nextInt(4)) {
                            case 0 -> deleteGroups((short) 3, group);
                            case 1 -> deleteOffsets(group, List.of(tp), null);
                            default -> assertThat(commit(group, -1, "", Map.of(tp, (long) i)))
                                    .containsOnly(Map.entry(tp, Errors.NONE));
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        Map<String, Map<TopicPartition, Long>> inMemory = new java.util.TreeMap<>();
        for (String group : List.of("g0", "g1", "g2")) {
            inMemory.put(group, committed(group));
        }
        long live = coordinator.offsetStore().liveCount();
        reopen();
        Map<String, Map<TopicPartition, Long>> replayed = new java.util.TreeMap<>();
        for (String group : List.of("g0", "g1", "g2")) {
            replayed.put(group, committed(group));
        }
        assertThat(inMemory).as("seed %d", seed).isEqualTo(replayed);
        assertThat(live).as("seed %d", seed).isEqualTo(coordinator.offsetStore().liveCount());
    }

    @Test
    void compactionAfterDeletionsKeepsOnlyTheLiveOffsets() throws IOException {
        open();
        for (int i = 0; i < 50; i++) {
            commit("g" + i, -1, "", Map.of(ORDERS_0, (long) i, AUDIT_0, (long) i));
        }
        for (int i = 0; i < 45; i++) {
            assertThat(deleteGroups((short) 2, "g" + i)).containsExactly(Map.entry("g" + i, Errors.NONE));
        }
        OffsetStore store = coordinator.offsetStore();
        assertThat(store.liveCount()).isEqualTo(10);
        store.compact();
        assertThat(store.logRecordCount()).isEqualTo(10);
        assertThat(store.groupsWithOffsets()).containsExactly("g45", "g46", "g47", "g48", "g49");
        reopen();
        assertThat(coordinator.offsetStore().groupsWithOffsets()).containsExactlyElementsOf(
                Set.of("g45", "g46", "g47", "g48", "g49").stream().sorted().toList());
        assertThat(committed("g3")).isEmpty();
        assertThat(committed("g47")).containsExactly(Map.entry(AUDIT_0, 47L), Map.entry(ORDERS_0, 47L));
    }
}

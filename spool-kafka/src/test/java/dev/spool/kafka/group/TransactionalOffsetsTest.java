package dev.spool.kafka.group;

import static dev.spool.kafka.group.TxnOffsets.Fetched;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TxnOffsetCommit and the end of a transaction: pending offsets invisible until the commit marker,
 * dropped by an abort, UNSTABLE_OFFSET_COMMIT for a fetch that requires stable offsets, the checks
 * of each partition and of the group, durability before the answer, and what deleting a group or
 * its offsets does to pending ones.
 */
class TransactionalOffsetsTest {
    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
    private static final TopicPartition ORDERS_1 = new TopicPartition("orders", 1);
    private static final TopicPartition AUDIT_0 = new TopicPartition("audit", 0);
    private static final long PRODUCER = 4_000L;
    private static final long OTHER_PRODUCER = 4_001L;

    @TempDir
    Path dir;
    private final ManualScheduler scheduler = new ManualScheduler();
    private final FaultyFileIO io = new FaultyFileIO();
    private ClassicGroupCoordinator coordinator;

    private void open() throws IOException {
        coordinator = ClassicGroupCoordinator.open(dir.resolve("offsets"), GroupCoordinatorConfig.defaults()
                .withClock(scheduler.clock()).withIo(io), scheduler);
        coordinator.checkInvariantsAfterEachStep();
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

    private Map<TopicPartition, Errors> txnCommit(String group, long producerId, Map<TopicPartition, Long> offsets) {
        return TxnOffsets.errors(coordinator.txnOffsetCommit(TxnOffsets.request(group, producerId, offsets),
                (short) 5, TestConsumer.ALL_PARTITIONS).join());
    }

    private Map<TopicPartition, Errors> txnCommit(TxnOffsetCommitRequestData request, short version) {
        return TxnOffsets.errors(coordinator.txnOffsetCommit(request, version, TestConsumer.ALL_PARTITIONS).join());
    }

    private void simpleCommit(String group, Map<TopicPartition, Long> offsets) {
        assertThat(coordinator.commitOffsets(TestConsumer.commitRequest(group, -1, "", offsets), (short) 9,
                TestConsumer.ALL_PARTITIONS).join().topics()).allSatisfy(t -> assertThat(t.partitions())
                .allSatisfy(p -> assertThat(p.errorCode()).isEqualTo(Errors.NONE.code())));
    }

    private Map<TopicPartition, Fetched> fetch(String group, List<TopicPartition> partitions) {
        return TxnOffsets.fetch(coordinator, group, partitions, false);
    }

    private Map<TopicPartition, Fetched> fetchStable(String group, List<TopicPartition> partitions) {
        return TxnOffsets.fetch(coordinator, group, partitions, true);
    }

    private void complete(long producerId, boolean commit) {
        coordinator.completeTransaction(producerId, (short) 1, commit).join();
    }

    @Test
    void pendingOffsetsAreInvisibleUntilTheCommitMarkerThenReplaceTheCommittedOnes() throws IOException {
        open();
        simpleCommit("g", Map.of(ORDERS_0, 5L));
        assertThat(txnCommit("g", PRODUCER, Map.of(ORDERS_0, 10L, ORDERS_1, 20L)))
                .containsOnly(Map.entry(ORDERS_0, Errors.NONE), Map.entry(ORDERS_1, Errors.NONE));

        assertThat(fetch("g", List.of(ORDERS_0, ORDERS_1)))
                .containsExactly(Map.entry(ORDERS_0, Fetched.of(5L)), Map.entry(ORDERS_1, Fetched.of(-1L)));
        assertThat(fetch("g", null)).containsExactly(Map.entry(ORDERS_0, Fetched.of(5L)));
        assertThat(fetchStable("g", List.of(ORDERS_0, ORDERS_1, AUDIT_0))).containsExactly(
                Map.entry(ORDERS_0, Fetched.UNSTABLE), Map.entry(ORDERS_1, Fetched.UNSTABLE),
                Map.entry(AUDIT_0, Fetched.of(-1L)));
        assertThat(fetchStable("g", null)).as("fetch-all lists committed partitions, as Kafka does")
                .containsExactly(Map.entry(ORDERS_0, Fetched.UNSTABLE));

        scheduler.advance(1_000);
        complete(PRODUCER, true);
        assertThat(fetchStable("g", List.of(ORDERS_0, ORDERS_1)))
                .containsExactly(Map.entry(ORDERS_0, Fetched.of(10L)), Map.entry(ORDERS_1, Fetched.of(20L)));
        CommittedOffset committed = coordinator.offsetStore().find("g", "orders", 1).orElseThrow();
        assertThat(committed).isEqualTo(new CommittedOffset(20L, 3, "t20", scheduler.nowMs() - 1_000));
        assertThat(coordinator.offsetStore().pendingCount()).isZero();
    }

    @Test
    void anAbortDropsThePendingOffsetsAndKeepsTheCommittedOnes() throws IOException {
        open();
        simpleCommit("g", Map.of(ORDERS_0, 5L));
        txnCommit("g", PRODUCER, Map.of(ORDERS_0, 10L, ORDERS_1, 20L));
        complete(PRODUCER, false);
        assertThat(fetchStable("g", List.of(ORDERS_0, ORDERS_1)))
                .containsExactly(Map.entry(ORDERS_0, Fetched.of(5L)), Map.entry(ORDERS_1, Fetched.of(-1L)));
        assertThat(coordinator.offsetStore().pendingCount()).isZero();
    }

    @Test
    void theOutcomeAppliesToEveryGroupOfItsProducerAndToNoOtherProducer() throws IOException {
        open();
        txnCommit("a", PRODUCER, Map.of(ORDERS_0, 1L));
        txnCommit("b", PRODUCER, Map.of(AUDIT_0, 2L));
        txnCommit("a", OTHER_PRODUCER, Map.of(ORDERS_1, 3L));
        txnCommit("a", PRODUCER, Map.of(ORDERS_0, 4L)); // the later commit of a partition in one transaction wins

        complete(PRODUCER, true);
        assertThat(fetchStable("a", List.of(ORDERS_0, ORDERS_1)))
                .containsExactly(Map.entry(ORDERS_0, Fetched.of(4L)), Map.entry(ORDERS_1, Fetched.UNSTABLE));
        assertThat(fetch("b", null)).containsExactly(Map.entry(AUDIT_0, Fetched.of(2L)));

        complete(OTHER_PRODUCER, false);
        assertThat(fetchStable("a", List.of(ORDERS_1))).containsExactly(Map.entry(ORDERS_1, Fetched.of(-1L)));
    }

    @Test
    void aRepeatedOutcomeChangesNothingAndLaterPlainCommitsWin() throws IOException {
        open();
        txnCommit("g", PRODUCER, Map.of(ORDERS_0, 10L));
        simpleCommit("g", Map.of(ORDERS_0, 7L)); // before the marker: the transaction's commit replaces it
        complete(PRODUCER, true);
        assertThat(fetch("g", null)).containsExactly(Map.entry(ORDERS_0, Fetched.of(10L)));

        simpleCommit("g", Map.of(ORDERS_0, 30L));
        complete(PRODUCER, true); // a retry after a crash: nothing is pending any more
        complete(PRODUCER, false);
        complete(99L, true); // a producer never seen
        assertThat(fetch("g", null)).containsExactly(Map.entry(ORDERS_0, Fetched.of(30L)));
        reopen();
        assertThat(fetch("g", null)).containsExactly(Map.entry(ORDERS_0, Fetched.of(30L)));
    }

    @Test
    void requireStableIsAnsweredPerPartitionInTheSingleGroupShapeOfVersion7() throws IOException {
        open();
        simpleCommit("g", Map.of(ORDERS_0, 5L, ORDERS_1, 6L));
        txnCommit("g", PRODUCER, Map.of(ORDERS_1, 10L));
        OffsetFetchRequestData request = new OffsetFetchRequestData().setGroupId("g").setRequireStable(true)
                .setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopic().setName("orders")
                        .setPartitionIndexes(List.of(0, 1))));
        OffsetFetchResponseData v7 = coordinator.fetchOffsets(request, (short) 7).join();
        assertThat(Errors.forCode(v7.errorCode())).isEqualTo(Errors.NONE);
        List<OffsetFetchResponseData.OffsetFetchResponsePartition> partitions = v7.topics().get(0).partitions();
        assertThat(partitions.get(0).committedOffset()).isEqualTo(5L);
        assertThat(Errors.forCode(partitions.get(0).errorCode())).isEqualTo(Errors.NONE);
        assertThat(partitions.get(1).committedOffset()).isEqualTo(-1L);
        assertThat(Errors.forCode(partitions.get(1).errorCode())).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);

        OffsetFetchResponseData notStable = coordinator.fetchOffsets(request.setRequireStable(false), (short) 7).join();
        assertThat(notStable.topics().get(0).partitions().get(1).committedOffset()).isEqualTo(6L);
    }

    @Test
    void eachPartitionIsCheckedOnItsOwn() throws IOException {
        open();
        TxnOffsetCommitRequestData request = TxnOffsets.request("g", PRODUCER, Map.of(ORDERS_0, 1L, ORDERS_1, 2L));
        request.topics().get(0).partitions().get(1).setCommittedMetadata("x".repeat(4_097));
        request.topics().add(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("../etc")
                .setPartitions(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                        .setPartitionIndex(0).setCommittedOffset(3))));
        request.topics().add(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("audit")
                .setPartitions(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                        .setPartitionIndex(-1).setCommittedOffset(3), new TxnOffsetCommitRequestData
                        .TxnOffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(4)
                        .setCommittedMetadata(null))));
        request.topics().add(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("missing")
                .setPartitions(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                        .setPartitionIndex(0).setCommittedOffset(5))));
        KnownPartitions known = (topic, partition) -> !topic.equals("missing");
        assertThat(TxnOffsets.errors(coordinator.txnOffsetCommit(request, (short) 5, known).join())).containsExactly(
                Map.entry(ORDERS_0, Errors.NONE),
                Map.entry(ORDERS_1, Errors.OFFSET_METADATA_TOO_LARGE),
                Map.entry(new TopicPartition("../etc", 0), Errors.UNKNOWN_TOPIC_OR_PARTITION),
                Map.entry(new TopicPartition("audit", -1), Errors.UNKNOWN_TOPIC_OR_PARTITION),
                Map.entry(AUDIT_0, Errors.NONE),
                Map.entry(new TopicPartition("missing", 0), Errors.UNKNOWN_TOPIC_OR_PARTITION));
        complete(PRODUCER, true);
        assertThat(fetch("g", null)).containsExactly(Map.entry(AUDIT_0, Fetched.of(4L)),
                Map.entry(ORDERS_0, Fetched.of(1L)));
        assertThat(coordinator.offsetStore().find("g", "audit", 0).orElseThrow().metadata()).isEmpty();
    }

    @Test
    void anEmptyOrMissingGroupIdIsInvalidAndANegativeProducerIdIsRefused() throws IOException {
        open();
        assertThat(txnCommit("", PRODUCER, Map.of(ORDERS_0, 1L)))
                .containsOnly(Map.entry(ORDERS_0, Errors.INVALID_GROUP_ID));
        assertThat(txnCommit(TxnOffsets.request("g", PRODUCER, Map.of(ORDERS_0, 1L)).setGroupId(null), (short) 0))
                .containsOnly(Map.entry(ORDERS_0, Errors.INVALID_GROUP_ID));
        assertThat(txnCommit("g", -1L, Map.of(ORDERS_0, 1L)))
                .containsOnly(Map.entry(ORDERS_0, Errors.INVALID_PRODUCER_ID_MAPPING));
        assertThat(coordinator.offsetStore().pendingCount()).isZero();
        assertThatThrownBy(() -> coordinator.completeTransaction(-1L, (short) 0, true).join())
                .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("Producer id -1");
    }

    /** A member of "g" that joined and synced, consuming orders (both partitions). */
    private TestConsumer member(String groupInstanceId) {
        TestConsumer consumer = new TestConsumer(coordinator, "g", "c", List.of("orders"));
        consumer.groupInstanceId = groupInstanceId;
        JoinGroupResponseData joined = consumer.join().join();
        assertThat(Errors.forCode(consumer.syncAsLeader(joined, Map.of("orders", 2)).join().errorCode()))
                .isEqualTo(Errors.NONE);
        return consumer;
    }

    private static TxnOffsetCommitRequestData asMember(String memberId, int generation, String instanceId) {
        return TxnOffsets.request("g", PRODUCER, Map.of(ORDERS_0, 1L)).setMemberId(memberId)
                .setGenerationIdOrMemberEpoch(generation).setGroupInstanceId(instanceId);
    }

    @Test
    void theGroupIsCheckedAsKafkaChecksATransactionalCommit() throws IOException {
        open();
        assertThat(txnCommit(asMember("ghost", 1, null), (short) 3)).as("a group the coordinator does not have")
                .containsOnly(Map.entry(ORDERS_0, Errors.ILLEGAL_GENERATION));
        TestConsumer consumer = member("instance-1");

        assertThat(txnCommit(asMember(consumer.memberId, consumer.generation, "instance-1"), (short) 3))
                .containsOnly(Map.entry(ORDERS_0, Errors.NONE));
        assertThat(txnCommit(TxnOffsets.request("g", PRODUCER, Map.of(ORDERS_0, 2L)), (short) 2))
                .as("versions 0 to 2 name no member: taken whatever the group").containsOnly(
                        Map.entry(ORDERS_0, Errors.NONE));
        assertThat(txnCommit(asMember(consumer.memberId, consumer.generation + 1, "instance-1"), (short) 5))
                .containsOnly(Map.entry(ORDERS_0, Errors.ILLEGAL_GENERATION));
        assertThat(txnCommit(asMember("someone-else", consumer.generation, null), (short) 5))
                .containsOnly(Map.entry(ORDERS_0, Errors.UNKNOWN_MEMBER_ID));
        assertThat(txnCommit(asMember("someone-else", consumer.generation, "instance-1"), (short) 5))
                .containsOnly(Map.entry(ORDERS_0, Errors.FENCED_INSTANCE_ID));
        assertThat(txnCommit(asMember("", -1, "instance-2"), (short) 5))
                .as("an instance id the group does not know").containsOnly(Map.entry(ORDERS_0, Errors.UNKNOWN_MEMBER_ID));
    }

    @Test
    void aRebalanceInProgressDoesNotRefuseATransactionalCommit() throws IOException {
        open();
        TestConsumer consumer = new TestConsumer(coordinator, "g", "c", List.of("orders"));
        assertThat(Errors.forCode(consumer.join().join().errorCode())).isEqualTo(Errors.NONE);
        assertThat(coordinator.findGroup("g").orElseThrow().isIn(GroupState.COMPLETING_REBALANCE)).isTrue();
        assertThat(txnCommit(asMember(consumer.memberId, consumer.generation, null), (short) 5))
                .containsOnly(Map.entry(ORDERS_0, Errors.NONE));
    }

    @Test
    void everyVersionsResponseEncodes() throws IOException {
        open();
        for (short version = 0; version <= 5; version++) {
            TxnOffsetCommitResponseData response = coordinator.txnOffsetCommit(TxnOffsets.request("g", PRODUCER,
                    Map.of(ORDERS_0, (long) version)), version, TestConsumer.ALL_PARTITIONS).join();
            ByteBuffer bytes = MessageUtil.toByteBufferAccessor(response, version).buffer();
            TxnOffsetCommitResponseData decoded = (TxnOffsetCommitResponseData) org.apache.kafka.common.requests
                    .AbstractResponse.parseResponse(ApiKeys.TXN_OFFSET_COMMIT, new ByteBufferAccessor(bytes), version)
                    .data();
            assertThat(TxnOffsets.errors(decoded)).as("version %d", version)
                    .containsOnly(Map.entry(ORDERS_0, Errors.NONE));
        }
    }

    @Test
    void aFailedFsyncIsReportedAndLeavesNothingPending() throws IOException {
        open();
        io.failForce = true;
        assertThat(txnCommit("g", PRODUCER, Map.of(ORDERS_0, 1L)))
                .containsOnly(Map.entry(ORDERS_0, Errors.COORDINATOR_NOT_AVAILABLE));
        assertThat(coordinator.offsetStore().pendingCount()).isZero();
        assertThatThrownBy(() -> coordinator.completeTransaction(PRODUCER, (short) 1, true).join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(CoordinatorNotAvailableException.class);
    }

    @Test
    void aClosedCoordinatorAnswersNotCoordinator() throws IOException {
        open();
        coordinator.close();
        assertThat(txnCommit("g", PRODUCER, Map.of(ORDERS_0, 1L)))
                .containsOnly(Map.entry(ORDERS_0, Errors.NOT_COORDINATOR));
        assertThatThrownBy(() -> coordinator.completeTransaction(PRODUCER, (short) 1, true).join())
                .hasCauseInstanceOf(NotCoordinatorException.class);
    }

    private Map<String, Errors> deleteGroups(String... groups) {
        DeleteGroupsResponseData response = coordinator.deleteGroups(new DeleteGroupsRequestData()
                .setGroupsNames(List.of(groups)), (short) 2).join();
        Map<String, Errors> out = new java.util.LinkedHashMap<>();
        response.results().forEach(r -> out.put(r.groupId(), Errors.forCode(r.errorCode())));
        return out;
    }

    @Test
    void aGroupWithOnlyPendingOffsetsIsListedAndDeletedWithThemAsInKafka() throws IOException {
        open();
        txnCommit("pending-only", PRODUCER, Map.of(ORDERS_0, 1L));
        assertThat(coordinator.listGroups(new ListGroupsRequestData(), (short) 4).join().groups())
                .extracting(ListGroupsResponseData.ListedGroup::groupId).containsExactly("pending-only");
        assertThat(deleteGroups("pending-only", "never-seen")).containsExactly(
                Map.entry("pending-only", Errors.NONE), Map.entry("never-seen", Errors.GROUP_ID_NOT_FOUND));
        assertThat(coordinator.offsetStore().pendingCount()).isZero();
        complete(PRODUCER, true);
        assertThat(fetch("pending-only", null)).as("the deleted group's offsets are not committed later").isEmpty();
        reopen();
        assertThat(fetch("pending-only", null)).isEmpty();
        assertThat(coordinator.offsetStore().groupsWithOffsets()).isEmpty();
    }

    @Test
    void aGroupWithMembersIsNotDeletedAndKeepsItsPendingOffsets() throws IOException {
        open();
        member(null);
        txnCommit("g", PRODUCER, Map.of(ORDERS_0, 1L));
        assertThat(deleteGroups("g")).containsExactly(Map.entry("g", Errors.NON_EMPTY_GROUP));
        complete(PRODUCER, true);
        assertThat(fetch("g", null)).containsExactly(Map.entry(ORDERS_0, Fetched.of(1L)));
    }

    @Test
    void offsetDeleteDropsAPendingOffsetOfTheDeletedPartitionOnly() throws IOException {
        open();
        simpleCommit("g", Map.of(ORDERS_0, 5L));
        txnCommit("g", PRODUCER, Map.of(ORDERS_0, 10L, AUDIT_0, 20L));
        OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection topics =
                new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection();
        OffsetDeleteRequestData.OffsetDeleteRequestPartition partition =
                new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0);
        topics.add(new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName("audit")
                .setPartitions(List.of(partition)));
        OffsetDeleteResponseData response = coordinator.deleteOffsets(new OffsetDeleteRequestData().setGroupId("g")
                .setTopics(topics), (short) 0, TestConsumer.ALL_PARTITIONS).join();
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
        assertThat(Errors.forCode(response.topics().find("audit").partitions().find(0).errorCode()))
                .isEqualTo(Errors.NONE);
        assertThat(fetchStable("g", List.of(ORDERS_0, AUDIT_0)))
                .containsExactly(Map.entry(ORDERS_0, Fetched.UNSTABLE), Map.entry(AUDIT_0, Fetched.of(-1L)));
        complete(PRODUCER, true);
        assertThat(fetch("g", null)).containsExactly(Map.entry(ORDERS_0, Fetched.of(10L)));
    }
}

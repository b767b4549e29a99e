package dev.spool.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OffsetCommit and OffsetFetch: the membership rules, each request shape, durability across a restart, compaction. */
class CommittedOffsetsTest {
    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
    private static final TopicPartition ORDERS_1 = new TopicPartition("orders", 1);
    private static final TopicPartition AUDIT_0 = new TopicPartition("audit", 0);

    @TempDir
    Path dir;
    private ManualScheduler scheduler = new ManualScheduler();
    private final FaultyFileIO io = new FaultyFileIO();
    private ClassicGroupCoordinator coordinator;

    private ClassicGroupCoordinator open(GroupCoordinatorConfig config) throws IOException {
        scheduler = new ManualScheduler();
        coordinator = ClassicGroupCoordinator.open(dir.resolve("offsets"),
                config.withClock(scheduler.clock()).withIo(io), scheduler);
        coordinator.checkInvariantsAfterEachStep();
        return coordinator;
    }

    private ClassicGroupCoordinator open() throws IOException {
        return open(GroupCoordinatorConfig.defaults());
    }

    private ClassicGroupCoordinator reopen() throws IOException {
        coordinator.close();
        return open();
    }

    @AfterEach
    void close() {
        if (coordinator != null) {
            coordinator.close();
        }
    }

    /** A simple consumer's commit (generation -1, no member): what kcat and assign() consumers send. */
    private Map<TopicPartition, Errors> simpleCommit(String group, Map<TopicPartition, Long> offsets) {
        return errors(coordinator.commitOffsets(TestConsumer.commitRequest(group, -1, "", offsets), (short) 9,
                TestConsumer.ALL_PARTITIONS).join());
    }

    private static Map<TopicPartition, Errors> errors(OffsetCommitResponseData response) {
        Map<TopicPartition, Errors> out = new LinkedHashMap<>();
        response.topics().forEach(t -> t.partitions().forEach(p ->
                out.put(new TopicPartition(t.name(), p.partitionIndex()), Errors.forCode(p.errorCode()))));
        return out;
    }

    /** Fetches at version 9, listed partitions, or every committed one when {@code partitions} is null. */
    private Map<TopicPartition, Long> fetch(String group, List<TopicPartition> partitions) {
        OffsetFetchRequestData.OffsetFetchRequestGroup request = new OffsetFetchRequestData.OffsetFetchRequestGroup()
                .setGroupId(group).setTopics(partitions == null ? null : byTopic(partitions));
        OffsetFetchResponseData response = coordinator.fetchOffsets(new OffsetFetchRequestData()
                .setGroups(List.of(request)), (short) 9).join();
        assertThat(response.groups()).hasSize(1);
        OffsetFetchResponseData.OffsetFetchResponseGroup answer = response.groups().get(0);
        assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.NONE);
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        answer.topics().forEach(t -> t.partitions().forEach(p -> {
            assertThat(Errors.forCode(p.errorCode())).isEqualTo(Errors.NONE);
            out.put(new TopicPartition(t.name(), p.partitionIndex()), p.committedOffset());
        }));
        return out;
    }

    private static List<OffsetFetchRequestData.OffsetFetchRequestTopics> byTopic(List<TopicPartition> partitions) {
        Map<String, OffsetFetchRequestData.OffsetFetchRequestTopics> topics = new LinkedHashMap<>();
        partitions.forEach(tp -> topics.computeIfAbsent(tp.topic(), t -> new OffsetFetchRequestData
                .OffsetFetchRequestTopics().setName(t).setPartitionIndexes(new ArrayList<>())).partitionIndexes()
                .add(tp.partition()));
        return new ArrayList<>(topics.values());
    }

    /** A group with one member that joined and synced, owning every partition. */
    private TestConsumer member() {
        TestConsumer consumer = new TestConsumer(coordinator, "group", "c", List.of("orders"));
        JoinGroupResponseData joined = consumer.join().join();
        assertThat(Errors.forCode(consumer.syncAsLeader(joined, Map.of("orders", 2)).join().errorCode()))
                .isEqualTo(Errors.NONE);
        return consumer;
    }

    @Test
    void committedOffsetsAreFetchedByPartitionOrAllAtOnce() throws IOException {
        open();
        TestConsumer consumer = member();
        assertThat(errors(consumer.commit(Map.of(ORDERS_0, 10L, ORDERS_1, 20L))))
                .containsOnly(Map.entry(ORDERS_0, Errors.NONE), Map.entry(ORDERS_1, Errors.NONE));
        assertThat(errors(consumer.commit(Map.of(ORDERS_0, 11L)))).containsOnly(Map.entry(ORDERS_0, Errors.NONE));

        assertThat(fetch("group", List.of(ORDERS_1, ORDERS_0, AUDIT_0)))
                .containsExactly(Map.entry(ORDERS_1, 20L), Map.entry(ORDERS_0, 11L), Map.entry(AUDIT_0, -1L));
        assertThat(fetch("group", null)).containsExactly(Map.entry(ORDERS_0, 11L), Map.entry(ORDERS_1, 20L));
        assertThat(fetch("another-group", null)).isEmpty();
        assertThat(fetch("another-group", List.of(ORDERS_0))).containsExactly(Map.entry(ORDERS_0, -1L));

        OffsetFetchResponseData v7 = coordinator.fetchOffsets(new OffsetFetchRequestData().setGroupId("group")
                .setTopics(null), (short) 7).join();
        assertThat(Errors.forCode(v7.errorCode())).isEqualTo(Errors.NONE);
        assertThat(v7.topics()).hasSize(1);
        OffsetFetchResponseData.OffsetFetchResponsePartition partition0 = v7.topics().get(0).partitions().get(0);
        assertThat(partition0.committedOffset()).isEqualTo(11L);
        assertThat(partition0.committedLeaderEpoch()).isEqualTo(7);
        assertThat(partition0.metadata()).isEqualTo("m11");

        OffsetFetchResponseData v1 = coordinator.fetchOffsets(new OffsetFetchRequestData().setGroupId("group")
                .setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopic().setName("orders")
                        .setPartitionIndexes(List.of(1)))), (short) 1).join();
        assertThat(v1.topics().get(0).partitions().get(0).committedOffset()).isEqualTo(20L);
    }

    @Test
    void aSimpleConsumerCommitsWithoutAGroup() throws IOException {
        open();
        assertThat(simpleCommit("standalone", Map.of(AUDIT_0, 5L))).containsOnly(Map.entry(AUDIT_0, Errors.NONE));
        assertThat(coordinator.findGroup("standalone")).isEmpty();
        assertThat(fetch("standalone", null)).containsExactly(Map.entry(AUDIT_0, 5L));
    }

    @Test
    void commitsFromOutsideTheCurrentGenerationAreRefusedAndNotStored() throws IOException {
        open();
        TestConsumer consumer = member();
        Map<TopicPartition, Long> offsets = Map.of(ORDERS_0, 99L);
        OffsetCommitResponseData stale = coordinator.commitOffsets(TestConsumer.commitRequest("group",
                consumer.generation - 1, consumer.memberId, offsets), (short) 9, TestConsumer.ALL_PARTITIONS).join();
        assertThat(errors(stale)).containsOnly(Map.entry(ORDERS_0, Errors.ILLEGAL_GENERATION));
        OffsetCommitResponseData stranger = coordinator.commitOffsets(TestConsumer.commitRequest("group",
                consumer.generation, "someone-else", offsets), (short) 9, TestConsumer.ALL_PARTITIONS).join();
        assertThat(errors(stranger)).containsOnly(Map.entry(ORDERS_0, Errors.UNKNOWN_MEMBER_ID));
        assertThat(simpleCommit("group", offsets)).as("simple commit into a group with members")
                .containsOnly(Map.entry(ORDERS_0, Errors.UNKNOWN_MEMBER_ID));
        OffsetCommitResponseData unknownGroup = coordinator.commitOffsets(TestConsumer.commitRequest("gone", 3,
                "m-1", offsets), (short) 9, TestConsumer.ALL_PARTITIONS).join();
        assertThat(errors(unknownGroup)).containsOnly(Map.entry(ORDERS_0, Errors.ILLEGAL_GENERATION));
        OffsetCommitResponseData noGroupId = coordinator.commitOffsets(TestConsumer.commitRequest("", -1, "",
                offsets), (short) 9, TestConsumer.ALL_PARTITIONS).join();
        assertThat(errors(noGroupId)).containsOnly(Map.entry(ORDERS_0, Errors.INVALID_GROUP_ID));
        assertThat(fetch("group", List.of(ORDERS_0))).containsExactly(Map.entry(ORDERS_0, -1L));
        assertThat(fetch("gone", null)).isEmpty();
    }

    @Test
    void commitsDuringARebalanceFollowKafkasRules() throws IOException {
        open();
        TestConsumer a = member();
        TestConsumer b = new TestConsumer(coordinator, "group", "b", List.of("orders"));
        CompletableFuture<JoinGroupResponseData> bJoin = b.join(); // PREPARING_REBALANCE
        assertThat(errors(a.commit(Map.of(ORDERS_0, 1L)))).as("committing what was consumed before revoking")
                .containsOnly(Map.entry(ORDERS_0, Errors.NONE));
        a.join().join(); // COMPLETING_REBALANCE: a generation is formed, no assignment yet
        bJoin.join();
        assertThat(errors(a.commit(Map.of(ORDERS_0, 2L)))).containsOnly(Map.entry(ORDERS_0, Errors.REBALANCE_IN_PROGRESS));
        assertThat(fetch("group", List.of(ORDERS_0))).containsExactly(Map.entry(ORDERS_0, 1L));
    }

    @Test
    void eachPartitionIsCheckedOnItsOwn() throws IOException {
        open();
        OffsetCommitRequestData request = TestConsumer.commitRequest("g", -1, "",
                Map.of(ORDERS_0, 1L, ORDERS_1, 2L));
        request.topics().get(0).partitions().get(1).setCommittedMetadata("x".repeat(4_097));
        request.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("../etc")
                .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                        .setPartitionIndex(0).setCommittedOffset(3))));
        request.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("audit")
                .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                        .setPartitionIndex(-1).setCommittedOffset(3), new OffsetCommitRequestData
                        .OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(4)
                        .setCommittedMetadata(null))));
        OffsetCommitResponseData response = coordinator.commitOffsets(request, (short) 9,
                TestConsumer.ALL_PARTITIONS).join();
        assertThat(errors(response)).containsExactly(Map.entry(ORDERS_0, Errors.NONE),
                Map.entry(ORDERS_1, Errors.OFFSET_METADATA_TOO_LARGE),
                Map.entry(new TopicPartition("../etc", 0), Errors.UNKNOWN_TOPIC_OR_PARTITION),
                Map.entry(new TopicPartition("audit", -1), Errors.UNKNOWN_TOPIC_OR_PARTITION),
                Map.entry(AUDIT_0, Errors.NONE));
        assertThat(fetch("g", null)).containsExactly(Map.entry(AUDIT_0, 4L), Map.entry(ORDERS_0, 1L));
        assertThat(coordinator.offsetStore().find("g", "audit", 0).orElseThrow().metadata()).isEmpty();
    }

    @Test
    void offsetsSurviveARestartWithEveryField() throws IOException {
        open();
        TestConsumer consumer = member();
        consumer.commit(Map.of(ORDERS_0, 10L, ORDERS_1, 20L));
        scheduler.advance(1_000);
        consumer.commit(Map.of(ORDERS_0, 12L));
        simpleCommit("other", Map.of(AUDIT_0, 3L));
        CommittedOffset before = coordinator.offsetStore().find("group", "orders", 0).orElseThrow();
        assertThat(before.commitTimestampMs()).isEqualTo(scheduler.nowMs());

        reopen();
        assertThat(fetch("group", null)).containsExactly(Map.entry(ORDERS_0, 12L), Map.entry(ORDERS_1, 20L));
        assertThat(fetch("other", null)).containsExactly(Map.entry(AUDIT_0, 3L));
        assertThat(coordinator.offsetStore().find("group", "orders", 0)).contains(before);
        assertThat(coordinator.findGroup("group")).as("membership is not kept across a restart").isEmpty();
        TestConsumer afterRestart = new TestConsumer(coordinator, "group", "c", List.of("orders"));
        afterRestart.memberId = consumer.memberId;
        afterRestart.generation = consumer.generation;
        assertThat(afterRestart.heartbeat()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(errors(afterRestart.commit(Map.of(ORDERS_0, 13L))))
                .containsOnly(Map.entry(ORDERS_0, Errors.ILLEGAL_GENERATION));
    }

    @Test
    void compactionBoundsTheLogAndKeepsTheLatestOffsets() throws IOException {
        open(GroupCoordinatorConfig.defaults().withCompactionRecordsMin(20));
        for (long round = 0; round < 50; round++) {
            simpleCommit("g", Map.of(ORDERS_0, round, ORDERS_1, 1_000 + round, AUDIT_0, 2_000 + round));
            scheduler.runDue(); // the compaction a commit queued
            assertThat(coordinator.offsetStore().logRecordCount()).isLessThanOrEqualTo(21 + 3);
        }
        Map<TopicPartition, Long> expected = Map.of(ORDERS_0, 49L, ORDERS_1, 1_049L, AUDIT_0, 2_049L);
        assertThat(fetch("g", null)).containsOnlyKeys(expected.keySet()).containsAllEntriesOf(expected);
        coordinator.close();
        open(GroupCoordinatorConfig.defaults().withCompactionRecordsMin(20));
        assertThat(fetch("g", null)).containsAllEntriesOf(expected).hasSize(3);
        assertThat(coordinator.offsetStore().logRecordCount()).isLessThanOrEqualTo(24);
        assertThat(Arrays.stream(dir.resolve("offsets").toFile().list()).filter(n -> n.endsWith(".log")))
                .as("compaction deletes the segments before the rewrite").hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void aCompactionThatFailsHalfwayLosesNoCommit() throws IOException {
        open(GroupCoordinatorConfig.defaults().withCompactionRecordsMin(20));
        for (long round = 0; round < 10; round++) {
            simpleCommit("g", Map.of(ORDERS_0, round, ORDERS_1, 100 + round));
        }
        io.failRename = true; // compaction appends the rewrite, then fails deleting the old segments
        simpleCommit("g", Map.of(ORDERS_0, 10L, ORDERS_1, 110L));
        scheduler.runDue();
        assertThat(simpleCommit("g", Map.of(ORDERS_0, 11L))).as("the log failed: it refuses writes until reopened")
                .containsOnly(Map.entry(ORDERS_0, Errors.COORDINATOR_NOT_AVAILABLE));
        assertThat(fetch("g", null)).containsExactly(Map.entry(ORDERS_0, 10L), Map.entry(ORDERS_1, 110L));
        io.failRename = false;
        reopen();
        assertThat(fetch("g", null)).containsExactly(Map.entry(ORDERS_0, 10L), Map.entry(ORDERS_1, 110L));
        assertThat(simpleCommit("g", Map.of(ORDERS_0, 12L))).containsOnly(Map.entry(ORDERS_0, Errors.NONE));
    }

    @Test
    void aFailedFsyncIsReportedAndNeverShownAsCommitted() throws IOException {
        open();
        simpleCommit("g", Map.of(ORDERS_0, 1L));
        io.failForce = true;
        assertThat(simpleCommit("g", Map.of(ORDERS_0, 2L))).containsOnly(Map.entry(ORDERS_0,
                Errors.COORDINATOR_NOT_AVAILABLE));
        assertThat(fetch("g", null)).containsExactly(Map.entry(ORDERS_0, 1L));
        io.failForce = false;
        assertThat(simpleCommit("g", Map.of(ORDERS_0, 3L))).as("no fsync is retried: the log stays failed")
                .containsOnly(Map.entry(ORDERS_0, Errors.COORDINATOR_NOT_AVAILABLE));
        coordinator.close(); // the failed log is not flushed on close
        open();
        // The unacknowledged write reached the page cache, so it may be replayed; the acknowledged one must be.
        assertThat(fetch("g", null).get(ORDERS_0)).isIn(1L, 2L);
        assertThat(simpleCommit("g", Map.of(ORDERS_0, 4L))).containsOnly(Map.entry(ORDERS_0, Errors.NONE));
    }

    @Test
    void concurrentCommitsAreAllDurable() throws Exception {
        open();
        int threads = 4;
        int commitsEach = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < commitsEach; i++) {
                        TopicPartition tp = new TopicPartition("t" + thread, i % 10);
                        assertThat(simpleCommit("g", Map.of(tp, (long) i))).containsOnly(Map.entry(tp, Errors.NONE));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        reopen();
        Map<TopicPartition, Long> all = fetch("g", null);
        assertThat(all).hasSize(threads * 10);
        all.forEach((tp, offset) -> assertThat(offset).isEqualTo(commitsEach - 10 + tp.partition()));
    }

    @Test
    void fetchesAfterCloseSayNotCoordinatorInEveryShape() throws IOException {
        open();
        coordinator.close();
        OffsetFetchResponseData v9 = coordinator.fetchOffsets(new OffsetFetchRequestData().setGroups(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("g"))), (short) 9).join();
        assertThat(Errors.forCode(v9.groups().get(0).errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
        OffsetFetchResponseData v7 = coordinator.fetchOffsets(new OffsetFetchRequestData().setGroupId("g"),
                (short) 7).join();
        assertThat(Errors.forCode(v7.errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
        OffsetFetchResponseData v1 = coordinator.fetchOffsets(new OffsetFetchRequestData().setGroupId("g")
                .setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopic().setName("t")
                        .setPartitionIndexes(List.of(0)))), (short) 1).join();
        assertThat(Errors.forCode(v1.topics().get(0).partitions().get(0).errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(simpleCommit("g", Map.of(ORDERS_0, 1L))).containsOnly(Map.entry(ORDERS_0, Errors.NOT_COORDINATOR));
    }

    @Test
    void aSecondCoordinatorCannotOpenTheSameOffsetsDirectory() throws IOException {
        open();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClassicGroupCoordinator.open(dir.resolve("offsets"),
                GroupCoordinatorConfig.defaults(), new ManualScheduler()))
                .isInstanceOf(dev.spool.log.io.DirectoryLockedException.class);
    }
}

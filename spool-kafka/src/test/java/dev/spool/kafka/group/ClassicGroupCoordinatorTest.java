package dev.spool.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Membership: joins, generations, syncs, heartbeats, leaves and the three timeouts, with time driven by hand. */
class ClassicGroupCoordinatorTest {
    private static final Map<String, Integer> ORDERS = Map.of("orders", 4);
    private static final Set<TopicPartition> ALL_ORDERS = Set.of(new TopicPartition("orders", 0),
            new TopicPartition("orders", 1), new TopicPartition("orders", 2), new TopicPartition("orders", 3));

    @TempDir
    Path dir;
    private final ManualScheduler scheduler = new ManualScheduler();
    private ClassicGroupCoordinator coordinator;

    private ClassicGroupCoordinator open(GroupCoordinatorConfig config) throws IOException {
        coordinator = ClassicGroupCoordinator.open(dir.resolve("offsets"), config.withClock(scheduler.clock()),
                scheduler);
        coordinator.checkInvariantsAfterEachStep();
        return coordinator;
    }

    private ClassicGroupCoordinator open() throws IOException {
        return open(GroupCoordinatorConfig.defaults());
    }

    @AfterEach
    void close() {
        if (coordinator != null) {
            coordinator.close();
        }
    }

    private TestConsumer consumer(String clientId) {
        return new TestConsumer(coordinator, "group", clientId, List.of("orders"));
    }

    private static List<TopicPartition> assigned(CompletableFuture<SyncGroupResponseData> sync) {
        SyncGroupResponseData response = sync.getNow(null);
        assertThat(response).as("sync answered").isNotNull();
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
        return TestConsumer.decodeAssignment(response.assignment());
    }

    private static JoinGroupResponseData joined(CompletableFuture<JoinGroupResponseData> join) {
        JoinGroupResponseData response = join.getNow(null);
        assertThat(response).as("join answered").isNotNull();
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
        return response;
    }

    /** Two consumers joined and synced in one generation; returns the leader first. */
    private List<TestConsumer> stableGroupOfTwo() {
        TestConsumer a = consumer("a");
        TestConsumer b = consumer("b");
        JoinGroupResponseData aJoin = joined(a.join());
        assigned(a.syncAsLeader(aJoin, ORDERS));
        CompletableFuture<JoinGroupResponseData> bJoin = b.join();
        assertThat(bJoin).isNotDone(); // the group waits for a to rejoin
        assertThat(a.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        JoinGroupResponseData aRejoin = joined(a.join());
        joined(bJoin);
        CompletableFuture<SyncGroupResponseData> bSync = b.sync();
        assigned(a.syncAsLeader(aRejoin, ORDERS));
        assigned(bSync);
        return List.of(a, b);
    }

    @Test
    void twoMembersJoinSyncAndHeartbeatInOneDelayedGeneration() throws IOException {
        open(GroupCoordinatorConfig.defaults().withInitialRebalanceDelayMs(3_000));
        TestConsumer a = consumer("a");
        TestConsumer b = consumer("b");

        CompletableFuture<JoinGroupResponseData> aFirst = a.sendJoin();
        assertThat(Errors.forCode(aFirst.join().errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        assertThat(a.memberId).startsWith("a-");
        CompletableFuture<JoinGroupResponseData> aJoin = a.sendJoin();
        CompletableFuture<JoinGroupResponseData> bJoin = b.join();
        scheduler.advance(2_999);
        assertThat(aJoin).isNotDone();
        assertThat(bJoin).isNotDone();
        scheduler.advance(1); // b arrived during the delay: it is extended once by the delay
        assertThat(aJoin).isNotDone();
        scheduler.advance(3_000);

        JoinGroupResponseData leader = joined(aJoin);
        JoinGroupResponseData follower = joined(bJoin);
        assertThat(leader.generationId()).isEqualTo(1).isEqualTo(follower.generationId());
        assertThat(leader.leader()).isEqualTo(a.memberId).isEqualTo(follower.leader());
        assertThat(leader.protocolName()).isEqualTo(TestConsumer.PROTOCOL);
        assertThat(leader.protocolType()).isEqualTo(ConsumerProtocol.PROTOCOL_TYPE);
        assertThat(leader.members()).extracting(JoinGroupResponseData.JoinGroupResponseMember::memberId)
                .containsExactly(a.memberId, b.memberId);
        assertThat(follower.members()).isEmpty();

        CompletableFuture<SyncGroupResponseData> bSync = b.sync();
        assertThat(bSync).isNotDone(); // waits for the leader's assignment
        assertThat(b.heartbeat()).isEqualTo(Errors.NONE);
        List<TopicPartition> aPartitions = assigned(a.syncAsLeader(leader, ORDERS));
        List<TopicPartition> bPartitions = assigned(bSync);
        assertThat(aPartitions).hasSize(2).doesNotContainAnyElementsOf(bPartitions);
        Set<TopicPartition> union = new HashSet<>(aPartitions);
        union.addAll(bPartitions);
        assertThat(union).isEqualTo(ALL_ORDERS);
        assertThat(bSync.join().protocolName()).isEqualTo(TestConsumer.PROTOCOL);

        for (int i = 0; i < 10; i++) {
            scheduler.advance(3_000);
            assertThat(a.heartbeat()).isEqualTo(Errors.NONE);
            assertThat(b.heartbeat()).isEqualTo(Errors.NONE);
        }
        assertThat(coordinator.findGroup("group").orElseThrow().state()).isEqualTo(GroupState.STABLE);
    }

    @Test
    void aSecondMemberRebalancesTheGroupAndSplitsThePartitions() throws IOException {
        open();
        List<TestConsumer> group = stableGroupOfTwo();
        assertThat(group.get(0).generation).isEqualTo(2).isEqualTo(group.get(1).generation);
        assertThat(coordinator.findGroup("group").orElseThrow().state()).isEqualTo(GroupState.STABLE);
    }

    @Test
    void aMemberLeavingHandsAllPartitionsToTheOtherInANewGeneration() throws IOException {
        open();
        List<TestConsumer> group = stableGroupOfTwo();
        TestConsumer a = group.get(0);
        TestConsumer b = group.get(1);
        int generation = a.generation;

        LeaveGroupResponseData left = b.leave();
        assertThat(Errors.forCode(left.errorCode())).isEqualTo(Errors.NONE);
        assertThat(Errors.forCode(left.members().get(0).errorCode())).isEqualTo(Errors.NONE);
        assertThat(a.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        JoinGroupResponseData rejoin = joined(a.join());
        assertThat(rejoin.generationId()).isEqualTo(generation + 1);
        assertThat(rejoin.members()).hasSize(1);
        assertThat(assigned(a.syncAsLeader(rejoin, ORDERS))).containsExactlyInAnyOrderElementsOf(ALL_ORDERS);
    }

    @Test
    void aMemberWithoutHeartbeatsIsEvictedAfterItsSessionTimeout() throws IOException {
        open();
        List<TestConsumer> group = stableGroupOfTwo();
        TestConsumer a = group.get(0);
        TestConsumer b = group.get(1);
        for (int elapsed = 0; elapsed < 9_000; elapsed += 3_000) {
            scheduler.advance(3_000);
            assertThat(a.heartbeat()).isEqualTo(Errors.NONE); // b stays silent, but within its 10 s
        }
        scheduler.advance(1_000); // 10 s since b's sync
        assertThat(a.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(b.heartbeat()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        JoinGroupResponseData rejoin = joined(a.join());
        assertThat(rejoin.members()).extracting(JoinGroupResponseData.JoinGroupResponseMember::memberId)
                .containsExactly(a.memberId);
        assertThat(assigned(a.syncAsLeader(rejoin, ORDERS))).hasSize(4);
    }

    @Test
    void aMemberThatDoesNotRejoinIsRemovedWhenTheRebalanceTimesOut() throws IOException {
        open();
        List<TestConsumer> group = stableGroupOfTwo();
        TestConsumer a = group.get(0);
        TestConsumer b = group.get(1);
        TestConsumer c = consumer("c");
        CompletableFuture<JoinGroupResponseData> cJoin = c.join();
        CompletableFuture<JoinGroupResponseData> aJoin = a.join();
        for (int elapsed = 0; elapsed < 27_000; elapsed += 3_000) {
            scheduler.advance(3_000);
            assertThat(b.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS); // alive, but never rejoins
        }
        assertThat(aJoin).isNotDone();
        scheduler.advance(3_000); // the 30 s rebalance timeout
        JoinGroupResponseData leader = joined(aJoin);
        assertThat(leader.members()).extracting(JoinGroupResponseData.JoinGroupResponseMember::memberId)
                .containsExactlyInAnyOrder(a.memberId, c.memberId);
        assertThat(joined(cJoin).generationId()).isEqualTo(leader.generationId());
        assertThat(b.heartbeat()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        CompletableFuture<SyncGroupResponseData> cSync = c.sync();
        List<TopicPartition> aPartitions = assigned(a.syncAsLeader(leader, ORDERS));
        assertThat(aPartitions.size() + assigned(cSync).size()).isEqualTo(4);
    }

    @Test
    void membersThatSendNoSyncGroupAreRemovedAfterTheRebalanceTimeout() throws IOException {
        open();
        List<TestConsumer> group = stableGroupOfTwo();
        TestConsumer a = group.get(0);
        TestConsumer b = group.get(1);
        CompletableFuture<JoinGroupResponseData> aJoin = a.join(); // the leader rejoining starts a rebalance
        CompletableFuture<JoinGroupResponseData> bJoin = b.join();
        joined(aJoin);
        joined(bJoin);
        CompletableFuture<SyncGroupResponseData> bSync = b.sync();
        for (int elapsed = 0; elapsed < 27_000; elapsed += 3_000) { // the leader heartbeats but never syncs
            scheduler.advance(3_000);
            assertThat(a.heartbeat()).isEqualTo(Errors.NONE);
        }
        assertThat(bSync).isNotDone();
        scheduler.advance(3_000); // the 30 s rebalance timeout since the generation formed
        assertThat(Errors.forCode(bSync.join().errorCode())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(a.heartbeat()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        JoinGroupResponseData alone = joined(b.join());
        assertThat(alone.leader()).isEqualTo(b.memberId);
        assertThat(assigned(b.syncAsLeader(alone, ORDERS))).hasSize(4);
    }

    @Test
    void wrongGenerationAndUnknownMemberAreRefused() throws IOException {
        open();
        List<TestConsumer> group = stableGroupOfTwo();
        TestConsumer a = group.get(0);
        String realId = a.memberId;
        int realGeneration = a.generation;
        a.generation--;
        assertThat(a.heartbeat()).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(Errors.forCode(a.sync().join().errorCode())).isEqualTo(Errors.ILLEGAL_GENERATION);
        a.generation++;
        a.memberId = "a-not-a-member";
        assertThat(a.heartbeat()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(Errors.forCode(a.sync().join().errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(Errors.forCode(a.sendJoin().join().errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(a.memberId).isEmpty(); // the client resets its id on UNKNOWN_MEMBER_ID, as the Java consumer does
        a.memberId = realId;
        a.generation = realGeneration;
        assertThat(a.heartbeat()).isEqualTo(Errors.NONE);

        TestConsumer stranger = new TestConsumer(coordinator, "no-such-group", "s", List.of("orders"));
        stranger.memberId = "s-1";
        stranger.generation = 1;
        assertThat(stranger.heartbeat()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(Errors.forCode(stranger.sendJoin().join().errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.findGroup("no-such-group")).isEmpty();
    }

    @Test
    void badJoinsGetTheProtocolsErrors() throws IOException {
        open(GroupCoordinatorConfig.defaults().withGroupMembersMax(2));
        TestConsumer a = consumer("a");
        a.sessionTimeoutMs = 5_999;
        assertThat(Errors.forCode(a.sendJoin().join().errorCode())).isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        a.sessionTimeoutMs = 1_800_001;
        assertThat(Errors.forCode(a.sendJoin().join().errorCode())).isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        a.sessionTimeoutMs = 10_000;
        JoinGroupRequestData noGroup = a.joinRequest().setGroupId("");
        assertThat(Errors.forCode(coordinator.joinGroup(noGroup, (short) 9, "a", "h").join().errorCode()))
                .isEqualTo(Errors.INVALID_GROUP_ID);
        JoinGroupRequestData noType = a.joinRequest().setProtocolType("");
        assertThat(Errors.forCode(coordinator.joinGroup(noType, (short) 9, "a", "h").join().errorCode()))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);

        stableGroupOfTwo();
        JoinGroupRequestData connect = consumer("k").joinRequest().setProtocolType("connect");
        assertThat(Errors.forCode(coordinator.joinGroup(connect, (short) 9, "k", "h").join().errorCode()))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        JoinGroupRequestData otherAssignor = consumer("r").joinRequest();
        otherAssignor.protocols().iterator().next().setName("roundrobin");
        JoinGroupResponseData refused = coordinator.joinGroup(otherAssignor, (short) 9, "r", "h").join();
        assertThat(Errors.forCode(refused.errorCode())).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(Errors.forCode(consumer("third").join().join().errorCode())).isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
    }

    @Test
    void errorResponsesFitOldJoinVersions() throws IOException {
        open();
        TestConsumer a = consumer("a");
        a.sessionTimeoutMs = 1;
        a.joinVersion = 6;
        JoinGroupResponseData v6 = a.sendJoin().join();
        assertThat(v6.protocolName()).isEmpty(); // not nullable before version 7
        a.joinVersion = 7;
        assertThat(a.sendJoin().join().protocolName()).isNull();
    }

    @Test
    void versionsBeforeFourJoinWithoutTheMemberIdStepAndLeaveOneMemberAtATime() throws IOException {
        open();
        TestConsumer a = consumer("a");
        a.joinVersion = 3;
        JoinGroupResponseData response = joined(a.sendJoin());
        assertThat(response.generationId()).isEqualTo(1);
        assertThat(assigned(a.syncAsLeader(response, ORDERS))).hasSize(4);
        LeaveGroupResponseData left = coordinator.leaveGroup(new LeaveGroupRequestData().setGroupId("group")
                .setMemberId(a.memberId), (short) 0).join();
        assertThat(Errors.forCode(left.errorCode())).isEqualTo(Errors.NONE);
        assertThat(left.members()).isEmpty();
        assertThat(coordinator.findGroup("group")).as("an empty group is dropped").isEmpty();
        LeaveGroupResponseData again = coordinator.leaveGroup(new LeaveGroupRequestData().setGroupId("group")
                .setMemberId(a.memberId), (short) 0).join();
        assertThat(Errors.forCode(again.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void aLeaveBatchAnswersEachMember() throws IOException {
        open();
        List<TestConsumer> group = stableGroupOfTwo();
        LeaveGroupResponseData response = coordinator.leaveGroup(new LeaveGroupRequestData().setGroupId("group")
                .setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(group.get(1).memberId),
                        new LeaveGroupRequestData.MemberIdentity().setMemberId("nobody"),
                        new LeaveGroupRequestData.MemberIdentity().setMemberId(group.get(0).memberId))), (short) 5)
                .join();
        assertThat(response.members()).extracting(m -> Errors.forCode(m.errorCode()))
                .containsExactly(Errors.NONE, Errors.UNKNOWN_MEMBER_ID, Errors.NONE);
        assertThat(coordinator.findGroup("group")).isEmpty();
    }

    @Test
    void aStaticMemberRejoiningFencesItsOldId() throws IOException {
        open();
        TestConsumer first = consumer("a");
        first.groupInstanceId = "instance-1";
        JoinGroupResponseData joined = joined(first.sendJoin()); // static members skip MEMBER_ID_REQUIRED
        assertThat(joined.memberId()).startsWith("instance-1-");
        assertThat(joined.members().get(0).groupInstanceId()).isEqualTo("instance-1");
        assigned(first.syncAsLeader(joined, ORDERS));

        TestConsumer restarted = consumer("a");
        restarted.groupInstanceId = "instance-1";
        JoinGroupResponseData rejoined = joined(restarted.sendJoin());
        assertThat(rejoined.memberId()).isNotEqualTo(first.memberId);
        assertThat(first.heartbeat()).isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(assigned(restarted.syncAsLeader(rejoined, ORDERS))).hasSize(4);
        assertThat(Errors.forCode(first.leave().members().get(0).errorCode())).isEqualTo(Errors.FENCED_INSTANCE_ID);

        LeaveGroupResponseData byInstance = coordinator.leaveGroup(new LeaveGroupRequestData().setGroupId("group")
                .setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId("")
                        .setGroupInstanceId("instance-1"))), (short) 5).join();
        assertThat(Errors.forCode(byInstance.members().get(0).errorCode())).isEqualTo(Errors.NONE);
        assertThat(coordinator.findGroup("group")).isEmpty();
    }

    @Test
    void aRetriedJoinAnswersTheOneItReplaces() throws IOException {
        open();
        List<TestConsumer> group = stableGroupOfTwo();
        TestConsumer a = group.get(0);
        TestConsumer b = group.get(1);
        CompletableFuture<JoinGroupResponseData> first = a.join();
        CompletableFuture<JoinGroupResponseData> retry = a.join();
        assertThat(Errors.forCode(first.join().errorCode())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(retry).isNotDone();
        joined(b.join());
        assertThat(joined(retry).members()).hasSize(2);
    }

    @Test
    void anIdHandedOutButNeverUsedHoldsTheRebalanceOnlyForItsSessionTimeout() throws IOException {
        open();
        List<TestConsumer> group = stableGroupOfTwo();
        TestConsumer late = consumer("late");
        late.sendJoin(); // MEMBER_ID_REQUIRED, and the consumer never comes back
        CompletableFuture<JoinGroupResponseData> a = group.get(0).join();
        CompletableFuture<JoinGroupResponseData> b = group.get(1).join();
        assertThat(a).isNotDone();
        scheduler.advance(10_000);
        assertThat(joined(a).members()).hasSize(2);
        joined(b);
    }

    @Test
    void closeAnswersWaitingRequestsAndRefusesNewOnes() throws IOException {
        open();
        List<TestConsumer> group = stableGroupOfTwo();
        CompletableFuture<JoinGroupResponseData> waiting = group.get(0).join();
        assertThat(waiting).isNotDone();
        coordinator.close();
        assertThat(Errors.forCode(waiting.join().errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(group.get(1).heartbeat()).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(Errors.forCode(group.get(1).sendJoin().join().errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(Errors.forCode(group.get(1).sync().join().errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(scheduler.pendingTasks()).isZero();
        List<Errors> leaveErrors = new ArrayList<>();
        group.get(1).leave().members().forEach(m -> leaveErrors.add(Errors.forCode(m.errorCode())));
        assertThat(leaveErrors).containsExactly(Errors.NOT_COORDINATOR);
    }

    @Test
    void theProductionTimerThreadEndsADelayedRebalanceAndTheMetersAreRecorded() throws Exception {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (ClassicGroupCoordinator real = ClassicGroupCoordinator.open(dir.resolve("real"),
                GroupCoordinatorConfig.defaults().withInitialRebalanceDelayMs(50).withMeterRegistry(registry))) {
            TestConsumer a = new TestConsumer(real, "group", "a", List.of("orders"));
            CompletableFuture<JoinGroupResponseData> join = a.join();
            JoinGroupResponseData response = join.get(30, java.util.concurrent.TimeUnit.SECONDS); // the timer ends it
            assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
            assertThat(response.generationId()).isEqualTo(1);
            assertThat(registry.get("spool.group.rebalances").counter().count()).isEqualTo(1.0);
            assertThat(registry.get("spool.groups").gauge().value()).isEqualTo(1.0);
            a.syncAsLeader(response, ORDERS).join();
            a.commit(Map.of(new TopicPartition("orders", 0), 3L));
            assertThat(registry.get("spool.group.offset.commits").counter().count()).isEqualTo(1.0);
            assertThat(registry.get("spool.group.offsets").gauge().value()).isEqualTo(1.0);
        }
        assertThat(registry.find("spool.groups").gauge()).as("meters leave with the coordinator").isNull();
    }
}

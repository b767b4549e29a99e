package dev.spool.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Three consumers behaving as the Java client does (join in two steps, sync, the leader assigning with
 * the RangeAssignor, heartbeats, commits), interleaved at random with leaves and with time passing in
 * steps of up to 15 s, so sessions, rebalances and syncs time out. After every step the group's own
 * invariants hold (checked by the coordinator), and: a stable group's assignments split the topic's
 * partitions exactly, every member holding one from the current generation; a consumer that synced
 * the current generation holds what the coordinator assigned it; generations never go back. After
 * close, every request ever sent has been answered.
 */
class GroupPropertyTest {
    private static final Map<String, Integer> TOPIC = Map.of("orders", 4);
    private static final int CONSUMERS = 3;

    sealed interface Action {
    }

    /** Joins if the client has reason to (not a member, or told of a rebalance), as the Java client does. */
    record Join(int consumer) implements Action {
    }

    /** Joins again for no reason the coordinator gave (new subscription metadata would do the same). */
    record Rejoin(int consumer) implements Action {
    }

    record Sync(int consumer) implements Action {
    }

    record Heartbeat(int consumer) implements Action {
    }

    record Commit(int consumer) implements Action {
    }

    record Leave(int consumer) implements Action {
    }

    record Tick(int ms) implements Action {
    }

    /** One simulated consumer and what it is waiting for. */
    private static final class Client {
        final TestConsumer consumer;
        CompletableFuture<JoinGroupResponseData> join;
        JoinGroupResponseData joined;
        CompletableFuture<SyncGroupResponseData> sync;
        List<TopicPartition> assignment = List.of();
        int assignedGeneration = -1;
        /** The group (incarnation) that gave {@link #assignment}: an emptied group restarts its generations. */
        ClassicGroup assignedBy;
        int lastGeneration = -1;
        boolean needsJoin = true;

        Client(TestConsumer consumer) {
            this.consumer = consumer;
        }

        void reset() {
            consumer.memberId = "";
            consumer.generation = -1;
            joined = null;
            needsJoin = true;
        }
    }

    @Provide
    Arbitrary<List<Action>> actions() {
        Arbitrary<Integer> who = Arbitraries.integers().between(0, CONSUMERS - 1);
        Arbitrary<Action> action = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, who.map(Join::new)),
                net.jqwik.api.Tuple.of(1, who.map(Rejoin::new)),
                net.jqwik.api.Tuple.of(6, who.map(Sync::new)),
                net.jqwik.api.Tuple.of(6, who.map(Heartbeat::new)),
                net.jqwik.api.Tuple.of(2, who.map(Commit::new)),
                net.jqwik.api.Tuple.of(1, who.map(Leave::new)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 4_000).map(Tick::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(4_000, 15_000).map(Tick::new)));
        return action.list().ofMinSize(40).ofMaxSize(120);
    }

    @Property(tries = 150)
    void stableGroupsSplitThePartitionsAndEveryRequestIsAnswered(@ForAll("actions") List<Action> actions,
                                                                 @ForAll boolean initialDelay) throws IOException {
        Path dir = Files.createTempDirectory("group-property");
        ManualScheduler scheduler = new ManualScheduler();
        List<CompletableFuture<?>> sent = new ArrayList<>();
        ClassicGroupCoordinator coordinator = ClassicGroupCoordinator.open(dir, GroupCoordinatorConfig.defaults()
                .withInitialRebalanceDelayMs(initialDelay ? 3_000 : 0).withClock(scheduler.clock()), scheduler);
        try {
            coordinator.checkInvariantsAfterEachStep();
            List<Client> clients = new ArrayList<>();
            for (int i = 0; i < CONSUMERS; i++) {
                clients.add(new Client(new TestConsumer(coordinator, "group", "c" + i, List.of("orders"))));
            }
            int groupGeneration = 0;
            int largestStable = 0;
            for (Action action : actions) {
                apply(action, clients, scheduler, sent);
                settle(clients, coordinator);
                groupGeneration = checkGroup(coordinator, clients, groupGeneration);
                largestStable = Math.max(largestStable, coordinator.findGroup("group")
                        .filter(g -> g.isIn(GroupState.STABLE)).map(g -> g.members.size()).orElse(0));
            }
            Statistics.label("largest stable group").collect(largestStable);
        } finally {
            coordinator.close();
            deleteRecursively(dir);
        }
        assertThat(sent).allMatch(CompletableFuture::isDone, "answered");
    }

    private static void apply(Action action, List<Client> clients, ManualScheduler scheduler,
                              List<CompletableFuture<?>> sent) {
        if (action instanceof Join || action instanceof Rejoin) {
            Client c = clients.get(action instanceof Join j ? j.consumer() : ((Rejoin) action).consumer());
            if (c.join == null && (c.needsJoin || action instanceof Rejoin)) {
                c.needsJoin = false;
                c.join = c.consumer.join();
                sent.add(c.join);
            }
        } else if (action instanceof Sync s) {
            Client c = clients.get(s.consumer());
            if (c.joined != null && c.sync == null) {
                c.sync = c.joined.leader().equals(c.consumer.memberId)
                        ? c.consumer.syncAsLeader(c.joined, TOPIC) : c.consumer.sync();
                c.joined = null;
                sent.add(c.sync);
            }
        } else if (action instanceof Heartbeat h) {
            Client c = clients.get(h.consumer());
            if (!c.consumer.memberId.isEmpty() && c.consumer.generation >= 0) {
                Errors error = c.consumer.heartbeat();
                assertThat(error).isIn(Errors.NONE, Errors.REBALANCE_IN_PROGRESS, Errors.UNKNOWN_MEMBER_ID,
                        Errors.ILLEGAL_GENERATION);
                if (error == Errors.UNKNOWN_MEMBER_ID || error == Errors.ILLEGAL_GENERATION) {
                    c.reset();
                } else if (error == Errors.REBALANCE_IN_PROGRESS) {
                    c.needsJoin = true;
                }
            }
        } else if (action instanceof Commit k) {
            Client c = clients.get(k.consumer());
            if (c.consumer.generation >= 0) {
                short error = c.consumer.commit(Map.of(new TopicPartition("orders", 0), 1L)).topics().get(0)
                        .partitions().get(0).errorCode();
                assertThat(Errors.forCode(error)).isIn(Errors.NONE, Errors.REBALANCE_IN_PROGRESS,
                        Errors.UNKNOWN_MEMBER_ID, Errors.ILLEGAL_GENERATION);
            }
        } else if (action instanceof Leave l) {
            Client c = clients.get(l.consumer());
            if (!c.consumer.memberId.isEmpty()) {
                c.consumer.leave();
                c.reset();
            }
        } else if (action instanceof Tick t) {
            scheduler.advance(t.ms());
        }
    }

    /** Takes in the answers that arrived, as the client would. */
    private static void settle(List<Client> clients, ClassicGroupCoordinator coordinator) {
        for (Client c : clients) {
            if (c.join != null && c.join.isDone()) {
                JoinGroupResponseData response = c.join.join();
                c.join = null;
                if (response.errorCode() == Errors.NONE.code()) {
                    assertThat(response.generationId()).isGreaterThanOrEqualTo(c.lastGeneration);
                    c.lastGeneration = response.generationId();
                    c.joined = response;
                } else {
                    c.needsJoin = true;
                }
            }
            if (c.sync != null && c.sync.isDone()) {
                SyncGroupResponseData response = c.sync.join();
                c.sync = null;
                if (response.errorCode() == Errors.NONE.code()) {
                    c.assignment = TestConsumer.decodeAssignment(response.assignment());
                    c.assignedGeneration = c.consumer.generation;
                    c.assignedBy = coordinator.findGroup("group").orElseThrow();
                } else {
                    c.needsJoin = true;
                }
            }
        }
    }

    private static int checkGroup(ClassicGroupCoordinator coordinator, List<Client> clients, int lastGeneration) {
        ClassicGroup group = coordinator.findGroup("group").orElse(null);
        if (group == null) { // removed when empty: a new one starts again at generation 0
            clients.forEach(c -> c.lastGeneration = -1);
            return 0;
        }
        assertThat(group.generationId).as("generation").isGreaterThanOrEqualTo(lastGeneration);
        if (group.isIn(GroupState.STABLE)) {
            Set<TopicPartition> seen = new HashSet<>();
            for (GroupMember member : group.allMembers()) {
                assertThat(member.assignedGeneration).isEqualTo(group.generationId);
                for (TopicPartition tp : TestConsumer.decodeAssignment(member.assignment)) {
                    assertThat(seen.add(tp)).as("%s assigned twice", tp).isTrue();
                }
            }
            assertThat(seen).hasSize(4);
            for (Client c : clients) {
                GroupMember member = group.members.get(c.consumer.memberId);
                if (member != null && c.assignedBy == group && c.assignedGeneration == group.generationId) {
                    assertThat(c.assignment).isEqualTo(TestConsumer.decodeAssignment(member.assignment));
                }
            }
        }
        return group.generationId;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}

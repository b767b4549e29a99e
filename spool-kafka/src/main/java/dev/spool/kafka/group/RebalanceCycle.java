package dev.spool.kafka.group;

import static dev.spool.kafka.group.GroupResponses.joinError;
import static dev.spool.kafka.group.GroupResponses.joinResponse;
import static dev.spool.kafka.group.GroupResponses.syncError;

import io.micrometer.core.instrument.Counter;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group-wide half of the classic group protocol: how a {@link ClassicGroup} goes through a
 * rebalance into a new generation, and how its timers (rebalance, sync, session and pending-id
 * timeouts) move it. {@link GroupStateMachine} decides what each request does to its member and
 * calls here for the consequences on the group; everything here runs, as there, with the group's
 * lock held and records the responses it decides in an {@link Effects}. Timer tasks take the lock
 * through the coordinator's {@link GroupStateMachine.Locker}, and each checks on waking that the
 * phase it was scheduled for is still the current one (rebalance sequence, generation, the member
 * still being the same object), so a stale timer does nothing.
 *
 * <h2>A rebalance</h2>
 * A join that changes the group (a new member, new metadata, the leader rejoining) moves it to
 * {@code PREPARING_REBALANCE}, and the rebalance completes when every member has sent a JoinGroup
 * and no id handed out with {@code MEMBER_ID_REQUIRED} is still out, or when the longest rebalance
 * timeout of the members runs out; members that did not rejoin by then are removed. Completing
 * starts the next generation: a protocol every member supports, a leader (the old one if it rejoined),
 * the members' metadata for the leader alone, and {@code COMPLETING_REBALANCE} until the leader's
 * SyncGroup brings the assignment ({@code STABLE}). Members that send no SyncGroup within the
 * rebalance timeout are removed and the group rebalances again. A group that was empty waits
 * {@code initialRebalanceDelayMs} first, and as much again (up to the rebalance timeout) for each new
 * member meanwhile, so consumers starting together form one generation.
 *
 * <h2>Liveness</h2>
 * Each member has one session timer. A heartbeat, a join or a sync only records the time; when the
 * timer fires it either finds the member's deadline moved and sleeps until it, or removes the
 * member. Members waiting on a join or a sync the coordinator has not answered yet are kept alive.
 * Removing a member, for whatever reason, answers the join or sync it waits on.
 */
final class RebalanceCycle {
    /** Logs under the state machine's name, as it did before this class was split from it. */
    private static final Logger LOG = LoggerFactory.getLogger(GroupStateMachine.class);

    private final GroupCoordinatorConfig config;
    private final GroupScheduler scheduler;
    private final LongSupplier clockMs;
    private final GroupStateMachine.Locker locker;
    private final Counter rebalances;

    RebalanceCycle(GroupCoordinatorConfig config, GroupScheduler scheduler, GroupStateMachine.Locker locker,
                   Counter rebalances) {
        this.config = config;
        this.scheduler = scheduler;
        this.clockMs = config.clockMs();
        this.locker = locker;
        this.rebalances = rebalances;
    }

    // ---- rebalance ----------------------------------------------------------------------------

    /** Starts a rebalance, or, when one is already under way, completes its join if it may. */
    void maybePrepareRebalance(ClassicGroup group, String reason, Effects effects) {
        if (group.isIn(GroupState.PREPARING_REBALANCE)) {
            tryCompleteJoin(group, effects);
        } else {
            prepareRebalance(group, reason, effects);
        }
    }

    private void prepareRebalance(ClassicGroup group, String reason, Effects effects) {
        if (group.isIn(GroupState.COMPLETING_REBALANCE)) { // syncs waiting for an assignment that will not come
            for (GroupMember member : group.allMembers()) {
                completeSync(member, syncError(Errors.REBALANCE_IN_PROGRESS), effects);
            }
        }
        cancel(group.syncTimeout);
        group.syncTimeout = null;
        group.pendingSync.clear();
        boolean wasEmpty = group.isIn(GroupState.EMPTY);
        group.transitionTo(GroupState.PREPARING_REBALANCE);
        int sequence = ++group.rebalanceSequence;
        cancel(group.rebalanceTimeout);
        long delayMs = config.initialRebalanceDelayMs();
        LOG.info("Group {} is rebalancing (generation {}): {}", group.groupId, group.generationId, reason);
        if (wasEmpty && delayMs > 0) {
            group.initialDelay = true;
            group.newMemberAdded = false;
            group.initialDelayRemainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
            group.rebalanceTimeout = scheduler.schedule(delayMs,
                    () -> locker.runLocked(group, e -> onInitialDelayEnd(group, sequence, e)));
        } else {
            group.initialDelay = false;
            group.rebalanceTimeout = scheduler.schedule(group.rebalanceTimeoutMs(),
                    () -> locker.runLocked(group, e -> onRebalanceTimeout(group, sequence, e)));
            tryCompleteJoin(group, effects);
        }
    }

    private void onInitialDelayEnd(ClassicGroup group, int sequence, Effects effects) {
        if (group.rebalanceSequence != sequence || !group.isIn(GroupState.PREPARING_REBALANCE)) {
            return;
        }
        if (group.newMemberAdded && group.initialDelayRemainingMs > 0) {
            long delayMs = Math.min(config.initialRebalanceDelayMs(), group.initialDelayRemainingMs);
            group.initialDelayRemainingMs -= delayMs;
            group.newMemberAdded = false;
            group.rebalanceTimeout = scheduler.schedule(delayMs,
                    () -> locker.runLocked(group, e -> onInitialDelayEnd(group, sequence, e)));
        } else {
            group.initialDelay = false;
            completeJoin(group, effects);
        }
    }

    private void onRebalanceTimeout(ClassicGroup group, int sequence, Effects effects) {
        if (group.rebalanceSequence == sequence && group.isIn(GroupState.PREPARING_REBALANCE)) {
            completeJoin(group, effects);
        }
    }

    /** Completes the join phase if a rebalance is under way, past its initial delay, and every member joined. */
    void tryCompleteJoin(ClassicGroup group, Effects effects) {
        if (group.isIn(GroupState.PREPARING_REBALANCE) && !group.initialDelay && group.allMembersJoined()) {
            completeJoin(group, effects);
        }
    }

    /** Ends the join phase: drops members that did not rejoin and starts the next generation. */
    private void completeJoin(ClassicGroup group, Effects effects) {
        cancel(group.rebalanceTimeout);
        group.rebalanceTimeout = null;
        for (GroupMember member : group.notYetRejoined()) {
            LOG.info("Removing member {} from group {}: it did not rejoin within the rebalance timeout",
                    member.memberId, group.groupId);
            removeMember(group, member, Errors.UNKNOWN_MEMBER_ID, effects);
        }
        group.generationId++;
        if (group.members.isEmpty()) {
            group.protocolName = null;
            group.transitionTo(GroupState.EMPTY);
            LOG.info("Group {} is empty at generation {}", group.groupId, group.generationId);
            return;
        }
        group.protocolName = group.selectProtocol();
        group.transitionTo(GroupState.COMPLETING_REBALANCE);
        rebalances.increment();
        long now = clockMs.getAsLong();
        for (GroupMember member : group.allMembers()) {
            CompletableFuture<JoinGroupResponseData> future = member.joinFuture;
            group.setJoinFuture(member, null, (short) 0);
            effects.complete(future, joinResponse(group, member, group.isLeader(member.memberId)));
            member.lastHeartbeatMs = now;
            group.pendingSync.add(member.memberId);
        }
        int generation = group.generationId;
        group.syncTimeout = scheduler.schedule(group.rebalanceTimeoutMs(),
                () -> locker.runLocked(group, e -> onSyncTimeout(group, generation, e)));
        LOG.info("Group {} formed generation {} with {} member(s), protocol {}, leader {}", group.groupId,
                generation, group.members.size(), group.protocolName, group.leaderId);
    }

    private void onSyncTimeout(ClassicGroup group, int generation, Effects effects) {
        if (group.generationId != generation || group.pendingSync.isEmpty()
                || !(group.isIn(GroupState.COMPLETING_REBALANCE) || group.isIn(GroupState.STABLE))) {
            return;
        }
        Set<String> late = new LinkedHashSet<>(group.pendingSync);
        for (String memberId : late) {
            removeMember(group, group.members.get(memberId), Errors.UNKNOWN_MEMBER_ID, effects);
        }
        prepareRebalance(group, "member(s) " + late + " sent no SyncGroup within the rebalance timeout", effects);
    }

    // ---- members and timers -------------------------------------------------------------------

    /** Removes a member; a join or sync it is waiting on is answered with {@code error}. */
    void removeMember(ClassicGroup group, GroupMember member, Errors error, Effects effects) {
        Objects.requireNonNull(member, "member");
        CompletableFuture<JoinGroupResponseData> join = member.joinFuture;
        group.remove(member.memberId);
        if (join != null) {
            effects.complete(join, joinError(member.memberId, error, member.joinVersion));
            member.joinFuture = null;
        }
        completeSync(member, syncError(error), effects);
    }

    /**
     * The timer that drops an id handed out with {@code MEMBER_ID_REQUIRED} when the member does not
     * come back with it within {@code delayMs}; the caller keeps it in {@code group.pendingMembers}.
     */
    GroupScheduler.Timeout schedulePendingMemberExpiry(ClassicGroup group, String memberId, long delayMs) {
        return scheduler.schedule(delayMs, () -> locker.runLocked(group, e -> expirePendingMember(group, memberId, e)));
    }

    private void expirePendingMember(ClassicGroup group, String memberId, Effects effects) {
        if (group.pendingMembers.remove(memberId) != null) {
            LOG.info("Dropping id {} of group {}: the member never joined again with it", memberId, group.groupId);
            tryCompleteJoin(group, effects);
        }
    }

    /** (Re)starts the member's session timer to fire after {@code delayMs}. */
    void scheduleSessionTimer(ClassicGroup group, GroupMember member, long delayMs) {
        cancel(member.heartbeatTimeout);
        member.heartbeatTimeout = scheduler.schedule(delayMs,
                () -> locker.runLocked(group, e -> onSessionTimer(group, member, e)));
    }

    private void onSessionTimer(ClassicGroup group, GroupMember member, Effects effects) {
        if (group.members.get(member.memberId) != member) {
            return;
        }
        long now = clockMs.getAsLong();
        if (member.isAwaitingJoin() || member.isAwaitingSync()) { // waiting on us: alive
            scheduleSessionTimer(group, member, member.sessionTimeoutMs);
            return;
        }
        long deadline = member.lastHeartbeatMs + member.sessionTimeoutMs;
        if (deadline > now) {
            scheduleSessionTimer(group, member, deadline - now);
            return;
        }
        LOG.info("Removing member {} from group {}: no heartbeat for {} ms (session timeout {} ms)", member.memberId,
                group.groupId, now - member.lastHeartbeatMs, member.sessionTimeoutMs);
        removeMember(group, member, Errors.UNKNOWN_MEMBER_ID, effects);
        maybePrepareRebalance(group, "member " + member.memberId + " timed out", effects);
    }

    static void cancel(GroupScheduler.Timeout timeout) {
        if (timeout != null) {
            timeout.cancel();
        }
    }

    /** Answers the sync the member waits on, if any; its session restarts then, as it was kept alive meanwhile. */
    void completeSync(GroupMember member, SyncGroupResponseData response, Effects effects) {
        if (member.syncFuture != null) {
            effects.complete(member.syncFuture, response);
            member.syncFuture = null;
            member.lastHeartbeatMs = clockMs.getAsLong();
        }
    }
}

package dev.spool.kafka.group;

import static dev.spool.kafka.group.GroupResponses.joinError;
import static dev.spool.kafka.group.GroupResponses.joinResponse;
import static dev.spool.kafka.group.GroupResponses.syncError;
import static dev.spool.kafka.group.GroupResponses.syncResponse;

import io.micrometer.core.instrument.Counter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic group protocol's rules: how JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the
 * session, rebalance and sync timeouts move a {@link ClassicGroup}. Every method runs with the
 * group's lock held and records the responses it decides in an {@link Effects}; timer tasks take
 * the lock through the coordinator ({@link Locker}).
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
 *
 * <p>Static members ({@code group.instance.id}): a JoinGroup with an instance id and no member id
 * replaces the instance's old member (whose pending requests get {@code FENCED_INSTANCE_ID}, as do
 * later requests with the old id) and triggers a rebalance. Kafka spares that rebalance when the
 * group is stable and nothing changed; Spool does not, which costs one rebalance and is never wrong.
 */
final class GroupStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(GroupStateMachine.class);

    /** Runs a timer task under a group's lock, then completes what it decided. */
    interface Locker {
        void runLocked(ClassicGroup group, Consumer<Effects> action);
    }

    private final GroupCoordinatorConfig config;
    private final GroupScheduler scheduler;
    private final LongSupplier clockMs;
    private final Locker locker;
    private final Counter rebalances;

    GroupStateMachine(GroupCoordinatorConfig config, GroupScheduler scheduler, Locker locker, Counter rebalances) {
        this.config = config;
        this.scheduler = scheduler;
        this.clockMs = config.clockMs();
        this.locker = locker;
        this.rebalances = rebalances;
    }

    // ---- JoinGroup ----------------------------------------------------------------------------

    /** A JoinGroup already checked for group id, session timeout and protocol type by the coordinator. */
    void join(ClassicGroup group, JoinGroupRequestData request, short version, String clientId, String clientHost,
              CompletableFuture<JoinGroupResponseData> future, Effects effects) {
        Map<String, GroupMember.Protocol> byName = new LinkedHashMap<>();
        request.protocols().forEach(p ->
                byName.putIfAbsent(p.name(), new GroupMember.Protocol(p.name(), p.metadata())));
        List<GroupMember.Protocol> protocols = List.copyOf(byName.values());
        String memberId = request.memberId();
        if (!group.supportsProtocols(request.protocolType(), byName.keySet())) {
            effects.complete(future, joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL, version));
            return;
        }
        int rebalanceTimeoutMs = version >= 1 && request.rebalanceTimeoutMs() > 0 ? request.rebalanceTimeoutMs()
                : request.sessionTimeoutMs();
        JoinRequest join = new JoinRequest(request.groupInstanceId(), clientId, clientHost, request.protocolType(),
                protocols, rebalanceTimeoutMs, request.sessionTimeoutMs(), future, version);
        if (memberId.isEmpty()) {
            joinNewMember(group, join, effects);
        } else {
            joinKnownMember(group, memberId, join, effects);
        }
    }

    /** A JoinGroup's fields, as the member keeps them. */
    private record JoinRequest(String groupInstanceId, String clientId, String clientHost, String protocolType,
                               List<GroupMember.Protocol> protocols, int rebalanceTimeoutMs, int sessionTimeoutMs,
                               CompletableFuture<JoinGroupResponseData> future, short version) {
    }

    private void joinNewMember(ClassicGroup group, JoinRequest join, Effects effects) {
        if (join.groupInstanceId != null) {
            String newId = join.groupInstanceId + "-" + UUID.randomUUID();
            group.staticMemberId(join.groupInstanceId).ifPresentOrElse(oldId -> {
                LOG.info("Static member {} of group {} joined again as {}: fencing {}", join.groupInstanceId,
                        group.groupId, newId, oldId);
                removeMember(group, group.members.get(oldId), Errors.FENCED_INSTANCE_ID, effects);
                addMemberAndRebalance(group, newId, join, effects);
            }, () -> {
                if (group.size() >= config.groupMembersMax()) {
                    effects.complete(join.future, joinError("", Errors.GROUP_MAX_SIZE_REACHED, join.version));
                } else {
                    addMemberAndRebalance(group, newId, join, effects);
                }
            });
            return;
        }
        if (group.size() >= config.groupMembersMax()) {
            effects.complete(join.future, joinError("", Errors.GROUP_MAX_SIZE_REACHED, join.version));
            return;
        }
        String newId = join.clientId + "-" + UUID.randomUUID();
        if (join.version >= 4) { // KIP-394: the member must come back with this id; until then it holds a place
            group.pendingMembers.put(newId, scheduler.schedule(join.sessionTimeoutMs,
                    () -> locker.runLocked(group, e -> expirePendingMember(group, newId, e))));
            effects.complete(join.future, joinError(newId, Errors.MEMBER_ID_REQUIRED, join.version));
        } else {
            addMemberAndRebalance(group, newId, join, effects);
        }
    }

    private void joinKnownMember(ClassicGroup group, String memberId, JoinRequest join, Effects effects) {
        GroupScheduler.Timeout pending = group.pendingMembers.remove(memberId);
        if (pending != null) {
            pending.cancel();
            if (group.staticMemberId(join.groupInstanceId).isPresent()) {
                effects.complete(join.future, joinError(memberId, Errors.FENCED_INSTANCE_ID, join.version));
                tryCompleteJoin(group, effects);
            } else {
                addMemberAndRebalance(group, memberId, join, effects);
            }
            return;
        }
        if (group.isStaticMemberFenced(join.groupInstanceId, memberId)) {
            effects.complete(join.future, joinError(memberId, Errors.FENCED_INSTANCE_ID, join.version));
            return;
        }
        GroupMember member = group.members.get(memberId);
        if (member == null) {
            effects.complete(join.future, joinError(memberId, Errors.UNKNOWN_MEMBER_ID, join.version));
            return;
        }
        member.lastHeartbeatMs = clockMs.getAsLong();
        boolean sameMetadata = member.protocols.equals(join.protocols);
        switch (group.state()) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(group, member, join, effects);
            case COMPLETING_REBALANCE -> {
                if (sameMetadata) { // it lost the response: answer again with this generation
                    effects.complete(join.future, joinResponse(group, member, group.isLeader(memberId)));
                } else {
                    updateMemberAndRebalance(group, member, join, effects);
                }
            }
            case STABLE -> {
                if (group.isLeader(memberId) || !sameMetadata) {
                    updateMemberAndRebalance(group, member, join, effects);
                } else {
                    effects.complete(join.future, joinResponse(group, member, false));
                }
            }
            default -> effects.complete(join.future, joinError(memberId, Errors.UNKNOWN_MEMBER_ID, join.version));
        }
    }

    private void addMemberAndRebalance(ClassicGroup group, String memberId, JoinRequest join, Effects effects) {
        long now = clockMs.getAsLong();
        GroupMember member = new GroupMember(memberId, join.groupInstanceId, join.clientId, join.clientHost,
                join.protocolType, join.rebalanceTimeoutMs, join.sessionTimeoutMs, join.protocols, now);
        member.joinFuture = join.future;
        member.joinVersion = join.version;
        group.add(member);
        group.newMemberAdded = true;
        scheduleSessionTimer(group, member, member.sessionTimeoutMs);
        LOG.debug("Member {} joined group {} ({})", memberId, group.groupId, group.state());
        maybePrepareRebalance(group, "member " + memberId + " joined", effects);
    }

    private void updateMemberAndRebalance(ClassicGroup group, GroupMember member, JoinRequest join, Effects effects) {
        if (member.joinFuture != null) { // a retried join replaces the one still waiting, which must be answered
            effects.complete(member.joinFuture, joinError(member.memberId, Errors.REBALANCE_IN_PROGRESS,
                    member.joinVersion));
        }
        group.setProtocols(member, join.protocols);
        member.rebalanceTimeoutMs = join.rebalanceTimeoutMs;
        if (member.sessionTimeoutMs != join.sessionTimeoutMs) {
            member.sessionTimeoutMs = join.sessionTimeoutMs;
            scheduleSessionTimer(group, member, member.sessionTimeoutMs);
        }
        group.setJoinFuture(member, join.future, join.version);
        maybePrepareRebalance(group, "member " + member.memberId + " rejoined", effects);
    }

    // ---- rebalance ----------------------------------------------------------------------------

    private void maybePrepareRebalance(ClassicGroup group, String reason, Effects effects) {
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

    private void tryCompleteJoin(ClassicGroup group, Effects effects) {
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

    // ---- SyncGroup, Heartbeat, LeaveGroup ------------------------------------------------------

    void sync(ClassicGroup group, SyncGroupRequestData request, CompletableFuture<SyncGroupResponseData> future,
              Effects effects) {
        String memberId = request.memberId();
        Errors error = validateMember(group, memberId, request.groupInstanceId(), request.generationId());
        if (error == Errors.NONE && (request.protocolType() != null
                && !request.protocolType().equals(group.protocolType)
                || request.protocolName() != null && !request.protocolName().equals(group.protocolName))) {
            error = Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        if (error == Errors.NONE && group.isIn(GroupState.PREPARING_REBALANCE)) {
            error = Errors.REBALANCE_IN_PROGRESS;
        }
        if (error != Errors.NONE) {
            effects.complete(future, syncError(error));
            return;
        }
        GroupMember member = group.members.get(memberId);
        member.lastHeartbeatMs = clockMs.getAsLong();
        group.pendingSync.remove(memberId);
        if (group.isIn(GroupState.STABLE)) {
            effects.complete(future, syncResponse(group, member));
        } else { // COMPLETING_REBALANCE: wait for the leader's assignment, which may be this request
            completeSync(member, syncError(Errors.REBALANCE_IN_PROGRESS), effects);
            member.syncFuture = future;
            if (group.isLeader(memberId)) {
                Map<String, byte[]> assignments = new LinkedHashMap<>();
                request.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
                for (GroupMember m : group.allMembers()) {
                    m.assignment = assignments.getOrDefault(m.memberId, GroupMember.NO_ASSIGNMENT);
                    m.assignedGeneration = group.generationId;
                }
                group.transitionTo(GroupState.STABLE);
                for (GroupMember m : group.allMembers()) {
                    completeSync(m, syncResponse(group, m), effects);
                }
                LOG.info("Group {} is stable at generation {}", group.groupId, group.generationId);
            }
        }
        if (group.pendingSync.isEmpty()) {
            cancel(group.syncTimeout);
            group.syncTimeout = null;
        }
    }

    Errors heartbeat(ClassicGroup group, String memberId, String groupInstanceId, int generationId) {
        Errors error = validateMember(group, memberId, groupInstanceId, generationId);
        if (error != Errors.NONE) {
            return error;
        }
        group.members.get(memberId).lastHeartbeatMs = clockMs.getAsLong();
        return group.isIn(GroupState.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
    }

    /** One leaving identity of a LeaveGroup; returns its error. Call {@link #afterLeave} once after all. */
    Errors leave(ClassicGroup group, String memberId, String groupInstanceId, Effects effects) {
        if (groupInstanceId != null) {
            String existing = group.staticMembers.get(groupInstanceId);
            if (existing == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!memberId.isEmpty() && !memberId.equals(existing)) {
                return Errors.FENCED_INSTANCE_ID;
            }
            memberId = existing;
        }
        GroupScheduler.Timeout pending = group.pendingMembers.remove(memberId);
        if (pending != null) {
            pending.cancel();
            return Errors.NONE;
        }
        GroupMember member = group.members.get(memberId);
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        LOG.info("Member {} left group {}", memberId, group.groupId);
        removeMember(group, member, Errors.UNKNOWN_MEMBER_ID, effects);
        return Errors.NONE;
    }

    /** Rebalances after members left ({@code membersLeft}), or completes a join that waited for pending ids. */
    void afterLeave(ClassicGroup group, boolean membersLeft, Effects effects) {
        if (membersLeft && !group.isIn(GroupState.EMPTY)) {
            maybePrepareRebalance(group, "member(s) left", effects);
        } else {
            tryCompleteJoin(group, effects);
        }
    }

    /**
     * Whether an OffsetCommit of a group member may be written (Kafka's rules): a member of the
     * current generation, in {@code STABLE} or {@code PREPARING_REBALANCE}; a commit with generation
     * -1 only when the group has no members. A commit counts as a heartbeat.
     */
    Errors validateCommit(ClassicGroup group, String memberId, String groupInstanceId, int generationId) {
        if (generationId < 0 && group.members.isEmpty()) {
            return Errors.NONE;
        }
        Errors error = validateMember(group, memberId, groupInstanceId, generationId);
        if (error != Errors.NONE) {
            return error;
        }
        if (group.isIn(GroupState.COMPLETING_REBALANCE)) {
            return Errors.REBALANCE_IN_PROGRESS;
        }
        group.members.get(memberId).lastHeartbeatMs = clockMs.getAsLong();
        return Errors.NONE;
    }

    private static Errors validateMember(ClassicGroup group, String memberId, String groupInstanceId,
                                         int generationId) {
        if (group.isStaticMemberFenced(groupInstanceId, memberId)) {
            return Errors.FENCED_INSTANCE_ID;
        }
        if (!group.members.containsKey(memberId)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return generationId != group.generationId ? Errors.ILLEGAL_GENERATION : Errors.NONE;
    }

    /** Answers every waiting join and sync of the group with {@code error} and stops its timers (on close). */
    void failAll(ClassicGroup group, Errors error, Effects effects) {
        for (GroupMember member : group.allMembers()) {
            if (member.joinFuture != null) {
                effects.complete(member.joinFuture, joinError(member.memberId, error, member.joinVersion));
                group.setJoinFuture(member, null, (short) 0);
            }
            completeSync(member, syncError(error), effects);
            cancel(member.heartbeatTimeout);
        }
        group.pendingMembers.values().forEach(GroupStateMachine::cancel);
        cancel(group.rebalanceTimeout);
        cancel(group.syncTimeout);
    }

    // ---- members and timers -------------------------------------------------------------------

    /** Removes a member; a join or sync it is waiting on is answered with {@code error}. */
    private void removeMember(ClassicGroup group, GroupMember member, Errors error, Effects effects) {
        Objects.requireNonNull(member, "member");
        CompletableFuture<JoinGroupResponseData> join = member.joinFuture;
        group.remove(member.memberId);
        if (join != null) {
            effects.complete(join, joinError(member.memberId, error, member.joinVersion));
            member.joinFuture = null;
        }
        completeSync(member, syncError(error), effects);
    }

    private void expirePendingMember(ClassicGroup group, String memberId, Effects effects) {
        if (group.pendingMembers.remove(memberId) != null) {
            LOG.info("Dropping id {} of group {}: the member never joined again with it", memberId, group.groupId);
            tryCompleteJoin(group, effects);
        }
    }

    private void scheduleSessionTimer(ClassicGroup group, GroupMember member, long delayMs) {
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

    private static void cancel(GroupScheduler.Timeout timeout) {
        if (timeout != null) {
            timeout.cancel();
        }
    }

    /** Answers the sync the member waits on, if any; its session restarts then, as it was kept alive meanwhile. */
    private void completeSync(GroupMember member, SyncGroupResponseData response, Effects effects) {
        if (member.syncFuture != null) {
            effects.complete(member.syncFuture, response);
            member.syncFuture = null;
            member.lastHeartbeatMs = clockMs.getAsLong();
        }
    }
}

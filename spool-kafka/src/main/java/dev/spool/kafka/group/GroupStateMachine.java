package dev.spool.kafka.group;

import static dev.spool.kafka.group.GroupResponses.joinError;
import static dev.spool.kafka.group.GroupResponses.joinResponse;
import static dev.spool.kafka.group.GroupResponses.syncError;
import static dev.spool.kafka.group.GroupResponses.syncResponse;

import io.micrometer.core.instrument.Counter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * The classic group protocol's rules for each request: what JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup and an OffsetCommit's member check do to a {@link ClassicGroup} and the member that sent
 * them. Every method runs with the group's lock held and records the responses it decides in an
 * {@link Effects}. What follows for the group as a whole (starting and completing a rebalance, the
 * rebalance, sync and session timers, removing a member) is {@link RebalanceCycle}'s, which describes
 * a rebalance and liveness; its timer tasks take the lock through the coordinator ({@link Locker}).
 *
 * <p>A join that changes the group (a new member, new metadata, the leader rejoining) starts a
 * rebalance; a join that changes nothing in {@code COMPLETING_REBALANCE} or {@code STABLE} is answered
 * with the current generation. SyncGroup waits in {@code COMPLETING_REBALANCE} until the leader's
 * SyncGroup brings the assignment, which makes the group {@code STABLE} and answers every waiting sync.
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
    private final LongSupplier clockMs;
    private final RebalanceCycle cycle;

    GroupStateMachine(GroupCoordinatorConfig config, GroupScheduler scheduler, Locker locker, Counter rebalances) {
        this.config = config;
        this.clockMs = config.clockMs();
        this.cycle = new RebalanceCycle(config, scheduler, locker, rebalances);
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
                cycle.removeMember(group, group.members.get(oldId), Errors.FENCED_INSTANCE_ID, effects);
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
            group.pendingMembers.put(newId, cycle.schedulePendingMemberExpiry(group, newId, join.sessionTimeoutMs));
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
                cycle.tryCompleteJoin(group, effects);
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
        cycle.scheduleSessionTimer(group, member, member.sessionTimeoutMs);
        LOG.debug("Member {} joined group {} ({})", memberId, group.groupId, group.state());
        cycle.maybePrepareRebalance(group, "member " + memberId + " joined", effects);
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
            cycle.scheduleSessionTimer(group, member, member.sessionTimeoutMs);
        }
        group.setJoinFuture(member, join.future, join.version);
        cycle.maybePrepareRebalance(group, "member " + member.memberId + " rejoined", effects);
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
            cycle.completeSync(member, syncError(Errors.REBALANCE_IN_PROGRESS), effects);
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
                    cycle.completeSync(m, syncResponse(group, m), effects);
                }
                LOG.info("Group {} is stable at generation {}", group.groupId, group.generationId);
            }
        }
        if (group.pendingSync.isEmpty()) {
            RebalanceCycle.cancel(group.syncTimeout);
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
        cycle.removeMember(group, member, Errors.UNKNOWN_MEMBER_ID, effects);
        return Errors.NONE;
    }

    /** Rebalances after members left ({@code membersLeft}), or completes a join that waited for pending ids. */
    void afterLeave(ClassicGroup group, boolean membersLeft, Effects effects) {
        if (membersLeft && !group.isIn(GroupState.EMPTY)) {
            cycle.maybePrepareRebalance(group, "member(s) left", effects);
        } else {
            cycle.tryCompleteJoin(group, effects);
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
            cycle.completeSync(member, syncError(error), effects);
            RebalanceCycle.cancel(member.heartbeatTimeout);
        }
        group.pendingMembers.values().forEach(RebalanceCycle::cancel);
        RebalanceCycle.cancel(group.rebalanceTimeout);
        RebalanceCycle.cancel(group.syncTimeout);
    }
}

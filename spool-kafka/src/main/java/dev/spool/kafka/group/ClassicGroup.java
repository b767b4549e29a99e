package dev.spool.kafka.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The membership state of one classic group: state, generation, protocol, leader, members, the
 * members that were given an id and must join again with it (the JoinGroup v4+ two-step), and the
 * bookkeeping of the rebalance or sync in progress. {@link GroupStateMachine} drives it.
 *
 * <p>Not thread-safe by itself: every field is guarded by {@link #lock}, which the coordinator holds
 * around each request and each timer task for this group, and never together with another group's.
 *
 * <p>Invariants, checked by {@link #checkInvariants()} (tests call it after every step):
 * {@code awaitingJoinCount} is the number of members with a join future; a protocol's vote count is
 * the number of members supporting it; every static member's instance id maps to it; the leader, if
 * any, is a member; only {@code PREPARING_REBALANCE} has members waiting on a join; in
 * {@code STABLE} every member holds the current generation's assignment.
 */
final class ClassicGroup {
    final String groupId;
    final ReentrantLock lock = new ReentrantLock();

    private GroupState state = GroupState.EMPTY;
    int generationId;
    /** Set by the first member; null while the group has never had one since it was empty. */
    String protocolType;
    /** The protocol of the current generation, or null when there is none (empty group). */
    String protocolName;
    String leaderId;
    /** In join order: the first member is the leader when the old one is gone. */
    final LinkedHashMap<String, GroupMember> members = new LinkedHashMap<>();
    /** Ids handed out with MEMBER_ID_REQUIRED, each with the timer that drops it if it never comes back. */
    final LinkedHashMap<String, GroupScheduler.Timeout> pendingMembers = new LinkedHashMap<>();
    /** {@code group.instance.id} to member id, for static members. */
    final Map<String, String> staticMembers = new HashMap<>();
    private final Map<String, Integer> protocolVotes = new HashMap<>();
    private int awaitingJoinCount;
    /** Members of the current generation that have not sent their SyncGroup yet. */
    final Set<String> pendingSync = new HashSet<>();

    /** Incremented by each rebalance, so a rebalance timer left from an earlier one does nothing. */
    int rebalanceSequence;
    GroupScheduler.Timeout rebalanceTimeout;
    /** Whether the rebalance in progress is the initial delayed one of a group that was empty. */
    boolean initialDelay;
    long initialDelayRemainingMs;
    boolean newMemberAdded;
    GroupScheduler.Timeout syncTimeout;

    ClassicGroup(String groupId) {
        this.groupId = groupId;
    }

    GroupState state() {
        return state;
    }

    boolean isIn(GroupState expected) {
        return state == expected;
    }

    /** Moves to {@code next}; throws {@link IllegalStateException} on a move the protocol does not have. */
    void transitionTo(GroupState next) {
        if (!next.validPrevious().contains(state)) {
            throw new IllegalStateException("Group " + groupId + " cannot move from " + state + " to " + next);
        }
        state = next;
    }

    Optional<GroupMember> member(String memberId) {
        return Optional.ofNullable(members.get(memberId));
    }

    Collection<GroupMember> allMembers() {
        return members.values();
    }

    boolean isLeader(String memberId) {
        return memberId.equals(leaderId);
    }

    int awaitingJoinCount() {
        return awaitingJoinCount;
    }

    /** Members and ids waiting for their second join: what counts against the group's size limit. */
    int size() {
        return members.size() + pendingMembers.size();
    }

    /** The member id a static member's instance id maps to. */
    Optional<String> staticMemberId(String groupInstanceId) {
        return groupInstanceId == null ? Optional.empty() : Optional.ofNullable(staticMembers.get(groupInstanceId));
    }

    /** Whether {@code groupInstanceId} belongs to a member whose id is not {@code memberId}. */
    boolean isStaticMemberFenced(String groupInstanceId, String memberId) {
        return staticMemberId(groupInstanceId).map(existing -> !existing.equals(memberId)).orElse(false);
    }

    void add(GroupMember member) {
        if (members.isEmpty()) {
            protocolType = member.protocolType;
        }
        members.put(member.memberId, member);
        member.protocols.forEach(p -> protocolVotes.merge(p.name(), 1, Integer::sum));
        if (member.groupInstanceId != null) {
            staticMembers.put(member.groupInstanceId, member.memberId);
        }
        if (member.isAwaitingJoin()) {
            awaitingJoinCount++;
        }
        if (leaderId == null) {
            leaderId = member.memberId;
        }
    }

    /** Removes a member (its futures are the caller's to complete); a new leader is picked if it led. */
    GroupMember remove(String memberId) {
        GroupMember member = members.remove(memberId);
        if (member == null) {
            throw new IllegalStateException("Group " + groupId + " has no member " + memberId);
        }
        member.protocols.forEach(p -> protocolVotes.merge(p.name(), -1, Integer::sum));
        protocolVotes.values().removeIf(count -> count == 0);
        if (member.groupInstanceId != null) {
            staticMembers.remove(member.groupInstanceId, memberId);
        }
        if (member.isAwaitingJoin()) {
            awaitingJoinCount--;
        }
        pendingSync.remove(memberId);
        if (member.heartbeatTimeout != null) {
            member.heartbeatTimeout.cancel();
        }
        if (isLeader(memberId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
        return member;
    }

    void setProtocols(GroupMember member, List<GroupMember.Protocol> protocols) {
        member.protocols.forEach(p -> protocolVotes.merge(p.name(), -1, Integer::sum));
        protocolVotes.values().removeIf(count -> count == 0);
        member.protocols = List.copyOf(protocols);
        member.protocols.forEach(p -> protocolVotes.merge(p.name(), 1, Integer::sum));
    }

    void setJoinFuture(GroupMember member, java.util.concurrent.CompletableFuture<
            org.apache.kafka.common.message.JoinGroupResponseData> future, short version) {
        if (future != null && !member.isAwaitingJoin()) {
            awaitingJoinCount++;
        } else if (future == null && member.isAwaitingJoin()) {
            awaitingJoinCount--;
        }
        member.joinFuture = future;
        member.joinVersion = version;
    }

    /**
     * Whether a member of {@code type} supporting {@code names} may join: any non-empty type and
     * protocol list while the group is empty; otherwise the group's type and at least one protocol
     * every current member supports.
     */
    boolean supportsProtocols(String type, Set<String> names) {
        if (members.isEmpty()) {
            return !type.isEmpty() && !names.isEmpty();
        }
        if (!type.equals(protocolType)) {
            return false;
        }
        for (String name : names) {
            if (protocolVotes.getOrDefault(name, 0) == members.size()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The protocol for the next generation: among those every member supports, the one most members
     * list first; a tie goes to the one the leader (else the first member) prefers.
     */
    String selectProtocol() {
        if (members.isEmpty()) {
            throw new IllegalStateException("Cannot select a protocol for empty group " + groupId);
        }
        Set<String> candidates = new HashSet<>();
        protocolVotes.forEach((name, count) -> {
            if (count == members.size()) {
                candidates.add(name);
            }
        });
        Map<String, Integer> votes = new HashMap<>();
        for (GroupMember member : members.values()) {
            votes.merge(member.vote(candidates), 1, Integer::sum);
        }
        GroupMember tieBreaker = leaderId != null && members.containsKey(leaderId) ? members.get(leaderId)
                : members.values().iterator().next();
        String best = null;
        for (GroupMember.Protocol preferred : tieBreaker.protocols) {
            Integer count = votes.get(preferred.name());
            if (count != null && (best == null || count > votes.get(best))) {
                best = preferred.name();
            }
        }
        return best;
    }

    boolean allMembersJoined() {
        return awaitingJoinCount == members.size() && pendingMembers.isEmpty();
    }

    /** The longest rebalance timeout of any member: how long a rebalance waits for all of them. */
    int rebalanceTimeoutMs() {
        int max = 0;
        for (GroupMember member : members.values()) {
            max = Math.max(max, member.rebalanceTimeoutMs);
        }
        return max;
    }

    /** Members not waiting on a join: those a rebalance timeout removes. */
    List<GroupMember> notYetRejoined() {
        List<GroupMember> out = new ArrayList<>();
        for (GroupMember member : members.values()) {
            if (!member.isAwaitingJoin()) {
                out.add(member);
            }
        }
        return out;
    }

    /** Throws {@link IllegalStateException} naming the first invariant (see the class note) that fails. */
    void checkInvariants() {
        int awaiting = 0;
        Map<String, Integer> votes = new HashMap<>();
        for (GroupMember member : members.values()) {
            awaiting += member.isAwaitingJoin() ? 1 : 0;
            member.protocols.forEach(p -> votes.merge(p.name(), 1, Integer::sum));
            if (member.groupInstanceId != null && !member.memberId.equals(staticMembers.get(member.groupInstanceId))) {
                throw new IllegalStateException("Static member " + member + " is not mapped by its instance id");
            }
            if (member.isAwaitingJoin() && state != GroupState.PREPARING_REBALANCE) {
                throw new IllegalStateException("Member " + member.memberId + " awaits a join in state " + state);
            }
            if (state == GroupState.STABLE && member.assignedGeneration != generationId) {
                throw new IllegalStateException("Member " + member.memberId + " of stable generation " + generationId
                        + " holds the assignment of generation " + member.assignedGeneration);
            }
        }
        check(awaiting == awaitingJoinCount, "awaitingJoinCount " + awaitingJoinCount + " but " + awaiting + " wait");
        check(votes.equals(protocolVotes), "protocol votes " + protocolVotes + " but members support " + votes);
        check(staticMembers.size() == members.values().stream().filter(m -> m.groupInstanceId != null).count(),
                "static member map " + staticMembers + " has entries for no member");
        check(leaderId == null ? members.isEmpty() : members.containsKey(leaderId), "leader " + leaderId
                + " is not among " + members.keySet());
        check(members.keySet().containsAll(pendingSync), "pending sync " + pendingSync + " names non-members");
        check(state != GroupState.EMPTY || members.isEmpty(), "empty group has members " + members.keySet());
        check(state == GroupState.EMPTY || state == GroupState.PREPARING_REBALANCE || state == GroupState.DEAD
                || protocolName != null, "no protocol in state " + state);
    }

    private void check(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalStateException("Group " + groupId + " (" + state + ", generation " + generationId + "): "
                    + problem);
        }
    }

    @Override
    public String toString() {
        return "Group[" + groupId + ", " + state + ", generation " + generationId + ", protocol " + protocolName
                + ", leader " + leaderId + ", members " + members.keySet() + ", pending " + pendingMembers.keySet()
                + "]";
    }
}

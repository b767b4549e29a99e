package dev.spool.kafka.group;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/**
 * One member of a classic group: who it is, the protocols it supports with its metadata for each,
 * its assignment, its timeouts, and the JoinGroup or SyncGroup it is waiting on. Mutable; guarded by
 * its group's lock, like everything in {@link ClassicGroup}.
 */
final class GroupMember {
    static final byte[] NO_ASSIGNMENT = new byte[0];

    /** A protocol the member supports (an assignor, for consumers) and its metadata for it. */
    record Protocol(String name, byte[] metadata) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Protocol p && p.name.equals(name) && Arrays.equals(p.metadata, metadata);
        }

        @Override
        public int hashCode() {
            return 31 * name.hashCode() + Arrays.hashCode(metadata);
        }

        @Override
        public String toString() {
            return name + "(" + metadata.length + " bytes)";
        }
    }

    final String memberId;
    /** The static member's {@code group.instance.id}, or null for a dynamic member. */
    final String groupInstanceId;
    final String clientId;
    final String clientHost;
    final String protocolType;
    int rebalanceTimeoutMs;
    int sessionTimeoutMs;
    List<Protocol> protocols;
    byte[] assignment = NO_ASSIGNMENT;
    /** The generation whose leader gave {@link #assignment}; -1 before the first. */
    int assignedGeneration = -1;
    /** The JoinGroup waiting for the rebalance to complete, or null. */
    CompletableFuture<JoinGroupResponseData> joinFuture;
    short joinVersion;
    /** The SyncGroup waiting for the leader's assignment, or null. */
    CompletableFuture<SyncGroupResponseData> syncFuture;
    long lastHeartbeatMs;
    /** The session timer; at most one per member, cancelled when the member leaves. */
    GroupScheduler.Timeout heartbeatTimeout;

    GroupMember(String memberId, String groupInstanceId, String clientId, String clientHost, String protocolType,
                int rebalanceTimeoutMs, int sessionTimeoutMs, List<Protocol> protocols, long nowMs) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.protocolType = protocolType;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.protocols = List.copyOf(protocols);
        this.lastHeartbeatMs = nowMs;
    }

    boolean isAwaitingJoin() {
        return joinFuture != null;
    }

    boolean isAwaitingSync() {
        return syncFuture != null;
    }

    Optional<String> groupInstanceId() {
        return Optional.ofNullable(groupInstanceId);
    }

    /** The member's metadata for {@code protocol}; empty when it does not support it. */
    byte[] metadata(String protocol) {
        for (Protocol p : protocols) {
            if (p.name().equals(protocol)) {
                return p.metadata();
            }
        }
        return NO_ASSIGNMENT;
    }

    /** The member's first protocol (its preference) among {@code candidates}. */
    String vote(java.util.Set<String> candidates) {
        for (Protocol p : protocols) {
            if (candidates.contains(p.name())) {
                return p.name();
            }
        }
        throw new IllegalStateException("Member " + memberId + " supports none of " + candidates);
    }

    @Override
    public String toString() {
        return "Member[" + memberId + (groupInstanceId == null ? "" : ", instance " + groupInstanceId) + ", "
                + protocols + "]";
    }
}

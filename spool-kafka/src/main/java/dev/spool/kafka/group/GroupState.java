package dev.spool.kafka.group;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a classic group, with the states each may be entered from (Kafka's
 * {@code ClassicGroupState}). {@link ClassicGroup#transitionTo} refuses any other move.
 *
 * <pre>
 *  Empty ──join──▶ PreparingRebalance ──all joined / rebalance timeout──▶ CompletingRebalance
 *    ▲                ▲     │ (no member left)                               │ leader's SyncGroup
 *    └────────────────┼─────┘                                                ▼
 *                     └──── join with new metadata, leave, eviction ───── Stable
 *  any state ──▶ Dead (the group was emptied and removed, or the coordinator closed)
 * </pre>
 */
enum GroupState {
    /** No members; committed offsets may remain. */
    EMPTY,
    /** Waiting for every member to (re)join before the next generation. */
    PREPARING_REBALANCE,
    /** A generation is formed; waiting for the leader's assignment in SyncGroup. */
    COMPLETING_REBALANCE,
    /** Every member has the generation's assignment (or gets it on its SyncGroup). */
    STABLE,
    /** Removed from the coordinator; a request that meets it looks the group up again. */
    DEAD;

    /** The state's name on the wire (DescribeGroups, ListGroups), as Kafka spells it. */
    String wireName() {
        return switch (this) {
            case EMPTY -> "Empty";
            case PREPARING_REBALANCE -> "PreparingRebalance";
            case COMPLETING_REBALANCE -> "CompletingRebalance";
            case STABLE -> "Stable";
            case DEAD -> "Dead";
        };
    }

    /** The states this one may be entered from. */
    Set<GroupState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(PREPARING_REBALANCE);
            case PREPARING_REBALANCE -> EnumSet.of(EMPTY, COMPLETING_REBALANCE, STABLE);
            case COMPLETING_REBALANCE -> EnumSet.of(PREPARING_REBALANCE);
            case STABLE -> EnumSet.of(COMPLETING_REBALANCE);
            case DEAD -> EnumSet.of(EMPTY, PREPARING_REBALANCE, COMPLETING_REBALANCE, STABLE, DEAD);
        };
    }
}

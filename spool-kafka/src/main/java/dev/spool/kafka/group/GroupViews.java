package dev.spool.kafka.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.protocol.Errors;

/**
 * What the group administration APIs (ListGroups, DescribeGroups, DeleteGroups, OffsetDelete) see
 * of a classic group, built so that each answer encodes at the version it goes out in: a field is
 * set only at the versions that have it.
 *
 * <p>A group exists while it is in memory (it has members or ids handed out to joiners) or has
 * committed offsets. One that has only offsets is what Kafka calls a simple group: state
 * {@code Empty}, protocol type "" (Spool does not remember the protocol type of a group that
 * emptied, nor across restarts; Kafka's Admin client takes "" as a consumer group too). Every
 * group is of type {@code classic}, the only type Spool has.
 *
 * <p>Static helpers; those taking a {@link ClassicGroup} are called with its lock held.
 */
final class GroupViews {
    /**
     * The one group type Spool has, spelled as Kafka's brokers send it (kafka-clients' own
     * {@code GroupType.CLASSIC} prints "Classic"; clients parse either without regard to case).
     */
    static final String CLASSIC = "classic";

    private GroupViews() {
    }

    /** A group in memory, as ListGroups lists it. */
    static ListedGroup listed(ClassicGroup group, short version) {
        return listed(group.groupId, group.state(), group.protocolType, version);
    }

    /** A group that has committed offsets and is not in memory. */
    static ListedGroup listedSimple(String groupId, short version) {
        return listed(groupId, GroupState.EMPTY, "", version);
    }

    private static ListedGroup listed(String groupId, GroupState state, String protocolType, short version) {
        ListedGroup out = new ListedGroup().setGroupId(groupId).setProtocolType(orEmpty(protocolType));
        if (version >= 4) {
            out.setGroupState(state.wireName());
        }
        if (version >= 5) {
            out.setGroupType(CLASSIC);
        }
        return out;
    }

    /**
     * Whether a listed group passes ListGroups' filters, which Kafka compares without regard to case
     * (and trims the states): an empty filter passes everything, a types filter passes only groups
     * of a listed type, so only one naming {@code classic}.
     */
    static boolean passes(GroupState state, List<String> statesFilter, List<String> typesFilter) {
        if (!statesFilter.isEmpty() && statesFilter.stream().map(s -> s.trim().toLowerCase(Locale.ROOT))
                .noneMatch(state.wireName().toLowerCase(Locale.ROOT)::equals)) {
            return false;
        }
        return typesFilter.isEmpty() || typesFilter.stream().anyMatch(t -> t.trim().equalsIgnoreCase(CLASSIC));
    }

    /**
     * A group in memory, as DescribeGroups describes it (Kafka's rules): the protocol, and each
     * member's metadata for it, only when the group is stable; each member's last assignment always.
     */
    static DescribedGroup described(ClassicGroup group, short version) {
        boolean stable = group.isIn(GroupState.STABLE);
        List<DescribedGroupMember> members = new ArrayList<>();
        for (GroupMember member : group.allMembers()) {
            DescribedGroupMember out = new DescribedGroupMember().setMemberId(member.memberId)
                    .setClientId(member.clientId).setClientHost(member.clientHost)
                    .setMemberAssignment(member.assignment)
                    .setMemberMetadata(stable ? member.metadata(group.protocolName) : GroupMember.NO_ASSIGNMENT);
            if (version >= 4) {
                out.setGroupInstanceId(member.groupInstanceId);
            }
            members.add(out);
        }
        return new DescribedGroup().setGroupId(group.groupId).setErrorCode(Errors.NONE.code())
                .setGroupState(group.state().wireName()).setProtocolType(orEmpty(group.protocolType))
                .setProtocolData(stable ? group.protocolName : "").setMembers(members);
    }

    /** A group that has committed offsets and is not in memory: an empty simple group. */
    static DescribedGroup describedSimple(String groupId) {
        return new DescribedGroup().setGroupId(groupId).setErrorCode(Errors.NONE.code())
                .setGroupState(GroupState.EMPTY.wireName()).setProtocolType("").setProtocolData("");
    }

    /**
     * A group that does not exist: {@code GROUP_ID_NOT_FOUND} from version 6 (which has an error
     * message), before that the {@code Dead} state without error, as Kafka answers each version.
     */
    static DescribedGroup describedMissing(String groupId, short version) {
        DescribedGroup out = new DescribedGroup().setGroupId(groupId).setProtocolType("").setProtocolData("");
        if (version >= 6) {
            return out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setGroupState("")
                    .setErrorMessage("Group " + groupId + " not found.");
        }
        return out.setErrorCode(Errors.NONE.code()).setGroupState(GroupState.DEAD.wireName());
    }

    /** A DescribeGroups entry that failed with {@code error} (an empty group id). */
    static DescribedGroup describedError(String groupId, Errors error, short version) {
        DescribedGroup out = new DescribedGroup().setGroupId(groupId == null ? "" : groupId)
                .setErrorCode(error.code()).setGroupState("").setProtocolType("").setProtocolData("");
        if (version >= 6) {
            out.setErrorMessage(error.message());
        }
        return out;
    }

    /**
     * Whether OffsetDelete must refuse {@code topic} because a member of the group consumes it
     * ({@code GROUP_SUBSCRIBED_TO_TOPIC}). Only consumer-protocol groups with members subscribe;
     * their subscriptions are read from each member's metadata (the prefix every version of the
     * consumer protocol shares). Metadata that does not parse counts as subscribed to everything,
     * as Kafka does: refusing is the safe answer.
     */
    static boolean isSubscribedTo(ClassicGroup group, String topic) {
        return subscribedTopics(group).map(topics -> topics.contains(topic)).orElse(true);
    }

    /** The topics the members subscribe to; empty when some member's metadata does not parse. */
    private static Optional<Set<String>> subscribedTopics(ClassicGroup group) {
        if (group.members.isEmpty() || !ConsumerProtocol.PROTOCOL_TYPE.equals(group.protocolType)) {
            return Optional.of(Set.of());
        }
        Set<String> topics = new HashSet<>();
        for (GroupMember member : group.allMembers()) {
            // Before the first generation there is no group protocol yet: every protocol a
            // consumer lists carries the same subscription, so its first one will do.
            byte[] metadata = group.protocolName != null ? member.metadata(group.protocolName)
                    : member.protocols.isEmpty() ? GroupMember.NO_ASSIGNMENT : member.protocols.get(0).metadata();
            try {
                ByteBuffer buffer = ByteBuffer.wrap(metadata);
                ConsumerProtocol.deserializeVersion(buffer);
                topics.addAll(ConsumerProtocol.deserializeConsumerProtocolSubscription(buffer, (short) 0).topics());
            } catch (RuntimeException e) { // SchemaException, BufferUnderflowException: not a subscription
                return Optional.empty();
            }
        }
        return Optional.of(topics);
    }

    /** Whether OffsetDelete must refuse the whole group: it has members and does not speak the consumer protocol. */
    static boolean isNonEmptyNonConsumer(ClassicGroup group) {
        return !group.isIn(GroupState.EMPTY) && !ConsumerProtocol.PROTOCOL_TYPE.equals(group.protocolType);
    }

    private static String orEmpty(String text) {
        return text == null ? "" : text;
    }
}

package dev.spool.kafka.group;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The JoinGroup and SyncGroup responses the coordinator sends, built so that they encode at every
 * version the server advertises: JoinGroup's protocol name is nullable only from version 7, so an
 * error for an older version carries "" instead; fields that newer versions added are ignorable.
 */
final class GroupResponses {
    private GroupResponses() {
    }

    static JoinGroupResponseData joinError(String memberId, Errors error, short version) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setGenerationId(-1).setMemberId(memberId)
                .setLeader("").setProtocolType(null).setProtocolName(version >= 7 ? null : "");
    }

    static JoinGroupResponseData joinResponse(ClassicGroup group, GroupMember member, boolean withMembers) {
        List<JoinGroupResponseData.JoinGroupResponseMember> members = new ArrayList<>();
        if (withMembers) {
            for (GroupMember m : group.allMembers()) {
                members.add(new JoinGroupResponseData.JoinGroupResponseMember().setMemberId(m.memberId)
                        .setGroupInstanceId(m.groupInstanceId).setMetadata(m.metadata(group.protocolName)));
            }
        }
        return new JoinGroupResponseData().setErrorCode(Errors.NONE.code()).setGenerationId(group.generationId)
                .setProtocolType(group.protocolType).setProtocolName(group.protocolName).setLeader(group.leaderId)
                .setMemberId(member.memberId).setMembers(members);
    }

    static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(GroupMember.NO_ASSIGNMENT);
    }

    static SyncGroupResponseData syncResponse(ClassicGroup group, GroupMember member) {
        return new SyncGroupResponseData().setErrorCode(Errors.NONE.code()).setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName).setAssignment(member.assignment);
    }
}

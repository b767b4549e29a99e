package dev.spool.kafka.group;

import java.util.Objects;

/**
 * One committed offset of a group for one partition, as stored and as OffsetFetch returns it.
 *
 * @param offset            the next offset the group will consume
 * @param leaderEpoch       the leader epoch the client saw at that offset; -1 when it sent none
 * @param metadata          the client's string, "" when it sent none (null is stored as "")
 * @param commitTimestampMs the coordinator's clock when the commit was accepted
 */
record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs) {

    CommittedOffset {
        Objects.requireNonNull(metadata, "metadata (empty when there is none)");
    }
}

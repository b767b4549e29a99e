package dev.spool.kafka.txn;

import java.util.Collections;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One transactional id's state, as the coordinator's log stores it: the producer id and epoch it
 * holds, its timeout, where its transaction stands and which partitions the transaction wrote to.
 * Immutable: a transition makes a new one, which is applied in memory only once the log holds it.
 *
 * @param producerId       the producer id this transactional id owns
 * @param producerEpoch    its current epoch; a request with an older one is fenced
 * @param timeoutMs        how long a transaction may stay open before the coordinator aborts it
 * @param state            where the transaction stands
 * @param partitions       the partitions the open (or completing) transaction wrote to, as {@code topic-partition}
 * @param startMs          when the open transaction began; -1 when none is open
 * @param lastUpdateMs     when this state was written
 */
public record TransactionMetadata(String transactionalId, long producerId, short producerEpoch, int timeoutMs,
                                  TransactionState state, SortedSet<PartitionRef> partitions, long startMs,
                                  long lastUpdateMs) {

    /** A partition of a transaction: topic and partition, ordered by topic then partition. */
    public record PartitionRef(String topic, int partition) implements Comparable<PartitionRef> {
        public PartitionRef {
            Objects.requireNonNull(topic, "topic");
            if (partition < 0) {
                throw new IllegalArgumentException("Partition " + partition + " of " + topic + " is negative");
            }
        }

        @Override
        public int compareTo(PartitionRef other) {
            int byTopic = topic.compareTo(other.topic);
            return byTopic != 0 ? byTopic : Integer.compare(partition, other.partition);
        }

        @Override
        public String toString() {
            return topic + "-" + partition;
        }
    }

    public TransactionMetadata {
        Objects.requireNonNull(transactionalId, "transactionalId");
        Objects.requireNonNull(state, "state");
        partitions = Collections.unmodifiableSortedSet(new TreeSet<>(partitions));
        if (transactionalId.isEmpty()) {
            throw new IllegalArgumentException("A transactional id is not empty");
        }
        if (timeoutMs <= 0) {
            throw new IllegalArgumentException("Transaction timeout of " + transactionalId + " must be positive, was "
                    + timeoutMs + " ms");
        }
    }

    /** The same transaction in another state, written at {@code nowMs}. */
    public TransactionMetadata withState(TransactionState next, long nowMs) {
        return new TransactionMetadata(transactionalId, producerId, producerEpoch, timeoutMs, next, partitions,
                startMs, nowMs);
    }
}

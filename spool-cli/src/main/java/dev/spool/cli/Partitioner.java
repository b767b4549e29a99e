package dev.spool.cli;

import java.util.Arrays;
import org.apache.kafka.common.utils.Utils;

/**
 * Picks the partition of each record {@code spool produce} writes without {@code --partition}, as
 * Kafka's Java producer does by default: a record with a key goes to
 * {@code toPositive(murmur2(key)) % partitions} (Kafka's own hash from kafka-clients, so a key
 * lands where a Kafka producer would put it); records without a key stick to one partition, chosen
 * at random, until its batch is full, then move to the next one, so keyless records spread in
 * whole batches.
 *
 * <p>Not thread-safe: one per run.
 */
final class Partitioner {
    private final int partitions;
    private int sticky;

    Partitioner(int partitions, java.util.random.RandomGenerator random) {
        if (partitions < 1) {
            throw new IllegalArgumentException("A topic has at least 1 partition, not " + partitions);
        }
        this.partitions = partitions;
        this.sticky = random.nextInt(partitions);
    }

    /** The partition of a record whose key is {@code key[0..length)}. */
    int partitionOf(byte[] key, int length) {
        return partitionForKey(length == key.length ? key : Arrays.copyOf(key, length), partitions);
    }

    /** Kafka's default partition for a key (its {@code BuiltInPartitioner.partitionForKey}). */
    static int partitionForKey(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    /** The partition keyless records go to now. */
    int stickyPartition() {
        return sticky;
    }

    /** A batch of {@code partition} was full: keyless records move on to the next partition. */
    void batchFull(int partition) {
        if (partition == sticky) {
            sticky = (sticky + 1) % partitions;
        }
    }
}

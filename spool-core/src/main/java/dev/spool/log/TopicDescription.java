package dev.spool.log;

import java.util.List;

/** A topic's partitions and, for each, its offsets and size; and the topic's settings. */
public record TopicDescription(String name, List<PartitionDescription> partitions, TopicConfig config) {

    /**
     * One partition's state. An {@code offline} partition (its files are damaged, see
     * {@link PartitionOfflineException}) is described by its checkpointed offsets, with no size and
     * no segments.
     */
    public record PartitionDescription(int partition, long logStartOffset, long logEndOffset, long sizeBytes,
                                       int segmentCount, boolean offline) {

        /** An online partition. */
        public PartitionDescription(int partition, long logStartOffset, long logEndOffset, long sizeBytes,
                                    int segmentCount) {
            this(partition, logStartOffset, logEndOffset, sizeBytes, segmentCount, false);
        }

        public static PartitionDescription offline(int partition, long logStartOffset, long logEndOffset) {
            return new PartitionDescription(partition, logStartOffset, logEndOffset, 0, 0, true);
        }
    }

    public long sizeBytes() {
        return partitions.stream().mapToLong(PartitionDescription::sizeBytes).sum();
    }

    public long recordCount() {
        return partitions.stream().mapToLong(p -> p.logEndOffset() - p.logStartOffset()).sum();
    }
}

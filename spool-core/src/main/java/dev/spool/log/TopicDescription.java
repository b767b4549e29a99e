package dev.spool.log;

import java.util.List;

/** A topic's partitions and, for each, its offsets and size; and the topic's settings. */
public record TopicDescription(String name, List<PartitionDescription> partitions, TopicConfig config) {

    /** One partition's state. */
    public record PartitionDescription(int partition, long logStartOffset, long logEndOffset, long sizeBytes,
                                       int segmentCount) {
    }

    public long sizeBytes() {
        return partitions.stream().mapToLong(PartitionDescription::sizeBytes).sum();
    }

    public long recordCount() {
        return partitions.stream().mapToLong(p -> p.logEndOffset() - p.logStartOffset()).sum();
    }
}

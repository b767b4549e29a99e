package dev.spool.kafka.group;

/**
 * One committed offset as the consumer-lag meter reads it: the offset group {@code group}
 * committed for partition {@code partition} of {@code topic}.
 */
public record GroupPartitionOffset(String group, String topic, int partition, long offset) {
}

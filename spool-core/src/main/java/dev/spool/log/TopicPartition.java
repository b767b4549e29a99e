package dev.spool.log;

import java.util.OptionalInt;

/** A topic and one of its partitions; its directory is named {@code topic-partition}. */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {

    public TopicPartition {
        TopicName.validate(topic);
        if (partition < 0) {
            throw new IllegalArgumentException("Partition " + partition + " of " + topic + " is negative");
        }
    }

    /** The directory name: {@code orders-0}. */
    public String dirName() {
        return topic + "-" + partition;
    }

    /** Parses a directory name; empty for any name that is not {@code <legal topic>-<partition>}. */
    public static java.util.Optional<TopicPartition> parseDirName(String name) {
        int dash = name.lastIndexOf('-');
        if (dash <= 0 || dash == name.length() - 1) {
            return java.util.Optional.empty();
        }
        OptionalInt partition = parsePartition(name.substring(dash + 1));
        String topic = name.substring(0, dash);
        if (partition.isEmpty() || !TopicName.isValid(topic)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new TopicPartition(topic, partition.getAsInt()));
    }

    private static OptionalInt parsePartition(String digits) {
        if (digits.length() > 9 || (digits.length() > 1 && digits.charAt(0) == '0')) {
            return OptionalInt.empty();
        }
        int value = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return OptionalInt.empty();
            }
            value = value * 10 + (c - '0');
        }
        return OptionalInt.of(value);
    }

    @Override
    public int compareTo(TopicPartition other) {
        int byTopic = topic.compareTo(other.topic);
        return byTopic != 0 ? byTopic : Integer.compare(partition, other.partition);
    }

    @Override
    public String toString() {
        return dirName();
    }
}

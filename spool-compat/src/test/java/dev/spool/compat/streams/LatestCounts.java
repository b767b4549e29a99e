package dev.spool.compat.streams;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the word-count output topic from its beginning and keeps the latest count seen per word
 * (the output is keyed by word, so one word's updates are in one partition, in order). A plain
 * consumer with assigned partitions: no group, nothing committed. Not thread-safe.
 */
final class LatestCounts implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<String, Long> consumer;
    private final List<TopicPartition> partitions;
    private final Map<String, Long> latest = new TreeMap<>();
    private long records;

    LatestCounts(String bootstrap, String topic, int partitionCount) {
        this(bootstrap, topic, partitionCount, "read_uncommitted");
    }

    /** With {@code isolation.level} {@code read_committed}, only the counts of committed transactions are seen. */
    LatestCounts(String bootstrap, String topic, int partitionCount, String isolation) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new LongDeserializer());
        partitions = java.util.stream.IntStream.range(0, partitionCount)
                .mapToObj(p -> new TopicPartition(topic, p)).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Reads whatever arrives within one short poll. */
    void poll() {
        for (ConsumerRecord<String, Long> record : consumer.poll(POLL)) {
            latest.put(record.key(), record.value());
            records++;
        }
    }

    /** Reads until every partition's position reaches its current end offset, or fails at the deadline. */
    void readToEnd(long deadlineNanos) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        while (!reached(ends)) {
            if (System.nanoTime() - deadlineNanos > 0) {
                throw new AssertionError("The output did not reach its end offsets " + ends + " by the deadline; "
                        + "read " + records + " records");
            }
            poll();
        }
    }

    private boolean reached(Map<TopicPartition, Long> ends) {
        for (TopicPartition partition : partitions) {
            if (consumer.position(partition) < ends.get(partition)) {
                return false;
            }
        }
        return true;
    }

    /** The latest count per word read so far. */
    Map<String, Long> latest() {
        return new TreeMap<>(latest);
    }

    /** How many output records were read so far. */
    long records() {
        return records;
    }

    @Override
    public void close() {
        consumer.close();
    }
}

package dev.spool.cli;

import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.ReadResult;
import dev.spool.log.TopicName;
import dev.spool.log.UnknownTopicException;
import dev.spool.log.record.Record;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spool topics checksum TOPIC}: per partition, the offsets and a checksum of the records'
 * keys and values ({@link RecordChecksum}), read from a data directory or from any server that
 * speaks the Kafka protocol ({@code --bootstrap-server}), so the source and the target of a
 * migration can be compared: the record counts and checksums match when every record arrived, in
 * order, whatever offsets the target gave them.
 *
 * <p>Over the network it reads each partition from its start to the end offset it saw when it
 * began (records appended meanwhile are not counted), with a plain consumer that joins no group
 * and commits nothing.
 */
@Command(name = "checksum", description = "Per partition: offsets, record count and a checksum of keys and values, "
        + "from the data directory or from any Kafka-protocol server (--bootstrap-server), to compare two copies.")
final class TopicChecksumCommand implements Callable<Integer> {
    /** A read that makes no progress for this long is an error rather than a hang. */
    private static final Duration STALL_MAX = Duration.ofSeconds(30);
    private static final long PROGRESS_EVERY_NANOS = Duration.ofSeconds(2).toNanos();

    @Mixin
    CommonOptions common;
    @Parameters(paramLabel = "TOPIC")
    String topic;
    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
            description = "Read from this Kafka-protocol server (Spool, Kafka, …) instead of the data directory.")
    String bootstrap;

    /** One partition's figures. */
    record PartitionSum(int partition, long startOffset, long endOffset, RecordChecksum checksum) {
    }

    @Override
    public Integer call() throws Exception {
        TopicName.validate(topic);
        List<PartitionSum> sums = bootstrap == null ? fromDataDir() : fromServer();
        PrintStream out = common.root().out;
        long records = sums.stream().mapToLong(s -> s.checksum().records()).sum();
        out.printf("topic %s: %d partition(s), %d record(s), checksum %s%n", topic, sums.size(), records,
                RecordChecksum.ofTopic(sums.stream().map(PartitionSum::checksum).toList()));
        out.printf("%-10s %15s %15s %12s  %s%n", "PARTITION", "START-OFFSET", "END-OFFSET", "RECORDS", "CHECKSUM");
        for (PartitionSum sum : sums) {
            out.printf("%-10d %15d %15d %12d  %s%n", sum.partition(), sum.startOffset(), sum.endOffset(),
                    sum.checksum().records(), sum.checksum().hex());
        }
        return SpoolCommand.EXIT_OK;
    }

    private List<PartitionSum> fromDataDir() throws IOException {
        List<PartitionSum> sums = new ArrayList<>();
        try (LogManager manager = common.openManager(false)) {
            if (!manager.topics().contains(topic)) {
                throw new UnknownTopicException("Unknown topic '" + topic + "' in " + common.dataDir);
            }
            for (int p = 0; p < manager.partitionCount(topic); p++) {
                Log log = manager.log(topic, p);
                long start = log.logStartOffset();
                long end = log.logEndOffset();
                RecordChecksum checksum = new RecordChecksum();
                long offset = start;
                while (offset < end) {
                    ReadResult result = log.read(offset, 1 << 20);
                    for (Record record : result.records()) {
                        if (record.offset() >= offset && record.offset() < end) {
                            checksum.add(record.key().orElse(null), record.value().orElse(null));
                        }
                    }
                    long next = result.nextOffset(offset);
                    if (next <= offset) {
                        break; // the end as the read saw it
                    }
                    offset = next;
                }
                sums.add(new PartitionSum(p, start, end, checksum));
            }
        }
        return sums;
    }

    private List<PartitionSum> fromServer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "spool-topics-checksum");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"); // a checksum never creates a topic
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, STALL_MAX);
            if (infos == null || infos.isEmpty()) {
                throw new UnknownTopicException("Unknown topic '" + topic + "' on " + bootstrap);
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition()))
                    .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
            Map<TopicPartition, Long> starts = consumer.beginningOffsets(partitions, STALL_MAX);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, STALL_MAX);
            Map<TopicPartition, RecordChecksum> checksums = new java.util.HashMap<>();
            partitions.forEach(tp -> checksums.put(tp, new RecordChecksum()));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            readToEnds(consumer, partitions, ends, checksums);
            return partitions.stream().map(tp -> new PartitionSum(tp.partition(), starts.get(tp), ends.get(tp),
                    checksums.get(tp))).toList();
        }
    }

    /** Polls until every partition's position reached the end offset taken at the start. */
    private void readToEnds(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions,
                            Map<TopicPartition, Long> ends, Map<TopicPartition, RecordChecksum> checksums) {
        long began = System.nanoTime();
        long lastProgress = began;
        long lastReport = began;
        long read = 0;
        long positions = -1;
        while (true) {
            List<TopicPartition> behind = partitions.stream()
                    .filter(tp -> consumer.position(tp, STALL_MAX) < ends.get(tp)).toList();
            if (behind.isEmpty()) {
                break;
            }
            long now = System.nanoTime();
            long sum = partitions.stream().mapToLong(tp -> consumer.position(tp, STALL_MAX)).sum();
            if (sum != positions) { // progress, records or not (a gap, a transaction marker)
                positions = sum;
                lastProgress = now;
            }
            if (now - lastProgress > STALL_MAX.toNanos()) {
                TopicPartition first = behind.get(0);
                throw new IllegalStateException("Reading " + first + " made no progress for " + STALL_MAX.toSeconds()
                        + " s at offset " + consumer.position(first) + " (end offset " + ends.get(first) + ")");
            }
            if (now - lastReport > PROGRESS_EVERY_NANOS) {
                common.root().err.printf("checksum: %d record(s) read, %d partition(s) to go%n", read, behind.size());
                lastReport = now;
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                if (record.offset() < ends.get(tp)) {
                    checksums.get(tp).add(record.key(), record.value());
                    read++;
                }
            }
        }
    }
}

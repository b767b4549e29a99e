package dev.spool.compat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The harness's own side of a cell, with the Java client in this JVM: creating a cell's topic,
 * filling it, reading it back and reading a group's committed offset, so a cell checks the client
 * under test against what the server really holds. All on partition 0 of single-partition topics
 * unless said. Thread-safe (each call opens its own client, except the shared producer, which is
 * thread-safe itself).
 */
final class Fixtures implements AutoCloseable {
    static final long WAIT_MS = 30_000;

    final Target target;
    private final KafkaProducer<String, String> producer;
    /** Without a producer id (as kcat and most non-Java producers write): batches the broker cannot deduplicate. */
    private final KafkaProducer<String, String> plainProducer;
    private final Admin admin;

    Fixtures(Target target) {
        this.target = target;
        Properties props = new Properties();
        props.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrap());
        props.setProperty(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.setProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        props.setProperty(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        props.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.setProperty(ProducerConfig.ACKS_CONFIG, "1");
        props.setProperty(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        this.plainProducer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        this.admin = Admin.create(adminProps(target));
    }

    static Properties adminProps(Target target) {
        Properties props = new Properties();
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrap());
        props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        return props;
    }

    static Properties consumerProps(Target target, String group, String reset) {
        Properties props = new Properties();
        props.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrap());
        if (group != null) {
            props.setProperty(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        props.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
        props.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.setProperty(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.setProperty(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return props;
    }

    Admin admin() {
        return admin;
    }

    /** Creates the topic and waits until the server's metadata shows it (Kafka's lags its controller's). */
    void createTopic(String topic, int partitions) throws Exception {
        createTopic(topic, partitions, Map.of());
    }

    /** As {@link #createTopic(String, int)}, with the topic configs {@code configs}. */
    void createTopic(String topic, int partitions, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all()
                .get(WAIT_MS, TimeUnit.MILLISECONDS);
        Admins.awaitPartitions(this, topic, partitions);
    }

    /** A new single-partition topic holding {@code values}, in order, with the producer's timestamps. */
    void topicWith(String topic, List<String> values) throws Exception {
        createTopic(topic, 1);
        produce(topic, values, -1);
    }

    /** Appends {@code values} to partition 0; timestamps {@code firstTimestamp + 1000 i}, or now when negative. */
    void produce(String topic, List<String> values, long firstTimestamp) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            Long timestamp = firstTimestamp < 0 ? null : firstTimestamp + 1000L * i;
            sent.add(producer.send(new ProducerRecord<>(topic, 0, timestamp, null, values.get(i))));
        }
        for (Future<RecordMetadata> each : sent) {
            each.get(WAIT_MS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Appends one record per key to partition 0, {@code keys.get(i)} with {@code values.get(i)} (a
     * null value is a tombstone), and waits until all are acknowledged; with a producer id (an
     * idempotent producer, the Java client's default) or without.
     */
    void produceKeyed(String topic, List<String> keys, List<String> values, boolean idempotent) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        KafkaProducer<String, String> sender = idempotent ? producer : plainProducer;
        for (int i = 0; i < keys.size(); i++) {
            sent.add(sender.send(new ProducerRecord<>(topic, 0, keys.get(i), values.get(i))));
        }
        for (Future<RecordMetadata> each : sent) {
            each.get(WAIT_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Every value of partition {@code partition}, from its start offset to its end offset. */
    List<String> readAll(String topic, int partition) {
        TopicPartition tp = new TopicPartition(topic, partition);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(target, null, "earliest"))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofMillis(WAIT_MS)).get(tp);
            List<String> values = new ArrayList<>();
            long deadline = System.currentTimeMillis() + WAIT_MS;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            return values;
        }
    }

    long startOffset(String topic) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(target, null, "earliest"))) {
            return consumer.beginningOffsets(List.of(tp), Duration.ofMillis(WAIT_MS)).get(tp);
        }
    }

    /** The offset {@code group} committed for partition 0 of {@code topic}; -1 when none. */
    long committed(String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(WAIT_MS, TimeUnit.MILLISECONDS);
        OffsetAndMetadata offset = offsets.get(new TopicPartition(topic, 0));
        return offset == null ? -1 : offset.offset();
    }

    /** Commits {@code offset} for partition 0 as a simple (non-member) consumer of {@code group}. */
    void commit(String group, String topic, long offset) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(target, group, "earliest"))) {
            consumer.assign(List.of(tp));
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(offset)), Duration.ofMillis(WAIT_MS));
        }
    }

    static List<String> values(String prefix, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        plainProducer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }
}

package dev.spool.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java client (kafka-clients 4.4, in this JVM): producer per codec, classic-protocol consumer
 * groups, offsetsForTimes, watermarks, commit and resume, and the Admin calls a Kafka operator's
 * tooling makes.
 */
final class JavaClientCells {
    static final String CLIENT = "Java client 4.4";
    private static final long WAIT_MS = Fixtures.WAIT_MS;

    private JavaClientCells() {
    }

    /** Reads {@code count} values with {@code consumer}, failing after {@link Fixtures#WAIT_MS}. */
    static List<String> read(KafkaConsumer<String, String> consumer, int count) {
        List<String> values = new ArrayList<>();
        long deadline = System.currentTimeMillis() + WAIT_MS;
        ConsumerRecord<String, String> last = null;
        while (values.size() < count && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                if (values.size() < count) {
                    values.add(record.value());
                    last = record;
                }
            }
        }
        if (last != null) {
            consumer.commitSync(Map.of(new TopicPartition(last.topic(), last.partition()),
                    new OffsetAndMetadata(last.offset() + 1)));
        }
        return values;
    }

    static List<String> consume(Fixtures f, String topic, String group, String reset, int count) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Fixtures.consumerProps(f.target, group,
                reset))) {
            consumer.subscribe(List.of(topic));
            return read(consumer, count);
        }
    }

    static List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        for (String codec : ScriptCells.CODECS) {
            cells.add(new Cell(CLIENT, "produce " + codec + ", read back", (f, topic) -> {
                f.createTopic(topic, 1);
                Properties props = new Properties();
                props.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, f.target.bootstrap());
                props.setProperty(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
                props.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                        new StringSerializer())) {
                    for (String value : Fixtures.values("v", 5)) {
                        producer.send(new ProducerRecord<>(topic, 0, null, value));
                    }
                    producer.flush();
                }
                assertThat(f.readAll(topic, 0)).as("values on the server").isEqualTo(Fixtures.values("v", 5));
                assertThat(consume(f, topic, topic + "-g", "earliest", 5)).isEqualTo(Fixtures.values("v", 5));
                return null;
            }));
        }
        cells.addAll(consumeCells());
        cells.add(CompactedCells.javaClient());
        return cells;
    }

    private static List<Cell> consumeCells() {
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(CLIENT, "consume, new group, earliest", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("e", 5));
            assertThat(consume(f, topic, topic + "-g", "earliest", 5)).isEqualTo(Fixtures.values("e", 5));
            return null;
        }));
        cells.add(new Cell(CLIENT, "consume, new group, latest", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("early", 3));
            TopicPartition tp = new TopicPartition(topic, 0);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Fixtures.consumerProps(f.target,
                    topic + "-g", "latest"))) {
                consumer.subscribe(List.of(topic));
                long deadline = System.currentTimeMillis() + WAIT_MS;
                while (consumer.assignment().isEmpty() && System.currentTimeMillis() < deadline) {
                    consumer.poll(Duration.ofMillis(200));
                }
                assertThat(consumer.assignment()).as("assignment").containsExactly(tp);
                assertThat(consumer.position(tp, Duration.ofMillis(WAIT_MS))).as("position").isEqualTo(3);
                f.produce(topic, List.of("late0", "late1"), -1);
                assertThat(read(consumer, 2)).isEqualTo(List.of("late0", "late1"));
            }
            return null;
        }));
        cells.add(new Cell(CLIENT, "consume from a timestamp (offsetsForTimes)", (f, topic) -> {
            long base = Timestamps.base();
            f.createTopic(topic, 1);
            f.produce(topic, Fixtures.values("t", 6), base);
            TopicPartition tp = new TopicPartition(topic, 0);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Fixtures.consumerProps(f.target, null,
                    "earliest"))) {
                OffsetAndTimestamp found = consumer.offsetsForTimes(Map.of(tp, base + 3000),
                        Duration.ofMillis(WAIT_MS)).get(tp);
                assertThat(found.offset()).isEqualTo(3);
                assertThat(found.timestamp()).isEqualTo(base + 3000);
                consumer.assign(List.of(tp));
                consumer.seek(tp, found.offset());
                List<String> values = new ArrayList<>();
                long deadline = System.currentTimeMillis() + WAIT_MS;
                while (values.size() < 3 && System.currentTimeMillis() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                }
                assertThat(values).isEqualTo(List.of("t3", "t4", "t5"));
            }
            return null;
        }));
        cells.add(new Cell(CLIENT, "watermark offsets (beginningOffsets, endOffsets)", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("w", 4));
            TopicPartition tp = new TopicPartition(topic, 0);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Fixtures.consumerProps(f.target, null,
                    "earliest"))) {
                assertThat(consumer.beginningOffsets(List.of(tp), Duration.ofMillis(WAIT_MS))).containsEntry(tp, 0L);
                assertThat(consumer.endOffsets(List.of(tp), Duration.ofMillis(WAIT_MS))).containsEntry(tp, 4L);
            }
            return null;
        }));
        cells.add(new Cell(CLIENT, "commit, stop, resume in the group", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("r", 6));
            String group = topic + "-g";
            assertThat(consume(f, topic, group, "earliest", 3)).isEqualTo(List.of("r0", "r1", "r2"));
            assertThat(f.committed(group, topic)).as("committed offset after the first run").isEqualTo(3);
            assertThat(consume(f, topic, group, "earliest", 3)).isEqualTo(List.of("r3", "r4", "r5"));
            return null;
        }));
        cells.addAll(JavaAdminCells.cells());
        return cells;
    }
}

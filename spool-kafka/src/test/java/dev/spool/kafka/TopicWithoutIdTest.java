package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topic whose only {@code partition.metadata} is damaged runs without a topic id (it is never
 * guessed): Metadata gives it Kafka's zero id, and Kafka's Java client then produces and fetches it
 * by name, as it does a topic a Kafka cluster made without an id.
 */
class TopicWithoutIdTest {
    @TempDir
    Path dataDir;

    @Test
    void theJavaClientProducesAndConsumesATopicWhoseIdFileIsDamaged() throws Exception {
        try (RunningServer server = new RunningServer(dataDir)) {
            server.manager().createTopic("noid", 1);
        }
        Files.writeString(dataDir.resolve("noid-0").resolve("partition.metadata"), "garbage");
        try (RunningServer server = new RunningServer(dataDir)) {
            try (Admin admin = server.admin()) {
                TopicDescription described = admin.describeTopics(List.of("noid")).allTopicNames().get().get("noid");
                assertThat(described.topicId()).isEqualTo(Uuid.ZERO_UUID);
            }
            Properties producerProps = new Properties();
            producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                    new StringSerializer())) {
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>("noid", "v" + i)).get();
                }
            }
            Properties consumerProps = new Properties();
            consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
            consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.assign(List.of(new TopicPartition("noid", 0)));
                List<String> read = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (read.size() < 3 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        read.add(record.value());
                    }
                }
                assertThat(read).containsExactly("v0", "v1", "v2");
            }
        }
    }
}

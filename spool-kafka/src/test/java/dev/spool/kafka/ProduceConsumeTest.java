package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.Log;
import dev.spool.log.ReadResult;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real Java producer (idempotent, acks=all: its defaults) and consumer against the server,
 * once per compression codec, with a restart of the server between two halves of the records.
 */
class ProduceConsumeTest {
    private static final int RECORDS_PER_HALF = 2_000;

    @TempDir
    Path dir;

    static Properties producerProps(String bootstrap, String compression) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "16384");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "20");
        props.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, "20");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        return props;
    }

    static Properties consumerProps(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.RECONNECT_BACKOFF_MS_CONFIG, "20");
        props.put(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG, "20");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        return props;
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void everyRecordIsReadExactlyOnceAcrossARestart(String compression) throws Exception {
        roundTrip(compression, KafkaServerConfig.defaults());
    }

    @org.junit.jupiter.api.Test
    void fetchesThroughTheHeapServeTheSameRecords() throws Exception {
        roundTrip("lz4", KafkaServerConfig.defaults().withZeroCopyFetch(false));
    }

    private void roundTrip(String compression, KafkaServerConfig config) throws Exception {
        String topic = "events-" + compression;
        try (RunningServer server = new RunningServer(dir, config)) {
            List<Long> offsets = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(server.bootstrap(),
                    compression), new ByteArraySerializer(), new ByteArraySerializer())) {
                offsets.addAll(send(producer, topic, 0, RECORDS_PER_HALF));
                server.restart();
                offsets.addAll(send(producer, topic, RECORDS_PER_HALF, RECORDS_PER_HALF));
            }
            assertThat(new HashSet<>(offsets)).hasSize(2 * RECORDS_PER_HALF);
            assertThat(server.manager().log(topic, 0).logEndOffset()).isEqualTo(2L * RECORDS_PER_HALF);
            assertThat(storedCodecs(server.manager().log(topic, 0)))
                    .containsExactly(CompressionType.valueOf(compression.toUpperCase(java.util.Locale.ROOT)));

            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(server.bootstrap()),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                TopicPartition partition = new TopicPartition(topic, 0);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                List<String> values = new ArrayList<>();
                Set<Long> seen = new HashSet<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (values.size() < 2 * RECORDS_PER_HALF && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        assertThat(seen.add(record.offset())).as("offset %d delivered once", record.offset()).isTrue();
                        values.add(new String(record.value(), StandardCharsets.UTF_8));
                    }
                }
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 2 * RECORDS_PER_HALF; i++) {
                    expected.add("value-" + i);
                }
                assertThat(values).containsExactlyElementsOf(expected);
            }
        }
    }

    /** The codecs of the batches as stored: the producer's, kept as they arrived. */
    static Set<CompressionType> storedCodecs(Log log) throws Exception {
        Set<CompressionType> codecs = new HashSet<>();
        for (long offset = log.logStartOffset(); offset < log.logEndOffset(); ) {
            ReadResult read = log.read(offset, 1 << 20);
            ByteBuffer batches = read.batches();
            for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
                codecs.add(RecordBatch.compression(batches, at));
            }
            offset = read.nextOffset(offset);
        }
        return codecs;
    }

    private static List<Long> send(KafkaProducer<byte[], byte[]> producer, String topic, int from, int count)
            throws Exception {
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            futures.add(producer.send(new ProducerRecord<>(topic, ("key-" + i).getBytes(StandardCharsets.UTF_8),
                    ("value-" + i).getBytes(StandardCharsets.UTF_8))));
        }
        producer.flush();
        List<Long> offsets = new ArrayList<>();
        for (Future<RecordMetadata> future : futures) {
            offsets.add(future.get().offset());
        }
        return offsets;
    }
}

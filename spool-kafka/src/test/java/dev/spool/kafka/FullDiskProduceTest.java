package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.ReadResult;
import dev.spool.log.io.FailingFileIO;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk under a running server: Produce is answered with the retriable
 * {@code KAFKA_STORAGE_ERROR} while it lasts, and once space is back the partition takes writes
 * again without a restart; an idempotent Java producer that kept retrying gets every record in,
 * once, after everything acknowledged before.
 */
class FullDiskProduceTest {
    @TempDir
    Path dir;

    @Test
    void produceFailsRetriablyWhileTheDiskIsFullAndSucceedsOnceSpaceIsBackWithoutARestart() throws Exception {
        FailingFileIO io = new FailingFileIO();
        try (LogManager manager = LogManager.open(dir, LogManagerConfig.defaults().withoutBackgroundTasks().withIo(io));
             KafkaServer server = KafkaServer.start(KafkaServerConfig.defaults().withListen("127.0.0.1", 0), manager,
                     Optional.empty(), new CompositeMeterRegistry());
             RawClient raw = new RawClient(server.port());
             KafkaProducer<byte[], byte[]> producer = producer(server.port())) {
            manager.createTopic("full", 1);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                send(producer, "before-" + i).get(30, TimeUnit.SECONDS);
                expected.add("before-" + i);
            }

            // The disk fills: the next write fails, and so does every write that would grow a file
            // (the log's space allocated ahead would otherwise take a few more records first).
            io.failWrite(1, 0);
            io.setDiskFull(true);
            ProduceResponseData response = (ProduceResponseData) raw.call(ApiKeys.PRODUCE, (short) 9,
                    ProtocolTest.produce("full", (short) -1, "refused"));
            ProduceResponseData.PartitionProduceResponse partition =
                    response.responses().iterator().next().partitionResponses().get(0);
            assertThat(Errors.forCode(partition.errorCode())).isEqualTo(Errors.KAFKA_STORAGE_ERROR);
            assertThat(Errors.KAFKA_STORAGE_ERROR.exception()).as("the Java client retries it")
                    .isInstanceOf(org.apache.kafka.common.errors.RetriableException.class);
            assertThat(partition.errorMessage()).contains("No space left on device");

            List<Future<RecordMetadata>> during = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                during.add(send(producer, "during-" + i)); // retried while the disk stays full
                expected.add("during-" + i);
            }
            io.setDiskFull(false);
            long previous = -1;
            for (Future<RecordMetadata> sent : during) {
                long offset = sent.get(60, TimeUnit.SECONDS).offset();
                assertThat(offset).isGreaterThan(previous);
                previous = offset;
            }
            send(producer, "after").get(30, TimeUnit.SECONDS);
            expected.add("after");

            assertThat(values(manager, "full")).as("everything acknowledged, once, in order").isEqualTo(expected);
            assertThat(manager.log("full", 0).isFailed()).isFalse();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(int port) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static Future<RecordMetadata> send(KafkaProducer<byte[], byte[]> producer, String value) {
        return producer.send(new ProducerRecord<>("full", 0, null, value.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> values(LogManager manager, String topic) throws Exception {
        ReadResult read = manager.log(topic, 0).read(0, 1 << 20);
        List<String> values = new ArrayList<>();
        ByteBuffer batches = read.batches();
        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
            for (Record record : RecordBatch.recordsOfCheckedBatch(batches, at, 1 << 20)) {
                values.add(StandardCharsets.UTF_8.decode(record.value().orElseThrow()).toString());
            }
        }
        return values;
    }
}

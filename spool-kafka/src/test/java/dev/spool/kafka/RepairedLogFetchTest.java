package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.AppendResult;
import dev.spool.log.Log;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.TopicPartition;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.tool.LogRepair;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka consumer reads across the offsets {@code spool repair} removed: the empty batch that
 * stands for them (as after Kafka's compaction) moves its position from the last good offset to
 * the next good batch, from the start and from a seek into the lost range.
 */
class RepairedLogFetchTest {
    private static final org.apache.kafka.common.TopicPartition G0 = new org.apache.kafka.common.TopicPartition("g", 0);

    @TempDir
    Path dataDir;

    @Test
    void aKafkaConsumerReadsAcrossTheOffsetsARepairRemoved() throws IOException {
        AppendResult victim;
        try (RunningServer server = new RunningServer(dataDir)) {
            server.manager().createTopic("g", 1);
            Log log = server.manager().log("g", 0);
            log.append(hundred(0));
            victim = log.append(hundred(100));
            log.append(hundred(200));
        }
        Path segment = dataDir.resolve("g-0").resolve("00000000000000000000.log");
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.seek(victim.position() + 100);
            int b = raf.read();
            raf.seek(victim.position() + 100);
            raf.write(b ^ 0x40);
        }
        Files.delete(dataDir.resolve(".spool_cleanshutdown")); // as after a crash: the open scans and finds it
        try (LogRepair repair = LogRepair.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            LogRepair.Plan plan = repair.plan(new TopicPartition("g", 0)).orElseThrow();
            assertThat(plan.lostOffsets()).isEqualTo("offsets 100–199 (100 records)");
            repair.execute(plan);
        }

        try (RunningServer server = new RunningServer(dataDir);
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props(server.bootstrap()))) {
            consumer.assign(List.of(G0));
            consumer.seekToBeginning(List.of(G0));
            List<String> read = pollUntil(consumer, 300);
            List<String> expected = new ArrayList<>();
            for (int o = 0; o < 300; o++) {
                if (o < 100 || o >= 200) {
                    expected.add(o + "=v-" + o);
                }
            }
            assertThat(read).isEqualTo(expected);

            consumer.seek(G0, 150);
            assertThat(pollUntil(consumer, 300)).isEqualTo(expected.subList(100, 200));
        }
    }

    /** Polls until the consumer's position reaches {@code end}; the records as "offset=value". */
    private static List<String> pollUntil(KafkaConsumer<byte[], byte[]> consumer, long end) {
        List<String> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (consumer.position(G0) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                out.add(record.offset() + "=" + new String(record.value(), StandardCharsets.UTF_8));
            }
        }
        assertThat(consumer.position(G0)).isEqualTo(end);
        return out;
    }

    private static java.nio.ByteBuffer hundred(long first) {
        BatchBuilder builder = new BatchBuilder(1 << 20);
        for (long o = first; o < first + 100; o++) {
            builder.tryAppend(1_000L, null, ("v-" + o).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    private static Properties props(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return props;
    }
}

package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The server's own files (committed offsets, producer ids) and the engine's topic.config damaged
 * as a disk would: {@code spool verify} names each, and {@code spool serve} keeps serving what the
 * damage does not touch.
 */
class DamagedServerFilesTest {
    @TempDir
    Path tmp;

    private Path data() {
        return tmp.resolve("data");
    }

    private Path offsetsSegment() {
        return data().resolve("__consumer_offsets").resolve("00000000000000000000.log");
    }

    /** A running {@code spool serve}. */
    private record Served(Thread thread, ServeCommand command, int port, ByteArrayOutputStream err, int[] code)
            implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            command.stopRequested.countDown();
            thread.join(60_000);
            assertThat(code[0]).isZero();
        }
    }


    private Served serve() throws InterruptedException {
        FirstLine out = new FirstLine();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        SpoolCommand root = new SpoolCommand(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        CommandLine line = SpoolCommand.commandLine(root);
        ServeCommand serve = line.getSubcommands().get("serve").getCommand();
        int[] code = {-1};
        Thread thread = new Thread(() -> code[0] = line.execute("serve", "--listen", "127.0.0.1:0",
                "--data-dir", data().toString()));
        thread.start();
        assertThat(out.line.await(30, TimeUnit.SECONDS)).as("startup line; stderr: %s", err).isTrue();
        Matcher started = Pattern.compile("serving the Kafka protocol on 127\\.0\\.0\\.1:(\\d+)").matcher(out.text());
        assertThat(started.find()).as(out.text() + err).isTrue();
        return new Served(thread, serve, Integer.parseInt(started.group(1)), err, code);
    }

    private record Run(int code, String out) {
    }

    private Run verify() {
        return verify(data());
    }

    private Run verify(Path dataDir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = SpoolCommand.execute(new String[] {"verify", "--data-dir", dataDir.toString()},
                new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8));
    }

    private static KafkaProducer<String, String> producer(int port, boolean idempotent) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, String.valueOf(idempotent));
        props.put(ProducerConfig.ACKS_CONFIG, idempotent ? "all" : "1");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(int port, String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        if (group != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    /** Topics a and b, two commits of group g (two batches in the offsets log), a producer id handed out. */
    private void populate() throws Exception {
        try (Served served = serve()) {
            try (KafkaProducer<String, String> producer = producer(served.port(), true)) {
                producer.send(new ProducerRecord<>("a", "one")).get();
                producer.send(new ProducerRecord<>("b", "two")).get();
            }
            TopicPartition a = new TopicPartition("a", 0);
            try (KafkaConsumer<String, String> consumer = consumer(served.port(), "g")) {
                consumer.assign(List.of(a));
                consumer.commitSync(Map.of(a, new OffsetAndMetadata(0)));
                consumer.commitSync(Map.of(a, new OffsetAndMetadata(1)));
            }
        }
        assertThat(Files.size(offsetsSegment())).isPositive();
        assertThat(data().resolve("kafka-producer-ids")).exists();
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x40);
        }
    }

    @Test
    void verifyNamesEachDamagedFile() throws Exception {
        populate();
        Run sound = verify();
        assertThat(sound.out()).endsWith("all sound\n");
        assertThat(sound.code()).isZero();

        Path ids = data().resolve("kafka-producer-ids");
        flipByte(ids, 10);
        Run run = verify();
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).contains("ERROR FILE_CORRUPT " + ids + ": Producer id file " + ids
                + " fails its CRC").contains("; the server refuses InitProducerId (idempotent producers) until it is"
                + " repaired\n").contains("1 problem(s)");

        flipByte(offsetsSegment(), 70); // the first of two batches: damage, not a torn tail
        assertThat(verify().out()).contains("ERROR BATCH_CORRUPT " + offsetsSegment() + " at position 0 (offset 0): "
                + "CRC mismatch").contains("2 problem(s)");

        Path config = data().resolve("b-0").resolve("topic.config");
        Files.writeString(config, "version=2\n");
        assertThat(verify().out()).contains("ERROR FILE_CORRUPT " + config + ": Bad topic config " + config
                + ": missing 'durability'; the log manager keeps every partition of topic 'b' offline (partition 0's copy"
                + " speaks for the topic)").contains("3 problem(s)");

        Files.delete(config);
        assertThat(verify().out()).contains("ERROR FILE_MISSING " + config + ": Topic config " + config
                + " is missing, but the recovery-point checkpoint lists the partition").contains("3 problem(s)");
    }

    @Test
    void aDamagedOffsetsLogOrProducerIdFileTakesOnlyItsFeatureOffline() throws Exception {
        populate();
        flipByte(offsetsSegment(), 70);
        flipByte(data().resolve("kafka-producer-ids"), 10);
        try (Served served = serve()) {
            assertThat(served.err().toString(StandardCharsets.UTF_8)).contains("spool: ERROR consumer groups are "
                    + "offline: the committed-offsets log " + data().resolve("__consumer_offsets") + " is damaged (")
                    .contains("Stop the server and run `spool repair __consumer_offsets`");
            try (KafkaProducer<String, String> producer = producer(served.port(), false)) {
                assertThat(producer.send(new ProducerRecord<>("a", "three")).get().offset()).isEqualTo(1);
            }
            try (KafkaProducer<String, String> producer = producer(served.port(), true)) {
                Throwable failure = catchThrowable(() -> producer.send(new ProducerRecord<>("a", "four")).get(30, TimeUnit.SECONDS));
                assertThat(failure).isNotNull();
                assertThat(failure).isNotInstanceOf(java.util.concurrent.TimeoutException.class);
                assertThat(stackText(failure)).contains("InitProducerId");
            }
            try (KafkaConsumer<String, String> consumer = consumer(served.port(), null)) {
                consumer.assign(List.of(new TopicPartition("a", 0)));
                consumer.seekToBeginning(List.of(new TopicPartition("a", 0)));
                List<String> values = new java.util.ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (values.size() < 2 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        values.add(record.value());
                    }
                }
                assertThat(values).containsExactly("one", "three");
            }
            try (KafkaConsumer<String, String> consumer = consumer(served.port(), "g")) {
                Throwable failure = catchThrowable(() -> consumer.committed(
                        java.util.Set.of(new TopicPartition("a", 0)), Duration.ofSeconds(5)));
                assertThat(failure).as("group APIs are not served").isNotNull();
            }
        }
    }

    @Test
    void aDamagedTopicConfigTakesOnlyItsTopicOfflineAndServeStarts() throws Exception {
        populate();
        Path config = data().resolve("b-0").resolve("topic.config");
        byte[] original = Files.readAllBytes(config);
        Files.writeString(config, "version=2\n");
        try (Served served = serve()) {
            assertThat(served.err().toString(StandardCharsets.UTF_8)).startsWith("spool: ERROR Partition b-0 is"
                    + " offline: Bad topic config " + config).contains("run 'spool repair b'").endsWith("; the rest serves\n");
            try (KafkaProducer<String, String> producer = producer(served.port(), false)) {
                assertThat(producer.send(new ProducerRecord<>("a", "three")).get().offset()).isEqualTo(1);
            }
        }
        assertThat(Files.readString(config)).as("not replaced by defaults").isEqualTo("version=2\n");
        Files.write(config, original);
        try (Served served = serve()) {
            try (KafkaProducer<String, String> producer = producer(served.port(), false)) {
                assertThat(producer.send(new ProducerRecord<>("b", "four")).get().offset()).isEqualTo(1);
            }
        }
    }

    private static String stackText(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            text.append(t).append('\n');
        }
        return text.toString();
    }

    @Test
    void verifyOfADiskBufferChecksItsConsumerPosition() throws Exception {
        Path buffer = tmp.resolve("buffer");
        try (dev.spool.queue.DiskBuffer queue = dev.spool.queue.DiskBuffer.open(buffer,
                dev.spool.queue.DiskBufferConfig.defaults("verify"))) {
            queue.put(new byte[] {1}, Map.of());
            queue.put(new byte[] {2}, Map.of());
            queue.ack(queue.poll().orElseThrow().sequence());
        }
        Path position = buffer.resolve("consumer-position");
        assertThat(verify(buffer).out()).endsWith("all sound\n");
        byte[] bytes = Files.readAllBytes(position);
        bytes[20] ^= 1; // the acknowledged offset of slot 0
        bytes[32 + 20] ^= 1; // and of slot 1
        Files.write(position, bytes);
        Run run = verify(buffer);
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).contains("WARNING FILE_CORRUPT " + position + ": neither slot of the consumer position"
                + " file is valid (magic, version, CRC-32C); the buffer takes the consumer position from the log's"
                + " checkpoint and delivers the items above it again\n").contains("1 problem(s)");
        Files.write(position, new byte[] {1, 2, 3});
        assertThat(verify(buffer).out()).contains("WARNING FILE_CORRUPT " + position
                + ": consumer position file is 3 bytes, expected 64");
    }
}

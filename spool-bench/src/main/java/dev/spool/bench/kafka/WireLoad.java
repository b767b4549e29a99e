package dev.spool.bench.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The client side of the wire benchmark: Kafka's own Java producer and consumer with one set of
 * settings for every server, so that only the server differs.
 *
 * <p>Producer: {@code acks=all}, {@code linger.ms=5}, {@code batch.size=65536} (or what
 * {@code --batch-bytes} says), idempotence on (the default), no compression, every other setting
 * Kafka's default (32 MiB of buffer, five requests in flight). A produce latency is the time from
 * the {@code send()} call to its callback, in microseconds, recorded in an HdrHistogram on the
 * producer's I/O thread (the only thread that runs callbacks). Consumer: {@code assign} plus
 * {@code seekToBeginning} (no group, so no coordinator is involved), Kafka's default fetch settings.
 * The same records are then read by librdkafka, the C client most non-Java clients wrap, through
 * kcat ({@link #consumeWithLibrdkafka}), which reads them two to three times as fast as the Java
 * consumer here, so that reading shows more of the server's own speed where the Java consumer's is the limit.
 */
final class WireLoad {
    /** The longest latency the histograms hold: a minute, in microseconds. */
    private static final long LATENCY_MICROS_MAX = 60_000_000L;
    private static final long PHASE_TIMEOUT_MS = 600_000;
    /** Whether kcat runs here (asked once: {@code kcat -V}). */
    private static final boolean KCAT_INSTALLED = kcatInstalled();

    private WireLoad() {
    }

    /** One produce phase: records acknowledged, value bytes, wall time, latency histogram (µs). */
    record Produced(long records, long bytes, long nanos, Histogram latencyMicros) {
        double recordsPerSecond() {
            return records * 1e9 / nanos;
        }
    }

    /** One consume phase: records and value bytes read, wall time. */
    record Consumed(long records, long bytes, long nanos) {
        double recordsPerSecond() {
            return records * 1e9 / nanos;
        }
    }

    static void createTopics(String bootstrap, List<String> names, int partitions, Map<String, String> configs)
            throws ExecutionException, InterruptedException, TimeoutException {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            List<NewTopic> topics = new ArrayList<>();
            for (String name : names) {
                topics.add(new NewTopic(name, partitions, (short) 1).configs(configs));
            }
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            // Kafka applies a new partition's leadership asynchronously after CreateTopics returns:
            // produce at once and the first requests fail with NOT_LEADER_OR_FOLLOWER, and an
            // idempotent producer's retries then met OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery
            // timeout (seen once with 4 partitions). ListOffsets is answered by the leader only, and
            // the admin client retries it until then: once it succeeds, every partition can be written.
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String name : names) {
                for (int p = 0; p < partitions; p++) {
                    latest.put(new TopicPartition(name, p), OffsetSpec.latest());
                }
            }
            admin.listOffsets(latest).all().get(90, TimeUnit.SECONDS);
        }
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap, int batchBytes) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(batchBytes));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    /**
     * Sends up to {@code records} copies of {@code value} to {@code topic}: as fast as the producer
     * accepts them when {@code ratePerSecond} is 0, otherwise paced at that rate (each send at
     * its scheduled time, so latency is measured below saturation). Stops sending early once
     * {@code sendMs} have passed. Returns once every record sent is acknowledged; fails on the
     * first error.
     */
    static Produced produce(KafkaProducer<byte[], byte[]> producer, String topic, byte[] value, long records,
                            long ratePerSecond, long sendMs) throws InterruptedException {
        Histogram latency = new Histogram(LATENCY_MICROS_MAX, 3);
        CountDownLatch acknowledged = new CountDownLatch(1);
        AtomicLong remaining = new AtomicLong(records);
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long sendEnd = start + TimeUnit.MILLISECONDS.toNanos(sendMs);
        long sent = 0;
        for (long i = 0; i < records && failure.get() == null; i++) {
            if ((i & 1023) == 0 && System.nanoTime() - sendEnd > 0) {
                break;
            }
            if (ratePerSecond > 0) {
                long due = start + (long) (i * 1e9 / ratePerSecond);
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
            }
            long sentAt = System.nanoTime();
            producer.send(new ProducerRecord<>(topic, value), (metadata, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                    acknowledged.countDown();
                    return;
                }
                latency.recordValue(Math.min(LATENCY_MICROS_MAX, (System.nanoTime() - sentAt) / 1000));
                if (remaining.decrementAndGet() == 0) {
                    acknowledged.countDown();
                }
            });
            sent++;
        }
        if (sent < records && remaining.addAndGet(sent - records) == 0) { // stopped early: expect fewer
            acknowledged.countDown();
        }
        if (!acknowledged.await(PHASE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(remaining.get() + " of " + sent + " records to " + topic
                    + " were not acknowledged within " + PHASE_TIMEOUT_MS + " ms");
        }
        long nanos = System.nanoTime() - start;
        if (failure.get() != null) {
            throw new IllegalStateException("Producing to " + topic + " failed", failure.get());
        }
        return new Produced(sent, sent * value.length, nanos, latency);
    }

    /**
     * Reads {@code topic} from the beginning until {@code expected} records have arrived; fails if
     * they do not within the phase timeout, if more arrive, or if offsets are not dense.
     */
    static Consumed consume(String bootstrap, String topic, int partitions, long expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<TopicPartition> assigned = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            assigned.add(new TopicPartition(topic, p));
        }
        long[] nextOffset = new long[partitions];
        long records = 0;
        long bytes = 0;
        long start;
        long end;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            // From here on every step talks to the server (metadata, offsets, fetches); building the
            // consumer does not, and costs the same whichever server it is for.
            start = System.nanoTime();
            long deadline = start + TimeUnit.MILLISECONDS.toNanos(PHASE_TIMEOUT_MS);
            while (records < expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Read " + records + " of " + expected + " records of " + topic
                            + " in " + PHASE_TIMEOUT_MS + " ms");
                }
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> record : polled) {
                    if (record.offset() != nextOffset[record.partition()]) {
                        throw new IllegalStateException("Expected offset " + nextOffset[record.partition()] + " of "
                                + topic + "-" + record.partition() + ", got " + record.offset());
                    }
                    nextOffset[record.partition()]++;
                    records++;
                    bytes += record.value().length;
                }
            }
            end = System.nanoTime(); // before close(): closing is not reading
        }
        long nanos = end - start;
        if (records != expected) {
            throw new IllegalStateException("Read " + records + " records of " + topic + ", expected " + expected);
        }
        return new Consumed(records, bytes, nanos);
    }

    /**
     * Reads {@code expected} records of {@code topic} from the beginning of every partition with kcat
     * (librdkafka's defaults: no group, {@code -o beginning}, {@code -e} to stop at the end), its
     * output (partition, offset and value size of each record) to {@code output}, which then shows
     * every record read once, in order. The time runs from starting kcat to its exit: a few
     * milliseconds of start-up, and the metadata and fetches that follow. Empty when kcat is not
     * installed.
     */
    static Optional<Consumed> consumeWithLibrdkafka(String bootstrap, String topic, int partitions, long expected,
                                                    Path output) throws IOException, InterruptedException {
        if (!KCAT_INSTALLED) {
            return Optional.empty();
        }
        ProcessBuilder kcat = new ProcessBuilder("kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e",
                "-q", "-c", Long.toString(expected), "-f", "%p %o %S\\n")
                .redirectOutput(output.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
        long start = System.nanoTime();
        Process process = kcat.start();
        if (!process.waitFor(PHASE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("kcat did not read " + topic + " in " + PHASE_TIMEOUT_MS + " ms");
        }
        long nanos = System.nanoTime() - start;
        if (process.exitValue() != 0) {
            throw new IllegalStateException("kcat exited with " + process.exitValue() + " reading " + topic);
        }
        long[] nextOffset = new long[partitions];
        long records = 0;
        long bytes = 0;
        try (BufferedReader lines = Files.newBufferedReader(output, StandardCharsets.US_ASCII)) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                String[] fields = line.split(" ");
                int partition = Integer.parseInt(fields[0]);
                if (Long.parseLong(fields[1]) != nextOffset[partition]++) {
                    throw new IllegalStateException("kcat read offset " + fields[1] + " of " + topic + "-" + partition
                            + ", expected " + (nextOffset[partition] - 1));
                }
                records++;
                bytes += Long.parseLong(fields[2]);
            }
        }
        Files.delete(output);
        if (records != expected) {
            throw new IllegalStateException("kcat read " + records + " records of " + topic + ", expected " + expected);
        }
        return Optional.of(new Consumed(records, bytes, nanos));
    }

    private static boolean kcatInstalled() {
        try {
            Process probe = new ProcessBuilder("kcat", "-V").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException notFound) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

package dev.spool.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * One operation for every client: reading a compacted topic from the beginning after the server's
 * cleaner has removed the superseded records. The harness builds the same log on both servers, waits
 * (with the Java client, reading from the start) until the server has cleaned it, then the client
 * under test reads it from the beginning and must see exactly what the Java client saw.
 *
 * <p>The log: {@link #KEYS} keys, each written in {@link #ROUNDS} rounds, one round per segment (the
 * topic rolls by age, {@code segment.ms}; a round waits out {@link #ROLL_PAUSE_MS} before it, since
 * Spool rolls by its own clock and Kafka by the records' timestamps, both real time). Round 1
 * deletes one key that later rounds write again, the last round deletes two keys for good, and a
 * last record on a key of its own goes alone into the active segment, which neither server cleans,
 * so that every round lies in the cleanable part. What survives is exact: the last round (its
 * tombstones too, since {@code delete.retention.ms} is a day) and that last record, at their offsets.
 *
 * <p>The removed records leave two kinds of empty batch in Spool's cleaned log, where Kafka's
 * cleaner drops the batches (it keeps an empty one only for a producer's last batch): round 0 comes
 * from a producer without a producer id (as kcat's and most other clients' producers write), and
 * its removed offsets become gap batches without one; rounds 1 to {@code ROUNDS - 2}
 * come from the Java client's idempotent producer one record per batch, and each removed batch keeps
 * its producer fields in an empty batch of its own. Every client under test fetches at most
 * {@link #FETCH_BYTES} of the partition at a time (librdkafka: per response, see
 * {@link #LIBRDKAFKA_FETCH}), less than those empty batches take, so its first fetches from offset 0
 * return no record on Spool unless Spool's Fetch steps over them. Kafka's first fetch returns records.
 */
final class CompactedCells {
    static final String OPERATION = "reads a compacted topic after cleaning";
    static final int KEYS = 12;
    static final int ROUNDS = 6;
    /** The topic rolls a segment once its first batch is this old. */
    private static final long SEGMENT_MS = 100;
    /** Time passing between rounds, so that the next one rolls: well over {@link #SEGMENT_MS}. */
    private static final long ROLL_PAUSE_MS = 300;
    /** How long the server's cleaner has to clean the topic (each looks every 200 ms; see ClientMatrixTest). */
    private static final long CLEAN_WAIT_MS = 60_000;
    /** The key deleted in round 1 and written again in the rounds after it. */
    private static final int REWRITTEN = 3;
    /** The keys deleted by the last round. */
    private static final List<Integer> DELETED = List.of(5, 9);
    private static final String LAST_KEY = "end";
    /** The clients' limit of one partition's bytes per fetch (max.partition.fetch.bytes and kin). */
    static final int FETCH_BYTES = 1024;
    /**
     * librdkafka's settings for the cell (kcat, confluent-kafka-python). After a fetch that returned
     * no record librdkafka doubles its partition limit ({@code fetch.message.max.bytes}), and once
     * that is past 1 GiB it fails the partition with "Message at offset N might be too large to
     * fetch". From its default (1 MiB) it takes about eleven such fetches in a row; from its maximum
     * (10^9) two, so the cell starts there, and bounds each response at {@link #FETCH_BYTES} with
     * {@code fetch.max.bytes} instead (which may not be below {@code message.max.bytes}, so that is at
     * its minimum).
     */
    static final List<String> LIBRDKAFKA_FETCH = List.of("fetch.message.max.bytes=1000000000",
            "fetch.max.bytes=" + FETCH_BYTES, "message.max.bytes=1000");
    /** How every client prints a tombstone's value: kcat's {@code -Z}; the scripts do the same. */
    static final String NULL = "NULL";

    /** One record as read: its offset, key and value (null for a tombstone). */
    record Entry(long offset, String key, String value) {
        @Override
        public String toString() {
            return offset + " " + key + "=" + (value == null ? NULL : value);
        }
    }

    private CompactedCells() {
    }

    static Map<String, String> topicConfigs() {
        return Map.of("cleanup.policy", "compact", "segment.ms", Long.toString(SEGMENT_MS),
                "min.cleanable.dirty.ratio", "0.01", "min.compaction.lag.ms", "0",
                "delete.retention.ms", "86400000");
    }

    private static String key(int i) {
        return String.format("k%02d", i);
    }

    /** Round {@code round}'s value of key {@code i}, null when the round deletes it. */
    private static String value(int i, int round) {
        boolean deleted = (round == 1 && i == REWRITTEN) || (round == ROUNDS - 1 && DELETED.contains(i));
        return deleted ? null : key(i) + "-v" + round;
    }

    /** The cleaned log: the last round and the last record, at the offsets they were appended at. */
    static List<Entry> expected() {
        List<Entry> out = new ArrayList<>();
        long first = (long) KEYS * (ROUNDS - 1);
        for (int i = 0; i < KEYS; i++) {
            out.add(new Entry(first + i, key(i), value(i, ROUNDS - 1)));
        }
        out.add(new Entry(first + KEYS, LAST_KEY, LAST_KEY));
        return out;
    }

    /**
     * Creates the compacted topic on {@code f}'s server, writes the rounds and waits until the
     * server has cleaned them; returns the cleaned log as the Java client reads it.
     */
    static List<Entry> cleanedTopic(Fixtures f, String topic) throws Exception {
        f.createTopic(topic, 1, topicConfigs());
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add(key(i));
        }
        for (int round = 0; round < ROUNDS; round++) {
            if (round > 0) {
                Thread.sleep(ROLL_PAUSE_MS); // not a wait for anything: the age roll needs time to pass
            }
            List<String> values = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                values.add(value(i, round));
            }
            if (round == 0 || round == ROUNDS - 1) {
                f.produceKeyed(topic, keys, values, round > 0);
            } else {
                for (int i = 0; i < KEYS; i++) { // one batch each: each acknowledged before the next is sent
                    f.produceKeyed(topic, keys.subList(i, i + 1), values.subList(i, i + 1), true);
                }
            }
        }
        Thread.sleep(ROLL_PAUSE_MS);
        f.produceKeyed(topic, List.of(LAST_KEY), List.of(LAST_KEY), true);
        List<Entry> expected = expected();
        List<Entry> read = List.of();
        long deadline = System.currentTimeMillis() + CLEAN_WAIT_MS;
        while (System.currentTimeMillis() < deadline) {
            read = readLog(f, topic);
            if (read.equals(expected)) {
                return read;
            }
            Thread.sleep(200); // the cleaner's own interval: nothing to wait on but its next look
        }
        throw new AssertionError("the server did not clean " + topic + " within " + CLEAN_WAIT_MS
                + " ms: the Java client reads " + read.size() + " records " + abbreviate(read) + ", expected "
                + expected.size() + " " + expected);
    }

    /** The whole of partition 0, from its start to its end offset, read by the Java client. */
    static List<Entry> readLog(Fixtures f, String topic) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Fixtures.consumerProps(f.target, null,
                "earliest"))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofMillis(Fixtures.WAIT_MS)).get(tp);
            List<Entry> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + Fixtures.WAIT_MS;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    out.add(new Entry(record.offset(), record.key(), record.value()));
                }
            }
            return out;
        }
    }

    /**
     * What {@code client} read against the cleaned log: offsets strictly increasing and the records
     * exactly those the Java client read (so the latest value of every key, and nothing else).
     */
    static String check(List<Entry> read, List<Entry> cleaned, String run) {
        for (int i = 1; i < read.size(); i++) {
            assertThat(read.get(i).offset()).as("offset after " + read.get(i - 1) + "\n" + run)
                    .isGreaterThan(read.get(i - 1).offset());
        }
        assertThat(read).as("records read from the beginning of the cleaned log\n" + run).isEqualTo(cleaned);
        return cleaned.size() + " of " + (KEYS * ROUNDS + 1) + " records left after cleaning";
    }

    /** {@code record OFFSET KEY VALUE} lines of a client's output, {@link #NULL} for a tombstone. */
    static List<Entry> parse(Proc.Result result) {
        List<Entry> out = new ArrayList<>();
        for (String line : result.field("record")) {
            String[] parts = line.split(" ", 3);
            if (parts.length != 3) {
                throw new AssertionError("not 'record OFFSET KEY VALUE': '" + line + "'\n" + result.describe());
            }
            out.add(new Entry(Long.parseLong(parts[0]), parts[1], NULL.equals(parts[2]) ? null : parts[2]));
        }
        return out;
    }

    private static String abbreviate(List<Entry> entries) {
        return entries.size() <= 20 ? entries.toString() : entries.subList(0, 20) + "…";
    }

    // --- the cells, one per client -------------------------------------------------------------------

    static Cell javaClient() {
        return new Cell(JavaClientCells.CLIENT, OPERATION, (f, topic) -> {
            List<Entry> cleaned = cleanedTopic(f, topic);
            List<Entry> read = new ArrayList<>();
            long last = cleaned.get(cleaned.size() - 1).offset();
            Properties props = Fixtures.consumerProps(f.target, topic + "-g", "earliest");
            props.setProperty(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(FETCH_BYTES));
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
                consumer.subscribe(List.of(topic));
                long deadline = System.currentTimeMillis() + Fixtures.WAIT_MS;
                while ((read.isEmpty() || read.get(read.size() - 1).offset() < last)
                        && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        read.add(new Entry(record.offset(), record.key(), record.value()));
                    }
                }
            }
            return check(read, cleaned, "a consumer in a new group, earliest, " + FETCH_BYTES + "-byte fetches");
        });
    }

    /** {@code Offset:N<tab>KEY<tab>VALUE}, the console consumer's line with offset and key printed. */
    private static final Pattern CONSOLE_LINE = Pattern.compile("Offset:(\\d+)\t([^\t]*)\t(.*)");

    static Cell consoleConsumer() {
        return new Cell(TopicToolCells.CLIENT, "kafka-console-consumer " + OPERATION, (f, topic) -> {
            List<Entry> cleaned = cleanedTopic(f, topic);
            Proc.Result out = ToolCells.tool(f, ToolCells.CONSOLE_CONSUMER, "--topic", topic, "--from-beginning",
                    "--max-messages", Integer.toString(cleaned.size()), "--timeout-ms", "30000",
                    "--formatter-property", "print.offset=true", "--formatter-property", "print.key=true",
                    "--consumer-property", "max.partition.fetch.bytes=" + FETCH_BYTES);
            List<Entry> read = new ArrayList<>();
            for (String line : out.output().split("\n")) {
                Matcher m = CONSOLE_LINE.matcher(line);
                if (m.matches()) {
                    String value = m.group(3);
                    read.add(new Entry(Long.parseLong(m.group(1)), m.group(2), "null".equals(value) ? null : value));
                }
            }
            return check(read, cleaned, out.describe());
        });
    }

    static Cell kcat() {
        return new Cell(KcatCells.CLIENT, OPERATION, (f, topic) -> {
            List<Entry> cleaned = cleanedTopic(f, topic);
            Proc.Result out = KcatCells.ok(Proc.run(KcatCells.kcat(f, "-C", "-t", topic, "-p", "0", "-o", "beginning",
                    "-e", "-Z", "-X", LIBRDKAFKA_FETCH.get(0), "-X", LIBRDKAFKA_FETCH.get(1), "-X", LIBRDKAFKA_FETCH.get(2),
                    "-f", "record %o %k %s\\n")));
            return check(parse(out), cleaned, out.describe());
        });
    }

    /**
     * The scripts' {@code read-log TOPIC COUNT}: partition 0 from its start, COUNT records, each
     * printed as {@code record OFFSET KEY VALUE}.
     */
    static Cell script(ScriptCells.Script s) {
        return new Cell(s.client(), OPERATION, (f, topic) -> {
            List<Entry> cleaned = cleanedTopic(f, topic);
            Proc.Result out = s.ok(f, "read-log", topic, Integer.toString(cleaned.size()),
                    Integer.toString(FETCH_BYTES));
            return check(parse(out), cleaned, out.describe());
        });
    }
}

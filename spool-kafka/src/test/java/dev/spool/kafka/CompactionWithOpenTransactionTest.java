package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.kafka.txn.TransactionStore;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.SegmentInfo;
import dev.spool.log.record.BatchBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The log cleaner of a compacted topic, run through the server while a transaction is open: the
 * server tells each log where its earliest open transaction starts, and the cleaner must clean
 * below that offset only (the transaction may still abort, and a later write of the same key may
 * not shadow it before it is decided). Once the transaction ends, the next round cleans past it:
 * committed records are shadowed by later writes like any other, aborted ones are dropped and never
 * shadow a committed value. And when a server stops with a transaction open, its restart aborts
 * the transaction and compaction afterwards leaves exactly the committed values; a server that
 * starts with transactions offline, so that nothing aborts it, still stops the cleaner at it.
 *
 * <p>Every test lays out one partition the same way (offsets in brackets):
 * <pre>
 *   segment 0:  a, b, c written three times [0..8], t once [9];
 *               the transaction: a, b, c, t  [10..13]       (left open)
 *   segment 14: a, b, c written again [14..16]
 *   active:     the transaction's marker, when it ends
 * </pre>
 * Compaction runs synchronously ({@link LogManager#cleanNow}); the server runs no cleaner thread.
 */
class CompactionWithOpenTransactionTest {
    private static final String TOPIC = "changelog";
    /** The first offset of the transaction, its first unstable offset while it is open. */
    private static final long TRANSACTION_FIRST_OFFSET = 10;

    @TempDir
    Path dir;
    /** Where a test keeps the transaction log while the server runs with a damaged one. */
    @TempDir
    Path aside;

    private RunningServer server() throws Exception {
        return new RunningServer(dir, KafkaServerConfig.defaults(), RunningServer.groups());
    }

    @Test
    @Timeout(120)
    void theCleanerStopsAtAnOpenTransactionAndCleansBelowIt() throws Exception {
        try (RunningServer server = server()) {
            createTopic(server);
            try (KafkaProducer<String, String> transactional = producer(server, "tx-compact")) {
                writeAroundAnOpenTransaction(server, transactional);
                Log log = server.manager().log(TOPIC, 0);
                List<SegmentInfo> pastTheTransaction = segmentsFrom(log, TRANSACTION_FIRST_OFFSET);
                assertThat(pastTheTransaction).extracting(SegmentInfo::baseOffset).containsExactly(14L, 17L);

                long removed = server.manager().cleanNow(TOPIC);

                assertThat(read(server, IsolationLevel.READ_UNCOMMITTED)).as("every record from the transaction on "
                        + "is kept; below it, the latest per key").isEqualTo(records(
                        6, "a=old-2", 7, "b=old-2", 8, "c=old-2", 9, "t=old",
                        10, "a=txn", 11, "b=txn", 12, "c=txn", 13, "t=txn",
                        14, "a=new", 15, "b=new", 16, "c=new"));
                assertThat(segmentsFrom(log, TRANSACTION_FIRST_OFFSET)).as("segments past the transaction untouched")
                        .isEqualTo(pastTheTransaction);
                assertThat(removed).as("records removed below the open transaction").isEqualTo(6);
                assertThat(read(server, IsolationLevel.READ_COMMITTED)).as("read_committed stops at the open "
                        + "transaction").isEqualTo(records(6, "a=old-2", 7, "b=old-2", 8, "c=old-2", 9, "t=old"));

                assertThat(server.manager().cleanNow(TOPIC)).as("a second round while it is still open").isZero();
                assertThat(read(server, IsolationLevel.READ_UNCOMMITTED)).hasSize(11);
                transactional.abortTransaction();
            }
        }
    }

    @ParameterizedTest(name = "commit={0}")
    @ValueSource(booleans = {true, false})
    @Timeout(120)
    void onceTheTransactionEndsTheCleanerGoesPastIt(boolean commit) throws Exception {
        try (RunningServer server = server()) {
            createTopic(server);
            try (KafkaProducer<String, String> transactional = producer(server, "tx-compact")) {
                writeAroundAnOpenTransaction(server, transactional);
                assertThat(server.manager().cleanNow(TOPIC)).isEqualTo(6);
                if (commit) {
                    transactional.commitTransaction();
                } else {
                    transactional.abortTransaction();
                }
            }
            server.manager().log(TOPIC, 0).roll(); // the marker [17] into a closed segment

            // Committed: a, b, c of the transaction are shadowed by [14..16], and its t shadows t=old.
            // Aborted: all four go, and t=old stays, as an aborted write never shadows a committed one.
            assertThat(server.manager().cleanNow(TOPIC)).as("records removed past the former boundary")
                    .isEqualTo(7);
            Map<Long, String> expected = commit
                    ? records(13, "t=txn", 14, "a=new", 15, "b=new", 16, "c=new")
                    : records(9, "t=old", 14, "a=new", 15, "b=new", 16, "c=new");
            assertThat(read(server, IsolationLevel.READ_UNCOMMITTED)).isEqualTo(expected);
            assertThat(read(server, IsolationLevel.READ_COMMITTED)).isEqualTo(expected);
            assertThat(latestPerKey(read(server, IsolationLevel.READ_COMMITTED))).isEqualTo(Map.of(
                    "a", "new", "b", "new", "c", "new", "t", commit ? "txn" : "old"));
        }
    }

    @Test
    @Timeout(120)
    void aTransactionLeftOpenByAStoppedServerIsAbortedAndCompactionKeepsTheCommittedValues() throws Exception {
        try (RunningServer server = server()) {
            createTopic(server);
            KafkaProducer<String, String> transactional = producer(server, "tx-compact");
            try {
                writeAroundAnOpenTransaction(server, transactional);
                server.restart(); // the coordinator aborts the open transaction while it starts
                assertThatThrownBy(transactional::commitTransaction).isInstanceOf(Exception.class);
            } finally {
                transactional.close(Duration.ZERO);
            }
            server.manager().log(TOPIC, 0).roll();

            assertThat(server.manager().cleanNow(TOPIC)).as("the old duplicates and the aborted transaction")
                    .isEqualTo(13);
            Map<Long, String> expected = records(9, "t=old", 14, "a=new", 15, "b=new", 16, "c=new");
            assertThat(read(server, IsolationLevel.READ_UNCOMMITTED)).isEqualTo(expected);
            assertThat(read(server, IsolationLevel.READ_COMMITTED)).isEqualTo(expected);

            server.restart();
            assertThat(server.manager().cleanNow(TOPIC)).as("a round after a second restart").isZero();
            assertThat(read(server, IsolationLevel.READ_COMMITTED)).isEqualTo(expected);
        }
    }

    /**
     * A server that starts on a log with a transaction open and with its transaction log damaged
     * (transactions offline, so nothing aborts the transaction): no client touched the partition,
     * yet the cleaner stops at the transaction, as the server registered every partition's open
     * transactions when it started. With the transaction log back, the next start aborts the
     * transaction and compaction leaves the committed values.
     */
    @Test
    @Timeout(120)
    void aServerWithTransactionsOfflineStillStopsTheCleanerAtAnOpenTransactionFoundInTheLog() throws Exception {
        try (RunningServer server = server()) {
            createTopic(server);
            KafkaProducer<String, String> transactional = producer(server, "tx-compact");
            try {
                writeAroundAnOpenTransaction(server, transactional);
            } finally {
                transactional.close(Duration.ZERO);
            }
        }
        Path transactionLog = dir.resolve(TransactionStore.DIR_NAME);
        Files.move(transactionLog, aside.resolve(TransactionStore.DIR_NAME));
        damageTransactionLog(transactionLog);
        try (RunningServer server = server()) {
            assertThat(server.manager().cleanNow(TOPIC)).as("records removed below the open transaction").isEqualTo(6);
            assertThat(read(server, IsolationLevel.READ_UNCOMMITTED)).as("nothing from the transaction on is cleaned")
                    .containsAllEntriesOf(records(10, "a=txn", 11, "b=txn", 12, "c=txn", 13, "t=txn",
                            14, "a=new", 15, "b=new", 16, "c=new"))
                    .containsEntry(9L, "t=old").hasSize(11);
        }
        deleteTree(transactionLog);
        Files.move(aside.resolve(TransactionStore.DIR_NAME), transactionLog);
        try (RunningServer server = server()) { // the coordinator aborts the transaction while it starts
            server.manager().log(TOPIC, 0).roll();
            assertThat(server.manager().cleanNow(TOPIC)).as("the rest of the old values and the aborted transaction")
                    .isEqualTo(7);
            Map<Long, String> expected = records(9, "t=old", 14, "a=new", 15, "b=new", 16, "c=new");
            assertThat(read(server, IsolationLevel.READ_UNCOMMITTED)).isEqualTo(expected);
            assertThat(read(server, IsolationLevel.READ_COMMITTED)).isEqualTo(expected);
        }
    }

    /** A transaction log whose one record has a key of an unknown version: the server starts with transactions offline. */
    private static void damageTransactionLog(Path transactionLog) throws Exception {
        Files.createDirectories(transactionLog);
        BatchBuilder builder = new BatchBuilder(1 << 10);
        builder.tryAppend(1_000L, new byte[] {0, 9, 0, 1, 'x'}, new byte[] {0, 0});
        ByteBuffer batch = builder.build();
        byte[] bytes = new byte[batch.remaining()];
        batch.get(bytes);
        Files.write(transactionLog.resolve("00000000000000000000.log"), bytes);
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** Writes the layout of the class note and leaves {@code transactional}'s transaction open. */
    private static void writeAroundAnOpenTransaction(RunningServer server, KafkaProducer<String, String> transactional)
            throws Exception {
        try (KafkaProducer<String, String> plain = plainProducer(server)) {
            for (int round = 0; round < 3; round++) {
                for (String key : List.of("a", "b", "c")) {
                    plain.send(new ProducerRecord<>(TOPIC, key, "old-" + round)).get();
                }
            }
            assertThat(plain.send(new ProducerRecord<>(TOPIC, "t", "old")).get().offset()).isEqualTo(9);

            transactional.initTransactions();
            transactional.beginTransaction();
            for (String key : List.of("a", "b", "c", "t")) {
                long offset = transactional.send(new ProducerRecord<>(TOPIC, key, "txn")).get().offset();
                assertThat(offset).isEqualTo(TRANSACTION_FIRST_OFFSET + List.of("a", "b", "c", "t").indexOf(key));
            }
            server.manager().log(TOPIC, 0).roll();
            for (String key : List.of("a", "b", "c")) {
                plain.send(new ProducerRecord<>(TOPIC, key, "new")).get();
            }
            server.manager().log(TOPIC, 0).roll();
        }
        assertThat(server.manager().log(TOPIC, 0).logEndOffset()).isEqualTo(17);
    }

    private static List<SegmentInfo> segmentsFrom(Log log, long offset) throws Exception {
        return log.segments().stream().filter(s -> s.baseOffset() >= offset).toList();
    }

    private static void createTopic(RunningServer server) throws Exception {
        try (Admin admin = server.admin()) {
            // min.compaction.lag.ms 0 and a high dirty ratio: only cleanNow cleans, and it may clean everything.
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of(
                    "cleanup.policy", "compact", "min.compaction.lag.ms", "0", "min.cleanable.dirty.ratio", "0.99",
                    "delete.retention.ms", "86400000")))).all().get();
        }
    }

    private static KafkaProducer<String, String> producer(RunningServer server, String transactionalId) {
        Properties props = plainProps(server);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static KafkaProducer<String, String> plainProducer(RunningServer server) {
        return new KafkaProducer<>(plainProps(server), new StringSerializer(), new StringSerializer());
    }

    private static Properties plainProps(RunningServer server) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "20");
        return props;
    }

    /** {@code offset, "key=value"} pairs as a map from offset to "key=value". */
    private static Map<Long, String> records(Object... offsetsAndRecords) {
        Map<Long, String> out = new TreeMap<>();
        for (int i = 0; i < offsetsAndRecords.length; i += 2) {
            out.put(((Number) offsetsAndRecords[i]).longValue(), (String) offsetsAndRecords[i + 1]);
        }
        return out;
    }

    private static Map<String, String> latestPerKey(Map<Long, String> records) {
        Map<String, String> latest = new LinkedHashMap<>();
        for (String record : records.values()) {
            String[] keyValue = record.split("=", 2);
            latest.put(keyValue[0], keyValue[1]);
        }
        return latest;
    }

    /**
     * Every record of the partition at {@code isolation} as offset to "key=value", read from the
     * start until the consumer's position reaches the end offset (the last stable offset for
     * read_committed), within a bounded time.
     */
    private static Map<Long, String> read(RunningServer server, IsolationLevel isolation) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        Map<Long, String> records = new TreeMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(partition) < end) {
                assertThat(System.nanoTime()).as("read to offset %d at %s in time", end, isolation)
                        .isLessThan(deadline);
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    records.put(record.offset(), record.key() + "=" + record.value());
                }
            }
        }
        return records;
    }
}

package dev.spool.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of {@code spool serve} in the middle of transactions, then a restart on the same
 * data directory: a {@code read_committed} consumer must see every record of each transaction whose
 * commit was acknowledged, none of an aborted one, and of the transactions cut short by the kill
 * (open, or between its commit request and the answer) either every record or none.
 *
 * <p>A producer runs transactions back to back over three partitions, committing two of every three
 * and aborting the third, each transaction's values named after it; the server is killed once a
 * dozen have ended, while the next is in flight.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TransactionsKillNineTest {
    private static final String TOPIC = "ledger";
    private static final int PARTITIONS = 3;
    private static final int RECORDS_PER_TRANSACTION = 6;

    /** How each transaction ended, as the producer saw it. */
    private enum Outcome { COMMITTED, ABORTED, CUT_SHORT }

    @Test
    void committedTransactionsSurviveAKillAndTheOthersAreAllOrNothing(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        int port = freePort();
        List<String> serve = List.of("serve", "--data-dir", dir.resolve("data").toString(),
                "--listen", "127.0.0.1:" + port, "--partitions", Integer.toString(PARTITIONS));
        String bootstrap = "127.0.0.1:" + port;
        Map<Integer, Outcome> outcomes = new ConcurrentHashMap<>();
        CountDownLatch dozenEnded = new CountDownLatch(12);
        SpoolProcess server = SpoolProcess.serve(serve, dir.resolve("serve-1.log"));
        try {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            KafkaProducer<String, String> producer = producer(bootstrap);
            Thread producing = new Thread(() -> runTransactions(producer, outcomes, dozenEnded), "transactions");
            producing.start();
            assertThat(dozenEnded.await(90, TimeUnit.SECONDS)).as("a dozen transactions ended before the kill").isTrue();
            server.kill();
            producer.close(Duration.ZERO); // its transaction in flight fails at once instead of waiting for the server
            producing.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(producing.isAlive()).as("the producer gave up after the kill").isFalse();
        } finally {
            server.close();
        }

        try (SpoolProcess restarted = SpoolProcess.serve(serve, dir.resolve("serve-2.log"))) {
            Map<Integer, Set<String>> seen = readCommitted(bootstrap);
            for (Map.Entry<Integer, Outcome> entry : outcomes.entrySet()) {
                int txn = entry.getKey();
                Set<String> values = seen.getOrDefault(txn, Set.of());
                switch (entry.getValue()) {
                    case COMMITTED -> assertThat(values).as("transaction %d, committed", txn)
                            .hasSize(RECORDS_PER_TRANSACTION);
                    case ABORTED -> assertThat(values).as("transaction %d, aborted", txn).isEmpty();
                    case CUT_SHORT -> assertThat(values.size()).as("transaction %d, cut short by the kill: %s", txn,
                            values).isIn(0, RECORDS_PER_TRANSACTION);
                }
            }
            assertThat(outcomes.values()).contains(Outcome.COMMITTED, Outcome.ABORTED, Outcome.CUT_SHORT);
            assertThat(outcomes.keySet()).containsAll(seen.keySet());
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ledger-writer");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    /** Transactions back to back until the server is gone (the producer closed); records how each one ended. */
    private static void runTransactions(KafkaProducer<String, String> producer, Map<Integer, Outcome> outcomes,
                                        CountDownLatch ended) {
        try {
            producer.initTransactions();
            for (int txn = 0; ; txn++) {
                outcomes.put(txn, Outcome.CUT_SHORT);
                producer.beginTransaction();
                for (int i = 0; i < RECORDS_PER_TRANSACTION; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, Integer.toString(txn), txn + "-" + i));
                }
                if (txn % 3 == 2) {
                    producer.abortTransaction();
                    outcomes.put(txn, Outcome.ABORTED);
                } else {
                    producer.commitTransaction();
                    outcomes.put(txn, Outcome.COMMITTED);
                }
                ended.countDown();
            }
        } catch (RuntimeException e) {
            // The kill: the transaction in flight stays CUT_SHORT.
        }
    }

    /** Every value read with read_committed from the start of each partition to its end, by transaction. */
    private static Map<Integer, Set<String>> readCommitted(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Map<Integer, Set<String>> seen = new ConcurrentHashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(TOPIC, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // The end offsets read_committed sees are the last stable offsets: every transaction the
            // restart found open has been aborted by then, so they are the log ends.
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                assertThat(System.nanoTime() - deadline).as("read to the end offsets %s", ends).isNegative();
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    boolean fresh = seen.computeIfAbsent(Integer.parseInt(record.key()), k -> new HashSet<>())
                            .add(record.value());
                    assertThat(fresh).as("value %s read twice", record.value()).isTrue();
                }
            }
        }
        return seen;
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}

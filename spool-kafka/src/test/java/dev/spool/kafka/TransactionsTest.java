package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions through the Java client against the server: commits and aborts interleaved read
 * back exactly by a read_committed consumer, offsets committed within a transaction, a zombie
 * producer fenced, a transaction left open by a stopped server aborted at the restart, and what
 * Kafka's Admin shows of them.
 */
class TransactionsTest {
    private static final String TOPIC = "payments";

    @TempDir
    Path dir;

    private RunningServer server() throws Exception {
        return new RunningServer(dir, KafkaServerConfig.defaults(), RunningServer.groups());
    }

    @Test
    @Timeout(120)
    void aReadCommittedConsumerSeesExactlyTheCommittedRecords() throws Exception {
        try (RunningServer server = server()) {
            createTopic(server, TOPIC, 2);
            try (KafkaProducer<String, String> producer = producer(server, "tx-1")) {
                producer.initTransactions();
                for (int t = 0; t < 6; t++) {
                    producer.beginTransaction();
                    for (int i = 0; i < 5; i++) {
                        producer.send(new ProducerRecord<>(TOPIC, i % 2, "k", "t" + t + "-" + i));
                    }
                    producer.flush();
                    if (t % 3 == 1) {
                        producer.abortTransaction();
                    } else {
                        producer.commitTransaction();
                    }
                }
                producer.beginTransaction(); // left open: read_committed readers stop before it
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", "open-0")).get();
                producer.send(new ProducerRecord<>(TOPIC, 1, "k", "open-1")).get();

                List<String> committed = readAll(server, IsolationLevel.READ_COMMITTED, 20);
                assertThat(committed).hasSize(20).allMatch(v -> v.startsWith("t0") || v.startsWith("t2")
                        || v.startsWith("t3") || v.startsWith("t5"));
                List<String> everything = readAll(server, IsolationLevel.READ_UNCOMMITTED, 32);
                assertThat(everything).hasSize(32).contains("t1-0", "t4-4", "open-0", "open-1");

                producer.commitTransaction();
                assertThat(readAll(server, IsolationLevel.READ_COMMITTED, 22)).contains("open-0", "open-1")
                        .hasSize(22);
            }
        }
    }

    @Test
    @Timeout(120)
    void offsetsSentToATransactionAreCommittedWithItAndDroppedOnAbort() throws Exception {
        try (RunningServer server = server()) {
            createTopic(server, "in", 1);
            createTopic(server, "out", 1);
            TopicPartition in = new TopicPartition("in", 0);
            try (KafkaProducer<String, String> producer = producer(server, "tx-offsets")) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("out", "k", "first"));
                producer.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(3)),
                        new org.apache.kafka.clients.consumer.ConsumerGroupMetadata("etl"));
                producer.commitTransaction();

                producer.beginTransaction();
                producer.send(new ProducerRecord<>("out", "k", "second"));
                producer.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(9)),
                        new org.apache.kafka.clients.consumer.ConsumerGroupMetadata("etl"));
                producer.abortTransaction();
            }
            try (Admin admin = server.admin()) {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("etl")
                        .partitionsToOffsetAndMetadata().get();
                assertThat(offsets.get(in).offset()).isEqualTo(3);
            }
            server.restart();
            try (Admin admin = server.admin()) {
                assertThat(admin.listConsumerGroupOffsets("etl").partitionsToOffsetAndMetadata().get().get(in)
                        .offset()).as("after a restart").isEqualTo(3);
            }
        }
    }

    @Test
    @Timeout(120)
    void aSecondProducerWithTheSameTransactionalIdFencesTheFirst() throws Exception {
        try (RunningServer server = server()) {
            createTopic(server, TOPIC, 1);
            try (KafkaProducer<String, String> zombie = producer(server, "tx-fence");
                 KafkaProducer<String, String> successor = producer(server, "tx-fence")) {
                zombie.initTransactions();
                zombie.beginTransaction();
                zombie.send(new ProducerRecord<>(TOPIC, "k", "zombie")).get();
                successor.initTransactions(); // aborts the zombie's open transaction
                successor.beginTransaction();
                successor.send(new ProducerRecord<>(TOPIC, "k", "successor"));
                successor.commitTransaction();
                assertThatThrownBy(zombie::commitTransaction).isInstanceOf(ProducerFencedException.class);
            }
            assertThat(readAll(server, IsolationLevel.READ_COMMITTED, 1)).containsExactly("successor");
        }
    }

    @Test
    @Timeout(120)
    void aTransactionLeftOpenByAStoppedServerIsAbortedAtTheRestart() throws Exception {
        try (RunningServer server = server()) {
            createTopic(server, TOPIC, 1);
            KafkaProducer<String, String> producer = producer(server, "tx-restart");
            try {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, "k", "committed?")).get();
                server.restart();
                producer.send(new ProducerRecord<>(TOPIC, "k", "after restart"));
                assertThatThrownBy(producer::commitTransaction).isInstanceOf(Exception.class);
            } finally {
                producer.close(Duration.ZERO);
            }
            try (KafkaProducer<String, String> next = producer(server, "tx-restart")) {
                next.initTransactions();
                next.beginTransaction();
                next.send(new ProducerRecord<>(TOPIC, "k", "next"));
                next.commitTransaction();
            }
            assertThat(readAll(server, IsolationLevel.READ_COMMITTED, 1)).containsExactly("next");
        }
    }

    @Test
    @Timeout(120)
    void kafkasAdminDescribesAndListsTransactions() throws Exception {
        try (RunningServer server = server(); Admin admin = server.admin()) {
            createTopic(server, TOPIC, 2);
            try (KafkaProducer<String, String> producer = producer(server, "tx-admin")) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, 1, "k", "v")).get();
                TransactionDescription described = admin.describeTransactions(List.of("tx-admin"))
                        .description("tx-admin").get();
                assertThat(described.state()).isEqualTo(TransactionState.ONGOING);
                assertThat(described.topicPartitions()).containsExactly(new TopicPartition(TOPIC, 1));
                Collection<TransactionListing> listed = admin.listTransactions().all().get();
                assertThat(listed).extracting(TransactionListing::transactionalId).containsExactly("tx-admin");
                producer.commitTransaction();
                assertThat(admin.describeTransactions(List.of("tx-admin")).description("tx-admin").get().state())
                        .isEqualTo(TransactionState.COMPLETE_COMMIT);
            }
            assertThatThrownBy(() -> admin.describeTransactions(List.of("nobody")).description("nobody").get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TransactionalIdNotFoundException.class);
        }
    }

    private static void createTopic(RunningServer server, String topic, int partitions) throws Exception {
        try (Admin admin = server.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    private static KafkaProducer<String, String> producer(RunningServer server, String transactionalId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "20");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    /** Every value of {@link #TOPIC} at {@code isolation}, read until {@code expected} arrived and then a little more. */
    private static List<String> readAll(RunningServer server, IsolationLevel isolation, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC).stream()
                    .map(p -> new TopicPartition(TOPIC, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int emptyPollsAfter = 0;
            while (System.nanoTime() < deadline && (values.size() < expected || emptyPollsAfter < 3)) {
                var records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, String> record : records) {
                    values.add(record.value());
                }
                if (values.size() >= expected && records.isEmpty()) {
                    emptyPollsAfter++;
                }
            }
        }
        return values;
    }
}

package dev.spool.compat;

import static dev.spool.compat.ToolCells.tool;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * kafka-transactions against a transaction the Java producer holds open on partition 0 of the
 * cell's topic: {@code list} names it, {@code describe} shows it Ongoing with its partition,
 * {@code describe-producers} shows where it began; after the commit {@code describe} shows
 * CompleteCommit.
 */
final class TransactionToolCells {
    static final String TRANSACTIONS = "org.apache.kafka.tools.TransactionsCommand";

    private TransactionToolCells() {
    }

    static List<Cell> cells() {
        return List.of(new Cell(TopicToolCells.CLIENT, "kafka-transactions list, describe, describe-producers",
                (f, topic) -> {
                    f.topicWith(topic, Fixtures.values("before", 2));
                    String id = topic + "-tx";
                    try (KafkaProducer<String, String> producer = producer(f, id)) {
                        producer.initTransactions();
                        producer.beginTransaction();
                        producer.send(new ProducerRecord<>(topic, 0, "k", "open")).get();

                        Proc.Result listed = tool(f, TRANSACTIONS, "list");
                        assertThat(listed.output()).as(listed.describe()).contains(id).contains("Ongoing");
                        Proc.Result described = tool(f, TRANSACTIONS, "describe", "--transactional-id", id);
                        assertThat(described.output()).as(described.describe()).contains("Ongoing")
                                .contains(topic + "-0");
                        Proc.Result producers = tool(f, TRANSACTIONS, "describe-producers", "--topic", topic,
                                "--partition", "0");
                        // The last column, CurrentTransactionStartOffset: the open transaction began at offset 2.
                        assertThat(producers.output().lines().map(String::strip))
                                .as("a producer whose transaction began at offset 2\n" + producers.describe())
                                .anyMatch(line -> line.matches("\\d+\\s+.*\\s2"));

                        producer.commitTransaction();
                    }
                    Proc.Result done = tool(f, TRANSACTIONS, "describe", "--transactional-id", id);
                    assertThat(done.output()).as(done.describe()).contains("CompleteCommit");
                    return null;
                }));
    }

    private static KafkaProducer<String, String> producer(Fixtures f, String transactionalId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, f.target.bootstrap());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }
}

package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code spool groups} against a running {@code spool serve} and against its data directory afterwards. */
class GroupsCommandTest {
    @TempDir
    Path tmp;

    /** The columns of the row of {@code topic}-{@code partition} in describe's offsets table. */
    private static List<String> row(String describe, String topic, int partition) {
        return describe.lines().map(l -> List.of(l.trim().split("\\s+")))
                .filter(c -> c.size() >= 2 && c.get(0).equals(topic) && c.get(1).equals(String.valueOf(partition)))
                .findFirst().orElseThrow(() -> new AssertionError("no row " + topic + "-" + partition + " in\n" + describe));
    }

    @Test
    @Timeout(180)
    void listDescribeResetAndDeleteOnAServerThenInTheDataDirectory() throws Exception {
        Cli cli = new Cli(tmp.resolve("data"));
        assertThat(cli.run("", "topics", "create", "orders", "--partitions", "2").code()).isZero();
        assertThat(cli.run("a\nb\nc\n", "produce", "orders", "--partition", "0").code()).isZero();
        assertThat(cli.run("d\ne\n", "produce", "orders", "--partition", "1").code()).isZero();

        ServeCommandTest.Serving serving = ServeCommandTest.Serving.start("serve", "--listen", "127.0.0.1:0", "--data-dir",
                tmp.resolve("data").toString());
        String server = serving.bootstrap();
        try {
            onTheServer(cli, server);
            Cli.Run locked = cli.run("", "groups", "list");
            assertThat(locked.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
            assertThat(locked.err()).contains("a server is running on it? Ask it with --bootstrap-server")
                    .hasLineCount(1);
        } finally {
            assertThat(serving.stop()).isZero();
        }
        inTheDataDirectory(cli);
    }

    private static void onTheServer(Cli cli, String server) {
        KafkaConsumer<byte[], byte[]> consumer = consumer(server, "billing");
        try {
            consumer.subscribe(List.of("orders"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumer.assignment().size() < 2) {
                assertThat(System.nanoTime()).as("the consumer is assigned").isLessThan(deadline);
                consumer.poll(Duration.ofMillis(100));
            }
            consumer.commitSync(Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(1),
                    new TopicPartition("orders", 1), new OffsetAndMetadata(2)));

            assertThat(cli.run("", "groups", "list", "--bootstrap-server", server).out()).isEqualTo("billing\n");
            Cli.Run described = cli.run("", "groups", "describe", "billing", "--bootstrap-server", server);
            assertThat(described.code()).as(described.err()).isZero();
            String member = consumer.groupMetadata().memberId();
            assertThat(described.out()).startsWith("group billing: Stable, 1 member(s)\n")
                    .contains(member + " ").contains("orders-0,orders-1");
            assertThat(row(described.out(), "orders", 0)).containsExactly("orders", "0", "1", "3", "2", member);
            assertThat(row(described.out(), "orders", 1)).containsExactly("orders", "1", "2", "2", "0", member);

            Cli.Run busy = cli.run("", "groups", "reset-offsets", "billing", "--topic", "orders", "--to-earliest",
                    "--execute", "--bootstrap-server", server);
            assertThat(busy.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
            assertThat(busy.err()).startsWith("spool: Group 'billing' on " + server + " has 1 member(s) (Stable): "
                    + "offsets can be reset only while no consumer is in the group").hasLineCount(1);
            Cli.Run notEmpty = cli.run("", "groups", "delete", "billing", "--bootstrap-server", server);
            assertThat(notEmpty.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
            assertThat(notEmpty.err()).isEqualTo("spool: Group 'billing' on " + server + " has members: stop its "
                    + "consumers before deleting it\n");
        } finally {
            consumer.close();
        }

        Cli.Run dryRun = cli.run("", "groups", "reset-offsets", "billing", "--topic", "orders", "--to-earliest",
                "--bootstrap-server", server);
        assertThat(dryRun.code()).as(dryRun.err()).isZero();
        assertThat(dryRun.err()).contains("nothing changed (a dry run); add --execute");
        assertThat(row(dryRun.out(), "orders", 0)).containsExactly("orders", "0", "1", "0");
        assertThat(row(cli.run("", "groups", "describe", "billing", "--bootstrap-server", server).out(), "orders", 0))
                .startsWith("orders", "0", "1");

        Cli.Run reset = cli.run("", "groups", "reset-offsets", "billing", "--topic", "orders", "--to-offset", "99",
                "--execute", "--bootstrap-server", server);
        assertThat(reset.code()).as(reset.err()).isZero();
        assertThat(reset.err()).contains("committed 2 offset(s) of group billing on " + server);
        String after = cli.run("", "groups", "describe", "billing", "--bootstrap-server", server).out();
        assertThat(after).startsWith("group billing: Empty, 0 member(s)");
        assertThat(row(after, "orders", 0)).containsExactly("orders", "0", "3", "3", "0", "-");
        assertThat(row(after, "orders", 1)).containsExactly("orders", "1", "2", "2", "0", "-");

        assertThat(cli.run("", "groups", "reset-offsets", "audit", "--topic", "orders", "--to-earliest", "--execute",
                "--bootstrap-server", server).code()).isZero();
        assertThat(cli.run("", "groups", "list", "--bootstrap-server", server).out()).isEqualTo("audit\nbilling\n");
        assertThat(cli.run("", "groups", "delete", "audit", "--bootstrap-server", server).out())
                .isEqualTo("deleted group audit on " + server + "\n");
        Cli.Run gone = cli.run("", "groups", "describe", "audit", "--bootstrap-server", server);
        assertThat(gone.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(gone.err()).isEqualTo("spool: Unknown group 'audit' on " + server + "\n");
    }

    private static void inTheDataDirectory(Cli cli) {
        assertThat(cli.run("", "groups", "list").out()).isEqualTo("billing\n");
        Cli.Run described = cli.run("", "groups", "describe", "billing");
        assertThat(described.code()).as(described.err()).isZero();
        assertThat(described.out()).startsWith("group billing: Empty, 0 member(s) (read from the data directory");
        assertThat(row(described.out(), "orders", 0)).containsExactly("orders", "0", "3", "3", "0", "-");

        assertThat(cli.run("x\n", "produce", "orders", "--partition", "1").code()).isZero();
        assertThat(row(cli.run("", "groups", "describe", "billing").out(), "orders", 1))
                .containsExactly("orders", "1", "2", "3", "1", "-");
        Cli.Run reset = cli.run("", "groups", "reset-offsets", "billing", "--topic", "orders", "--to-offset", "1",
                "--execute");
        assertThat(reset.code()).as(reset.err()).isZero();
        assertThat(row(cli.run("", "groups", "describe", "billing").out(), "orders", 1))
                .containsExactly("orders", "1", "1", "3", "2", "-");

        assertThat(cli.run("", "groups", "delete", "billing").out()).startsWith("deleted group billing in ");
        assertThat(cli.run("", "groups", "list").out()).isEmpty();
        Cli.Run unknown = cli.run("", "groups", "describe", "billing");
        assertThat(unknown.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(unknown.err()).startsWith("spool: Unknown group 'billing' in ").hasLineCount(1);
        assertThat(cli.run("", "groups", "delete", "billing").err()).startsWith("spool: Unknown group 'billing' in ");
    }

    @Test
    void aDataDirectoryWithoutCommittedOffsetsHasNoGroupsAndGetsNoOffsetsLog() {
        Cli cli = new Cli(tmp.resolve("data"));
        assertThat(cli.run("", "topics", "create", "t").code()).isZero();
        assertThat(cli.run("", "groups", "list").out()).isEmpty();
        assertThat(cli.run("", "groups", "describe", "g").err()).startsWith("spool: Unknown group 'g' in ");
        assertThat(tmp.resolve("data").resolve("__consumer_offsets")).doesNotExist();
        Cli.Run unknownTopic = cli.run("", "groups", "reset-offsets", "g", "--topic", "nope", "--to-latest", "--execute");
        assertThat(unknownTopic.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(unknownTopic.err()).isEqualTo("spool: Unknown topic 'nope'\n");
    }

    @Test
    void badGroupsInputsAreOneLineEach() {
        Cli cli = new Cli(tmp.resolve("data"));
        assertThat(cli.run("", "topics", "create", "t").code()).isZero();
        record Case(List<String> args, int code, String message) {
        }
        for (Case c : List.of(
                new Case(List.of("reset-offsets", "g", "--topic", "t"), 2, "Missing required argument"),
                new Case(List.of("reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-latest"), 2,
                        "mutually exclusive"),
                new Case(List.of("reset-offsets", "g", "--to-earliest"), 2, "Missing required option: '--topic=TOPIC'"),
                new Case(List.of("reset-offsets", "g", "--topic", "t", "--to-offset", "-1"), 2,
                        "--to-offset must be 0 or more, not -1"),
                new Case(List.of("list", "--bootstrap-server", "127.0.0.1:9", "--timeout-ms", "0"), 2,
                        "--timeout-ms must be at least 1, not 0"),
                new Case(List.of("list", "--bootstrap-server", "127.0.0.1:1", "--timeout-ms", "300"), 1,
                        "Could not list groups on 127.0.0.1:1"),
                new Case(List.of(), 2, "Missing sub-command: list, describe, reset-offsets or delete"))) {
            List<String> args = new java.util.ArrayList<>(List.of("groups"));
            args.addAll(c.args());
            Cli.Run run = cli.run("", args.toArray(String[]::new));
            assertThat(run.code()).as(args.toString()).isEqualTo(c.code());
            assertThat(run.err()).as(args.toString()).startsWith("spool: ").contains(c.message()).hasLineCount(1);
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, group + "-1");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}

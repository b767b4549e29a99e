package dev.spool.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cells of the clients driven through a small script of their own (confluent-kafka-python,
 * kafka-python, kafkajs). Every script takes {@code BOOTSTRAP COMMAND ARGS…}, does that one thing
 * with its client, prints what it saw as {@code word value} lines, and exits 0 on success, 3 when
 * its client cannot do the command, anything else on failure. The commands:
 *
 * <pre>
 *   produce TOPIC CODEC COUNT PREFIX        values PREFIX0 … to partition 0, compressed with CODEC
 *   consume TOPIC GROUP earliest|latest N   subscribe in GROUP; print N values ("value v"); commit
 *                                           the offset after the N-th; leave the group
 *   consume-at TOPIC TIMESTAMP N            offset for TIMESTAMP in partition 0, read N from there
 *   read-log TOPIC N BYTES                  N records of partition 0 from its start, fetching at most
 *                                           BYTES of the partition at a time; each printed
 *                                           "record OFFSET KEY VALUE", a null value as NULL
 *   watermarks TOPIC                        "low L", "high H" of partition 0
 *   create-topic TOPIC PARTITIONS | delete-topic TOPIC | create-partitions TOPIC TOTAL
 *   list-topics                             "topic NAME PARTITIONS" each
 *   list-groups | describe-group GROUP | delete-group GROUP | committed GROUP TOPIC
 *   describe-config TOPIC                   "config retention.ms V"
 *   alter-config TOPIC NAME VALUE | delete-records TOPIC OFFSET
 *   transactions TOPIC TRANSACTIONAL_ID     c0 c1 committed, a0 a1 aborted, c2 committed to partition 0;
 *                                           then partition 0 read with read_committed ("value v")
 * </pre>
 *
 * The harness checks the printed results against what it put on the server (or reads the server
 * back), so a script never judges its own client.
 */
final class ScriptCells {
    static final Script CONFLUENT_PYTHON = new Script("confluent-kafka-python 1.7 (librdkafka 2.0)",
            List.of(Installed.PYTHON, python("confluent_client.py")));
    static final Script KAFKA_PYTHON = new Script("kafka-python 2.0.2",
            List.of(Installed.PYTHON, python("kafka_python_client.py")));
    static final Script KAFKAJS = new Script("kafkajs 2.2.4",
            List.of("node", Installed.NODE_DIR.resolve("kafkajs_client.js").toString()));

    static final List<String> CODECS = List.of("none", "gzip", "snappy", "lz4", "zstd");
    static final int UNSUPPORTED_EXIT = 3;

    private ScriptCells() {
    }

    /** A client's script: its name in the matrix and the command that runs it. */
    record Script(String client, List<String> command) {
        Proc.Result run(Fixtures f, String... args) throws Exception {
            return Proc.run(command(f, args));
        }

        List<String> command(Fixtures f, String... args) {
            List<String> full = new ArrayList<>(command);
            full.add(f.target.bootstrap());
            full.addAll(List.of(args));
            return full;
        }

        /** Runs the script and returns its output, throwing with the whole run unless it exited 0. */
        Proc.Result ok(Fixtures f, String... args) throws Exception {
            return ok(Proc.run(command(f, args)));
        }

        static Proc.Result ok(Proc.Result result) {
            if (result.exit() == UNSUPPORTED_EXIT) {
                throw new Cell.Unsupported(result.field("unsupported").stream().findFirst()
                        .orElse("not in this client"));
            }
            if (!result.ok()) {
                throw new AssertionError(result.describe());
            }
            return result;
        }
    }

    private static String python(String script) {
        return Paths.get("src", "test", "resources", "python", script).toAbsolutePath().toString();
    }

    static List<Cell> cells(Script s) {
        String c = s.client();
        List<Cell> cells = new ArrayList<>();
        for (String codec : CODECS) {
            cells.add(new Cell(c, "produce " + codec + ", read back", (f, topic) -> {
                f.createTopic(topic, 1);
                s.ok(f, "produce", topic, codec, "5", "v");
                assertThat(f.readAll(topic, 0)).as("values on the server").isEqualTo(Fixtures.values("v", 5));
                Proc.Result read = s.ok(f, "consume", topic, topic + "-g", "earliest", "5");
                assertThat(read.field("value")).as("values read back by the client\n" + read.describe())
                        .isEqualTo(Fixtures.values("v", 5));
                return null;
            }));
        }
        cells.addAll(consumeCells(s));
        cells.add(CompactedCells.script(s));
        if (s == CONFLUENT_PYTHON) {
            cells.add(transactionsCell(s));
        }
        return cells;
    }

    /**
     * librdkafka's transactional producer: two commits around an abort, read back by the client
     * with {@code read_committed}; the aborted records are in the partition all the same (a plain
     * reader sees them), only the markers tell them apart.
     */
    private static Cell transactionsCell(Script s) {
        return new Cell(s.client(), "transactions: commit, abort, read_committed", (f, topic) -> {
            f.createTopic(topic, 1);
            Proc.Result run = s.ok(f, "transactions", topic, topic + "-tx");
            assertThat(run.field("value")).as("read_committed by the client\n" + run.describe())
                    .containsExactly("c0", "c1", "c2");
            assertThat(f.readAll(topic, 0)).as("read_uncommitted by the Java consumer")
                    .containsExactly("c0", "c1", "a0", "a1", "c2");
            return null;
        });
    }

    private static List<Cell> consumeCells(Script s) {
        String c = s.client();
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(c, "consume, new group, earliest", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("e", 5));
            Proc.Result read = s.ok(f, "consume", topic, topic + "-g", "earliest", "5");
            assertThat(read.field("value")).as(read.describe()).isEqualTo(Fixtures.values("e", 5));
            return null;
        }));
        cells.add(new Cell(c, "consume, new group, latest", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("early", 3));
            AtomicInteger late = new AtomicInteger();
            Proc.Result read = Script.ok(Proc.run(s.command(f, "consume", topic, topic + "-g", "latest", "1"), null,
                    Map.of(), () -> produceLate(f, topic, late)));
            assertThat(read.field("value")).as(read.describe()).hasSize(1).allMatch(v -> v.startsWith("late"));
            return "read " + read.field("value").get(0) + " after " + late.get() + " late records";
        }));
        cells.add(new Cell(c, "consume from a timestamp", (f, topic) -> {
            long base = Timestamps.base();
            f.createTopic(topic, 1);
            f.produce(topic, Fixtures.values("t", 6), base);
            Proc.Result read = s.ok(f, "consume-at", topic, Long.toString(base + 3000), "3");
            assertThat(read.field("value")).as(read.describe()).isEqualTo(List.of("t3", "t4", "t5"));
            return null;
        }));
        cells.add(new Cell(c, "watermark offsets", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("w", 4));
            Proc.Result read = s.ok(f, "watermarks", topic);
            assertThat(read.field("low")).as(read.describe()).containsExactly("0");
            assertThat(read.field("high")).as(read.describe()).containsExactly("4");
            return null;
        }));
        cells.add(new Cell(c, "commit, stop, resume in the group", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("r", 6));
            String group = topic + "-g";
            Proc.Result first = s.ok(f, "consume", topic, group, "earliest", "3");
            assertThat(first.field("value")).as(first.describe()).isEqualTo(List.of("r0", "r1", "r2"));
            assertThat(f.committed(group, topic)).as("committed offset after the first run").isEqualTo(3);
            Proc.Result second = s.ok(f, "consume", topic, group, "earliest", "3");
            assertThat(second.field("value")).as(second.describe()).isEqualTo(List.of("r3", "r4", "r5"));
            return null;
        }));
        cells.addAll(adminCells(s));
        return cells;
    }

    /** Produces one more {@code lateN} record (the harness's side of the "latest" cell); never done. */
    static boolean produceLate(Fixtures f, String topic, AtomicInteger late) {
        try {
            f.produce(topic, List.of("late" + late.getAndIncrement()), -1);
        } catch (Exception e) {
            throw new IllegalStateException("producing a late record to " + topic + " on " + f.target, e);
        }
        return false;
    }

    private static List<Cell> adminCells(Script s) {
        String c = s.client();
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(c, "admin: create topic", (f, topic) -> {
            s.ok(f, "create-topic", topic, "2");
            Admins.awaitPartitions(f, topic, 2);
            return null;
        }));
        cells.add(new Cell(c, "admin: delete topic", (f, topic) -> {
            f.createTopic(topic, 1);
            s.ok(f, "delete-topic", topic);
            Admins.awaitGone(f, topic);
            return null;
        }));
        cells.add(new Cell(c, "metadata: list topics", (f, topic) -> {
            f.createTopic(topic, 3);
            Proc.Result out = s.ok(f, "list-topics");
            assertThat(out.field("topic")).as(out.describe()).contains(topic + " 3");
            return null;
        }));
        cells.add(new Cell(c, "admin: create partitions", (f, topic) -> {
            f.createTopic(topic, 1);
            s.ok(f, "create-partitions", topic, "3");
            Admins.awaitPartitions(f, topic, 3);
            return null;
        }));
        cells.addAll(groupAdminCells(s));
        return cells;
    }

    private static List<Cell> groupAdminCells(Script s) {
        String c = s.client();
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(c, "admin: list groups", (f, topic) -> {
            String group = Admins.groupWithCommit(f, topic, 2);
            Proc.Result out = s.ok(f, "list-groups");
            assertThat(out.field("group")).as(out.describe()).contains(group);
            return null;
        }));
        cells.add(new Cell(c, "admin: describe group", (f, topic) -> {
            String group = Admins.groupWithCommit(f, topic, 2);
            Proc.Result out = s.ok(f, "describe-group", group);
            assertThat(out.field("state")).as(out.describe()).hasSize(1).allMatch(v -> v.equalsIgnoreCase("empty"));
            return null;
        }));
        cells.add(new Cell(c, "committed offsets of a group", (f, topic) -> {
            String group = Admins.groupWithCommit(f, topic, 2);
            Proc.Result out = s.ok(f, "committed", group, topic);
            assertThat(out.field("committed")).as(out.describe()).containsExactly("2");
            return null;
        }));
        cells.add(new Cell(c, "admin: delete group", (f, topic) -> {
            String group = Admins.groupWithCommit(f, topic, 2);
            s.ok(f, "delete-group", group);
            assertThat(f.committed(group, topic)).as("committed offset after the delete").isEqualTo(-1);
            return null;
        }));
        cells.add(new Cell(c, "admin: describe topic configs", (f, topic) -> {
            f.createTopic(topic, 1);
            Proc.Result out = s.ok(f, "describe-config", topic);
            assertThat(out.field("config")).as(out.describe()).contains("retention.ms 604800000");
            return null;
        }));
        cells.add(new Cell(c, "admin: alter topic config (AlterConfigs)", (f, topic) -> {
            f.createTopic(topic, 1);
            s.ok(f, "alter-config", topic, "retention.ms", "3600000");
            assertThat(Admins.topicConfig(f, topic, "retention.ms")).isEqualTo("3600000");
            return null;
        }));
        cells.add(new Cell(c, "admin: delete records", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("d", 5));
            s.ok(f, "delete-records", topic, "2");
            assertThat(f.startOffset(topic)).as("log start offset after the delete").isEqualTo(2);
            return null;
        }));
        return cells;
    }
}

package dev.spool.compat;

import static dev.spool.compat.ToolCells.tool;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The tools on topics and records: kafka-topics, console producer and consumer, get-offsets, configs, delete-records. */
final class TopicToolCells {
    static final String CLIENT = "Kafka 4.4 tools";

    private TopicToolCells() {
    }

    static List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(CLIENT, "kafka-topics --create", (f, topic) -> {
            tool(f, ToolCells.TOPICS, "--create", "--topic", topic, "--partitions", "2", "--replication-factor", "1");
            Admins.awaitPartitions(f, topic, 2);
            return null;
        }));
        cells.add(new Cell(CLIENT, "kafka-topics --describe", (f, topic) -> {
            f.createTopic(topic, 2);
            Proc.Result out = tool(f, ToolCells.TOPICS, "--describe", "--topic", topic);
            assertThat(out.output()).as(out.describe()).contains("PartitionCount: 2");
            return null;
        }));
        cells.add(new Cell(CLIENT, "kafka-topics --list", (f, topic) -> {
            f.createTopic(topic, 1);
            Proc.Result out = tool(f, ToolCells.TOPICS, "--list");
            assertThat(Arrays.asList(out.output().split("\n"))).as(out.describe()).contains(topic);
            return null;
        }));
        cells.add(new Cell(CLIENT, "kafka-topics --alter --partitions", (f, topic) -> {
            f.createTopic(topic, 1);
            tool(f, ToolCells.TOPICS, "--alter", "--topic", topic, "--partitions", "3");
            Admins.awaitPartitions(f, topic, 3);
            return null;
        }));
        cells.add(new Cell(CLIENT, "kafka-topics --delete", (f, topic) -> {
            f.createTopic(topic, 1);
            tool(f, ToolCells.TOPICS, "--delete", "--topic", topic);
            Admins.awaitGone(f, topic);
            return null;
        }));
        cells.addAll(consoleCells());
        return cells;
    }

    private static List<Cell> consoleCells() {
        List<Cell> cells = new ArrayList<>();
        for (String codec : ScriptCells.CODECS) {
            cells.add(new Cell(CLIENT, "kafka-console-producer " + codec + ", read back", (f, topic) -> {
                f.createTopic(topic, 1);
                ToolCells.toolWithInput(f, String.join("\n", Fixtures.values("v", 5)) + "\n", ToolCells.CONSOLE_PRODUCER,
                        "--topic", topic, "--compression-codec", codec);
                assertThat(f.readAll(topic, 0)).as("values on the server").isEqualTo(Fixtures.values("v", 5));
                return null;
            }));
        }
        cells.add(new Cell(CLIENT, "kafka-console-consumer --from-beginning (new group)", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("c", 5));
            Proc.Result out = tool(f, ToolCells.CONSOLE_CONSUMER, "--topic", topic, "--from-beginning",
                    "--max-messages", "5", "--timeout-ms", "30000");
            assertThat(ToolCells.valueLines(out, "c")).as(out.describe()).isEqualTo(Fixtures.values("c", 5));
            return null;
        }));
        cells.add(new Cell(CLIENT, "kafka-console-consumer --partition 0 --offset 2", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("c", 5));
            Proc.Result out = tool(f, ToolCells.CONSOLE_CONSUMER, "--topic", topic, "--partition", "0",
                    "--offset", "2", "--max-messages", "3", "--timeout-ms", "30000");
            assertThat(ToolCells.valueLines(out, "c")).as(out.describe()).isEqualTo(List.of("c2", "c3", "c4"));
            return null;
        }));
        cells.add(CompactedCells.consoleConsumer());
        cells.addAll(offsetAndConfigCells());
        return cells;
    }

    private static List<Cell> offsetAndConfigCells() {
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(CLIENT, "kafka-get-offsets --time -1 / -2 / timestamp", (f, topic) -> {
            long base = Timestamps.base();
            f.createTopic(topic, 1);
            f.produce(topic, Fixtures.values("o", 4), base);
            Proc.Result latest = tool(f, ToolCells.GET_OFFSETS, "--topic", topic, "--time", "-1");
            assertThat(latest.output()).as(latest.describe()).contains(topic + ":0:4");
            Proc.Result earliest = tool(f, ToolCells.GET_OFFSETS, "--topic", topic, "--time", "-2");
            assertThat(earliest.output()).as(earliest.describe()).contains(topic + ":0:0");
            Proc.Result at = tool(f, ToolCells.GET_OFFSETS, "--topic", topic, "--time", Long.toString(base + 2000));
            assertThat(at.output()).as(at.describe()).contains(topic + ":0:2");
            return null;
        }));
        cells.add(new Cell(CLIENT, "kafka-configs --describe --all", (f, topic) -> {
            f.createTopic(topic, 1);
            Proc.Result out = tool(f, ToolCells.CONFIGS, "--describe", "--entity-type", "topics",
                    "--entity-name", topic, "--all");
            assertThat(out.output()).as(out.describe()).contains("retention.ms=604800000");
            return null;
        }));
        cells.add(new Cell(CLIENT, "kafka-configs --alter --add-config retention.ms", (f, topic) -> {
            f.createTopic(topic, 1);
            tool(f, ToolCells.CONFIGS, "--alter", "--entity-type", "topics", "--entity-name", topic,
                    "--add-config", "retention.ms=3600000");
            assertThat(Admins.topicConfig(f, topic, "retention.ms")).isEqualTo("3600000");
            Proc.Result out = tool(f, ToolCells.CONFIGS, "--describe", "--entity-type", "topics",
                    "--entity-name", topic);
            assertThat(out.output()).as(out.describe()).contains("retention.ms=3600000");
            return null;
        }));
        cells.add(new Cell(CLIENT, "kafka-delete-records", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("d", 5));
            Path json = ToolCells.offsetJson(topic, 2);
            Proc.Result out;
            try {
                out = tool(f, ToolCells.DELETE_RECORDS, "--offset-json-file", json.toString());
            } finally {
                Files.deleteIfExists(json);
            }
            assertThat(f.startOffset(topic)).as("log start offset after the delete\n" + out.describe()).isEqualTo(2);
            return null;
        }));
        return cells;
    }
}

package dev.spool.compat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Kafka 4.4's command-line tools, each run as its main class in a child JVM on the test
 * classpath, exactly as its shell script runs it: kafka-topics, kafka-console-producer and
 * -consumer, kafka-get-offsets, kafka-consumer-groups (list, describe with lag, every kind of
 * offset reset, delete), kafka-configs, kafka-delete-records and kafka-transactions.
 */
final class ToolCells {
    static final String TOPICS = "org.apache.kafka.tools.TopicCommand";
    static final String CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
    static final String CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
    static final String GET_OFFSETS = "org.apache.kafka.tools.GetOffsetShell";
    static final String CONSUMER_GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
    static final String CONFIGS = "org.apache.kafka.tools.ConfigCommand";
    static final String DELETE_RECORDS = "org.apache.kafka.tools.DeleteRecordsCommand";

    private ToolCells() {
    }

    /** Runs {@code mainClass --bootstrap-server … args…}; throws with the whole run unless it exits 0. */
    static Proc.Result toolWithInput(Fixtures f, String stdin, String mainClass, String... args) throws Exception {
        List<String> full = new ArrayList<>(List.of("--bootstrap-server", f.target.bootstrap()));
        full.addAll(Arrays.asList(args));
        Proc.Result result = Proc.run(Proc.java(mainClass, full.toArray(String[]::new)), stdin);
        if (!result.ok()) {
            throw new AssertionError(result.describe());
        }
        return result;
    }

    static Proc.Result tool(Fixtures f, String mainClass, String... args) throws Exception {
        return toolWithInput(f, null, mainClass, args);
    }

    /** The output lines that are exactly one of the cell's values ({@code PREFIX} and a number). */
    static List<String> valueLines(Proc.Result result, String prefix) {
        return Arrays.stream(result.output().split("\n")).map(String::strip)
                .filter(line -> line.matches(prefix + "\\d+")).toList();
    }

    /** The whitespace-separated columns of the first output line naming {@code topic} and partition 0. */
    static List<String> row(Proc.Result result, String topic) {
        for (String line : result.output().split("\n")) {
            List<String> columns = Arrays.asList(line.strip().split("\\s+"));
            int at = columns.indexOf(topic);
            if (at >= 0 && at + 1 < columns.size() && columns.get(at + 1).equals("0")) {
                return columns.subList(at, columns.size());
            }
        }
        throw new AssertionError("no row for partition 0 of the cell's topic; " + result.describe());
    }

    static List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        cells.addAll(TopicToolCells.cells());
        cells.addAll(GroupToolCells.cells());
        cells.addAll(TransactionToolCells.cells());
        return cells;
    }

    static Path offsetJson(String topic, long offset) throws Exception {
        Path file = Files.createTempFile("spool-compat-delete-records-", ".json");
        Files.writeString(file, "{\"partitions\": [{\"topic\": \"" + topic + "\", \"partition\": 0, \"offset\": "
                + offset + "}], \"version\": 1}\n", StandardCharsets.UTF_8);
        return file;
    }
}

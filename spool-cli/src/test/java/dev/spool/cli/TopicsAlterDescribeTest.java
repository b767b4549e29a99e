package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spool topics create --if-not-exists}, {@code alter} and {@code describe}, and their bad inputs. */
class TopicsAlterDescribeTest {
    @TempDir
    Path tmp;
    Cli cli;

    @BeforeEach
    void topic() {
        cli = new Cli(tmp.resolve("data"));
        assertThat(cli.run("", "topics", "create", "t", "--partitions", "2").code()).isZero();
    }

    /** The line of {@code setting} in describe's settings table, split into its columns. */
    private List<String> settingRow(String topic, String setting) {
        return cli.run("", "topics", "describe", topic).out().lines().filter(l -> l.startsWith(setting + " "))
                .findFirst().map(l -> List.of(l.trim().split("\\s+"))).orElseThrow();
    }

    @Test
    void createIfNotExistsLeavesAnExistingTopicAsItIs() {
        Cli.Run again = cli.run("", "topics", "create", "t", "--partitions", "5", "--if-not-exists");
        assertThat(again.code()).isZero();
        assertThat(again.out()).isEqualTo("topic t exists (2 partition(s)); left as it is\n");
        assertThat(cli.run("", "topics", "describe", "t").out()).startsWith("topic t: 2 partition(s)");
        Cli.Run plain = cli.run("", "topics", "create", "t");
        assertThat(plain.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(plain.err()).startsWith("spool: ").hasLineCount(1);
        assertThat(cli.run("", "topics", "create", "fresh", "--if-not-exists").out())
                .startsWith("created topic fresh with 1 partition(s)");
    }

    @Test
    void describeShowsEverySettingWithItsSourceAndEachPartition() {
        assertThat(cli.run("", "topics", "alter", "t", "--config", "retention.ms=3600000").code()).isZero();
        assertThat(cli.run("a\nb\nc\n", "produce", "t", "--partition", "1").code()).isZero();
        String out = cli.run("", "topics", "describe", "t").out();
        assertThat(out).startsWith("topic t: 2 partition(s), 3 record(s), ");
        assertThat(settingRow("t", "retention.ms")).containsExactly("retention.ms", "3600000", "topic");
        assertThat(settingRow("t", "segment.bytes")).containsExactly("segment.bytes", "1073741824", "default");
        assertThat(settingRow("t", "cleanup.policy")).containsExactly("cleanup.policy", "delete", "default");
        List<String> lines = out.lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("PARTITION")).findFirst().orElseThrow());
        assertThat(lines.get(header)).matches("PARTITION +START-OFFSET +END-OFFSET +SIZE-BYTES +SEGMENTS");
        assertThat(lines.get(header + 1).split("\\s+")).containsExactly("0", "0", "0", "0", "1");
        assertThat(lines.get(header + 2).split("\\s+")).startsWith("1", "0", "3").endsWith("1");
        assertThat(lines).hasSize(header + 3);
    }

    @Test
    void describeWithoutANameDescribesEveryTopic() {
        cli.run("", "topics", "create", "u");
        String out = cli.run("", "topics", "describe").out();
        assertThat(out).contains("topic t: 2 partition(s)").contains("\n\ntopic u: 1 partition(s)");
        Cli.Run unknown = cli.run("", "topics", "describe", "nope");
        assertThat(unknown.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(unknown.err()).isEqualTo("spool: Unknown topic 'nope'\n");
    }

    @Test
    void alterSetsAndDeletesSettings() {
        Cli.Run altered = cli.run("", "topics", "alter", "t", "--config", "retention.ms=1000", "--config",
                "cleanup.policy=compact,delete");
        assertThat(altered.code()).as(altered.err()).isZero();
        assertThat(altered.out()).isEqualTo("altered topic t: durability none, compression none, hash chain off, "
                + "retention.ms=1000, cleanup.policy=compact,delete\n");
        assertThat(settingRow("t", "cleanup.policy")).containsExactly("cleanup.policy", "compact,delete", "topic");

        assertThat(cli.run("", "topics", "alter", "t", "--delete-config", "retention.ms").out())
                .isEqualTo("altered topic t: durability none, compression none, hash chain off, "
                        + "cleanup.policy=compact,delete\n");
        assertThat(settingRow("t", "retention.ms")).containsExactly("retention.ms", "604800000", "default");
        assertThat(cli.run("", "topics", "alter", "t", "--delete-config", "retention.ms").out())
                .startsWith("topic t already had these settings: ");
    }

    @Test
    void alterAddsPartitionsThatTakeRecords() {
        Cli.Run grown = cli.run("", "topics", "alter", "t", "--partitions", "4");
        assertThat(grown.code()).as(grown.err()).isZero();
        assertThat(grown.out()).isEqualTo("topic t has 4 partition(s) now\n");
        assertThat(cli.run("x\n", "produce", "t", "--partition", "3").code()).isZero();
        assertThat(cli.run("", "consume", "t", "--partition", "3").out()).isEqualTo("x\n");
        Cli.Run fewer = cli.run("", "topics", "alter", "t", "--partitions", "3", "--config", "retention.ms=5000");
        assertThat(fewer.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(fewer.err()).isEqualTo("spool: Topic 't' has 4 partition(s): the new count must be above that "
                + "(partitions are never removed), not 3\n");
        assertThat(settingRow("t", "retention.ms")).as("nothing of a refused alter applied").endsWith("default");
    }

    @Test
    void badAlterAndCreateInputsAreOneLineEach() {
        record Case(List<String> args, int code, String message) {
        }
        for (Case c : List.of(
                new Case(List.of("alter", "t"), 2, "Nothing to alter: give --config, --delete-config or --partitions"),
                new Case(List.of("alter", "t", "--config", "no.such=1"), 2, "--config takes KEY=VALUE with KEY one of "
                        + "retention.ms, retention.bytes"),
                new Case(List.of("alter", "t", "--config", "retention.ms"), 2, "--config takes KEY=VALUE"),
                new Case(List.of("alter", "t", "--config", "retention.ms=soon"), 2,
                        "--config Invalid value 'soon' for retention.ms: expected a whole number"),
                new Case(List.of("alter", "t", "--config", "min.compaction.lag.ms=10", "--config",
                        "max.compaction.lag.ms=5"), 2, "must not exceed max.compaction.lag.ms"),
                new Case(List.of("alter", "t", "--delete-config", "no.such"), 2,
                        "--delete-config takes one of retention.ms"),
                new Case(List.of("alter", "t", "--partitions", "0"), 2, "--partitions must be at least 1, not 0"),
                new Case(List.of("alter", "nope", "--partitions", "3"), 1, "Unknown topic 'nope'"),
                new Case(List.of("create", "z", "--partitions", "0"), 2, "--partitions must be at least 1, not 0"),
                new Case(List.of("create", "z", "--partitions", "-2"), 2, "--partitions must be at least 1, not -2"))) {
            List<String> args = new java.util.ArrayList<>(List.of("topics"));
            args.addAll(c.args());
            Cli.Run run = cli.run("", args.toArray(String[]::new));
            assertThat(run.code()).as(args.toString()).isEqualTo(c.code());
            assertThat(run.err()).as(args.toString()).startsWith("spool: ").contains(c.message()).hasLineCount(1);
        }
        assertThat(cli.run("", "topics", "list").out()).isEqualTo("t\n");
        assertThat(settingRow("t", "min.compaction.lag.ms")).endsWith("default");
    }
}

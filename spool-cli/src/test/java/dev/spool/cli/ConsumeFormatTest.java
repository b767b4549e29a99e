package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Header;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spool consume}: all partitions or one, kcat format strings, JSON, and each bad option. */
class ConsumeFormatTest {
    @TempDir
    Path tmp;
    Cli cli;

    @BeforeEach
    void topic() throws IOException {
        cli = new Cli(tmp.resolve("data"));
        try (LogManager manager = LogManager.open(tmp.resolve("data"), LogManagerConfig.defaults().withoutBackgroundTasks())) {
            manager.createTopic("t", 2);
            append(manager.log("t", 0), 1_000L, bytes("k1"), bytes("v1"), Header.of("h", bytes("x")),
                    Header.withoutValue("n"));
            append(manager.log("t", 0), 1_001L, null, bytes("line\n\"two\""));
            append(manager.log("t", 1), 2_000L, new byte[] {(byte) 0xff, 0}, null);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void append(Log log, long timestamp, byte[] key, byte[] value, Header... headers) throws IOException {
        BatchBuilder builder = new BatchBuilder(1 << 20);
        builder.tryAppend(timestamp, key, value, headers);
        log.append(builder.build());
    }

    @Test
    void readsEveryPartitionByDefaultAndOneWhenAsked() {
        Cli.Run all = cli.run("", "consume", "t", "--format", "%p:%o:%s\\n");
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(all.out().lines().toList()).containsExactlyInAnyOrder("0:0:v1", "0:1:line", "\"two\"", "1:0:");
        assertThat(all.out()).contains("0:0:v1\n").contains("0:1:line\n\"two\"\n"); // each partition in order
        assertThat(cli.run("", "consume", "t", "--partition", "1", "--format", "%p:%o:%K:%S\\n").out())
                .isEqualTo("1:0:2:-1\n");
        assertThat(cli.run("", "consume", "t", "--max-records", "2", "--format", "%o\\n").out().lines().count())
                .isEqualTo(2);
    }

    @Test
    void formatTokensMatchKcats() {
        Cli.Run run = cli.run("", "consume", "t", "--partition", "0", "--max-records", "1", "--format",
                "%t|%p|%o|%T|%k|%s|%K|%S|%h|100%%\\t\\x41\\66\\q\\n");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("t|0|0|1000|k1|v1|2|2|h=x,n=NULL|100%\tABq\n");
        Cli.Run binary = cli.run("", "consume", "t", "--partition", "0", "--max-records", "1", "--format", "%R%s");
        assertThat(binary.out().getBytes(StandardCharsets.UTF_8)).containsExactly(0, 0, 0, 2, 'v', '1');
    }

    @Test
    void printKeyIsKeyTabValue() {
        assertThat(cli.run("", "consume", "t", "--partition", "0", "--print-key").out())
                .isEqualTo("k1\tv1\n\tline\n\"two\"\n");
    }

    @Test
    void jsonIsOneObjectPerLineWithNullsHeadersAndEscapes() {
        Cli.Run run = cli.run("", "consume", "t", "--json");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out().lines().toList()).containsExactlyInAnyOrder(
                "{\"topic\":\"t\",\"partition\":0,\"offset\":0,\"timestamp\":1000,\"key\":\"k1\",\"value\":\"v1\","
                        + "\"headers\":[{\"key\":\"h\",\"value\":\"x\"},{\"key\":\"n\",\"value\":null}]}",
                "{\"topic\":\"t\",\"partition\":0,\"offset\":1,\"timestamp\":1001,\"key\":null,"
                        + "\"value\":\"line\\n\\\"two\\\"\",\"headers\":[]}",
                "{\"topic\":\"t\",\"partition\":1,\"offset\":0,\"timestamp\":2000,\"key\":\"\uFFFD\\u0000\","
                        + "\"value\":null,\"headers\":[]}");
    }

    @Test
    void jsonKeepsBinaryKeysExactlyInBase64OrHex() {
        assertThat(cli.run("", "consume", "t", "--partition", "1", "--json", "--key-encoding", "base64").out())
                .contains("\"key\":\"/wA=\"");
        assertThat(cli.run("", "consume", "t", "--partition", "1", "--json", "--key-encoding", "HEX").out())
                .contains("\"key\":\"ff00\"");
        assertThat(cli.run("", "consume", "t", "--partition", "0", "--max-records", "1", "--json",
                "--value-encoding", "hex").out()).contains("\"value\":\"7631\"").contains("{\"key\":\"h\",\"value\":\"78\"}");
    }

    @Test
    void badFormatOptionsAreUsageErrorsOfOneLine() {
        for (List<String> args : List.of(
                List.of("--format", "%z"), List.of("--format", "abc%"), List.of("--json", "--format", "%s"),
                List.of("--json", "--print-key"), List.of("--key-encoding", "base64"), List.of("--value-encoding", "utf8"),
                List.of("--json", "--value-encoding", "ebcdic"))) {
            List<String> all = new java.util.ArrayList<>(List.of("consume", "t"));
            all.addAll(args);
            Cli.Run run = cli.run("", all.toArray(String[]::new));
            assertThat(run.code()).as(args.toString()).isEqualTo(SpoolCommand.EXIT_USAGE);
            assertThat(run.err()).as(args.toString()).startsWith("spool: ").hasLineCount(1);
            assertThat(run.out()).isEmpty();
        }
        assertThat(cli.run("", "consume", "t", "--format", "%z").err())
                .contains("has the unknown token %z; the tokens are %t %p %o %T %k %K %s %S %R %h and %%");
        assertThat(cli.run("", "consume", "t", "--json", "--value-encoding", "ebcdic").err())
                .contains("--value-encoding must be utf8, base64 or hex, not 'ebcdic'");
    }

    @Test
    void aPartitionTheTopicDoesNotHaveIsAnErrorNamingTheRange() {
        Cli.Run run = cli.run("", "consume", "t", "--partition", "2");
        assertThat(run.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(run.err()).isEqualTo("spool: Topic 't' has 2 partition(s) (0 to 1), not partition 2\n");
        Cli.Run offset = cli.run("", "consume", "t", "--offset", "2"); // in t-0 (0..2), not in t-1 (0..1)
        assertThat(offset.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(offset.err()).startsWith("spool: Offset 2 is out of range for t-1: valid offsets are 0 to 1");
    }

    @Test
    void theFormatWritesRecordsAsBytesNotText() {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {(byte) 0xff, 0, '\n'});
        Cli.Run run = cli.run("", "consume", "t", "--partition", "1", "--format", "%k\\n");
        // the captured stream decodes as UTF-8: the 0xff byte arrives as U+FFFD, the zero byte as is
        assertThat(run.out()).isEqualTo("\uFFFD\u0000\n");
    }
}

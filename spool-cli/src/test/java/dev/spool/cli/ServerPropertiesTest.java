package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** spool serve's settings from a file under Kafka's key names and from SPOOL_ variables, below the command line. */
class ServerPropertiesTest {
    @TempDir
    Path tmp;

    private static ServeCommand parse(String... args) {
        SpoolCommand root = new SpoolCommand(new ByteArrayInputStream(new byte[0]), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream()));
        CommandLine line = SpoolCommand.commandLine(root);
        CommonOptions.propagate(line.parseArgs(args)); // as SpoolCommand.execute does
        return line.getSubcommands().get("serve").getCommand();
    }

    private Path file(String text) throws Exception {
        Path file = tmp.resolve("server.properties");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void kafkaKeysSetTheirOptions() throws Exception {
        Path file = file("""
                # a broker's lines carry over
                listeners=PLAINTEXT://127.0.0.1:9099
                log.dirs=/var/lib/spool
                num.partitions=3
                auto.create.topics.enable=false
                log.retention.hours=48
                log.segment.bytes=536870912
                message.max.bytes=2097152
                max.connections.per.ip=50
                sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
                super.users=User:admin;User:ops
                """);
        ServeCommand serve = parse("serve", "--config", file.toString());
        ServerProperties.apply(serve.spec, Optional.of(file), Map.of());
        assertThat(serve.listeners.listeners).isEqualTo("PLAINTEXT://127.0.0.1:9099");
        assertThat(serve.common.dataDir).isEqualTo(Path.of("/var/lib/spool"));
        assertThat(serve.partitions).isEqualTo(3);
        assertThat(serve.noAutoCreate).isTrue();
        assertThat(serve.retentionMs).isEqualTo(48L * 3_600_000);
        assertThat(serve.segmentBytes).isEqualTo(512 << 20);
        assertThat(serve.messageBytesMax).isEqualTo(2 << 20);
        assertThat(serve.connectionsPerIpMax).isEqualTo(50);
        assertThat(serve.sasl.mechanisms).containsExactly("SCRAM-SHA-256", "SCRAM-SHA-512");
        assertThat(serve.acls.superUsers).isEqualTo("User:admin;User:ops");
    }

    @Test
    void theCommandLineWinsOverTheEnvironmentWhichWinsOverTheFile() throws Exception {
        Path file = file("num.partitions=3\nlog.segment.bytes=1048576\nfetch.max.bytes=1000000\nlisteners=PLAINTEXT://127.0.0.1:1\n");
        ServeCommand serve = parse("serve", "--config", file.toString(), "--partitions", "5", "--listen", "127.0.0.1:2");
        ServerProperties.apply(serve.spec, Optional.of(file), Map.of("SPOOL_NUM_PARTITIONS", "4",
                "SPOOL_LOG_SEGMENT_BYTES", "2097152", "PATH", "/usr/bin", "SPOOL_UNKNOWN_THING", "x"));
        assertThat(serve.partitions).as("command line").isEqualTo(5);
        assertThat(serve.segmentBytes).as("environment").isEqualTo(2 << 20);
        assertThat(serve.fetchBytesMax).as("file").isEqualTo(1_000_000);
        assertThat(serve.listeners.listeners).as("--listen on the command line stands for listeners").isNull();
    }

    @Test
    void aGlobalDataDirBeforeTheCommandWinsOverTheFile() throws Exception {
        Path file = file("log.dirs=/from/file\n");
        ServeCommand serve = parse("--data-dir", "/from/command/line", "serve", "--config", file.toString());
        ServerProperties.apply(serve.spec, Optional.of(file), Map.of());
        assertThat(serve.common.dataDir).isEqualTo(Path.of("/from/command/line"));
    }

    @Test
    void theEnvironmentAloneSetsOptionsWithoutAFile() {
        ServeCommand serve = parse("serve");
        ServerProperties.apply(serve.spec, Optional.empty(), Map.of("SPOOL_LOG_RETENTION_MS", "-1",
                "SPOOL_AUTO_CREATE_TOPICS_ENABLE", "true"));
        assertThat(serve.retentionMs).isEqualTo(-1);
        assertThat(serve.noAutoCreate).isFalse();
        ServeCommand forever = parse("serve");
        ServerProperties.apply(forever.spec, Optional.empty(), Map.of("SPOOL_LOG_RETENTION_HOURS", "-1"));
        assertThat(forever.retentionMs).as("-1 hours: no limit, as in Kafka").isEqualTo(-1);
    }

    @Test
    void badFilesKeysAndValuesAreOneClearError() throws Exception {
        Path typo = file("num.partition=3\n");
        assertThatThrownBy(() -> ServerProperties.apply(parse("serve").spec, Optional.of(typo), Map.of()))
                .isInstanceOf(ParameterException.class)
                .hasMessageContaining("unknown key num.partition").hasMessageContaining("did you mean num.partitions?");

        Path notANumber = file("num.partitions=three\n");
        assertThatThrownBy(() -> ServerProperties.apply(parse("serve").spec, Optional.of(notANumber), Map.of()))
                .hasMessageContaining("num.partitions=three").hasMessageContaining("a number");
        assertThatThrownBy(() -> ServerProperties.apply(parse("serve").spec, Optional.empty(),
                Map.of("SPOOL_AUTO_CREATE_TOPICS_ENABLE", "yes")))
                .hasMessageContaining("SPOOL_AUTO_CREATE_TOPICS_ENABLE=yes").hasMessageContaining("true or false");
        Path twoDirs = file("log.dirs=/a,/b\n");
        assertThatThrownBy(() -> ServerProperties.apply(parse("serve").spec, Optional.of(twoDirs), Map.of()))
                .hasMessageContaining("one directory");
        assertThatThrownBy(() -> ServerProperties.apply(parse("serve").spec, Optional.of(tmp.resolve("missing")), Map.of()))
                .hasMessageContaining("no such file");
    }

    @Test
    void everyKeyNamesAnOptionOfServeAndTheReleaseExampleFileLoads() throws Exception {
        ServeCommand serve = parse("serve");
        for (ServerProperties.Key key : ServerProperties.KEYS) {
            assertThat(serve.spec.findOption(key.option())).as(key.name()).isNotNull();
        }
        Path example = Path.of("..", "spool-dist", "src", "dist", "config", "server.properties");
        ServeCommand fromExample = parse("serve", "--config", example.toString());
        ServerProperties.apply(fromExample.spec, Optional.of(example), Map.of());
        assertThat(fromExample.listeners.listeners).startsWith("PLAINTEXT://");
    }

    @Test
    void aServerStartsFromAFileAndSaysWhereItListensAndKeepsItsData() throws Exception {
        Path data = tmp.resolve("from-file");
        Path file = file("listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs=" + data.toString().replace("\\", "/") + "\n");
        ServeCommandTest.Serving serving = ServeCommandTest.Serving.start("serve", "--config", file.toString());
        try {
            assertThat(serving.out().text()).contains("127.0.0.1:").contains("data directory " + data);
            assertThat(data).isDirectory();
        } finally {
            assertThat(serving.stop()).isZero();
        }
        int code = SpoolCommand.execute(new String[] {"serve", "--config", tmp.resolve("nope").toString()},
                new ByteArrayInputStream(new byte[0]), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
    }
}

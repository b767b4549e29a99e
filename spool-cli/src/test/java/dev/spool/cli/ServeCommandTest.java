package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code spool serve} in-process: a real producer writes through it, metrics are served, the stop is clean. */
class ServeCommandTest {
    @TempDir
    Path tmp;


    @Test
    void servesProducersAndMetricsAndStopsCleanly() throws Exception {
        Path data = tmp.resolve("data");
        Serving serving = Serving.start("serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
                "--data-dir", data.toString());
        FirstLine out = serving.out;
        Matcher started = Pattern.compile("serving the Kafka protocol on 127\\.0\\.0\\.1:(\\d+), data directory (.+), "
                + "metrics on (http://\\S+/metrics)").matcher(out.text());
        assertThat(started.find()).as(out.text()).isTrue();
        assertThat(started.group(2)).isEqualTo(data.toString());

        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + started.group(1));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            assertThat(producer.send(new ProducerRecord<>("greetings", "hello")).get().offset()).isZero();
        }
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(started.group(3))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("spool_kafka_requests_seconds_count{api=\"Produce\"")
                .contains("spool_kafka_connections");

        assertThat(serving.stop()).isZero();
        assertThat(data.resolve(".spool_cleanshutdown")).exists();
        assertThat(Files.size(data.resolve("greetings-0").resolve("00000000000000000000.log"))).isPositive();
    }

    @Test
    void anAddressOtherThanLoopbackIsRefusedWithoutTheUsersWordAndServedWithIt() throws Exception {
        Path data = tmp.resolve("remote");
        for (String[] args : List.of(new String[] {"serve", "--listen", "0.0.0.0:0"},
                new String[] {"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "0.0.0.0:0"})) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = SpoolCommand.execute(concat(args, "--data-dir", data.toString()),
                    new ByteArrayInputStream(new byte[0]), new PrintStream(new ByteArrayOutputStream(), true),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(code).isEqualTo(SpoolCommand.EXIT_USAGE);
            assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("spool: refusing ")
                    .contains("0.0.0.0:0: it does not authenticate").contains("--allow-remote-unauthenticated")
                    .hasLineCount(1);
        }
        assertThat(data).as("nothing created before the refusal").doesNotExist();

        Serving serving = Serving.start("serve", "--listen", "0.0.0.0:0", "--allow-remote-unauthenticated",
                "--data-dir", data.toString());
        assertThat(serving.out.text()).startsWith("spool: serving the Kafka protocol on 0.0.0.0:");
        assertThat(serving.stop()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--max-connections-per-ip", "--connections-max-idle-ms", "--request-read-ms-max",
        "--fetch-max-bytes", "--max-partitions"})
    void aLimitBelowOneIsAUsageErrorNamingItsOption(String option) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SpoolCommand.execute(new String[] {"serve", option, "0", "--data-dir", tmp.resolve("d").toString()},
                new ByteArrayInputStream(new byte[0]), new PrintStream(new ByteArrayOutputStream(), true),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(SpoolCommand.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("spool: " + option + " must be at least 1, was 0 (see 'spool serve --help')\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--retention-ms=-2", "--retention-bytes=-5", "--segment-bytes=10"})
    void aLogSettingOutOfRangeIsAUsageErrorBeforeAnythingIsCreated(String option) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SpoolCommand.execute(new String[] {"serve", option, "--data-dir", tmp.resolve("d").toString()},
                new ByteArrayInputStream(new byte[0]), new PrintStream(new ByteArrayOutputStream(), true),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(SpoolCommand.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("spool: --").hasLineCount(1)
                .contains(option.substring(2, option.indexOf('=')));
        assertThat(tmp.resolve("d")).doesNotExist();
    }

    @Test
    void aQueuedRequestBoundBelowTheLargestRequestIsAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SpoolCommand.execute(new String[] {"serve", "--queued-max-request-bytes", "1000",
            "--data-dir", tmp.resolve("d").toString()}, new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(SpoolCommand.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--queued-max-request-bytes must be at least "
                + "--request-bytes-max (104857600)").contains("was 1000");
        assertThat(tmp.resolve("d")).doesNotExist();
    }

    /** {@code spool serve} running in-process on a thread of its own, up once its first line is printed. */
    record Serving(FirstLine out, ServeCommand serve, Thread thread, int[] code) {
        static Serving start(String... args) throws InterruptedException {
            FirstLine out = new FirstLine();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            SpoolCommand root = new SpoolCommand(new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            CommandLine line = SpoolCommand.commandLine(root);
            int[] code = {-1};
            Thread thread = new Thread(() -> code[0] = line.execute(args));
            thread.start();
            assertThat(out.line.await(30, TimeUnit.SECONDS)).as("startup line; stderr: %s", err).isTrue();
            return new Serving(out, line.getSubcommands().get("serve").getCommand(), thread, code);
        }

        /** The loopback host:port of the startup line, for a client. */
        String bootstrap() {
            Matcher started = Pattern.compile("serving the Kafka protocol on (127\\.0\\.0\\.1:\\d+)").matcher(out.text());
            assertThat(started.find()).as(out.text()).isTrue();
            return started.group(1);
        }

        /** Asks the server to stop, as the shutdown hook does; returns the command's exit code. */
        int stop() throws InterruptedException {
            serve.stopRequested.countDown();
            thread.join(60_000);
            return code[0];
        }
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }
}

package dev.spool.compat.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spool.compat.Servers;
import dev.spool.compat.Target;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.utils.internals.Exit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kafka Connect in distributed mode runs a FileStreamSource → topic → FileStreamSink pipeline, against
 * {@code spool serve} and against a real Kafka broker, the same steps on both.
 *
 * <p>A worker starts (creating its compacted config, offset and status topics), the two connectors
 * are created through its REST API, and the sink file must come to hold every line of the source file,
 * in order. Once both connectors' offsets are committed the worker stops; more lines are appended to
 * the source file, and a new worker of the same group starts. It must find the connectors in the config
 * topic and resume each from its committed offset: the sink file ends up equal to the source file, so no
 * line was read or written twice. At every look the sink file must be a prefix of the source file, so
 * a duplicate fails at once instead of at the deadline.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a backstop; every wait below has its own deadline
class FileStreamConnectTest {
    private static final long SEED = 0xC0_11EC7L;
    private static final String GROUP = "connect-cluster";
    private static final String TOPIC = "file-lines";
    private static final String SOURCE = "file-source";
    private static final String SINK = "file-sink";
    private static final int FIRST_LINES = 400;
    private static final int APPENDED_LINES = 150;
    private static final long WAIT_MS = 60_000;
    private static final long LOOK_INTERVAL_MS = 100;

    private static Servers servers;

    @BeforeAll
    static void startServers() throws Exception {
        // Connect ends the process when its herder thread fails (through kafka-clients' internal Exit, the
        // hook Kafka's own tests use); here that fails the test instead.
        Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("Kafka Connect tried to exit with " + code + ": " + message);
        });
        Exit.setHaltProcedure((code, message) -> {
            throw new IllegalStateException("Kafka Connect tried to halt with " + code + ": " + message);
        });
        servers = Servers.start("connect");
    }

    @AfterAll
    static void stopServers() throws IOException {
        Exit.resetExitProcedure();
        Exit.resetHaltProcedure();
        if (servers != null) {
            servers.close();
        }
    }

    static List<Target> targets() {
        return servers.targets();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void fileSourceToFileSinkResumesFromCommittedOffsets(Target target,
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        Random random = new Random(SEED);
        Path source = dir.resolve("source.txt");
        Path sink = dir.resolve("sink.txt");
        List<String> lines = lines(random, 0, FIRST_LINES);
        Files.write(source, lines, StandardCharsets.UTF_8);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrap()))) {
            // One partition, so the sink receives the lines in the source's order.
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try (ConnectWorker worker = ConnectWorker.start(target.bootstrap(), GROUP)) {
                worker.createConnector(SOURCE, Map.of("connector.class", "FileStreamSource", "tasks.max", "1",
                        "file", source.toString(), "topic", TOPIC));
                worker.createConnector(SINK, Map.of("connector.class", "FileStreamSink", "tasks.max", "1",
                        "file", sink.toString(), "topics", TOPIC));
                awaitSinkEqualsSource(worker, target, source, sink, "first worker");
                awaitCommitted(worker, target, Files.size(source), lines.size(), "first worker");
            }
            assertCompacted(admin, target);

            List<String> more = lines(random, FIRST_LINES, APPENDED_LINES);
            Files.write(source, more, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            try (ConnectWorker worker = ConnectWorker.start(target.bootstrap(), GROUP)) {
                awaitSinkEqualsSource(worker, target, source, sink, "restarted worker");
                awaitCommitted(worker, target, Files.size(source), lines.size() + more.size(), "restarted worker");
            }
            assertThat(Files.readAllLines(sink, StandardCharsets.UTF_8))
                    .as("on %s, the sink file after the restarted worker stopped", target)
                    .isEqualTo(Files.readAllLines(source, StandardCharsets.UTF_8));
        }
    }

    /**
     * Waits until the sink file holds exactly the source file's lines; fails at once if it ever holds
     * anything but a prefix of them (a duplicate, a reordering), or at the deadline.
     */
    private static void awaitSinkEqualsSource(ConnectWorker worker, Target target, Path source, Path sink,
                                              String phase) throws Exception {
        List<String> expected = Files.readAllLines(source, StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (true) {
            List<String> written = completeLines(sink);
            boolean prefix = written.size() <= expected.size()
                    && written.equals(expected.subList(0, written.size()));
            if (!prefix) {
                throw new AssertionError(phase + " on " + target + ": the sink file is not a prefix of the source "
                        + "file; " + firstDifference(expected, written) + "; connectors: " + statuses(worker));
            }
            if (written.size() == expected.size()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(phase + " on " + target + ": after " + WAIT_MS + " ms the sink file has "
                        + written.size() + " of the source's " + expected.size() + " lines; connectors: "
                        + statuses(worker));
            }
            Thread.sleep(LOOK_INTERVAL_MS); // polling a file another thread writes; nothing to wait on
        }
    }

    /**
     * Waits until the worker reports the source's committed file position at the file's end and the
     * sink's committed consumer offset at the topic's end, so a restart must resume from there.
     */
    private static void awaitCommitted(ConnectWorker worker, Target target, long sourceBytes, long records,
                                       String phase) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (true) {
            JsonNode sourceOffsets = worker.offsets(SOURCE);
            JsonNode sinkOffsets = worker.offsets(SINK);
            if (sourceOffsets.size() == 1 && sourceOffsets.get(0).path("offset").path("position").asLong() == sourceBytes
                    && sinkOffsets.size() == 1
                    && sinkOffsets.get(0).path("offset").path("kafka_offset").asLong() == records) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(phase + " on " + target + ": after " + WAIT_MS + " ms the committed "
                        + "offsets are " + sourceOffsets + " (source, expected position " + sourceBytes + ") and "
                        + sinkOffsets + " (sink, expected kafka_offset " + records + ")");
            }
            Thread.sleep(LOOK_INTERVAL_MS); // offsets are committed every offset.flush.interval.ms
        }
    }

    /** The worker's three internal topics exist and are compacted, as Connect itself requires. */
    private static void assertCompacted(Admin admin, Target target) throws Exception {
        Set<String> internal = Set.of(ConnectWorker.CONFIG_TOPIC, ConnectWorker.OFFSET_TOPIC,
                ConnectWorker.STATUS_TOPIC);
        Collection<ConfigResource> resources = internal.stream()
                .map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic)).toList();
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
        for (ConfigResource resource : resources) {
            assertThat(configs.get(resource).get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                    .as("on %s, cleanup.policy of %s", target, resource.name())
                    .isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
        }
    }

    private static String statuses(ConnectWorker worker) {
        try {
            return worker.status(SOURCE) + " " + worker.status(SINK);
        } catch (IOException | InterruptedException e) {
            return "unavailable (" + e + ")";
        }
    }

    /** The file's lines up to its last line break: FileStreamSink may have flushed part of a line. */
    private static List<String> completeLines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
    }

    private static String firstDifference(List<String> expected, List<String> written) {
        for (int i = 0; i < written.size(); i++) {
            if (i >= expected.size() || !expected.get(i).equals(written.get(i))) {
                return "sink line " + (i + 1) + " is \"" + written.get(i) + "\", the source's is "
                        + (i < expected.size() ? "\"" + expected.get(i) + "\"" : "absent (the sink has more lines)");
            }
        }
        return "no line differs";
    }

    /** Distinct, numbered lines of seeded words, so a duplicate or a reordering cannot go unseen. */
    private static List<String> lines(Random random, int first, int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder line = new StringBuilder("line ").append(first + i);
            for (int w = random.nextInt(6); w >= 0; w--) {
                line.append(' ').append("word").append(random.nextInt(100));
            }
            out.add(line.toString());
        }
        return out;
    }
}

package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.KafkaServer;
import dev.spool.kafka.KafkaServerConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.record.BatchBuilder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spool topics checksum}: the same records give the same counts and checksums whatever
 * their offsets, read from the data directory or through the Kafka protocol; one changed byte
 * changes its partition's checksum only.
 */
class TopicChecksumCommandTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SpoolCommand.execute(args, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Two partitions of keyed records, a record without a key and a tombstone; {@code shift} junk records first, then removed. */
    private static void fill(LogManager manager, String topic, int shift, String lastValue) throws IOException {
        manager.createTopic(topic, 2);
        for (int p = 0; p < 2; p++) {
            var log = manager.log(topic, p);
            for (int i = 0; i < shift; i++) {
                log.append(batch("junk", "junk"));
            }
            if (shift > 0) {
                manager.deleteRecords(topic, p, shift);
            }
            for (int i = 0; i < 50; i++) {
                log.append(batch("k" + i, "p" + p + "-v" + i));
            }
            log.append(batch(null, "no key"));
            log.append(batch("k1", null));
            log.append(batch("last", p == 1 ? lastValue : "same"));
        }
    }

    private static java.nio.ByteBuffer batch(String key, String value) {
        BatchBuilder builder = new BatchBuilder(1 << 16);
        builder.append(1_000L, key == null ? null : java.nio.ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)),
                value == null ? null : java.nio.ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)), null);
        return builder.build();
    }

    /** The per-partition lines without the offset columns. */
    private static List<String> countsAndChecksums(String out) {
        return out.lines().skip(2).map(line -> line.split("\\s+")).map(f -> f[0] + " " + f[3] + " " + f[4]).toList();
    }

    @Test
    void sameRecordsSameChecksumsAtAnyOffsetFromTheDataDirectoryAndOverTheKafkaProtocol() throws Exception {
        Path data = tmp.resolve("data");
        try (LogManager manager = LogManager.open(data, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            fill(manager, "source", 0, "same");
            fill(manager, "shifted", 7, "same");
            fill(manager, "changed", 0, "samE");
        }
        Run source = run("topics", "checksum", "source", "--data-dir", data.toString());
        assertThat(source.code()).as(source.err()).isZero();
        assertThat(source.out()).startsWith("topic source: 2 partition(s), 106 record(s), checksum ")
                .contains("PARTITION", "START-OFFSET", "END-OFFSET", "RECORDS", "CHECKSUM");
        Run shifted = run("topics", "checksum", "shifted", "--data-dir", data.toString());
        assertThat(shifted.out().lines().skip(2).toList()).allMatch(line -> line.matches("\\d\\s+7\\s+60\\s+53\\s+\\w{32}"));
        assertThat(countsAndChecksums(shifted.out())).isEqualTo(countsAndChecksums(source.out()));
        assertThat(shifted.out().lines().findFirst().orElseThrow().replace("shifted", "source"))
                .as("the topic's checksum too").isEqualTo(source.out().lines().findFirst().orElseThrow());
        List<String> changed = countsAndChecksums(run("topics", "checksum", "changed", "--data-dir", data.toString()).out());
        assertThat(changed.get(0)).isEqualTo(countsAndChecksums(source.out()).get(0));
        assertThat(changed.get(1)).isNotEqualTo(countsAndChecksums(source.out()).get(1));

        try (LogManager manager = LogManager.open(data, LogManagerConfig.defaults().withoutBackgroundTasks());
             KafkaServer server = KafkaServer.start(KafkaServerConfig.defaults().withListen("127.0.0.1", 0), manager,
                     Optional.empty(), new CompositeMeterRegistry())) {
            String bootstrap = "127.0.0.1:" + server.port();
            Run remote = run("topics", "checksum", "source", "--bootstrap-server", bootstrap);
            assertThat(remote.code()).as(remote.err()).isZero();
            assertThat(remote.out()).isEqualTo(source.out());
            Run unknown = run("topics", "checksum", "nothing-here", "--bootstrap-server", bootstrap);
            assertThat(unknown.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
            assertThat(unknown.err()).isEqualTo("spool: Unknown topic 'nothing-here' on " + bootstrap + "\n");
            assertThat(manager.topics()).as("nothing was created").doesNotContain("nothing-here");
        }
        Run unknown = run("topics", "checksum", "nothing-here", "--data-dir", data.toString());
        assertThat(unknown.err()).isEqualTo("spool: Unknown topic 'nothing-here' in " + data + "\n");
    }
}

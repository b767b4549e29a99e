package dev.spool.log.golden;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.KafkaInterop;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden files of the hash-chain sidecar format: the golden log's batches written with
 * the chain on, committed under {@code golden/chain-v1/topic-0} with the chain head the writer
 * reported in {@code head.txt}. Regenerate (after a deliberate format change only) with
 * {@code mvn -B -pl spool-core test -Dtest=GoldenChainTest -Dspool.golden.regenerate=true}.
 */
class GoldenChainTest {
    static final Path SOURCE_DIR = Path.of("src", "test", "resources", "golden", "chain-v1");
    static final LogConfig CONFIG = GoldenLog.CONFIG.withHashChain(true);

    @TempDir
    Path temp;

    /** Writes the chained golden log into {@code dir}/topic-0 and its head into {@code dir}/head.txt. */
    static void writeAll(Path dir) throws IOException {
        try (Log log = Log.open(FileIO.real(), dir.resolve(GoldenLog.TOPIC_DIR), CONFIG, LoadState.unknown(),
                () -> GoldenLog.CLOCK_MS)) {
            for (int i = 0; i < GoldenLog.BATCH_COUNT; i++) {
                log.append(KafkaInterop.encodeOurs(GoldenLog.batch(i), GoldenLog.producer(i), 0L));
            }
            Files.writeString(dir.resolve("head.txt"), log.chainHeadHex() + "\n");
        }
    }

    private static Path committed() throws Exception {
        return Path.of(GoldenChainTest.class.getResource("/golden/chain-v1").toURI());
    }

    private Path copy() throws Exception {
        Path target = temp.resolve("copy");
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(committed().resolve(GoldenLog.TOPIC_DIR))) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        return target;
    }

    /** The chain head recomputed from the .log files alone, independently of the engine's code. */
    private static String recomputedHead(Path topicDir) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        byte[] head = new byte[32];
        List<Path> logs;
        try (Stream<Path> files = Files.list(topicDir)) {
            logs = files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
        for (Path log : logs) {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(log));
            for (int at = 0; at < bytes.limit(); at += RecordBatch.sizeInBytes(bytes, at)) {
                sha256.update(head);
                sha256.update(bytes.array(), at, RecordBatch.sizeInBytes(bytes, at));
                head = sha256.digest();
            }
        }
        return HexFormat.of().formatHex(head);
    }

    @Test
    void theCommittedChainedLogOpensVerifiesAndHasTheRecordedHead() throws Exception {
        String head = Files.readString(committed().resolve("head.txt"), StandardCharsets.UTF_8).strip();
        assertThat(head).hasSize(64);
        try (Stream<Path> files = Files.list(committed().resolve(GoldenLog.TOPIC_DIR))) {
            assertThat(files.filter(p -> p.toString().endsWith(".chain")).count()).isEqualTo(3);
        }
        assertThat(recomputedHead(committed().resolve(GoldenLog.TOPIC_DIR))).isEqualTo(head);
        for (LoadState state : List.of(LoadState.clean(), LoadState.unknown())) {
            Path dir = copy();
            try (Log log = Log.open(FileIO.real(), dir, CONFIG, state, () -> GoldenLog.CLOCK_MS)) {
                assertThat(log.chainHeadHex()).as("head after a %s open", state).isEqualTo(head);
            }
            assertThat(new LogVerifier(FileIO.real(), CONFIG).verifyPartition(dir).findings()).isEmpty();
            deleteTree(dir);
        }
    }

    @Test
    void theCurrentCodeWritesTheSameChainBytes() throws Exception {
        Path fresh = temp.resolve("fresh");
        writeAll(fresh);
        assertThat(Files.readString(fresh.resolve("head.txt")))
                .isEqualTo(Files.readString(committed().resolve("head.txt")));
        try (Stream<Path> files = Files.list(committed().resolve(GoldenLog.TOPIC_DIR))) {
            for (Path expected : files.toList()) {
                assertThat(Files.readAllBytes(fresh.resolve(GoldenLog.TOPIC_DIR).resolve(expected.getFileName())))
                        .as(expected.getFileName().toString()).isEqualTo(Files.readAllBytes(expected));
            }
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "spool.golden.regenerate", matches = "true")
    void regenerate() throws Exception {
        deleteTree(SOURCE_DIR);
        writeAll(SOURCE_DIR);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}

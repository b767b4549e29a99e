package dev.spool.log.golden;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.KafkaInterop;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.ChainFile;
import dev.spool.log.segment.HashChain;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden files of the hash-chain sidecar formats: the golden log's batches written with the chain
 * on, with the chain head the writer reported in {@code head.txt}. {@code golden/chain-v2} is what
 * the current code writes; regenerate it (after a deliberate format change only) with
 * {@code mvn -B -pl spool-core test -Dtest=GoldenChainTest -Dspool.golden.regenerate=true}.
 * {@code golden/chain-v1} was written by the code of the first format and is never regenerated:
 * logs of that format must keep opening, verifying and taking appends.
 */
class GoldenChainTest {
    static final String CURRENT = "chain-v2";
    static final String FIRST = "chain-v1";
    static final Path SOURCE_DIR = Path.of("src", "test", "resources", "golden", CURRENT);
    static final LogConfig CONFIG = GoldenLog.CONFIG.withHashChain(true);
    /** Segments large enough for the current format's large batches (8 KiB: the log still rolls). */
    static final LogConfig CURRENT_CONFIG = CONFIG.withSegmentBytes(8 << 10).withBatchBytesMax(8 << 10);

    private static LogConfig config(String format) {
        return format.equals(FIRST) ? CONFIG : CURRENT_CONFIG;
    }

    @TempDir
    Path temp;

    /**
     * Writes the chained golden log into {@code dir}/topic-0 and its head into {@code dir}/head.txt:
     * the golden batches, then two batches larger than {@link HashChain#WHOLE_BATCH_BYTES_MAX}, which
     * the current format links by their content digest.
     */
    static void writeAll(Path dir) throws IOException {
        try (Log log = Log.open(FileIO.real(), dir.resolve(GoldenLog.TOPIC_DIR), CURRENT_CONFIG, LoadState.unknown(),
                () -> GoldenLog.CLOCK_MS)) {
            for (int i = 0; i < GoldenLog.BATCH_COUNT; i++) {
                log.append(KafkaInterop.encodeOurs(GoldenLog.batch(i), GoldenLog.producer(i), 0L));
            }
            for (String fill : List.of("large-", "larger-")) {
                log.append(dev.spool.log.LogTest.batch(GoldenLog.CLOCK_MS, fill.repeat(400), fill.repeat(300)));
            }
            Files.writeString(dir.resolve("head.txt"), log.chainHeadHex() + "\n");
        }
    }

    private static Path committed(String format) throws Exception {
        return Path.of(GoldenChainTest.class.getResource("/golden/" + format).toURI());
    }

    private Path copy(String format) throws Exception {
        Path target = temp.resolve("copy");
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(committed(format).resolve(GoldenLog.TOPIC_DIR))) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        return target;
    }

    /**
     * The chain head recomputed from the .log files alone, independently of the engine's code: per
     * batch SHA-256(head || batch) in the first format, and in the second for a batch of at most
     * 4096 bytes; SHA-256(head || batch's first 21 bytes || SHA-256(the rest)) for a larger one.
     */
    private static String recomputedHead(Path topicDir, String format) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        byte[] head = new byte[32];
        List<Path> logs;
        try (Stream<Path> files = Files.list(topicDir)) {
            logs = files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
        for (Path log : logs) {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(log));
            for (int at = 0; at < bytes.limit(); at += RecordBatch.sizeInBytes(bytes, at)) {
                int size = RecordBatch.sizeInBytes(bytes, at);
                if (format.equals(FIRST) || size <= 4096) {
                    sha256.update(head);
                    sha256.update(bytes.array(), at, size);
                    head = sha256.digest();
                } else {
                    sha256.update(bytes.array(), at + 21, size - 21);
                    byte[] content = sha256.digest();
                    sha256.update(head);
                    sha256.update(bytes.array(), at, 21);
                    sha256.update(content);
                    head = sha256.digest();
                }
            }
        }
        return HexFormat.of().formatHex(head);
    }

    @ParameterizedTest
    @ValueSource(strings = {FIRST, CURRENT})
    void theCommittedChainedLogOpensVerifiesAndHasTheRecordedHead(String format) throws Exception {
        String head = Files.readString(committed(format).resolve("head.txt"), StandardCharsets.UTF_8).strip();
        assertThat(head).hasSize(64);
        try (Stream<Path> files = Files.list(committed(format).resolve(GoldenLog.TOPIC_DIR))) {
            assertThat(files.filter(p -> p.toString().endsWith(".chain")).count()).isEqualTo(format.equals(FIRST) ? 3 : 2);
        }
        assertThat(recomputedHead(committed(format).resolve(GoldenLog.TOPIC_DIR), format)).isEqualTo(head);
        for (LoadState state : List.of(LoadState.clean(), LoadState.unknown())) {
            Path dir = copy(format);
            try (Log log = Log.open(FileIO.real(), dir, config(format), state, () -> GoldenLog.CLOCK_MS)) {
                assertThat(log.chainHeadHex()).as("head after a %s open", state).isEqualTo(head);
            }
            assertThat(new LogVerifier(FileIO.real(), config(format)).verifyPartition(dir).findings()).isEmpty();
            deleteTree(dir);
        }
    }

    /**
     * A log of the first format keeps it: appends after an upgrade, and the segments they roll,
     * chain as before, the sidecars say so, and the whole log verifies against the first format's
     * model; a lost sidecar is rebuilt in the log's format too.
     */
    @Test
    void aLogOfTheFirstFormatKeepsItWhenAppendedToAndRebuilt() throws Exception {
        Path dir = copy(FIRST);
        String head;
        try (Log log = Log.open(FileIO.real(), dir, CONFIG, LoadState.clean(), () -> GoldenLog.CLOCK_MS)) {
            for (int i = 0; i < GoldenLog.BATCH_COUNT; i++) {
                log.append(KafkaInterop.encodeOurs(GoldenLog.batch(i), GoldenLog.producer(i), 0L));
            }
            head = log.chainHeadHex();
        }
        assertThat(head).isEqualTo(recomputedHead(dir, FIRST)); // closed: the files hold only their batches
        List<Path> sidecars;
        try (Stream<Path> files = Files.list(dir)) {
            sidecars = files.filter(p -> p.toString().endsWith(".chain")).sorted().toList();
        }
        assertThat(sidecars).hasSizeGreaterThan(3);
        for (Path sidecar : sidecars) {
            assertThat(ByteBuffer.wrap(Files.readAllBytes(sidecar)).getShort(4)).as("%s", sidecar.getFileName())
                    .isEqualTo(ChainFile.VERSION_1);
        }
        assertThat(new LogVerifier(FileIO.real(), CONFIG).verifyPartition(dir).findings()).isEmpty();

        // An open with no recovery point scans every segment and rebuilds lost sidecars in the log's
        // format: the first from the other sidecars' headers, the last from the segment before it.
        List<Path> lost = List.of(sidecars.get(0), sidecars.get(sidecars.size() - 1));
        for (Path sidecar : lost) {
            Files.delete(sidecar);
        }
        try (Log log = Log.open(FileIO.real(), dir, CONFIG, LoadState.unknown(), () -> GoldenLog.CLOCK_MS)) {
            assertThat(log.chainHeadHex()).isEqualTo(head);
        }
        for (Path sidecar : lost) {
            assertThat(ByteBuffer.wrap(Files.readAllBytes(sidecar)).getShort(4)).as("%s", sidecar.getFileName())
                    .isEqualTo(ChainFile.VERSION_1);
        }
        assertThat(new LogVerifier(FileIO.real(), CONFIG).verifyPartition(dir).findings()).isEmpty();
    }

    @Test
    void theCurrentCodeWritesTheSameChainBytes() throws Exception {
        Path fresh = temp.resolve("fresh");
        writeAll(fresh);
        assertThat(Files.readString(fresh.resolve("head.txt")))
                .isEqualTo(Files.readString(committed(CURRENT).resolve("head.txt")));
        try (Stream<Path> files = Files.list(committed(CURRENT).resolve(GoldenLog.TOPIC_DIR))) {
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

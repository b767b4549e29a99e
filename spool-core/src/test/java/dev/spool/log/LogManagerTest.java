package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.DirectoryLockedException;
import dev.spool.log.io.RecordingFileIO;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogManagerTest {
    @TempDir
    Path dataDir;

    private LogManager open() throws IOException {
        return LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks());
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * A creation a crash interrupted leaves some partition directories and not others, never
     * checkpointed and holding no records: the open removes them. The same gap in a topic that holds
     * records, or that the checkpoint lists, is damage, and the open refuses it.
     */
    @Test
    void anInterruptedTopicCreationIsRemovedOnOpenButAGapWithDataIsRefused() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("kept", 1);
        }
        Files.createDirectories(dataDir.resolve("half-1"));
        Files.createDirectories(dataDir.resolve("half-2"));
        Files.createFile(dataDir.resolve("half-2").resolve("00000000000000000000.log"));
        try (LogManager manager = open()) {
            assertThat(manager.topics()).containsExactly("kept");
            assertThat(names(dataDir)).doesNotContain("half-1", "half-2");
            assertThat(manager.topicExists("half")).isFalse();
        }

        Files.createDirectories(dataDir.resolve("full-1"));
        Files.write(dataDir.resolve("full-1").resolve("00000000000000000000.log"), LogTest.batch(1, "x").array());
        assertThatThrownBy(this::open).isInstanceOf(IOException.class)
                .hasMessageContaining("has partition 1 but not partition 0");
        assertThat(names(dataDir)).contains("full-1");
    }

    @Test
    void createsListsDescribesAndDeletesTopics() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("orders", 3);
            manager.createTopic("a-1", 1);
            assertThat(manager.topics()).containsExactly("a-1", "orders");
            manager.log("orders", 2).append(LogTest.batch(1, "x", "y"));
            TopicDescription description = manager.describeTopic("orders").orElseThrow();
            assertThat(description.partitions()).hasSize(3);
            assertThat(description.partitions().get(2).logEndOffset()).isEqualTo(2);
            assertThat(description.recordCount()).isEqualTo(2);
            assertThatThrownBy(() -> manager.createTopic("orders", 1)).isInstanceOf(TopicExistsException.class);
            assertThatThrownBy(() -> manager.log("orders", 3)).isInstanceOf(UnknownTopicException.class)
                    .hasMessageContaining("has 3 partition(s); there is no partition 3");
        }
        assertThat(names(dataDir)).contains("orders-0", "orders-1", "orders-2", "a-1-0");
        try (LogManager manager = open()) {
            assertThat(manager.openedClean()).isTrue();
            assertThat(manager.topics()).containsExactly("a-1", "orders");
            assertThat(manager.partitionCount("a-1")).isEqualTo(1);
            assertThat(manager.log("orders", 2).logEndOffset()).isEqualTo(2);
            manager.deleteTopic("orders");
            assertThat(manager.topics()).containsExactly("a-1");
            assertThat(manager.describeTopic("orders")).isEmpty();
            assertThatThrownBy(() -> manager.deleteTopic("orders")).isInstanceOf(UnknownTopicException.class);
        }
        assertThat(names(dataDir)).containsExactly(".lock", ".spool_cleanshutdown", "a-1-0",
                "log-start-offset-checkpoint", "recovery-point-offset-checkpoint");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "/abs", "", ".", "..", "a/b", "a\\b", "with space", "nul\u0000byte", "tab\t",
            "ümlaut", "a:b"})
    void hostileTopicNamesAreRefusedAndCreateNothing(String name) throws IOException {
        try (LogManager manager = open()) {
            assertThatThrownBy(() -> manager.createTopic(name, 1)).isInstanceOf(InvalidTopicNameException.class)
                    .hasMessageStartingWith("Topic name");
        }
        assertThat(names(dataDir)).doesNotContainSequence("x-0").allMatch(n -> n.startsWith(".") || n.contains("checkpoint"));
        assertThat(Files.exists(dataDir.getParent().resolve("x-0"))).isFalse();
    }

    @Test
    void topicNameLengthLimitIsKafkas249() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("t".repeat(249), 1);
            assertThatThrownBy(() -> manager.createTopic("t".repeat(250), 1))
                    .isInstanceOf(InvalidTopicNameException.class).hasMessageContaining("250 characters");
            assertThatThrownBy(() -> manager.createTopic("ok", 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void secondOpenInTheSameProcessIsRefused() throws IOException {
        try (LogManager manager = open()) {
            assertThatThrownBy(this::open).isInstanceOf(DirectoryLockedException.class)
                    .hasMessageContaining("in use by another process");
        }
        try (LogManager reopened = open()) {
            assertThat(reopened.topics()).isEmpty();
        }
    }

    @Test
    void anotherProcessCannotOpenALockedDataDirectory() throws Exception {
        try (LogManager manager = open()) {
            manager.createTopic("held", 1);
            assertThat(runLockHolder()).startsWith("LOCKED");
        }
        assertThat(runLockHolder()).isEqualTo("OPENED [held]");
    }

    private String runLockHolder() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process process = new ProcessBuilder(java, "-cp", classpath, LockHolder.class.getName(), dataDir.toString())
                .redirectErrorStream(false).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("child stderr: %s", err).isZero();
        return out.lines().reduce((a, b) -> b).orElse("");
    }

    @Test
    void cleanShutdownMarkerIsWrittenLastAndRemovedOnOpen() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        LogManagerConfig config = LogManagerConfig.defaults().withoutBackgroundTasks().withIo(io);
        try (LogManager manager = LogManager.open(dataDir, config)) {
            manager.createTopic("t", 1);
            manager.log("t", 0).append(LogTest.batch(1, "a"));
            io.clear();
        }
        List<String> ops = io.operations();
        int marker = ops.indexOf("open .spool_cleanshutdown CREATE");
        assertThat(marker).isGreaterThan(ops.indexOf("rename recovery-point-offset-checkpoint.tmp "
                + "recovery-point-offset-checkpoint"));
        assertThat(ops.subList(marker, ops.size())).containsExactly("open .spool_cleanshutdown CREATE",
                "force .spool_cleanshutdown", "syncdir " + dataDir.getFileName());
        assertThat(Files.exists(dataDir.resolve(".spool_cleanshutdown"))).isTrue();
        try (LogManager manager = LogManager.open(dataDir, config)) {
            assertThat(manager.openedClean()).isTrue();
            assertThat(Files.exists(dataDir.resolve(".spool_cleanshutdown"))).isFalse();
        }
    }

    @Test
    void checkpointsAreWrittenTmpForceRenameSyncInKafkasFormat() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        LogManagerConfig config = LogManagerConfig.defaults().withoutBackgroundTasks().withIo(io);
        try (LogManager manager = LogManager.open(dataDir, config)) {
            manager.createTopic("orders", 2);
            manager.log("orders", 1).append(LogTest.batch(1, "a", "b", "c"));
            io.clear();
            manager.flush();
            List<String> ops = io.operations();
            String tmp = "recovery-point-offset-checkpoint.tmp";
            int open = ops.indexOf("open " + tmp + " CREATE");
            int write = ops.indexOf("write " + tmp);
            int force = ops.indexOf("force " + tmp);
            int rename = ops.indexOf("rename " + tmp + " recovery-point-offset-checkpoint");
            int sync = ops.subList(rename, ops.size()).indexOf("syncdir " + dataDir.getFileName()) + rename;
            assertThat(List.of(open, write, force, rename, sync)).isSorted().doesNotContain(-1);
            int dataForce = ops.indexOf("force 00000000000000000000.log");
            assertThat(dataForce).as("log data is forced before the checkpoint that points past it")
                    .isBetween(0, open);
        }
        assertThat(Files.readString(dataDir.resolve("recovery-point-offset-checkpoint")))
                .isEqualTo("0\n2\norders 0 0\norders 1 3\n");
        assertThat(Files.readString(dataDir.resolve("log-start-offset-checkpoint")))
                .isEqualTo("0\n2\norders 0 0\norders 1 0\n");
    }

    @Test
    void damagedCheckpointIsIgnoredAndTheLogsAreScanned() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("t", 1);
            manager.log("t", 0).append(LogTest.batch(1, "a", "b"));
        }
        Files.writeString(dataDir.resolve("recovery-point-offset-checkpoint"), "0\n5\nt 0 2\n");
        try (LogManager manager = open()) {
            assertThat(manager.openedClean()).isFalse();
            assertThat(manager.log("t", 0).logEndOffset()).isEqualTo(2);
        }
    }

    @Test
    void uncleanRestartRecoversFromTheCheckpointedRecoveryPoint() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("t", 1);
            manager.log("t", 0).append(LogTest.batch(1, "a", "b"));
            manager.flush();
            manager.log("t", 0).append(LogTest.batch(2, "c"));
        }
        Files.delete(dataDir.resolve(".spool_cleanshutdown"));
        try (LogManager manager = open()) {
            assertThat(manager.openedClean()).isFalse();
            Log log = manager.log("t", 0);
            assertThat(log.logEndOffset()).isEqualTo(3);
            assertThat(LogTest.values(log.read(0, 1 << 20).batches())).containsExactly("a", "b", "c");
        }
    }

    @Test
    void leftoverDeletedPartitionDirectoriesAreRemovedOnOpen() throws IOException {
        Path leftover = dataDir.resolve("0123456789abcdef0123456789abcdef-delete");
        Files.createDirectories(leftover);
        Files.write(leftover.resolve("00000000000000000000.log"), new byte[100]);
        Files.createDirectories(dataDir.resolve("not a partition"));
        try (LogManager manager = open()) {
            assertThat(manager.topics()).isEmpty();
        }
        assertThat(Files.exists(leftover)).isFalse();
        assertThat(Files.exists(dataDir.resolve("not a partition"))).isTrue();
    }

    @Test
    void aPartitionGapIsRefusedWithAClearError() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("t", 3);
        }
        try (java.util.stream.Stream<Path> files = Files.walk(dataDir.resolve("t-1"))) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
        assertThatThrownBy(this::open).isInstanceOf(IOException.class)
                .hasMessageContaining("has partition 2 but not partition 1");
    }

    @Test
    void topicSettingsAreKeptWithThePartitionsAndAppliedOnEveryOpen() throws IOException {
        TopicConfig audit = new TopicConfig(Durability.STRICT, dev.spool.log.record.CompressionType.ZSTD, true);
        try (LogManager manager = open()) {
            manager.createTopic("audit", 2, audit);
            manager.createTopic("plain", 1);
            assertThat(manager.topicConfig("plain")).isEqualTo(TopicConfig.defaults(LogConfig.defaults()));
            AppendResult result = manager.log("audit", 1).append(LogTest.batch(1, "a"));
            assertThat(result.durable()).as("the topic's default durability").isTrue();
            assertThat(manager.log("plain", 0).append(LogTest.batch(1, "b")).durable()).isFalse();
        }
        assertThat(Files.readString(dataDir.resolve("audit-1").resolve("topic.config")))
                .contains("durability=strict", "compression=zstd", "hash.chain=true");
        try (LogManager manager = open()) {
            assertThat(manager.topicConfig("audit")).isEqualTo(audit);
            assertThat(manager.describeTopic("audit").orElseThrow().config()).isEqualTo(audit);
            assertThat(manager.log("audit", 0).config().hashChain()).isTrue();
            assertThat(manager.log("audit", 0).append(LogTest.batch(2, "c")).durable()).isTrue();
            assertThatThrownBy(() -> manager.topicConfig("nope")).isInstanceOf(UnknownTopicException.class);
        }
    }

    @Test
    void aDamagedTopicConfigIsAClearErrorNotAGuess() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("t", 1, TopicConfig.defaults(LogConfig.defaults()).withDurability(Durability.STRICT));
        }
        Files.writeString(dataDir.resolve("t-0").resolve("topic.config"), "version=1\ndurability=sometimes\n");
        try (LogManager manager = open()) { // the topic is offline, its settings not guessed
            assertThatThrownBy(() -> manager.topicConfig("t")).isInstanceOf(PartitionOfflineException.class)
                    .hasMessageContaining("Bad topic config").hasMessageContaining("t-0");
        }
        Files.delete(dataDir.resolve("t-0").resolve("topic.config"));
        // The checkpoint lists t-0, so Spool wrote its settings: they are lost, not defaults.
        try (LogManager manager = open()) {
            assertThatThrownBy(() -> manager.log("t", 0)).isInstanceOf(PartitionOfflineException.class)
                    .hasMessageContaining("Topic config " + dataDir.resolve("t-0").resolve("topic.config")
                            + " is missing, but the recovery-point checkpoint lists the partition");
        }
        Files.writeString(dataDir.resolve("meta.properties"), "version=1\n"); // a data directory Kafka wrote
        try (LogManager manager = open()) {
            assertThat(manager.topicConfig("t")).isEqualTo(TopicConfig.defaults(LogConfig.defaults()));
        }
        assertThat(dataDir.resolve("t-0").resolve("topic.config")).as("adopted: written on open").exists();
    }

    @Test
    void aPartitionDirectoryWithoutTopicConfigThatTheCheckpointDoesNotListIsAdopted() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("t", 2, TopicConfig.defaults(LogConfig.defaults()).withDurability(Durability.STRICT));
        }
        Files.createDirectories(dataDir.resolve("moved-0")); // a partition moved in from Kafka: no topic.config
        try (LogManager manager = open()) {
            assertThat(manager.topicConfig("moved")).isEqualTo(TopicConfig.defaults(LogConfig.defaults()));
        }
        assertThat(dataDir.resolve("moved-0").resolve("topic.config")).exists();
        Files.delete(dataDir.resolve("t-1").resolve("topic.config"));
        try (LogManager manager = open()) {
            assertThat(manager.offlinePartitions()).containsOnlyKeys(new TopicPartition("t", 1));
            assertThatThrownBy(() -> manager.log("t", 1)).isInstanceOf(PartitionOfflineException.class)
                    .hasMessageContaining(dataDir.resolve("t-1").resolve("topic.config") + " is missing");
        }
    }

    @Test
    void aTruncationLowersTheCheckpointedRecoveryPointAtOnce() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("t", 1);
            Log log = manager.log("t", 0);
            log.append(LogTest.batch(1, "a"));
            log.append(LogTest.batch(2, "b", "c"));
            manager.flush();
            assertThat(Files.readString(dataDir.resolve("recovery-point-offset-checkpoint"))).contains("t 0 3");
            log.truncateTo(1);
            // Before any new append: a crash after new, unflushed appends must not find the old point on disk.
            assertThat(Files.readString(dataDir.resolve("recovery-point-offset-checkpoint"))).contains("t 0 1");
        }
    }

    @Test
    void theFlushIntervalForcesRelaxedAppendsInTheBackground() throws Exception {
        LogConfig config = LogConfig.defaults().withWrite(WriteConfig.defaults().withFlushPolicy(-1, -1, 20));
        RecordingFileIO io = new RecordingFileIO();
        LogManagerConfig managerConfig = LogManagerConfig.defaults().withoutBackgroundTasks().withLogConfig(config)
                .withIo(io);
        try (LogManager manager = LogManager.open(dataDir, managerConfig)) {
            manager.createTopic("t", 1);
            Log log = manager.log("t", 0);
            log.append(LogTest.batch(1, "a", "b"));
            assertThat(log.recoveryPoint()).isZero();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (log.recoveryPoint() < 2 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // polling a scheduler
            }
            assertThat(log.recoveryPoint()).as("flushed by the log manager's flush.ms task").isEqualTo(2);
            assertThat(io.operations()).contains("force 00000000000000000000.log");
        }
    }
}

package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.catalog.TopicConfigFile;
import dev.spool.log.io.FileIO;
import dev.spool.log.tool.DataDirFileChecks;
import dev.spool.log.tool.LogRepair;
import dev.spool.log.tool.LogVerifier;
import dev.spool.log.tool.TopicSettingsRepair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code topic.config} that does not parse, or that is missing where Spool wrote it, takes only
 * its topic (partition 0's copy) or its partition (another copy) offline: the data directory
 * opens, the other topics serve, and restoring the file brings the partitions back on the next
 * open.
 */
class TopicConfigOfflineTest {
    private static final LogManagerConfig CONFIG = LogManagerConfig.defaults().withoutBackgroundTasks();
    private static final int BATCHES = 20;
    private static String remedy(String topic) {
        return "; run 'spool repair " + topic + "' to restore it from a copy in another partition that reads, or"
                + " restore it by hand";
    }

    @TempDir
    Path dataDir;

    private Path configOf(String topic, int partition) {
        return dataDir.resolve(new TopicPartition(topic, partition).dirName()).resolve(TopicConfigFile.FILE_NAME);
    }

    /** Topics a (2 partitions, strict), b (1) and c (1), {@link #BATCHES} one-record batches in each partition. */
    private void writeTopics() throws IOException {
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            manager.createTopic("a", 2, TopicConfig.defaults(LogConfig.defaults()).withDurability(Durability.STRICT));
            manager.createTopic("b", 1);
            manager.createTopic("c", 1);
            for (int i = 0; i < BATCHES; i++) {
                for (TopicPartition tp : new TopicPartition[] {tp("a", 0), tp("a", 1), tp("b", 0), tp("c", 0)}) {
                    manager.log(tp.topic(), tp.partition()).append(LogTest.batch(1_000L + i, tp + "-" + i));
                }
            }
        }
    }

    private static TopicPartition tp(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }

    /** Overwrites the key of the durability line with bytes that are no text: the file no longer parses. */
    private static byte[] garble(Path file) throws IOException {
        byte[] original = Files.readAllBytes(file);
        byte[] garbled = original.clone();
        int at = new String(original, StandardCharsets.UTF_8).indexOf("durability=");
        for (int i = 0; i < 6; i++) {
            garbled[at + i] = (byte) (0x80 + 17 * i);
        }
        Files.write(file, garbled);
        return original;
    }

    private Map<TopicPartition, Long> recoveryPoints() throws IOException {
        return OffsetCheckpointFile.read(FileIO.real(), dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT));
    }

    @Test
    void aDamagedAndAMissingTopicConfigTakeOnlyTheirTopicsOfflineUntilTheFilesAreRestored() throws IOException {
        writeTopics();
        byte[] aConfig = garble(configOf("a", 0));
        byte[] bConfig = Files.readAllBytes(configOf("b", 0));
        Files.delete(configOf("b", 0));

        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.topics()).containsExactly("a", "b", "c");
            assertThat(manager.offlinePartitions()).containsOnlyKeys(tp("a", 0), tp("a", 1), tp("b", 0));
            for (int p = 0; p < 2; p++) {
                PartitionOfflineException a = manager.offlinePartitions().get(tp("a", p));
                assertThat(a.file()).as("partition 0's copy speaks for the topic").contains(configOf("a", 0));
                assertThat(a.getMessage()).isEqualTo("Partition a-" + p + " is offline: Bad topic config "
                        + configOf("a", 0) + ": missing 'durability'" + remedy("a"));
            }
            assertThatThrownBy(() -> manager.log("a", 1)).isInstanceOf(PartitionOfflineException.class)
                    .hasCauseInstanceOf(TopicConfigFile.DamagedException.class)
                    .hasMessageContaining(configOf("a", 0).toString());
            assertThatThrownBy(() -> manager.findLog("b", 0)).isInstanceOf(PartitionOfflineException.class)
                    .hasMessage("Partition b-0 is offline: " + TopicConfigFile.missingProblem(configOf("b", 0).getParent())
                            + remedy("b"));
            assertThat(manager.offlinePartitions().get(tp("b", 0)).file()).contains(configOf("b", 0));

            Log c = manager.log("c", 0);
            assertThat(c.read(0, 1 << 20).records()).hasSize(BATCHES);
            assertThat(c.append(LogTest.batch(5_000L, "after")).firstOffset()).isEqualTo(BATCHES);
            manager.flush();
            assertThat(recoveryPoints()).containsEntry(tp("a", 0), (long) BATCHES).containsEntry(tp("a", 1),
                    (long) BATCHES).containsEntry(tp("b", 0), (long) BATCHES).containsEntry(tp("c", 0), BATCHES + 1L);
        }
        assertThat(configOf("b", 0)).as("not replaced by defaults").doesNotExist();

        LogVerifier.Report report = new LogVerifier(FileIO.real(), LogConfig.defaults()).verifyDataDir(dataDir)
                .plus(new DataDirFileChecks(FileIO.real(), LogConfig.defaults(), Optional.empty()).check(dataDir));
        assertThat(report.hasErrors()).isTrue();
        assertThat(report.findings()).extracting(LogVerifier.Finding::file)
                .containsExactlyInAnyOrder(configOf("a", 0), configOf("b", 0));

        Files.write(configOf("a", 0), aConfig);
        Files.write(configOf("b", 0), bConfig);
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.offlinePartitions()).isEmpty();
            assertThat(manager.topicConfig("a").durability()).isEqualTo(Durability.STRICT);
            for (TopicPartition tp : new TopicPartition[] {tp("a", 0), tp("a", 1), tp("b", 0)}) {
                Log log = manager.log(tp.topic(), tp.partition());
                assertThat(log.read(0, 1 << 20).records()).hasSize(BATCHES);
                assertThat(log.append(LogTest.batch(6_000L, "back")).firstOffset()).isEqualTo(BATCHES);
            }
        }
    }

    /**
     * What the manager offers for a topic whose settings are unreadable: it is listed and counted,
     * its settings, description, alteration and growth fail with partition 0's damage, and it can
     * be deleted.
     */
    @Test
    void aTopicWithUnreadableSettingsIsListedRefusedClearlyAndCanBeDeleted() throws IOException {
        writeTopics();
        garble(configOf("a", 0));
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.topicExists("a")).isTrue();
            assertThat(manager.partitionCount("a")).isEqualTo(2);
            String damage = "Bad topic config " + configOf("a", 0);
            assertThatThrownBy(() -> manager.topicConfig("a")).isInstanceOf(PartitionOfflineException.class)
                    .hasMessageStartingWith("Partition a-0 is offline: " + damage);
            assertThatThrownBy(() -> manager.describeTopic("a")).isInstanceOf(PartitionOfflineException.class)
                    .hasMessageContaining(damage);
            assertThatThrownBy(() -> manager.alterTopicConfig("a", TopicConfig.defaults(LogConfig.defaults())))
                    .isInstanceOf(PartitionOfflineException.class).hasMessageContaining(damage);
            assertThatThrownBy(() -> manager.addPartitions("a", 3)).isInstanceOf(PartitionOfflineException.class)
                    .hasMessageContaining(damage);
            assertThat(dataDir.resolve("a-2")).doesNotExist();
            assertThat(manager.topicConfig("c")).isEqualTo(TopicConfig.defaults(LogConfig.defaults()));

            manager.deleteTopic("a");
            assertThat(manager.topics()).containsExactly("b", "c");
            assertThat(manager.offlinePartitions()).isEmpty();
            manager.createTopic("a", 1);
            assertThat(manager.log("a", 0).logEndOffset()).isZero();
        }
        assertThat(recoveryPoints()).containsOnlyKeys(tp("a", 0), tp("b", 0), tp("c", 0));
    }

    /**
     * Partition 1's copy damaged (partition 0's speaks for the topic): only partition 1 is offline;
     * the topic's settings, description and growth still work, an alteration is refused (it would
     * overwrite the file to restore).
     */
    @Test
    void aDamagedCopyInAPartitionAboveZeroTakesOnlyThatPartitionOffline() throws IOException {
        writeTopics();
        garble(configOf("a", 1));
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.offlinePartitions()).containsOnlyKeys(tp("a", 1));
            assertThat(manager.offlinePartitions().get(tp("a", 1))).hasMessage("Partition a-1 is offline: Bad topic"
                    + " config " + configOf("a", 1) + ": missing 'durability'" + remedy("a"));
            assertThat(manager.log("a", 0).append(LogTest.batch(5_000L, "x")).firstOffset()).isEqualTo(BATCHES);
            assertThat(manager.topicConfig("a").durability()).isEqualTo(Durability.STRICT);
            assertThat(manager.describeTopic("a").orElseThrow().partitions().get(1))
                    .isEqualTo(TopicDescription.PartitionDescription.offline(1, 0, BATCHES));
            assertThatThrownBy(() -> manager.alterTopicConfig("a", manager.topicConfig("a")))
                    .isInstanceOf(PartitionOfflineException.class).hasMessageContaining(configOf("a", 1).toString());
            manager.addPartitions("a", 3);
            assertThat(manager.log("a", 2).config().write().durability()).isEqualTo(Durability.STRICT);
        }
    }

    /**
     * {@code spool repair}'s part: partition 0's copy garbled and partition 1's intact; the plan
     * restores partition 0's from partition 1's, the damaged file is kept as {@code .broken}, and the
     * next open serves the topic with its own settings (strict), not the defaults.
     */
    @Test
    void repairRestoresADamagedCopyFromOneThatReadsKeepingTheDamagedFile() throws IOException {
        writeTopics();
        byte[] original = garble(configOf("a", 0));
        byte[] garbled = Files.readAllBytes(configOf("a", 0));
        try (LogRepair repair = LogRepair.open(dataDir, CONFIG)) {
            assertThat(repair.planSettings("c")).as("every copy of c reads").isEmpty();
            TopicSettingsRepair.Plan plan = repair.planSettings("a").orElseThrow();
            assertThat(plan.source()).isEqualTo(tp("a", 1));
            assertThat(plan.unreadable()).extracting(TopicSettingsRepair.Plan.Copy::partition).containsExactly(tp("a", 0));
            assertThat(plan.describe()).startsWith("a-0's topic.config does not parse (Bad topic config "
                    + configOf("a", 0)).contains("will restore it from a-1's copy").endsWith("as topic.config.broken.");
            assertThat(repair.restoreSettings(plan)).containsExactly(configOf("a", 0).resolveSibling("topic.config.broken"));
            assertThat(repair.planSettings("a")).as("nothing left to restore").isEmpty();
        }
        assertThat(Files.readAllBytes(configOf("a", 0).resolveSibling("topic.config.broken"))).isEqualTo(garbled);
        assertThat(Files.readAllBytes(configOf("a", 0))).isEqualTo(original);
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.offlinePartitions()).isEmpty();
            assertThat(manager.topicConfig("a").durability()).isEqualTo(Durability.STRICT);
            assertThat(manager.log("a", 0).logEndOffset()).isEqualTo(BATCHES);
        }
    }

    /** A missing copy is restored too; when no copy reads, the plan says so and changes nothing. */
    @Test
    void repairRestoresAMissingCopyAndRefusesWhenNoCopyReads() throws IOException {
        writeTopics();
        Files.delete(configOf("a", 1));
        try (LogRepair repair = LogRepair.open(dataDir, CONFIG)) {
            TopicSettingsRepair.Plan plan = repair.planSettings("a").orElseThrow();
            assertThat(plan.describe()).isEqualTo("a-1's topic.config is missing; will restore it from a-0's copy ("
                    + plan.settings().config() + ").");
            assertThat(repair.restoreSettings(plan)).isEmpty();
        }
        assertThat(Files.readString(configOf("a", 1))).isEqualTo(Files.readString(configOf("a", 0)));

        garble(configOf("b", 0));
        byte[] garbled = Files.readAllBytes(configOf("b", 0));
        try (LogRepair repair = LogRepair.open(dataDir, CONFIG)) {
            assertThatThrownBy(() -> repair.planSettings("b")).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("No partition of topic 'b' has a topic.config that reads (1 missing or"
                            + " damaged), so its settings cannot be restored from a copy: write " + configOf("b", 0)
                            + " by hand");
        }
        assertThat(Files.readAllBytes(configOf("b", 0))).isEqualTo(garbled);
    }
}

package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.catalog.PartitionMetadataFile;
import dev.spool.log.catalog.TopicConfigFile;
import dev.spool.log.io.FailingFileIO;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.RecordingFileIO;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Topic ids, growing a topic and deleting records: what the Kafka server's admin APIs rest on. */
class LogManagerAdminTest {
    @TempDir
    Path dataDir;

    private LogManager open() throws IOException {
        return open(FileIO.real());
    }

    private LogManager open(FileIO io) throws IOException {
        return LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks().withIo(io));
    }

    private Optional<UUID> idIn(String partitionDir) throws IOException {
        return PartitionMetadataFile.read(FileIO.real(), dataDir.resolve(partitionDir));
    }

    @Test
    void aTopicGetsOneRandomIdInEveryPartitionThatSurvivesARestart() throws IOException {
        UUID orders;
        try (LogManager manager = open()) {
            manager.createTopic("orders", 3);
            manager.createTopic("audit", 1);
            orders = manager.topicId("orders");
            assertThat(manager.topicId("audit")).isNotEqualTo(orders);
            assertThat(manager.findTopicName(orders)).contains("orders");
            for (int p = 0; p < 3; p++) {
                assertThat(idIn("orders-" + p)).contains(orders);
            }
        }
        try (LogManager manager = open()) {
            assertThat(manager.topicId("orders")).isEqualTo(orders);
            manager.deleteTopic("orders");
            assertThatThrownBy(() -> manager.topicId("orders")).isInstanceOf(UnknownTopicException.class);
            assertThat(manager.findTopicName(orders)).isEmpty();
            manager.createTopic("orders", 1);
            assertThat(manager.topicId("orders")).isNotEqualTo(orders);
        }
    }

    @Test
    void aTopicOfAnOlderSpoolGetsAnIdOnOpenTheSameInAllPartitions() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("old", 2);
        }
        Files.delete(dataDir.resolve("old-0").resolve(PartitionMetadataFile.FILE_NAME));
        Files.delete(dataDir.resolve("old-1").resolve(PartitionMetadataFile.FILE_NAME));
        UUID given;
        try (LogManager manager = open()) {
            given = manager.topicId("old");
            assertThat(idIn("old-0")).contains(given);
            assertThat(idIn("old-1")).contains(given);
        }
        try (LogManager manager = open()) {
            assertThat(manager.topicId("old")).isEqualTo(given);
        }
    }

    @Test
    void aPartitionLackingTheFileGetsTheIdOfTheOthersAndAKafkaIdIsKept() throws IOException {
        Path kafkaDir = dataDir.resolve("fromkafka-0");
        Files.createDirectories(kafkaDir);
        Files.createDirectories(dataDir.resolve("fromkafka-1"));
        Files.writeString(kafkaDir.resolve("partition.metadata"), "version: 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw");
        try (LogManager manager = open()) {
            UUID kafkaId = new UUID(0x0001020304050607L, 0x08090a0b0c0d0e0fL);
            assertThat(manager.topicId("fromkafka")).isEqualTo(kafkaId);
            assertThat(idIn("fromkafka-1")).contains(kafkaId);
        }
    }

    /** Neither stops the open (see TopicIdDamageTest): the id is never guessed, and the files stay for repair. */
    @Test
    void partitionsWithTwoIdsOrABadFileOpenWithoutAGuessedIdAndKeepTheFiles() throws IOException {
        UUID id;
        try (LogManager manager = open()) {
            manager.createTopic("split", 2);
            id = manager.topicId("split");
        }
        Path second = dataDir.resolve("split-1").resolve("partition.metadata");
        Files.writeString(second, "version: 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw");
        try (LogManager manager = open()) {
            assertThat(manager.findTopicId("split")).as("two ids: neither is taken").isEmpty();
        }
        assertThat(Files.readString(second)).isEqualTo("version: 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw");

        Files.writeString(second, "version: 0\ntopic_id: nonsense");
        try (LogManager manager = open()) {
            assertThat(manager.topicId("split")).as("the readable copy's").isEqualTo(id);
        }
        assertThat(Files.readString(second)).isEqualTo("version: 0\ntopic_id: nonsense"); // left for a person to see
    }

    @Test
    void verifyFindsNothingWrongWithTheIdFile() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("checked", 2);
            manager.log("checked", 1).append(LogTest.batch(0, "v"));
        }
        LogVerifier.Report report = new LogVerifier(FileIO.real(), LogConfig.defaults()).verifyDataDir(dataDir);
        assertThat(report.findings()).isEmpty();
        assertThat(report.partitions()).isEqualTo(2);
    }

    @Test
    void addPartitionsGrowsATopicWithItsSettingsAndIdAndSurvivesARestart() throws IOException {
        TopicConfig strict = new TopicConfig(Durability.STRICT, dev.spool.log.record.CompressionType.NONE, false);
        UUID id;
        try (LogManager manager = open()) {
            manager.createTopic("grow", 2, strict);
            manager.log("grow", 0).append(LogTest.batch(0, "kept", "kept"));
            id = manager.topicId("grow");
            manager.addPartitions("grow", 5);
            assertThat(manager.partitionCount("grow")).isEqualTo(5);
            assertThat(manager.log("grow", 0).logEndOffset()).isEqualTo(2);
            manager.log("grow", 4).append(LogTest.batch(0, "new"));
            assertThat(idIn("grow-4")).contains(id);
            assertThat(TopicConfigFile.read(FileIO.real(), dataDir.resolve("grow-4"), TopicConfig.defaults(
                    LogConfig.defaults()))).isEqualTo(strict);
            assertThat(OffsetCheckpointFile.read(FileIO.real(), dataDir.resolve("recovery-point-offset-checkpoint")))
                    .containsKey(new TopicPartition("grow", 4));
        }
        try (LogManager manager = open()) {
            assertThat(manager.partitionCount("grow")).isEqualTo(5);
            assertThat(manager.topicId("grow")).isEqualTo(id);
            assertThat(manager.log("grow", 4).logEndOffset()).isEqualTo(1);
            assertThat(manager.log("grow", 4).config().hashChain()).isFalse();
        }
    }

    @Test
    void addPartitionsRefusesShrinkingTheSameCountTooManyAndUnknownTopics() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("fixed", 3);
            for (int count : new int[] {2, 3, 0, -1}) {
                assertThatThrownBy(() -> manager.addPartitions("fixed", count))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("Topic 'fixed' has 3 partition(s)").hasMessageEndingWith("not " + count);
            }
            assertThatThrownBy(() -> manager.addPartitions("fixed", LogManagerConfig.defaults().partitionsMax() + 1))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> manager.addPartitions("absent", 4)).isInstanceOf(UnknownTopicException.class);
            assertThat(manager.partitionCount("fixed")).isEqualTo(3);
        }
    }

    @Test
    void eachNewPartitionIsDurableInTheDataDirectoryBeforeTheNextAndTheCheckpointCommits() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        try (LogManager manager = open(io)) {
            manager.createTopic("ordered", 1);
            io.clear();
            manager.addPartitions("ordered", 3);
            List<String> ops = io.operations();
            String syncData = "syncdir " + dataDir.getFileName();
            assertThat(ops).containsSubsequence("rename partition.metadata.tmp partition.metadata", syncData,
                    "rename partition.metadata.tmp partition.metadata", syncData,
                    "rename recovery-point-offset-checkpoint.tmp recovery-point-offset-checkpoint");
        }
    }

    @Test
    void aFailedGrowthLeavesTheTopicAsItWasAndNoDirectories() throws IOException {
        FailingFileIO io = new FailingFileIO();
        try (LogManager manager = open(io)) {
            manager.createTopic("half", 1);
            manager.log("half", 0).append(LogTest.batch(0, "x"));
            io.failForce(4); // partition 1's two files are forced, then partition 2's topic.config fails
            assertThatThrownBy(() -> manager.addPartitions("half", 3)).isInstanceOf(IOException.class)
                    .hasMessageContaining("injected");
            assertThat(manager.partitionCount("half")).isEqualTo(1);
            assertThat(Files.exists(dataDir.resolve("half-1"))).isFalse();
            assertThat(Files.exists(dataDir.resolve("half-2"))).isFalse();
            manager.addPartitions("half", 2);
            assertThat(manager.partitionCount("half")).isEqualTo(2);
        }
        try (LogManager manager = open()) {
            assertThat(manager.partitionCount("half")).isEqualTo(2);
            assertThat(manager.log("half", 0).logEndOffset()).isEqualTo(1);
        }
    }

    @Test
    void deleteRecordsMovesTheStartAndCheckpointsItBeforeReturning() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("trim", 1);
            for (int i = 0; i < 5; i++) {
                manager.log("trim", 0).append(LogTest.batch(0, "r" + i, "r" + i));
            }
            assertThat(manager.deleteRecords("trim", 0, 3)).isEqualTo(3);
            Map<TopicPartition, Long> starts = OffsetCheckpointFile.read(FileIO.real(),
                    dataDir.resolve("log-start-offset-checkpoint"));
            assertThat(starts).containsEntry(new TopicPartition("trim", 0), 3L);
            assertThat(manager.deleteRecords("trim", 0, 1)).isEqualTo(3); // below the start: nothing moves
            assertThat(manager.deleteRecords("trim", 0, 10)).isEqualTo(10); // the end: the log is empty
            assertThatThrownBy(() -> manager.deleteRecords("trim", 0, 11)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("past its end 10");
            assertThatThrownBy(() -> manager.deleteRecords("trim", 0, -1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> manager.deleteRecords("trim", 1, 0)).isInstanceOf(UnknownTopicException.class);
            manager.log("trim", 0).append(LogTest.batch(0, "after"));
        }
        try (LogManager manager = open()) {
            assertThat(manager.log("trim", 0).logStartOffset()).isEqualTo(10);
            assertThat(manager.log("trim", 0).logEndOffset()).isEqualTo(11);
        }
    }
}

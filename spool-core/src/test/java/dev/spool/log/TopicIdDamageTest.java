package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.catalog.PartitionMetadataFile;
import dev.spool.log.io.FileIO;
import dev.spool.log.tool.LogRepair;
import dev.spool.log.tool.TopicIdRepair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged {@code partition.metadata} never stops the data directory from opening: the topic keeps
 * the id its other partitions agree on, or runs without one when none reads or two disagree (never
 * a guessed id), and {@code spool repair} writes the files again, keeping what it replaces.
 */
class TopicIdDamageTest {
    private static final LogManagerConfig CONFIG = LogManagerConfig.defaults().withoutBackgroundTasks();

    @TempDir
    Path dataDir;

    private Path idFile(String topic, int partition) {
        return dataDir.resolve(new TopicPartition(topic, partition).dirName()).resolve(PartitionMetadataFile.FILE_NAME);
    }

    private UUID create(String topic, int partitions) throws IOException {
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            manager.createTopic(topic, partitions);
            for (int p = 0; p < partitions; p++) {
                manager.log(topic, p).append(LogTest.batch(1_000L, topic + "-" + p));
            }
            return manager.topicId(topic);
        }
    }

    @Test
    void aDamagedCopyLeavesTheTopicItsIdFromTheOthersAndRepairWritesItBack() throws IOException {
        UUID id = create("a", 2);
        Files.writeString(idFile("a", 1), "version: 0\ntopic_id: not-an-id\n");
        byte[] damaged = Files.readAllBytes(idFile("a", 1));
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.topicId("a")).isEqualTo(id);
            assertThat(manager.log("a", 1).append(LogTest.batch(2_000L, "more")).firstOffset()).isEqualTo(1);
        }
        assertThat(Files.readAllBytes(idFile("a", 1))).as("left for repair").isEqualTo(damaged);
        try (LogRepair repair = LogRepair.open(dataDir, CONFIG)) {
            TopicIdRepair.Plan plan = repair.planTopicId("a").orElseThrow();
            assertThat(plan.newId()).isFalse();
            assertThat(plan.describe()).startsWith("Topic a: ").contains(idFile("a", 1).toString())
                    .contains("will write its id " + PartitionMetadataFile.encode(id) + ", which the other partitions"
                            + " hold, into 1 partition(s)");
            assertThat(repair.restoreTopicId(plan)).containsExactly(idFile("a", 1).resolveSibling(
                    PartitionMetadataFile.FILE_NAME + ".broken"));
            assertThat(repair.planTopicId("a")).isEmpty();
        }
        assertThat(PartitionMetadataFile.read(FileIO.real(), idFile("a", 1).getParent())).contains(id);
    }

    @Test
    void aTopicWhoseOnlyCopyIsDamagedRunsWithoutAnIdUntilRepairGivesItANewOne() throws IOException {
        create("b", 1);
        Files.writeString(idFile("b", 0), "garbage");
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.findTopicId("b")).isEmpty();
            assertThatThrownBy(() -> manager.topicId("b")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("run 'spool repair b'");
            assertThat(manager.log("b", 0).append(LogTest.batch(2_000L, "more")).firstOffset()).isEqualTo(1);
            manager.addPartitions("b", 2);
            assertThat(idFile("b", 1)).as("no id guessed for the new partition").doesNotExist();
        }
        assertThat(Files.readString(idFile("b", 0))).isEqualTo("garbage");
        UUID given;
        try (LogRepair repair = LogRepair.open(dataDir, CONFIG)) {
            TopicIdRepair.Plan plan = repair.planTopicId("b").orElseThrow();
            assertThat(plan.newId()).isTrue();
            assertThat(plan.describe()).contains("will give it a new topic id " + PartitionMetadataFile.encode(plan.id()));
            repair.restoreTopicId(plan);
            given = plan.id();
        }
        assertThat(Files.readString(idFile("b", 0).resolveSibling(PartitionMetadataFile.FILE_NAME + ".broken")))
                .isEqualTo("garbage");
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.findTopicId("b")).isEqualTo(Optional.of(given));
            assertThat(PartitionMetadataFile.read(FileIO.real(), idFile("b", 1).getParent())).contains(given);
        }
    }

    @Test
    void copiesThatDisagreeLeaveTheTopicWithoutAnIdRatherThanOneOfThem() throws IOException {
        UUID id = create("c", 2);
        UUID other = PartitionMetadataFile.randomTopicId();
        PartitionMetadataFile.write(FileIO.real(), idFile("c", 1).getParent(), other);
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.findTopicId("c")).isEmpty();
            assertThat(manager.findTopicName(id)).isEmpty();
            assertThat(manager.findTopicName(other)).isEmpty();
        }
        try (LogRepair repair = LogRepair.open(dataDir, CONFIG)) {
            TopicIdRepair.Plan plan = repair.planTopicId("c").orElseThrow();
            assertThat(plan.problem()).contains("has two topic ids");
            assertThat(plan.id()).isNotIn(id, other);
            assertThat(repair.restoreTopicId(plan)).hasSize(2);
        }
    }
}

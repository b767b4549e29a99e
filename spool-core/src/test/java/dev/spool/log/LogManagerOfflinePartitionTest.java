package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.io.FileIO;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.tool.LogRepair;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged partition takes only itself offline: the data directory opens, every other partition
 * (of its own topic and of the others) reads and writes, the damaged one is refused with the
 * damage and the repair to run, and the checkpoints keep the recovery point the repair needs.
 */
class LogManagerOfflinePartitionTest {
    private static final LogManagerConfig CONFIG = LogManagerConfig.defaults().withoutBackgroundTasks();
    private static final TopicPartition DAMAGED = new TopicPartition("bad", 0);
    private static final int BATCHES = 200;

    @TempDir
    Path dataDir;

    private Path damagedSegment() {
        return SegmentFiles.logFile(dataDir.resolve(DAMAGED.dirName()), 0);
    }

    /**
     * Topics {@code good} (1 partition) and {@code bad} (2), {@link #BATCHES} one-record batches in
     * each partition, shut down cleanly (recovery points {@link #BATCHES}); then {@code bad-0}'s
     * segment is cut in the middle of a batch, far below its recovery point. Returns that batch.
     */
    private AppendResult writeThenDamage() throws IOException {
        List<AppendResult> bad0 = new ArrayList<>();
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            manager.createTopic("good", 1);
            manager.createTopic("bad", 2);
            for (int i = 0; i < BATCHES; i++) {
                bad0.add(manager.log("bad", 0).append(LogTest.batch(1_000L + i, "b0-" + i)));
                manager.log("bad", 1).append(LogTest.batch(1_000L + i, "b1-" + i));
                manager.log("good", 0).append(LogTest.batch(1_000L + i, "g-" + i));
            }
        }
        long cut = Files.size(damagedSegment()) / 2 + 7;
        AppendResult torn = bad0.stream().filter(b -> b.position() < cut).reduce((a, b) -> b).orElseThrow();
        try (RandomAccessFile file = new RandomAccessFile(damagedSegment().toFile(), "rw")) {
            file.setLength(cut);
        }
        return torn;
    }

    private Map<TopicPartition, Long> checkpoint(String name) throws IOException {
        return OffsetCheckpointFile.read(FileIO.real(), dataDir.resolve(name));
    }

    @Test
    void aDamagedPartitionStaysOfflineWhileEveryOtherPartitionServesAndRepairBringsItBack() throws IOException {
        AppendResult torn = writeThenDamage();
        long damagedSize = Files.size(damagedSegment());

        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.topics()).containsExactly("bad", "good");
            assertThat(manager.offlinePartitions()).containsOnlyKeys(DAMAGED);
            PartitionOfflineException offline = manager.offlinePartitions().get(DAMAGED);
            assertThat(offline.partition()).isEqualTo(DAMAGED);
            assertThat(offline.file()).contains(damagedSegment());
            assertThat(offline.position()).isEqualTo(torn.position());
            assertThat(offline.getMessage()).startsWith("Partition bad-0 is offline: Corrupt log " + damagedSegment()
                    + " at position " + torn.position() + ": ").endsWith("; run 'spool repair bad'")
                    .doesNotContain("\n");

            assertThatThrownBy(() -> manager.log("bad", 0)).isInstanceOf(PartitionOfflineException.class)
                    .hasMessageContaining(damagedSegment() + " at position " + torn.position())
                    .hasCauseInstanceOf(CorruptLogException.class);
            assertThatThrownBy(() -> manager.findLog("bad", 0)).isInstanceOf(PartitionOfflineException.class);
            assertThatThrownBy(() -> manager.deleteRecords("bad", 0, 1)).isInstanceOf(PartitionOfflineException.class);
            assertThat(manager.partitionCount("bad")).isEqualTo(2);
            assertThat(manager.describeTopic("bad").orElseThrow().partitions()).containsExactly(
                    TopicDescription.PartitionDescription.offline(0, 0, BATCHES),
                    new TopicDescription.PartitionDescription(1, 0, BATCHES,
                            manager.log("bad", 1).sizeBytes(), 1));

            for (Log log : List.of(manager.log("good", 0), manager.log("bad", 1))) {
                assertThat(log.read(0, 1 << 20).records()).hasSize(BATCHES);
                assertThat(log.append(LogTest.batch(5_000L, "after")).firstOffset()).isEqualTo(BATCHES);
            }
            manager.flush();
            assertThat(checkpoint(DataDirFiles.RECOVERY_POINT_CHECKPOINT)).containsEntry(DAMAGED, (long) BATCHES)
                    .containsEntry(new TopicPartition("good", 0), BATCHES + 1L)
                    .containsEntry(new TopicPartition("bad", 1), BATCHES + 1L);
        }
        assertThat(checkpoint(DataDirFiles.RECOVERY_POINT_CHECKPOINT)).as("kept by close")
                .containsEntry(DAMAGED, (long) BATCHES);
        assertThat(checkpoint(DataDirFiles.LOG_START_CHECKPOINT)).containsEntry(DAMAGED, 0L);
        assertThat(damagedSegment()).as("nothing was cut").hasSize(damagedSize);

        try (LogRepair repair = LogRepair.open(dataDir, CONFIG)) {
            repair.execute(repair.plan(DAMAGED).orElseThrow());
        }
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.offlinePartitions()).isEmpty();
            Log repaired = manager.log("bad", 0);
            assertThat(repaired.logEndOffset()).as("the lost offsets stay taken").isEqualTo(BATCHES);
            assertThat(repaired.append(LogTest.batch(6_000L, "repaired")).firstOffset()).isEqualTo(BATCHES);
            assertThat(manager.log("good", 0).logEndOffset()).isEqualTo(BATCHES + 1L);
        }
    }

    /**
     * An offline partition found by an unclean open: the open rewrites the checkpoints (recovery
     * flushed what it accepted) and keeps the partition's entries; close writes no clean-shutdown
     * marker, which would vouch for a partition nobody shut down cleanly.
     */
    @Test
    void afterAnUncleanOpenTheCheckpointKeepsTheOfflineEntryAndNoMarkerIsWritten() throws IOException {
        writeThenDamage();
        Files.delete(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE)); // a crash after the last checkpoint
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.openedClean()).isFalse();
            assertThat(manager.offlinePartitions()).containsOnlyKeys(DAMAGED);
            assertThat(checkpoint(DataDirFiles.RECOVERY_POINT_CHECKPOINT)).containsEntry(DAMAGED, (long) BATCHES);
        }
        assertThat(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE)).doesNotExist();
        assertThat(checkpoint(DataDirFiles.RECOVERY_POINT_CHECKPOINT)).containsEntry(DAMAGED, (long) BATCHES);
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.offlinePartitions()).containsOnlyKeys(DAMAGED); // found again, never cut
        }
    }

    /** A damaged topic can still be changed: grown, altered and deleted (its offline partition with it). */
    @Test
    void aTopicWithAnOfflinePartitionCanBeGrownAlteredAndDeleted() throws IOException {
        writeThenDamage();
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            manager.addPartitions("bad", 3);
            assertThat(manager.log("bad", 2).logEndOffset()).isZero();
            TopicConfig strict = manager.topicConfig("bad").withDurability(Durability.STRICT);
            manager.alterTopicConfig("bad", strict);
            assertThat(manager.topicConfig("bad")).isEqualTo(strict);
            manager.deleteTopic("bad");
            assertThat(manager.topics()).containsExactly("good");
            assertThat(manager.offlinePartitions()).isEmpty();
            manager.checkpoint();
            assertThat(checkpoint(DataDirFiles.RECOVERY_POINT_CHECKPOINT)).doesNotContainKey(DAMAGED);
        }
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            assertThat(manager.topics()).containsExactly("good");
        }
    }
}

package dev.spool.log.compaction;

import static dev.spool.log.compaction.CompactionLogs.append;
import static dev.spool.log.compaction.CompactionLogs.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicPartition;
import dev.spool.log.TopicSetting;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.compaction.CompactionLogs.Kv;
import dev.spool.log.io.FileIO;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompactionManagerTest {
    @TempDir
    Path dataDir;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private LogManager open() throws IOException {
        return LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks().withMeterRegistry(meters));
    }

    /** A compacted topic, cleaned once 30% of it is dirty (the topic's min.cleanable.dirty.ratio). */
    private static TopicConfig compacted() {
        return TopicConfig.defaults(LogConfig.defaults()).withOverride(TopicSetting.CLEANUP_POLICY,
                TopicSetting.CLEANUP_COMPACT).withOverride(TopicSetting.MIN_CLEANABLE_DIRTY_RATIO, 300_000);
    }

    private static void fill(Log log, String value) throws IOException {
        for (int i = 0; i < 5; i++) {
            append(log, System.currentTimeMillis(), "k" + i, value);
        }
        log.roll();
    }

    @Test
    void cleansTheDirtiestCompactedLogAndCheckpointsItsProgress() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("changelog", 2, compacted());
            manager.createTopic("events", 1);
            fill(manager.log("changelog", 0), "old");
            fill(manager.log("changelog", 0), "new");
            fill(manager.log("changelog", 1), "only");
            fill(manager.log("events", 0), "x");
            fill(manager.log("events", 0), "y");

            assertThat(manager.cleanDirtiest()).contains(new TopicPartition("changelog", 0));
            assertThat(readAll(manager.log("changelog", 0))).extracting(Kv::value).containsOnly("new").hasSize(5);
            assertThat(readAll(manager.log("events", 0))).hasSize(10);
            assertThat(meters.counter("spool.cleaner.records.removed").count()).isEqualTo(5.0);
            assertThat(meters.counter("spool.cleaner.written.bytes").count()).isPositive();
            assertThat(meters.get("spool.cleaner.dirty.ratio").tag("partition", "1").gauge().value()).isEqualTo(1.0);
        }
        Map<TopicPartition, Long> checkpoint = OffsetCheckpointFile.read(FileIO.real(),
                dataDir.resolve(CompactionManager.CHECKPOINT_FILE));
        assertThat(checkpoint).containsEntry(new TopicPartition("changelog", 0), 10L);
        try (LogManager manager = open()) {
            // After a restart partition 0 is clean (ratio 0); partition 1 is the one left to clean.
            assertThat(manager.cleanDirtiest()).contains(new TopicPartition("changelog", 1));
            assertThat(manager.cleanDirtiest()).isEqualTo(Optional.empty());
        }
    }

    @Test
    void cleanNowCleansEveryPartitionAndRefusesATopicThatDoesNotCompact() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("changelog", 1, compacted());
            manager.createTopic("events", 1);
            fill(manager.log("changelog", 0), "old");
            fill(manager.log("changelog", 0), "new");
            assertThat(manager.cleanNow("changelog")).isEqualTo(5);
            Path checkpoint = dataDir.resolve(CompactionManager.CHECKPOINT_FILE);
            assertThat(OffsetCheckpointFile.read(FileIO.real(), checkpoint)).hasSize(1);
            manager.deleteTopic("changelog");
            assertThat(OffsetCheckpointFile.read(FileIO.real(), checkpoint)).as("a deleted topic is forgotten").isEmpty();
            assertThatThrownBy(() -> manager.cleanNow("events")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("events");
        }
    }

    @Test
    void aLogBelowTheDirtyRatioIsCleanedOnceItsDirtyPartPassesTheMaximumLag() throws IOException {
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(1_000_000L);
        LogManagerConfig config = LogManagerConfig.defaults().withoutBackgroundTasks().withClock(clock::get);
        try (LogManager manager = LogManager.open(dataDir, config)) {
            manager.createTopic("changelog", 1, compacted().withOverride(TopicSetting.MIN_CLEANABLE_DIRTY_RATIO, 900_000)
                    .withOverride(TopicSetting.MAX_COMPACTION_LAG_MS, 60_000));
            Log log = manager.log("changelog", 0);
            for (int i = 0; i < 20; i++) {
                append(log, clock.get(), "k" + i, "v");
            }
            log.roll();
            assertThat(manager.cleanDirtiest()).isPresent();
            append(log, clock.get(), "k0", "newer");
            log.roll();
            assertThat(manager.cleanDirtiest()).as("dirty ratio under 0.9, lag not passed").isEmpty();
            clock.addAndGet(61_000);
            assertThat(manager.cleanDirtiest()).contains(new TopicPartition("changelog", 0));
            assertThat(readAll(log)).filteredOn(kv -> kv.key().equals("k0")).extracting(Kv::value)
                    .containsExactly("newer");
        }
    }

    @Test
    void aDamagedCheckpointIsIgnoredAndCleaningStartsOver() throws IOException {
        Files.writeString(dataDir.resolve(CompactionManager.CHECKPOINT_FILE), "garbage\n");
        try (LogManager manager = open()) {
            manager.createTopic("changelog", 1, compacted());
            fill(manager.log("changelog", 0), "old");
            fill(manager.log("changelog", 0), "new");
            assertThat(manager.cleanNow("changelog")).isEqualTo(5);
        }
    }
}

package dev.spool.log.compaction;

import dev.spool.log.CleanerSettings;
import static dev.spool.log.compaction.CompactionLogs.append;
import static dev.spool.log.compaction.CompactionLogs.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.compaction.CompactionLogs.Kv;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CleanerSettings#enabled} and {@link CleanerSettings#backoffMs}: the background cleaner runs by itself, or not at all. */
class CleanerGateTest {
    private static final long BACKOFF_MS = 50;
    private static final int SEGMENTS = 8;

    @TempDir
    Path dataDir;

    /** A FileIO that counts the recovery-point checkpoints written (the checkpoint task's runs). */
    private static final class CheckpointCount extends ForwardingFileIO {
        final AtomicInteger written = new AtomicInteger();

        CheckpointCount() {
            super(FileIO.real());
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            super.rename(from, to);
            if (to.getFileName().toString().equals(DataDirFiles.RECOVERY_POINT_CHECKPOINT)) {
                written.incrementAndGet();
            }
        }
    }

    /** {@link #SEGMENTS} closed segments, each with every key of 10 again; returns the latest value of each key. */
    private Map<String, String> writeSupersededKeys() throws IOException {
        Map<String, String> latest = new HashMap<>();
        try (LogManager manager = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            manager.createTopic("changelog", 1, CleanerThreadTest.compacted(1 << 20));
            Log log = manager.log("changelog", 0);
            for (int s = 0; s < SEGMENTS; s++) {
                for (int k = 0; k < 10; k++) {
                    append(log, System.currentTimeMillis(), "k" + k, "v" + s);
                    latest.put("k" + k, "v" + s);
                }
                log.roll();
            }
        }
        return latest;
    }

    /** Background tasks on, the checkpoint every {@code checkpointIntervalMs}, the cleaner as {@code cleaner}. */
    private static LogManagerConfig background(FileIO io, long checkpointIntervalMs, CleanerSettings cleaner) {
        return new LogManagerConfig(LogConfig.defaults(), io, System::currentTimeMillis, checkpointIntervalMs,
                300_000L, 100, new CompositeMeterRegistry(), Optional.empty(), cleaner);
    }

    private static boolean cleanerThreadRuns(Path dataDir) {
        String name = CleanerThread.THREAD_NAME + "-" + dataDir.getFileName();
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    @Test
    void anEnabledCleanerCleansACompactedLogByItselfEveryBackoff() throws IOException {
        Map<String, String> expected = writeSupersededKeys();
        CleanerSettings cleaner = CleanerSettings.defaults().withEnabled(true).withBackoffMs(BACKOFF_MS);
        try (LogManager manager = LogManager.open(dataDir, background(FileIO.real(), 60_000L, cleaner))) {
            Log log = manager.log("changelog", 0);
            long bytesBefore = log.sizeBytes();
            assertThat(log.segmentCount()).isEqualTo(SEGMENTS + 1);
            assertThat(cleanerThreadRuns(dataDir)).isTrue();

            // No cleanNow: the cleaner thread's rounds merge the 8 closed segments into one.
            assertThat(CompactionLogs.within(20, () -> log.segmentCount() == 2)).as("cleaned by itself").isTrue();
            assertThat(log.sizeBytes()).isLessThan(bytesBefore);
            Map<String, String> latest = new HashMap<>();
            for (Kv kv : readAll(log)) {
                assertThat(latest.put(kv.key(), kv.value())).as("one record per key left").isNull();
            }
            assertThat(latest).isEqualTo(expected);
            assertThat(log.logEndOffset()).isEqualTo(SEGMENTS * 10L);
        }
        assertThat(cleanerThreadRuns(dataDir)).as("closing ends the thread").isFalse();
        assertThat(Files.exists(dataDir.resolve(CompactionManager.CHECKPOINT_FILE))).isTrue();
    }

    @Test
    void aDisabledCleanerStartsNoThreadAndCleansNothing() throws IOException {
        writeSupersededKeys();
        CheckpointCount io = new CheckpointCount();
        CleanerSettings cleaner = CleanerSettings.defaults().withEnabled(false).withBackoffMs(BACKOFF_MS);
        try (LogManager manager = LogManager.open(dataDir, background(io, BACKOFF_MS, cleaner))) {
            Log log = manager.log("changelog", 0);
            assertThat(cleanerThreadRuns(dataDir)).isFalse();
            // The checkpoint task runs every backoff period too: six runs span at least five periods.
            int before = io.written.get();
            assertThat(CompactionLogs.within(20, () -> io.written.get() >= before + 6)).isTrue();
            assertThat(cleanerThreadRuns(dataDir)).isFalse();
            assertThat(log.segmentCount()).as("nothing cleaned").isEqualTo(SEGMENTS + 1);
            assertThat(Files.exists(dataDir.resolve(CompactionManager.CHECKPOINT_FILE))).isFalse();
            assertThat(manager.cleanNow("changelog")).as("cleanNow cleans either way").isEqualTo(70);
        }
    }
}

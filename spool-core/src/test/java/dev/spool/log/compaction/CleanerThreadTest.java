package dev.spool.log.compaction;

import dev.spool.log.CleanerSettings;
import static dev.spool.log.compaction.CompactionLogs.append;
import static dev.spool.log.compaction.CompactionLogs.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicSetting;
import dev.spool.log.compaction.CompactionLogs.Kv;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.StorageFile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The background cleaner on its own thread: it delays no periodic task, and closing stops it. */
class CleanerThreadTest {
    private static final int KEYS = 64;
    private static final int VALUE_BYTES = 1024;
    /** About 4 MiB of batches, over 16 closed segments of 256 KiB. */
    private static final int BATCHES = 256;
    private static final int RECORDS_PER_BATCH = 16;
    /** At this rate one round over the log takes over a minute: it is still running when the test looks. */
    private static final long SLOW_BYTES_PER_SECOND = 64 << 10;

    @TempDir
    Path dataDir;

    /** A FileIO that tells when the cleaner's thread first opens a file: a round has started. */
    private static final class RoundWatch extends ForwardingFileIO {
        final CountDownLatch roundStarted = new CountDownLatch(1);

        RoundWatch() {
            super(FileIO.real());
        }

        @Override
        protected StorageFile wrap(StorageFile file, Path path, OpenMode mode) {
            if (Thread.currentThread().getName().startsWith(CleanerThread.THREAD_NAME)) {
                roundStarted.countDown();
            }
            return file;
        }
    }

    static TopicConfig compacted(int segmentBytes) {
        return TopicConfig.defaults(LogConfig.defaults())
                .withOverride(TopicSetting.CLEANUP_POLICY, TopicSetting.CLEANUP_COMPACT)
                .withOverride(TopicSetting.SEGMENT_BYTES, segmentBytes);
    }

    /** Writes a compacted log of {@link #BATCHES} batches over {@link #KEYS} keys; returns each key's latest value. */
    private Map<String, String> writeChangelog() throws IOException {
        Map<String, String> latest = new HashMap<>();
        try (LogManager manager = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            manager.createTopic("changelog", 1, compacted(256 << 10));
            Log log = manager.log("changelog", 0);
            String padding = "x".repeat(VALUE_BYTES);
            int n = 0;
            for (int b = 0; b < BATCHES; b++) {
                String[] keyValues = new String[2 * RECORDS_PER_BATCH];
                for (int r = 0; r < RECORDS_PER_BATCH; r++, n++) {
                    String key = "k" + (n % KEYS);
                    String value = n + padding;
                    keyValues[2 * r] = key;
                    keyValues[2 * r + 1] = value;
                    latest.put(key, value);
                }
                append(log, System.currentTimeMillis(), keyValues);
            }
        }
        return latest;
    }

    private static Map<String, String> latestValues(Log log) throws IOException {
        Map<String, String> latest = new HashMap<>();
        for (Kv kv : readAll(log)) {
            latest.put(kv.key(), kv.value());
        }
        return latest;
    }

    private static Optional<Thread> cleanerThreadOf(Path dataDir) {
        String name = CleanerThread.THREAD_NAME + "-" + dataDir.getFileName();
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSlowRoundDelaysNoRetentionAndClosingStopsItLeavingEveryLatestValue() throws Exception {
        Map<String, String> expected = writeChangelog();
        RoundWatch io = new RoundWatch();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // Retention every 20 ms, a round every 10 ms at a rate that makes it last over a minute.
        LogManagerConfig config = new LogManagerConfig(LogConfig.defaults(), io, System::currentTimeMillis, 60_000L,
                20L, 100, meters, Optional.empty(), CleanerSettings.defaults().withEnabled(true).withBackoffMs(10)
                .withIoBytesPerSecond(SLOW_BYTES_PER_SECOND));
        LogManager manager = LogManager.open(dataDir, config);
        try {
            assertThat(io.roundStarted.await(30, TimeUnit.SECONDS)).as("a cleaning round started").isTrue();
            Thread cleaner = cleanerThreadOf(dataDir).orElseThrow();

            // An expired segment appears while the round runs; the retention task (every 20 ms) must remove it now.
            manager.createTopic("events", 1, TopicConfig.defaults(LogConfig.defaults())
                    .withOverride(TopicSetting.RETENTION_MS, 60_000));
            Log events = manager.log("events", 0);
            append(events, 1_000L, "old", "expired");
            events.roll();
            append(events, System.currentTimeMillis(), "new", "kept");
            assertThat(CompactionLogs.within(20, () -> events.logStartOffset() == 1)).as("retention ran").isTrue();
            assertThat(meters.timer("spool.cleaner.time").count()).as("the round has not finished").isZero();
            assertThat(cleaner.isAlive()).isTrue();

            manager.close();
            assertThat(cleaner.isAlive()).as("close() ended the cleaner's thread").isFalse();
            assertThat(meters.timer("spool.cleaner.time").count()).as("close() stopped the round").isZero();
        } finally {
            manager.close();
        }
        assertThat(Files.exists(dataDir.resolve(CompactionManager.CHECKPOINT_FILE))).isFalse();
        try (LogManager reopened = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            Log log = reopened.log("changelog", 0);
            assertThat(log.logEndOffset()).isEqualTo((long) BATCHES * RECORDS_PER_BATCH);
            assertThat(latestValues(log)).isEqualTo(expected);
        }
    }
}

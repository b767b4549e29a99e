package dev.spool.log.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.record.CompressionType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that really fills up: a 4 MiB tmpfs (mounted by the test itself when it runs as root on
 * Linux, as CI does; skipped with a message otherwise). The promise under test: appends
 * fail with a clear "no space" error, nothing written before is lost, and appending works again
 * once space is freed. After a failed write the log refuses writes until it is reopened or
 * recovered (the state of a half-written file is not guessed at: the recovery a reopen runs reads
 * it), so "works again" means: free space, then reopen and append, or append after the log's
 * full-disk backoff, which recovers it in place.
 */
class FullDiskTest {
    private static final long DISK_BYTES = 4L << 20;
    private static final int VALUE_BYTES = 8 << 10;
    private static final long SEED = 20_241_106L;
    private static final LogConfig CONFIG = LogConfig.defaults().withSegmentBytes(256 << 10)
            .withBatchBytesMax(64 << 10).withDurability(Durability.STRICT);

    @TempDir
    Path tmp;
    private final Mounts mounts = new Mounts();

    @AfterEach
    void unmount() throws IOException {
        mounts.close();
    }

    /** Writes a filler file of {@code bytes} on the disk: the space a test frees later. */
    private static Path filler(Path disk, int bytes) throws IOException {
        return Files.write(disk.resolve("filler"), new byte[bytes]);
    }

    /** Appends 8 KiB values until an append fails; returns what was acknowledged, by offset. */
    private static Map<Long, byte[]> appendUntilFull(Log log, long firstIndex, IOException[] failure) {
        Map<Long, byte[]> acknowledged = new TreeMap<>();
        for (long i = firstIndex; ; i++) {
            byte[] value = Payloads.filler(SEED, i, VALUE_BYTES);
            try {
                AppendResult result = log.append(Payloads.batch(value, 1_700_000_000_000L + i));
                assertThat(result.durable()).isTrue();
                acknowledged.put(result.firstOffset(), value);
            } catch (IOException e) {
                failure[0] = e;
                return acknowledged;
            }
            assertThat(i - firstIndex).as("the 4 MiB disk fills up").isLessThan(10_000);
        }
    }

    private static void assertHolds(Log log, Map<Long, byte[]> acknowledged) throws IOException {
        TreeMap<Long, byte[]> read = Payloads.readAll(log);
        for (Map.Entry<Long, byte[]> entry : acknowledged.entrySet()) {
            assertThat(read.get(entry.getKey())).as("acknowledged record at offset %d", entry.getKey())
                    .isEqualTo(entry.getValue());
        }
    }

    @Test
    void aFullDiskFailsAppendsClearlyLosesNothingAndAppendsResumeOnceSpaceIsFreed() throws IOException {
        Path disk = mounts.tmpfs(tmp.resolve("disk"), DISK_BYTES);
        Path freed = filler(disk, 1 << 20);
        Path dir = disk.resolve("t-0");
        IOException[] failure = new IOException[1];
        Map<Long, byte[]> acknowledged;
        try (Log log = Log.open(dir, CONFIG, LoadState.unknown())) {
            acknowledged = appendUntilFull(log, 0, failure);
            assertThat(acknowledged).as("appends before the disk filled").hasSizeGreaterThan(100);
            assertThat(failure[0]).hasMessageContaining("No space left on device")
                    .hasMessageContaining(dir.toString());
            assertThat(log.isFailed()).isTrue();
            assertThatThrownBy(() -> log.append(Payloads.batch(new byte[10], 1))).isInstanceOf(IOException.class)
                    .hasMessageContaining("No space left on device")
                    .hasMessageContaining("refuses writes until it is reopened");
            assertHolds(log, acknowledged); // readers are not affected
        }

        // Reopening on the still-full disk: recovery cuts the half-written batch, which frees a little,
        // and either opens or fails cleanly (rebuilt indexes need space too); either way nothing is lost.
        try (Log log = Log.open(dir, CONFIG, LoadState.unknown())) {
            assertHolds(log, acknowledged);
        } catch (IOException e) {
            assertThat(e).hasMessageContaining("No space left on device");
        }

        Files.delete(freed);
        long end;
        try (Log log = Log.open(dir, CONFIG, LoadState.unknown())) {
            assertHolds(log, acknowledged);
            end = log.logEndOffset();
            assertThat(end).isEqualTo(((TreeMap<Long, byte[]>) acknowledged).lastKey() + 1);
            for (long i = 0; i < 50; i++) { // 400 KiB of the 1 MiB freed
                byte[] value = Payloads.filler(SEED, 1_000_000 + i, VALUE_BYTES);
                acknowledged.put(log.append(Payloads.batch(value, 1)).firstOffset(), value);
            }
        }
        try (Log log = Log.open(dir, CONFIG, LoadState.clean())) {
            assertThat(log.logEndOffset()).isEqualTo(end + 50);
            assertHolds(log, acknowledged);
        }
    }

    @Test
    void aFullLogRecoversInPlaceOnceSpaceIsFreedWithoutAReopen() throws IOException {
        Path disk = mounts.tmpfs(tmp.resolve("disk"), DISK_BYTES);
        Path freed = filler(disk, 1 << 20);
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(1_700_000_000_000L);
        IOException[] failure = new IOException[1];
        try (Log log = Log.open(dev.spool.log.io.FileIO.real(), disk.resolve("t-0"), CONFIG, LoadState.unknown(),
                clock::get)) {
            Map<Long, byte[]> acknowledged = appendUntilFull(log, 0, failure);
            assertThat(failure[0]).hasMessageContaining("No space left on device");
            long end = ((TreeMap<Long, byte[]>) acknowledged).lastKey() + 1;

            Files.delete(freed);
            clock.addAndGet(1_000); // the log's full-disk backoff
            byte[] value = Payloads.filler(SEED, 3_000_000, VALUE_BYTES);
            AppendResult result = log.append(Payloads.batch(value, 1));
            assertThat(result.firstOffset()).as("right after the last acknowledged record").isEqualTo(end);
            acknowledged.put(result.firstOffset(), value);
            assertThat(log.isFailed()).isFalse();
            assertHolds(log, acknowledged);
        }
    }

    @Test
    void aLogManagerOnAFullDiskClosesWithAClearErrorAndReopensWithEverythingOnceSpaceIsFreed() throws IOException {
        Path disk = mounts.tmpfs(tmp.resolve("disk"), DISK_BYTES);
        Path freed = filler(disk, 1 << 20);
        Path dataDir = disk.resolve("data");
        LogManagerConfig config = LogManagerConfig.defaults().withoutBackgroundTasks().withLogConfig(CONFIG);
        IOException[] failure = new IOException[1];
        Map<Long, byte[]> acknowledged;
        LogManager manager = LogManager.open(dataDir, config);
        try {
            manager.createTopic("full", 1, new TopicConfig(Durability.STRICT, CompressionType.NONE, false));
            acknowledged = appendUntilFull(manager.log("full", 0), 0, failure);
            assertThat(failure[0]).hasMessageContaining("No space left on device");
            assertHolds(manager.log("full", 0), acknowledged);
        } finally {
            try {
                manager.close(); // the checkpoints and the clean-shutdown marker need space too
            } catch (IOException e) {
                assertThat(e).hasMessageContaining("No space left on device");
            }
        }
        assertThat(Files.exists(dataDir.resolve(".spool_cleanshutdown"))).as("a failed log is not marked clean")
                .isFalse();

        Files.delete(freed);
        try (LogManager reopened = LogManager.open(dataDir, config)) {
            assertThat(reopened.openedClean()).isFalse();
            Log log = reopened.log("full", 0);
            assertHolds(log, acknowledged);
            byte[] value = Payloads.filler(SEED, 2_000_000, VALUE_BYTES);
            acknowledged.put(log.append(Payloads.batch(value, 1)).firstOffset(), value);
        }
        try (LogManager reopened = LogManager.open(dataDir, config)) {
            assertThat(reopened.openedClean()).isTrue();
            assertHolds(reopened.log("full", 0), acknowledged);
        }
    }
}

package dev.spool.log.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.Durability;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.CompressionType;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory that turns read-only, a segment file that cannot be written, and a directory
 * deleted under a running log: each must give a clear error naming the path and must not damage
 * what was written. Read-only is made with real mounts ({@link Mounts}: a tmpfs remounted
 * read-only, a file bind-mounted read-only over itself), because the tests run as root in CI and
 * root ignores permission bits; without root they are skipped with a message. The vanishing
 * directory needs neither.
 */
class ReadOnlyAndVanishingTest {
    private static final LogConfig CONFIG = LogConfig.defaults().withSegmentBytes(64 << 10)
            .withBatchBytesMax(8 << 10).withDurability(Durability.STRICT);
    private static final LogManagerConfig MANAGER = LogManagerConfig.defaults().withoutBackgroundTasks()
            .withLogConfig(CONFIG);
    private static final TopicConfig STRICT = new TopicConfig(Durability.STRICT, CompressionType.NONE, false);
    private static final long SEED = 77;

    @TempDir
    Path tmp;
    private final Mounts mounts = new Mounts();

    @AfterEach
    void unmount() throws IOException {
        mounts.close();
    }

    /** Appends {@code count} values to {@code log}; returns them by offset. */
    private static Map<Long, byte[]> append(Log log, int count, long from) throws IOException {
        Map<Long, byte[]> written = new TreeMap<>();
        for (long i = from; i < from + count; i++) {
            byte[] value = Payloads.filler(SEED, i, 1000);
            written.put(log.append(Payloads.batch(value, 1_700_000_000_000L + i)).firstOffset(), value);
        }
        return written;
    }

    private static void assertHolds(Log log, Map<Long, byte[]> written) throws IOException {
        TreeMap<Long, byte[]> read = Payloads.readAll(log);
        written.forEach((offset, value) -> assertThat(read.get(offset)).as("offset %d", offset).isEqualTo(value));
    }

    @Test
    void aReadOnlyDataDirectoryIsRefusedWithItsNameAndItsDataIsIntactWhenWritableAgain() throws IOException {
        Path disk = mounts.tmpfs(tmp.resolve("disk"), 16L << 20);
        Path dataDir = disk.resolve("data");
        Map<Long, byte[]> written;
        try (LogManager manager = LogManager.open(dataDir, MANAGER)) {
            manager.createTopic("ro", 1, STRICT);
            written = append(manager.log("ro", 0), 100, 0);
        }
        mounts.remount(disk, true);

        assertThatThrownBy(() -> LogManager.open(dataDir, MANAGER)).isInstanceOf(IOException.class)
                .hasMessageContaining(dataDir.toString()).hasMessageContaining("Read-only file system");
        // A log opened on its own after a crash must write (truncate, rebuild indexes): refused, by name.
        assertThatThrownBy(() -> Log.open(dataDir.resolve("ro-0"), CONFIG, LoadState.unknown()))
                .isInstanceOf(IOException.class).hasMessageContaining(dataDir.resolve("ro-0").toString())
                .hasMessageContaining("Read-only file system");
        // Verification reads only, so a read-only directory can still be checked.
        assertThat(new LogVerifier(FileIO.real(), CONFIG).verifyDataDir(dataDir).isSound()).isTrue();

        mounts.remount(disk, false);
        try (LogManager manager = LogManager.open(dataDir, MANAGER)) {
            assertThat(manager.openedClean()).isTrue();
            assertHolds(manager.log("ro", 0), written);
            written.putAll(append(manager.log("ro", 0), 10, 100));
        }
        try (LogManager manager = LogManager.open(dataDir, MANAGER)) {
            assertHolds(manager.log("ro", 0), written);
        }
    }

    /**
     * The data directory turns read-only under a running log manager (a read-only bind mount over
     * it: a whole file system cannot be remounted read-only while segments are open for writing).
     * Appends to the open segment still land and are forced through its open file; the first thing
     * that needs a file opened or created (here the flush writing the indexes) fails by name, the log
     * refuses writes from then on, and closing cannot write the checkpoints. Once writable again,
     * every acknowledged record is there.
     */
    @Test
    void aDataDirectoryTurnedReadOnlyUnderARunningLogManagerFailsClearlyAndKeepsWhatWasAcknowledged()
            throws IOException {
        Path disk = mounts.tmpfs(tmp.resolve("disk"), 16L << 20);
        Path dataDir = disk.resolve("data");
        Map<Long, byte[]> written;
        LogManager manager = LogManager.open(dataDir, MANAGER);
        try {
            manager.createTopic("ro", 1, STRICT);
            Log log = manager.log("ro", 0);
            written = append(log, 100, 0);
            mounts.readOnlyBind(dataDir);
            written.putAll(append(log, 10, 100)); // the open segment's file stays writable
            assertThatThrownBy(manager::flush).isInstanceOf(IOException.class)
                    .hasMessageContaining("Read-only file system").hasMessageContaining(dataDir.toString());
            assertThat(log.isFailed()).isTrue();
            assertThatThrownBy(() -> append(log, 1, 200)).isInstanceOf(IOException.class)
                    .hasMessageContaining("Read-only file system")
                    .hasMessageContaining("refuses writes until it is reopened");
            assertHolds(log, written); // reads go on
        } finally {
            assertThatThrownBy(manager::close).as("close cannot write its checkpoints")
                    .isInstanceOf(IOException.class).hasMessageContaining("Read-only file system");
        }
        mounts.unmount(dataDir);
        try (LogManager reopened = LogManager.open(dataDir, MANAGER)) {
            assertThat(reopened.openedClean()).isFalse();
            assertHolds(reopened.log("ro", 0), written);
            assertThat(reopened.log("ro", 0).logEndOffset()).isEqualTo(110);
            written.putAll(append(reopened.log("ro", 0), 10, 300));
        }
        try (LogManager reopened = LogManager.open(dataDir, MANAGER)) {
            assertHolds(reopened.log("ro", 0), written);
        }
    }

    @Test
    void aSegmentThatCannotBeWrittenStopsTheOpenWithItsName() throws IOException {
        Path disk = mounts.tmpfs(tmp.resolve("disk"), 16L << 20);
        Path dir = disk.resolve("t-0");
        Map<Long, byte[]> written;
        try (Log log = Log.open(dir, CONFIG, LoadState.unknown())) {
            written = append(log, 200, 0); // several segments
        }
        Path segment = SegmentFiles.logFile(dir, 0);
        byte[] before = Files.readAllBytes(segment);
        mounts.readOnlyBind(segment);

        assertThatThrownBy(() -> Log.open(dir, CONFIG, LoadState.unknown())).isInstanceOf(IOException.class)
                .hasMessageContaining(segment.toString()).hasMessageContaining("Read-only file system");
        assertThat(Files.readAllBytes(segment)).isEqualTo(before);

        mounts.unmount(segment);
        try (Log log = Log.open(dir, CONFIG, LoadState.unknown())) {
            assertHolds(log, written);
        }
    }

    @Test
    void aLogDirectoryDeletedUnderARunningLogFailsTheNextRollClearlyAndAnotherDirectoryStillWorks()
            throws IOException {
        Path dir = tmp.resolve("vanishing-0");
        Log log = Log.open(dir, CONFIG, LoadState.unknown());
        try {
            append(log, 20, 0);
            deleteRecursively(dir);

            // The open segment is still a file the process holds, so appends to it still succeed (as in
            // Kafka); whatever must create or rename a file in the directory fails, naming it, and the log
            // then refuses writes.
            assertThatThrownBy(log::roll).isInstanceOf(java.nio.file.NoSuchFileException.class)
                    .hasMessageContaining(dir.toString());
            assertThat(log.isFailed()).isTrue();
            assertThatThrownBy(() -> append(log, 1, 20)).isInstanceOf(IOException.class)
                    .hasMessageContaining("failed earlier (NoSuchFileException: " + dir)
                    .hasMessageContaining("refuses writes until it is reopened");
        } finally {
            log.close();
        }

        Path elsewhere = tmp.resolve("elsewhere-0");
        try (Log other = Log.open(elsewhere, CONFIG, LoadState.unknown())) {
            Map<Long, byte[]> written = append(other, 20, 0);
            assertHolds(other, written);
        }
    }

    @Test
    void aDataDirectoryDeletedUnderARunningLogManagerFailsItsFlushClearlyAndReopensEmpty() throws IOException {
        Path dataDir = tmp.resolve("data");
        LogManager manager = LogManager.open(dataDir, MANAGER);
        try {
            manager.createTopic("gone", 2, STRICT);
            append(manager.log("gone", 0), 10, 0);
            deleteRecursively(dataDir);
            assertThatThrownBy(manager::flush).isInstanceOf(IOException.class)
                    .hasMessageContaining(dataDir.toString());
        } finally {
            assertThatThrownBy(manager::close).isInstanceOf(IOException.class).hasMessageContaining(dataDir.toString());
        }
        // The directory lock went with the directory: opening again starts an empty data directory.
        try (LogManager reopened = LogManager.open(dataDir, MANAGER)) {
            assertThat(reopened.topics()).isEmpty();
            reopened.createTopic("again", 1, STRICT);
            Map<Long, byte[]> written = append(reopened.log("again", 0), 10, 0);
            assertHolds(reopened.log("again", 0), written);
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

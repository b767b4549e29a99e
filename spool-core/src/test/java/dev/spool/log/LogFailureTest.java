package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FailingFileIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed write or fsync fails the log until it is reopened (or recovered); nothing written before is lost. */
class LogFailureTest {
    @TempDir
    Path dataDir;

    @Test
    void diskFullMidWriteFailsTheLogAndReopeningRecoversEverythingBefore() throws IOException {
        FailingFileIO io = new FailingFileIO();
        // A clock that stands still: the log never reaches the backoff after which it recovers by
        // itself (FullDiskRecoveryTest), so here only a reopen brings it back.
        LogManagerConfig config = LogManagerConfig.defaults().withoutBackgroundTasks().withIo(io)
                .withClock(() -> 1_700_000_000_000L);
        try (LogManager manager = LogManager.open(dataDir, config)) {
            manager.createTopic("t", 1);
            Log log = manager.log("t", 0);
            log.append(LogTest.batch(1, "a", "b"));
            manager.flush();
            log.append(LogTest.batch(2, "c"));
            io.failWrite(1, 20); // a torn, failed write: 20 bytes reach the file
            assertThatThrownBy(() -> log.append(LogTest.batch(3, "d"))).isInstanceOf(IOException.class)
                    .hasMessageContaining("No space left on device");
            assertThat(log.isFailed()).isTrue();
            assertThatThrownBy(() -> log.append(LogTest.batch(4, "e"))).isInstanceOf(IOException.class)
                    .hasMessageContaining("refuses writes until it is reopened");
            assertThat(log.logEndOffset()).isEqualTo(3);
            assertThat(LogTest.values(log.read(0, 1 << 20).batches())).containsExactly("a", "b", "c");
        }
        assertThat(Files.exists(dataDir.resolve(".spool_cleanshutdown"))).as("a failed log is not clean").isFalse();
        try (LogManager manager = LogManager.open(dataDir, config)) {
            assertThat(manager.openedClean()).isFalse();
            Log log = manager.log("t", 0);
            assertThat(log.logEndOffset()).as("the torn 20 bytes were truncated").isEqualTo(3);
            log.append(LogTest.batch(5, "f"));
            assertThat(LogTest.values(log.read(0, 1 << 20).batches())).containsExactly("a", "b", "c", "f");
        }
    }

    @Test
    void failedFsyncIsNeverRetried() throws IOException {
        FailingFileIO io = new FailingFileIO();
        try (Log log = Log.open(io, dataDir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown(),
                System::currentTimeMillis)) {
            log.append(LogTest.batch(1, "a"));
            long recoveryPoint = log.recoveryPoint();
            io.failForce(1);
            assertThatThrownBy(log::flush).isInstanceOf(IOException.class).hasMessageContaining("injected");
            assertThat(log.recoveryPoint()).as("nothing counts as flushed").isEqualTo(recoveryPoint);
            assertThatThrownBy(log::flush).isInstanceOf(IOException.class)
                    .hasMessageContaining("refuses writes until it is reopened");
            assertThat(LogTest.values(log.read(0, 100).batches())).containsExactly("a");
        }
    }
}

package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FailingFileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log a full disk failed comes back without a reopen once space returns: the torn tail of the
 * failed write is cut by the same recovery a reopen runs, everything acknowledged stays, and
 * nothing unacknowledged appears.
 */
class FullDiskRecoveryTest {
    private static final long BACKOFF_MS = InPlaceRecovery.FULL_DISK_BACKOFF_MS;

    @TempDir
    Path dataDir;
    private final FailingFileIO io = new FailingFileIO();
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);

    private LogManagerConfig config(LogConfig logConfig) {
        return LogManagerConfig.defaults().withoutBackgroundTasks().withIo(io).withClock(clock::get)
                .withLogConfig(logConfig);
    }

    private static int sizeOnDisk(Log log) throws IOException {
        return (int) log.segments().stream().mapToLong(SegmentInfo::sizeBytes).sum();
    }

    @Test
    void anAppendAfterTheBackoffRecoversTheLogOnceSpaceIsBackKeepingEverythingAcknowledged() throws IOException {
        for (boolean hashChain : new boolean[] {false, true}) {
            Path dir = dataDir.resolve("chain-" + hashChain);
            try (LogManager manager = LogManager.open(dir, config(LogConfig.defaults().withHashChain(hashChain)))) {
                manager.createTopic("t", 1);
                Log log = manager.log("t", 0);
                log.append(LogTest.batch(1, "a", "b"));
                manager.flush();
                log.append(LogTest.batch(2, "c")); // acknowledged, not flushed
                int acknowledgedBytes = sizeOnDisk(log);

                io.failWrite(1, 20); // the disk fills mid-write: 20 bytes of the batch reach the file
                assertThatThrownBy(() -> log.append(LogTest.batch(3, "d"))).isInstanceOf(IOException.class)
                        .hasMessageContaining("No space left on device");
                io.setDiskFull(true);
                assertThat(log.isFailed()).isTrue();
                assertThatThrownBy(() -> log.append(LogTest.batch(4, "e"))).as("within the backoff: refused")
                        .hasMessageContaining("refuses writes until it is reopened or recovered");

                clock.addAndGet(BACKOFF_MS);
                assertThatThrownBy(() -> log.append(LogTest.batch(5, "f"))).as("the disk is still full")
                        .hasMessageContaining("No space left on device");
                assertThat(log.isFailed()).isTrue();
                assertThat(LogTest.values(log.read(0, 1 << 20).batches())).containsExactly("a", "b", "c");

                io.setDiskFull(false);
                assertThatThrownBy(() -> log.append(LogTest.batch(6, "g"))).as("the last attempt was just now")
                        .hasMessageContaining("refuses writes until it is reopened or recovered");
                clock.addAndGet(BACKOFF_MS);
                AppendResult appended = log.append(LogTest.batch(7, "h"));
                assertThat(appended.firstOffset()).isEqualTo(3);
                assertThat(log.isFailed()).isFalse();
                assertThat(LogTest.values(log.read(0, 1 << 20).batches())).containsExactly("a", "b", "c", "h");
                assertThat(sizeOnDisk(log)).as("the torn 20 bytes were cut")
                        .isEqualTo(acknowledgedBytes + LogTest.batch(7, "h").remaining());
                assertThat(log.chainHeadHex()).as("the chain over a, b, c, h, as a log that never failed has it")
                        .isEqualTo(chainOf(dataDir.resolve("reference-" + hashChain), hashChain,
                                LogTest.batch(1, "a", "b"), LogTest.batch(2, "c"), LogTest.batch(7, "h")));
            }
            try (LogManager reopened = LogManager.open(dir, config(LogConfig.defaults().withHashChain(hashChain)))) {
                assertThat(reopened.openedClean()).as("a recovered log shuts down cleanly").isTrue();
                Log log = reopened.log("t", 0);
                assertThat(LogTest.values(log.read(0, 1 << 20).batches())).containsExactly("a", "b", "c", "h");
                log.append(LogTest.batch(8, "i"));
            }
            try (LogManager reopened = LogManager.open(dir, config(LogConfig.defaults().withHashChain(hashChain)))) {
                assertThat(LogTest.values(reopened.log("t", 0).read(0, 1 << 20).batches()))
                        .containsExactly("a", "b", "c", "h", "i");
            }
        }
    }

    private static String chainOf(Path dir, boolean hashChain, ByteBuffer... batches) throws IOException {
        try (Log log = Log.open(dir, LogConfig.defaults().withHashChain(hashChain), LoadState.unknown())) {
            for (ByteBuffer batch : batches) {
                log.append(batch);
            }
            return log.chainHeadHex();
        }
    }

    @Test
    void wholeBatchesOfTheFailedWriteAreCutSinceTheirAppendFailed() throws IOException {
        try (LogManager manager = LogManager.open(dataDir, config(LogConfig.defaults()))) {
            manager.createTopic("t", 1);
            Log log = manager.log("t", 0);
            log.append(LogTest.batch(1, "a"));
            ByteBuffer first = LogTest.batch(2, "b");
            ByteBuffer second = LogTest.batch(3, "c");
            ByteBuffer both = ByteBuffer.allocate(first.remaining() + second.remaining());
            both.put(first.duplicate()).put(second.duplicate()).flip();
            io.failWrite(1, first.remaining() + 10); // the first batch whole, 10 bytes of the second
            assertThatThrownBy(() -> log.append(both)).hasMessageContaining("No space left on device");

            clock.addAndGet(BACKOFF_MS);
            assertThat(log.append(LogTest.batch(4, "d")).firstOffset()).isEqualTo(1);
            assertThat(LogTest.values(log.read(0, 1 << 20).batches())).containsExactly("a", "d");
        }
    }

    @Test
    void aFullDiskWhenSpaceIsAllocatedAheadFailsTheAppendAndTheLogRecoversWithNothingLost() throws IOException {
        Path dir = dataDir.resolve("allocation");
        try (LogManager manager = LogManager.open(dir, config(LogConfig.defaults()))) {
            manager.createTopic("t", 1);
            Log log = manager.log("t", 0);
            io.setDiskFull(true);
            assertThatThrownBy(() -> log.append(LogTest.batch(1, "a"))).isInstanceOf(IOException.class)
                    .hasMessageContaining("No space left on device");
            assertThat(log.isFailed()).isTrue();
            assertThat(log.logEndOffset()).isZero();

            io.setDiskFull(false);
            clock.addAndGet(BACKOFF_MS);
            assertThat(log.append(LogTest.batch(2, "b")).firstOffset()).isZero();
            io.setDiskFull(true);
            assertThat(log.append(LogTest.batch(3, "c")).firstOffset()).as("written into space allocated before")
                    .isEqualTo(1);
            io.setDiskFull(false);
            assertThat(LogTest.values(log.read(0, 1 << 20).batches())).containsExactly("b", "c");
        }
        assertThat(java.nio.file.Files.size(dir.resolve("t-0").resolve("00000000000000000000.log")))
                .as("closed: cut to its last batch's end")
                .isEqualTo(LogTest.batch(2, "b").remaining() + LogTest.batch(3, "c").remaining());
    }

    /**
     * A disk that fills while a segment allocates ahead: the allocation that falls short still
     * serves the appends that fit in what it got, and only the append with no room left fails.
     */
    @Test
    void anAllocationThatFallsShortServesTheAppendsThatFitAndOnlyTheOneWithNoRoomFails() throws IOException {
        try (LogManager manager = LogManager.open(dataDir, config(LogConfig.defaults()))) {
            manager.createTopic("t", 1);
            Log log = manager.log("t", 0);
            String value = "v".repeat(1000);
            java.util.List<String> acknowledged = new java.util.ArrayList<>();
            log.append(LogTest.batch(0, value)); // space is allocated ahead of it
            acknowledged.add(value);
            long allocated = java.nio.file.Files.size(dataDir.resolve("t-0").resolve("00000000000000000000.log"));
            long spaceBytes = 512 << 10;
            io.setSpaceLeft(spaceBytes); // the next allocation (a megabyte or more) gets half a megabyte
            IOException failure = null;
            long end = 0;
            for (int i = 1; failure == null && i < 10_000; i++) {
                try {
                    AppendResult appended = log.append(LogTest.batch(i, value));
                    end = appended.position() + appended.sizeBytes();
                    acknowledged.add(value);
                } catch (IOException e) {
                    failure = e;
                }
            }
            assertThat(failure).as("the disk filled").isNotNull();
            assertThat(failure).hasMessageContaining("No space left on device");
            assertThat(end).as("appends went on into the half megabyte the short allocation got")
                    .isGreaterThan(allocated + spaceBytes - 4096)
                    .isLessThanOrEqualTo(allocated + spaceBytes);
            assertThat(log.isFailed()).isTrue();

            io.setSpaceLeft(-1);
            clock.addAndGet(BACKOFF_MS);
            log.append(LogTest.batch(20_000, "after"));
            acknowledged.add("after");
            assertThat(LogTest.values(log.read(0, 8 << 20).batches())).containsExactlyElementsOf(acknowledged);
        }
    }

    @Test
    void otherFailuresWaitForAnExplicitRecovery() throws IOException {
        try (LogManager manager = LogManager.open(dataDir, config(LogConfig.defaults()))) {
            manager.createTopic("t", 1);
            Log log = manager.log("t", 0);
            assertThat(log.recover()).as("nothing to recover").isFalse();
            log.append(LogTest.batch(1, "a"));
            io.failForce(1);
            assertThatThrownBy(log::flush).hasMessageContaining("Input/output error");
            clock.addAndGet(10 * BACKOFF_MS);
            assertThatThrownBy(() -> log.append(LogTest.batch(2, "b"))).as("not a full disk: no automatic recovery")
                    .hasMessageContaining("refuses writes until it is reopened or recovered");

            assertThat(log.recover()).isTrue();
            assertThat(log.append(LogTest.batch(3, "c")).firstOffset()).isEqualTo(1);
            assertThat(LogTest.values(log.read(0, 1 << 20).batches())).containsExactly("a", "c");
            assertThat(log.recover()).isFalse();
        }
    }

    @Test
    void fullDiskMessagesAreRecognised() {
        assertThat(InPlaceRecovery.isFullDisk(new IOException("No space left on device"))).isTrue();
        assertThat(InPlaceRecovery.isFullDisk(new IOException("wrapped", new java.nio.file.FileSystemException(
                "/data/t-0/0.log", null, "Disk quota exceeded")))).isTrue();
        assertThat(InPlaceRecovery.isFullDisk(new IOException("Input/output error"))).isFalse();
    }
}

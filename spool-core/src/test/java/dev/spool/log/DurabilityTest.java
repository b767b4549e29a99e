package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FailingFileIO;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.ForwardingStorageFile;
import dev.spool.log.io.RecordingFileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durability modes, the asynchronous API, group commit, backpressure and failure of the append pipeline. */
class DurabilityTest {
    @TempDir
    Path dir;

    /** An executor that runs nothing until the test says so: it decides when the writer drains. */
    static final class ManualExecutor implements java.util.concurrent.Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable task) {
            tasks.add(task);
        }

        synchronized Runnable next() {
            return tasks.poll();
        }

        void runAll() {
            Runnable task;
            while ((task = next()) != null) {
                task.run();
            }
        }
    }

    private Log open(FileIO io, LogConfig config, java.util.concurrent.Executor executor) throws IOException {
        return Log.open(io, dir.resolve("t-0"), config, LoadState.unknown(), System::currentTimeMillis, executor);
    }

    @Test
    void strictAppendsAreForcedBeforeTheyAreAcknowledgedAndRelaxedOnesAreNot() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        try (Log log = open(io, LogConfig.defaults(), Runnable::run)) {
            io.clear();
            AppendResult relaxed = log.append(LogTest.batch(1, "a"), Durability.NONE);
            assertThat(relaxed.durable()).isFalse();
            assertThat(relaxed.fsyncMicros()).isZero();
            // the space allocated ahead, then the batch: writes, and no force
            assertThat(io.operations()).containsOnly("write 00000000000000000000.log");
            io.clear();
            AppendResult strict = log.append(LogTest.batch(2, "b"), Durability.STRICT);
            assertThat(strict.durable()).isTrue();
            assertThat(strict.fsyncMicros()).isNotNegative();
            assertThat(strict.firstOffset()).isEqualTo(1);
            // opened with no clean shutdown behind it: the directory is synced before the first acknowledgement
            assertThat(io.operations()).containsExactly("write 00000000000000000000.log", "syncdir t-0",
                    "force 00000000000000000000.log");
            io.clear();
            log.append(LogTest.batch(3, "c"), Durability.STRICT);
            assertThat(io.operations()).containsExactly("write 00000000000000000000.log",
                    "force 00000000000000000000.log");
        }
    }

    @Test
    void theConfiguredDurabilityIsTheDefaultOfAppend() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        try (Log log = open(io, LogConfig.defaults().withDurability(Durability.STRICT), Runnable::run)) {
            io.clear();
            assertThat(log.append(LogTest.batch(1, "a")).durable()).isTrue();
            assertThat(io.operations()).contains("force 00000000000000000000.log");
        }
    }

    @Test
    void appendAsyncReturnsAtOnceAndCompletesWhenTheWriterHasWrittenIt() throws Exception {
        ManualExecutor executor = new ManualExecutor();
        try (Log log = open(FileIO.real(), LogConfig.defaults(), executor)) {
            CompletableFuture<AppendResult> first = log.appendAsync(LogTest.batch(1, "a", "b"), Durability.NONE);
            CompletableFuture<AppendResult> second = log.appendAsync(LogTest.batch(2, "c"), Durability.STRICT);
            assertThat(first).isNotDone();
            assertThat(log.logEndOffset()).isZero();
            assertThat(log.inFlightBytes()).isPositive();
            executor.runAll();
            assertThat(first.get().firstOffset()).isZero();
            assertThat(first.get().durable()).isFalse();
            assertThat(second.get().firstOffset()).isEqualTo(2);
            assertThat(second.get().durable()).isTrue();
            assertThat(log.inFlightBytes()).isZero();
            assertThat(LogTest.values(log.read(0, 1 << 20).batches())).containsExactly("a", "b", "c");
        }
    }

    @Test
    void concurrentStrictAppendsShareFsyncs() throws Exception {
        AtomicInteger forces = new AtomicInteger();
        // A disk whose fsync takes 5 ms, so that writers pile up behind it, as they do on a real disk.
        FileIO slowSync = new ForwardingFileIO(FileIO.real()) {
            @Override
            protected StorageFile wrap(StorageFile file, Path path, OpenMode mode) {
                return new ForwardingStorageFile(file) {
                    @Override
                    public void force(boolean metadata) throws IOException {
                        if (path.toString().endsWith(".log")) {
                            forces.incrementAndGet();
                            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
                        }
                        delegate.force(metadata);
                    }
                };
            }
        };
        int writers = 16;
        int appendsEach = 20;
        ExecutorService io = Executors.newFixedThreadPool(4);
        ExecutorService callers = Executors.newFixedThreadPool(writers);
        try (Log log = open(slowSync, LogConfig.defaults(), io)) {
            CountDownLatch start = new CountDownLatch(1);
            List<java.util.concurrent.Future<List<AppendResult>>> results = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                results.add(callers.submit(() -> {
                    start.await();
                    List<AppendResult> mine = new ArrayList<>();
                    for (int i = 0; i < appendsEach; i++) {
                        mine.add(log.append(LogTest.batch(1, "w" + writer + "-" + i), Durability.STRICT));
                    }
                    return mine;
                }));
            }
            start.countDown();
            long durable = 0;
            for (java.util.concurrent.Future<List<AppendResult>> result : results) {
                for (AppendResult append : result.get(60, TimeUnit.SECONDS)) {
                    assertThat(append.durable()).isTrue();
                    durable++;
                }
            }
            assertThat(durable).isEqualTo((long) writers * appendsEach);
            assertThat(log.logEndOffset()).isEqualTo(durable);
            // Without group commit every append pays its own fsync (320). The bound is loose because
            // this machine has 2 cores for 16 writers; alone the test sees far fewer fsyncs.
            assertThat(forces.get()).as("fsyncs for %d strict appends", durable).isLessThan((int) durable / 2);
        } finally {
            callers.shutdownNow();
            io.shutdownNow();
        }
    }

    @Test
    void anFsyncThatFailsHalfwayThroughAGroupFailsEveryStrictAppendOfItAndTheLog() throws Exception {
        FailingFileIO io = new FailingFileIO();
        ManualExecutor executor = new ManualExecutor();
        Path logDir = dir.resolve("t-0");
        try (Log log = Log.open(io, logDir, LogConfig.defaults(), LoadState.unknown(), System::currentTimeMillis,
                executor)) {
            log.append(LogTest.batch(1, "before"), Durability.STRICT);
            List<CompletableFuture<AppendResult>> group = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                group.add(log.appendAsync(LogTest.batch(2, "g" + i), i == 2 ? Durability.NONE : Durability.STRICT));
            }
            io.failForce(1);
            executor.runAll(); // one group: five written, one fsync, which fails
            for (int i = 0; i < 5; i++) {
                if (i == 2) {
                    assertThat(group.get(i).get().durable()).as("relaxed: acknowledged after the write").isFalse();
                } else {
                    assertThatThrownBy(group.get(i)::get).isInstanceOf(ExecutionException.class)
                            .hasRootCauseMessage("Input/output error (injected) forcing " + logDir.resolve(
                                    "00000000000000000000.log"));
                }
            }
            assertThat(log.isFailed()).isTrue();
            assertThat(log.inFlightBytes()).isZero();
            assertThatThrownBy(() -> log.append(LogTest.batch(3, "after"), Durability.STRICT))
                    .isInstanceOf(IOException.class).hasMessageContaining("refuses writes until it is reopened");
        }
        try (Log log = Log.open(logDir, LogConfig.defaults(), LoadState.unknown())) {
            assertThat(LogTest.values(log.read(0, 1 << 20).batches())).startsWith("before");
            log.append(LogTest.batch(4, "reopened"), Durability.STRICT);
        }
    }

    @Test
    void aFullInFlightBudgetFailsOrBlocksByConfiguration() throws Exception {
        ManualExecutor executor = new ManualExecutor();
        int batchBytes = LogTest.batch(1, "x".repeat(100)).remaining();
        WriteConfig failWhenFull = WriteConfig.defaults().withInFlightBytesMax(2L * batchBytes,
                WriteConfig.WhenFull.FAIL);
        try (Log log = open(FileIO.real(), LogConfig.defaults().withWrite(failWhenFull), executor)) {
            log.appendAsync(LogTest.batch(1, "x".repeat(100)), Durability.NONE);
            log.appendAsync(LogTest.batch(1, "x".repeat(100)), Durability.NONE);
            assertThatThrownBy(() -> log.appendAsync(LogTest.batch(1, "x".repeat(100)), Durability.NONE))
                    .isInstanceOf(AppendRejectedException.class).hasMessageContaining("already in flight");
            executor.runAll();
            assertThat(log.appendAsync(LogTest.batch(1, "x".repeat(100)), Durability.NONE)).isNotNull();
            executor.runAll();
            assertThat(log.logEndOffset()).isEqualTo(3);
        }

        WriteConfig blockWhenFull = WriteConfig.defaults().withInFlightBytesMax(batchBytes, WriteConfig.WhenFull.BLOCK)
                .withBlockTimeoutMs(30_000);
        ManualExecutor blocking = new ManualExecutor();
        try (Log log = Log.open(FileIO.real(), dir.resolve("t-1"), LogConfig.defaults().withWrite(blockWhenFull),
                LoadState.unknown(), System::currentTimeMillis, blocking)) {
            log.appendAsync(LogTest.batch(1, "x".repeat(100)), Durability.NONE);
            CompletableFuture<AppendResult> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    return log.appendAsync(LogTest.batch(1, "x".repeat(100)), Durability.NONE).join();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(blocked).isNotDone();
            while (!blocked.isDone()) { // the blocked appender gets room once the first append is written
                blocking.runAll();
                Thread.onSpinWait();
            }
            assertThat(blocked.get().firstOffset()).isEqualTo(1);
        }

        WriteConfig shortWait = blockWhenFull.withBlockTimeoutMs(20);
        try (Log log = Log.open(FileIO.real(), dir.resolve("t-2"), LogConfig.defaults().withWrite(shortWait),
                LoadState.unknown(), System::currentTimeMillis, new ManualExecutor())) {
            log.appendAsync(LogTest.batch(1, "x".repeat(100)), Durability.NONE);
            assertThatThrownBy(() -> log.appendAsync(LogTest.batch(1, "x".repeat(100)), Durability.NONE))
                    .isInstanceOf(AppendRejectedException.class).hasMessageContaining("waited 20 ms");
        }
    }

    @Test
    void afterATruncationStrictAppendsAreForcedAgainEvenBelowTheOldForcedOffset() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        try (Log log = open(io, LogConfig.defaults(), Runnable::run)) {
            log.append(LogTest.batch(1, "a", "b", "c"), Durability.STRICT);
            log.truncateTo(0);
            io.clear();
            AppendResult again = log.append(LogTest.batch(2, "d"), Durability.STRICT);
            assertThat(again.firstOffset()).isZero();
            assertThat(io.operations()).contains("force 00000000000000000000.log");
        }
    }

    @Test
    void theFlushPolicyForcesRelaxedAppendsAfterSoManyRecords() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        LogConfig config = LogConfig.defaults().withWrite(WriteConfig.defaults().withFlushPolicy(3, -1, -1));
        try (Log log = open(io, config, Runnable::run)) {
            io.clear();
            log.append(LogTest.batch(1, "a"));
            log.append(LogTest.batch(1, "b"));
            assertThat(io.operations()).doesNotContain("force 00000000000000000000.log");
            AppendResult third = log.append(LogTest.batch(1, "c"));
            assertThat(io.operations()).contains("force 00000000000000000000.log");
            assertThat(third.durable()).as("relaxed appends report what they asked for").isFalse();
        }
    }

    @Test
    void closeWritesAppendsThatWereAcceptedButNotYetWritten() throws Exception {
        ManualExecutor executor = new ManualExecutor();
        Path logDir = dir.resolve("t-0");
        CompletableFuture<AppendResult> pending;
        try (Log log = Log.open(FileIO.real(), logDir, LogConfig.defaults(), LoadState.unknown(),
                System::currentTimeMillis, executor)) {
            pending = log.appendAsync(LogTest.batch(1, "queued"), Durability.STRICT);
            assertThat(pending).isNotDone();
        }
        assertThat(pending.get().durable()).isTrue();
        try (Log log = Log.open(logDir, LogConfig.defaults(), LoadState.clean())) {
            assertThat(LogTest.values(log.read(0, 100).batches())).containsExactly("queued");
        }
    }

    @Test
    void metricsCountRecordsBytesFsyncsGroupsAndFailures() throws Exception {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        FailingFileIO io = new FailingFileIO();
        ManualExecutor executor = new ManualExecutor();
        try (Log log = Log.open(io, dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown(),
                System::currentTimeMillis, executor, registry)) {
            int size = LogTest.batch(1, "a", "b").remaining();
            log.append(LogTest.batch(1, "a", "b"), Durability.NONE);
            log.append(LogTest.batch(1, "c"), Durability.STRICT);
            log.appendAsync(LogTest.batch(1, "d"), Durability.NONE);
            log.appendAsync(LogTest.batch(1, "e"), Durability.NONE);
            assertThat(registry.get("spool.log.inflight.bytes").tag("topic", "t").tag("partition", "0").gauge().value()).isPositive();
            executor.runAll();
            assertThat(registry.get("spool.log.appended.records").tag("topic", "t").tag("partition", "0").counter().count()).isEqualTo(5);
            assertThat(registry.get("spool.log.appended.bytes").counter().count())
                    .isGreaterThan(size);
            assertThat(registry.get("spool.log.fsync").timer().count()).isEqualTo(1);
            assertThat(registry.get("spool.log.group.appends").summary().max()).isEqualTo(2);
            assertThat(registry.get("spool.log.inflight.bytes").gauge().value()).isZero();
            io.failForce(1);
            assertThatThrownBy(() -> log.append(LogTest.batch(1, "f"), Durability.STRICT))
                    .isInstanceOf(IOException.class);
            assertThat(registry.get("spool.log.append.failures").counter().count()).isEqualTo(1);
        }
    }

    /**
     * Append latencies are timed only when a registry records them: a log opened on an empty
     * composite registry (the default) skips the clock, and starts timing once a registry is added
     * to the composite.
     */
    @Test
    void appendLatencyIsTimedOnceTheCompositeRegistryRecords() throws Exception {
        io.micrometer.core.instrument.composite.CompositeMeterRegistry composite =
                new io.micrometer.core.instrument.composite.CompositeMeterRegistry();
        try (Log log = Log.open(FileIO.real(), dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown(),
                System::currentTimeMillis, Runnable::run, composite)) {
            log.append(LogTest.batch(1, "untimed"), Durability.NONE);
            io.micrometer.core.instrument.simple.SimpleMeterRegistry simple =
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            composite.add(simple);
            log.append(LogTest.batch(1, "timed"), Durability.NONE);
            log.append(LogTest.batch(1, "strict"), Durability.STRICT);
            assertThat(simple.get("spool.log.append").tag("durability", "none").timer().count()).isEqualTo(1);
            assertThat(simple.get("spool.log.append").tag("durability", "strict").timer().count()).isEqualTo(1);
            assertThat(simple.get("spool.log.append").tag("durability", "none").timer().totalTime(
                    java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
        }
    }

    /**
     * A segment's index files are created at its first flush: forced, and their names made durable
     * by a directory sync after them (a power loss could otherwise keep the bytes and drop the name;
     * found by the crash simulation, docs/durability.md bug 9). Later flushes need no directory sync.
     */
    @Test
    void theFirstFlushOfNewIndexFilesSyncsTheirDirectory() throws Exception {
        RecordingFileIO io = new RecordingFileIO();
        try (Log log = Log.open(io, dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown(),
                System::currentTimeMillis, new ManualExecutor(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
            log.append(LogTest.batch(1, "a"), Durability.NONE);
            io.clear();
            log.flush();
            List<String> ops = io.operations();
            int index = ops.indexOf("force 00000000000000000000.index");
            int timeIndex = ops.indexOf("force 00000000000000000000.timeindex");
            assertThat(index).as("index forced: " + ops).isNotNegative();
            assertThat(timeIndex).isNotNegative();
            assertThat(ops.subList(Math.max(index, timeIndex), ops.size())).contains("syncdir t-0");

            log.append(LogTest.batch(1, "b"), Durability.NONE);
            io.clear();
            log.flush();
            assertThat(io.operations()).as("the names are durable already").doesNotContain("syncdir t-0");
        }
    }

    /** A log reopened on the same registry (a topic recreated in a running server) reports through its own gauge. */
    @Test
    void aReopenedLogReportsInFlightBytesThroughItsOwnGauge() throws Exception {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (Log first = Log.open(FileIO.real(), dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown(),
                System::currentTimeMillis, new ManualExecutor(), registry)) {
            first.append(LogTest.batch(1, "a"), Durability.NONE);
        }
        assertThat(registry.find("spool.log.inflight.bytes").gauge()).as("removed with its log").isNull();
        ManualExecutor executor = new ManualExecutor();
        try (Log second = Log.open(FileIO.real(), dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown(),
                System::currentTimeMillis, executor, registry)) {
            second.appendAsync(LogTest.batch(1, "b"), Durability.NONE);
            assertThat(registry.get("spool.log.inflight.bytes").gauge().value()).as("the new log's bytes in flight")
                    .isPositive();
            executor.runAll();
            assertThat(registry.get("spool.log.appended.records").counter().count()).as("counters keep counting")
                    .isEqualTo(2);
        }
    }

    @Test
    void manyAsyncWritersKeepTheirOwnOrderAndEveryAcknowledgedOffsetHoldsItsRecord() throws Exception {
        int writers = 4;
        int appendsEach = 300;
        ExecutorService io = Executors.newFixedThreadPool(3);
        ExecutorService callers = Executors.newFixedThreadPool(writers);
        LogConfig config = LogConfig.defaults().withSegmentBytes(16 << 10); // rolls inside groups, too
        try (Log log = open(FileIO.real(), config, io)) {
            List<java.util.concurrent.Future<List<CompletableFuture<AppendResult>>>> submitted = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                submitted.add(callers.submit(() -> {
                    List<CompletableFuture<AppendResult>> mine = new ArrayList<>();
                    for (int i = 0; i < appendsEach; i++) {
                        Durability durability = i % 7 == 0 ? Durability.STRICT : Durability.NONE;
                        mine.add(log.appendAsync(LogTest.batch(1, "w" + writer + "-" + i), durability));
                    }
                    return mine;
                }));
            }
            java.util.Map<Long, String> expected = new java.util.HashMap<>();
            for (int w = 0; w < writers; w++) {
                long previous = -1;
                List<CompletableFuture<AppendResult>> mine = submitted.get(w).get(60, TimeUnit.SECONDS);
                for (int i = 0; i < appendsEach; i++) {
                    AppendResult result = mine.get(i).get(60, TimeUnit.SECONDS);
                    assertThat(result.firstOffset()).as("writer %d keeps its order", w).isGreaterThan(previous);
                    assertThat(result.durable()).isEqualTo(i % 7 == 0);
                    previous = result.firstOffset();
                    expected.put(result.firstOffset(), "w" + w + "-" + i);
                }
            }
            assertThat(log.logEndOffset()).isEqualTo((long) writers * appendsEach);
            long offset = 0;
            while (offset < log.logEndOffset()) {
                ReadResult read = log.read(offset, 1 << 20);
                for (dev.spool.log.record.Record record : read.records()) {
                    assertThat(new String(record.valueBytes(), java.nio.charset.StandardCharsets.UTF_8))
                            .isEqualTo(expected.get(record.offset()));
                }
                offset = read.nextOffset(offset);
            }
            assertThat(log.inFlightBytes()).isZero();
        } finally {
            callers.shutdownNow();
            io.shutdownNow();
        }
    }

    @Test
    void aGroupWaitLetsALaterWriterShareTheFsync() throws Exception {
        RecordingFileIO io = new RecordingFileIO();
        LogConfig config = LogConfig.defaults().withWrite(WriteConfig.defaults().withGroupWaitMicros(300_000));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Log log = open(io, config, pool)) {
            io.clear();
            CompletableFuture<AppendResult> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return log.append(LogTest.batch(1, "first"), Durability.STRICT);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, pool);
            while (!io.operations().contains("write 00000000000000000000.log")) {
                Thread.onSpinWait(); // the first append is written and now lingers before its fsync
            }
            AppendResult second = log.append(LogTest.batch(2, "second"), Durability.STRICT);
            assertThat(first.get(10, TimeUnit.SECONDS).durable()).isTrue();
            assertThat(second.durable()).isTrue();
            assertThat(io.operations().stream().filter(op -> op.equals("force 00000000000000000000.log")).count())
                    .as("one fsync for both: %s", io.operations()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aStrictAppendAlsoForcesARolledSegmentWhoseBackgroundFlushHasNotRunYet() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        ManualExecutor rollFlusher = new ManualExecutor();
        try (Log log = open(io, LogConfig.defaults(), rollFlusher)) {
            log.append(LogTest.batch(1, "relaxed, in the segment about to be rolled"), Durability.NONE);
            log.roll(); // its flush is queued, not run
            io.clear();
            log.append(LogTest.batch(2, "strict"), Durability.STRICT);
            assertThat(io.operations()).as("a power loss must not take the rolled tail, and this append with it")
                    .contains("force 00000000000000000000.log", "force 00000000000000000001.log");
        }
    }
}

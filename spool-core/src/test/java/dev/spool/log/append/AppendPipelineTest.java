package dev.spool.log.append;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogTest;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the pipeline completes futures: only after it released its locks (the writer lock, and
 * the sync lock of an fsync round), so a callback may append to the same log and wait for it.
 */
class AppendPipelineTest {
    /** Bounds a wait that only a deadlock would exhaust. */
    private static final long DEADLOCK_WAIT_SECONDS = 10;

    @TempDir
    Path tmp;

    private final ExecutorService other = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopOther() {
        other.shutdownNow();
    }

    /** Runs nothing until the test says so: it decides on which thread the writer drains. */
    static final class ManualExecutor implements java.util.concurrent.Executor {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable task) {
            tasks.add(task);
        }

        private synchronized Runnable next() {
            return tasks.poll();
        }

        void runAll() {
            for (Runnable task; (task = next()) != null; ) {
                task.run();
            }
        }
    }

    private Log open(ManualExecutor executor) throws IOException {
        return Log.open(FileIO.real(), tmp.resolve("t-0"), LogConfig.defaults(), LoadState.unknown(),
                System::currentTimeMillis, executor);
    }

    @Test
    void aStrictAppendsCallbackRunsOutsideTheFsyncRoundSoItCanWaitForAnotherStrictAppend() throws Exception {
        ManualExecutor executor = new ManualExecutor();
        try (Log log = open(executor)) {
            CompletableFuture<AppendResult> first = log.appendAsync(LogTest.batch(1, "a"), Durability.STRICT);
            CompletableFuture<AppendResult> nested = new CompletableFuture<>();
            first.thenRun(() -> {
                // Another thread's strict append needs an fsync round of its own: if this callback ran
                // inside the round that acknowledged the first append, that round could not start.
                Future<AppendResult> second = other.submit(() -> log.append(LogTest.batch(2, "b"), Durability.STRICT));
                try {
                    nested.complete(second.get(DEADLOCK_WAIT_SECONDS, TimeUnit.SECONDS));
                } catch (Exception e) {
                    nested.completeExceptionally(e);
                }
            });
            executor.runAll(); // the writer drains, forces and acknowledges on this thread
            AppendResult second = nested.get(2 * DEADLOCK_WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(second.firstOffset()).isEqualTo(1);
            assertThat(second.durable()).isTrue();
            assertThat(first.join().durable()).isTrue();
        }
    }

    @Test
    void aRelaxedAppendsCallbackMayAppendToTheSameLogAtOnce() throws Exception {
        ManualExecutor executor = new ManualExecutor();
        try (Log log = open(executor)) {
            CompletableFuture<AppendResult> first = log.appendAsync(LogTest.batch(1, "a"), Durability.NONE);
            CompletableFuture<AppendResult> nested = first.thenApply(result -> {
                try {
                    return log.append(LogTest.batch(2, "b"), Durability.NONE);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            executor.runAll();
            assertThat(nested.get(DEADLOCK_WAIT_SECONDS, TimeUnit.SECONDS).firstOffset()).isEqualTo(1);
            assertThat(log.logEndOffset()).isEqualTo(2);
        }
    }

    @Test
    void appendsQueuedAtCloseAreWrittenAndAcknowledgedOnlyAfterTheLogClosed() throws Exception {
        ManualExecutor executor = new ManualExecutor(); // never run: close must write what is queued
        Path dir = tmp.resolve("t-0");
        Log log = open(executor);
        CompletableFuture<AppendResult> relaxed = log.appendAsync(LogTest.batch(1, "a"), Durability.NONE);
        CompletableFuture<AppendResult> strict = log.appendAsync(LogTest.batch(1, "b", "c"), Durability.STRICT);
        List<Boolean> closedWhenAcknowledged = new CopyOnWriteArrayList<>();
        relaxed.whenComplete((result, error) -> closedWhenAcknowledged.add(log.isClosed()));
        strict.whenComplete((result, error) -> closedWhenAcknowledged.add(log.isClosed()));

        log.close();

        assertThat(closedWhenAcknowledged).containsExactly(true, true);
        assertThat(relaxed.join().firstOffset()).isZero();
        assertThat(relaxed.join().durable()).isFalse();
        assertThat(strict.join().lastOffset()).isEqualTo(2);
        assertThat(strict.join().durable()).as("covered by the flush of close").isTrue();
        assertThat(log.inFlightBytes()).isZero();
        try (Log reopened = Log.open(dir, LogConfig.defaults(), LoadState.clean())) {
            assertThat(reopened.logEndOffset()).isEqualTo(3);
        }
    }

    @Test
    void aSynchronousAppendAfterQueuedAsyncAppendsIsWrittenAfterThemNotInLine() throws Exception {
        ManualExecutor executor = new ManualExecutor();
        try (Log log = open(executor)) {
            List<CompletableFuture<AppendResult>> queued = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                queued.add(log.appendAsync(LogTest.batch(i, "async-" + i), Durability.NONE));
            }
            assertThat(queued).noneMatch(CompletableFuture::isDone); // nobody drained yet
            AppendResult sync = log.append(LogTest.batch(9, "sync"), Durability.NONE);
            assertThat(sync.firstOffset()).isEqualTo(3); // the queue went first, on this thread
            for (int i = 0; i < 3; i++) {
                assertThat(queued.get(i).get(DEADLOCK_WAIT_SECONDS, TimeUnit.SECONDS).firstOffset()).isEqualTo(i);
            }
            executor.runAll(); // the scheduled drain finds nothing left
            AppendResult inline = log.append(LogTest.batch(10, "inline"), Durability.NONE);
            assertThat(inline.firstOffset()).isEqualTo(4);
            CompletableFuture<AppendResult> after = log.appendAsync(LogTest.batch(11, "after"), Durability.NONE);
            executor.runAll();
            assertThat(after.get(DEADLOCK_WAIT_SECONDS, TimeUnit.SECONDS).firstOffset()).isEqualTo(5);
            assertThat(log.inFlightBytes()).isZero();
        }
    }

    @Test
    void anInLineStrictAppendIsForcedBeforeItIsAcknowledged() throws Exception {
        ManualExecutor executor = new ManualExecutor();
        try (Log log = open(executor)) {
            AppendResult relaxed = log.append(LogTest.batch(1, "a"), Durability.NONE);
            assertThat(relaxed.durable()).isFalse();
            assertThat(log.recoveryPoint()).isZero();
            AppendResult strict = log.append(LogTest.batch(2, "b"), Durability.STRICT);
            assertThat(strict.durable()).isTrue();
            assertThat(strict.firstOffset()).isEqualTo(1);
            assertThat(log.inFlightBytes()).isZero();
        }
    }
}

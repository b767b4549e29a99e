package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleted segments are renamed {@code .deleted} (with the directory synced) before the deletion
 * returns, and their files removed afterwards on the log's I/O executor; closing the log waits
 * for removals still queued; a removal that fails leaves files that the next open removes.
 */
class SegmentRemovalTest {
    private static final LogConfig CONFIG = LogConfig.defaults().withSegmentBytes(300).withRetentionMs(-1);

    @TempDir
    Path dir;

    /** Runs nothing until told: the background work of the log waits here. */
    private static final class HeldExecutor implements Executor {
        final ArrayDeque<Runnable> held = new ArrayDeque<>();
        boolean rejecting;

        @Override
        public void execute(Runnable task) {
            if (rejecting) {
                throw new RejectedExecutionException("shutting down");
            }
            held.add(task);
        }

        void runAll() {
            while (!held.isEmpty()) {
                held.poll().run();
            }
        }
    }

    private static ByteBuffer batch(int i) {
        BatchBuilder builder = new BatchBuilder(1 << 16);
        builder.tryAppend(1000 + i, ("k" + i).getBytes(StandardCharsets.UTF_8), ("value-" + i).repeat(8)
                .getBytes(StandardCharsets.UTF_8));
        return builder.build();
    }

    private Log openWith(FileIO io, Executor executor) throws IOException {
        Log log = Log.open(io, dir, CONFIG, LoadState.unknown(), System::currentTimeMillis, executor);
        for (int i = 0; i < 20; i++) {
            log.append(batch(i));
        }
        assertThat(log.segmentCount()).isGreaterThan(4);
        return log;
    }

    private List<String> names(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void aDeletedSegmentIsRenamedAtOnceAndItsFilesRemovedOnTheExecutor() throws IOException {
        HeldExecutor executor = new HeldExecutor();
        try (Log log = openWith(FileIO.real(), executor)) {
            executor.runAll(); // the rolled segments' flushes
            long start = log.segments().get(3).baseOffset();
            log.advanceLogStartOffset(start);

            assertThat(names(SegmentFiles.LOG_SUFFIX)).as("gone from the log's names at once")
                    .first().isEqualTo(SegmentFiles.baseName(start) + SegmentFiles.LOG_SUFFIX);
            assertThat(names(SegmentFiles.LOG_SUFFIX + SegmentFiles.DELETED_SUFFIX)).hasSize(3);
            assertThat(log.read(start, 1 << 20).isEmpty()).isFalse();

            executor.runAll();
            assertThat(names(SegmentFiles.DELETED_SUFFIX)).as("removed by the executor").isEmpty();
        }
    }

    @Test
    void closingTheLogWaitsForTheRemovalsQueued() throws Exception {
        Thread[] worker = new Thread[1];
        Executor slow = task -> {
            worker[0] = new Thread(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                task.run();
            });
            worker[0].start();
        };
        Log log = openWith(FileIO.real(), slow);
        log.advanceLogStartOffset(log.segments().get(2).baseOffset());
        log.close();
        assertThat(names(SegmentFiles.DELETED_SUFFIX)).as("removed before close returned").isEmpty();
    }

    @Test
    void closingTheLogRemovesWhatTheExecutorNeverRan() throws IOException {
        HeldExecutor dropping = new HeldExecutor(); // its tasks never run: a pool stopped at once
        Log log = openWith(FileIO.real(), dropping);
        log.advanceLogStartOffset(log.segments().get(2).baseOffset());
        assertThat(names(SegmentFiles.DELETED_SUFFIX)).isNotEmpty();
        log.close();
        assertThat(names(SegmentFiles.DELETED_SUFFIX)).isEmpty();
    }

    @Test
    void anExecutorThatRefusesWorkLeavesTheRemovalInLine() throws IOException {
        HeldExecutor executor = new HeldExecutor();
        try (Log log = openWith(FileIO.real(), executor)) {
            executor.runAll();
            executor.rejecting = true;
            log.advanceLogStartOffset(log.segments().get(2).baseOffset());
            assertThat(names(SegmentFiles.DELETED_SUFFIX)).isEmpty();
            assertThat(names(SegmentFiles.LOG_SUFFIX)).hasSize(log.segmentCount());
        }
    }

    @Test
    void aRemovalThatFailsLeavesItsFilesForTheNextOpenToRemove() throws IOException {
        ForwardingFileIO failingDeletes = new ForwardingFileIO(FileIO.real()) {
            @Override
            public boolean deleteIfExists(Path path) throws IOException {
                if (path.getFileName().toString().endsWith(SegmentFiles.DELETED_SUFFIX)) {
                    throw new IOException("Input/output error");
                }
                return super.deleteIfExists(path);
            }
        };
        long start;
        try (Log log = openWith(failingDeletes, Runnable::run)) {
            start = log.segments().get(2).baseOffset();
            log.advanceLogStartOffset(start);
            assertThat(log.isFailed()).as("a removal's failure does not fail the log").isFalse();
            log.append(batch(99));
        }
        assertThat(names(SegmentFiles.DELETED_SUFFIX)).isNotEmpty();
        try (Log log = Log.open(dir, CONFIG, LoadState.clean())) {
            assertThat(names(SegmentFiles.DELETED_SUFFIX)).isEmpty();
            assertThat(log.logStartOffset()).isEqualTo(start);
            assertThat(log.logEndOffset()).isEqualTo(21);
        }
    }
}

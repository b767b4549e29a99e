package dev.spool.log.segment;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the files of deleted segments off the deleting thread. A deletion is durable once its
 * files are renamed {@code .deleted} and the directory synced ({@link SegmentFiles#retire}); that
 * stays in line, under the set's locks. Removing the renamed files, which frees their pages and
 * blocks, runs on the I/O executor: measured, a disk buffer whose consumer acknowledges 1 KiB
 * items into the next 64 MiB segment paid 90–145 ms per deleted segment on its acknowledging
 * thread, about a microsecond an item, with appends waiting on the writer lock meanwhile. Closing
 * the log finishes the removals left ({@link #finishAll}). A removal that fails is logged and left
 * to recovery, which removes {@code .deleted} files when the log opens again.
 * Thread-safe.
 */
final class SegmentRemovals {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentRemovals.class);

    private final FileIO io;
    private final Executor executor;
    /** Files retired and not yet taken for removal, oldest first. Guarded by this. */
    private final ArrayDeque<List<Path>> queued = new ArrayDeque<>();
    /** Removals under way. Guarded by this. */
    private int running;

    /** @param executor runs the removals; {@code Runnable::run} removes in line */
    SegmentRemovals(FileIO io, Executor executor) {
        this.io = io;
        this.executor = executor;
    }

    /** Retires {@code doomed} in line (durable when this returns), then removes their files on the executor. */
    void delete(Path dir, List<Segment> doomed) throws IOException {
        removeLater(SegmentFiles.retire(io, dir, doomed));
    }

    /** Removes {@code renamed}, files already renamed {@code .deleted} with their directory synced, on the executor. */
    void removeLater(List<Path> renamed) {
        synchronized (this) {
            queued.add(renamed);
        }
        try {
            executor.execute(this::removeNext);
        } catch (RejectedExecutionException stopped) { // the executor is shutting down: remove here
            removeNext();
        }
    }

    /**
     * Removes, on this thread, the files no executor thread has taken yet (an executor may drop
     * its queue: a pool stopped at once), then waits for the removals under way.
     */
    void finishAll() {
        while (removeNext()) {
            // each pass removes one retired segment's files
        }
        synchronized (this) {
            while (running > 0) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Removes the oldest retired files not yet taken; false when none were left (finishAll took them). */
    private boolean removeNext() {
        List<Path> renamed;
        synchronized (this) {
            renamed = queued.poll();
            if (renamed == null) {
                return false;
            }
            running++;
        }
        try {
            removeQuietly(renamed);
        } finally {
            synchronized (this) {
                running--;
                notifyAll();
            }
        }
        return true;
    }

    private void removeQuietly(List<Path> renamed) {
        try {
            SegmentFiles.remove(io, renamed);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not remove the deleted segment files {} ({}); opening the log again removes them",
                    renamed, e.getMessage());
        }
    }
}

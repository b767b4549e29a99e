package dev.spool.log.segment;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes a set's segments with as little as possible on the deleting thread. In line, under the
 * set's locks, the segments' files are only renamed {@code .deleted}. The rest runs on the I/O
 * executor: closing the segments, the directory sync that makes the renames durable (unless the
 * set's next durability point ran it first, {@link DirectorySync}), then removing the renamed files. Measured, each was slow in line: a disk buffer whose consumer
 * acknowledges 1 KiB items into the next 64 MiB segment paid 90–145 ms per deleted segment for the
 * removal (freeing its pages and blocks), and 40–60 ms each for the close and the directory sync,
 * both of which wait for the background fsync of the segment just rolled (the close for the force
 * on its channel, the sync for the file system's journal commit); all of it on the acknowledging
 * thread, with appends waiting on the writer lock meanwhile.
 *
 * <p>Files are removed only after a directory sync made their renames durable. Closing the log
 * finishes the removals left ({@link #finishAll}). A sync or removal that fails on the executor is
 * logged and left: the next durability point syncs again, and recovery removes {@code .deleted}
 * files when the log opens.
 *
 * <p>A log that reuses its segment files ({@code WriteConfig.reuseSegmentFiles}) keeps the
 * {@code .log} of the segment deleted last, renamed and synced, as a spare for the next roll
 * ({@link #takeSpare}) instead of removing it: one at a time, so a newer one replaces it (the newer the
 * file, the likelier its pages are still in memory). Closing the log removes it. Thread-safe.
 */
final class SegmentRemovals {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentRemovals.class);

    private final FileIO io;
    private final DirectorySync directory;
    private final Executor executor;
    /** Segments renamed and not yet taken for removal, oldest first. Guarded by this. */
    private final ArrayDeque<Retired> queued = new ArrayDeque<>();
    /** Removals under way. Guarded by this. */
    private int running;
    /** Whether deletions keep a spare: set by each roll from the log's configuration, cleared by {@link #dropSpare}. */
    private volatile boolean keepSpare;
    /** The kept {@code .log.deleted} file for the next roll, or null. Guarded by this. */
    private Path spare;
    /** Moved by each {@link #dropSpare}: a deletion from before it keeps no spare. Guarded by this. */
    private long spareEpoch;
    /** Whether this log's directory holds the reused-files marker; the writer's only. */
    private boolean marked;

    /** @param executor runs the removals; {@code Runnable::run} removes in line */
    SegmentRemovals(FileIO io, DirectorySync directory, Executor executor) {
        this.io = io;
        this.directory = directory;
        this.executor = executor;
    }

    /**
     * Renames the files of {@code doomed}, taken out of the set, to {@code .deleted} in line; syncs
     * the directory, closes them and removes their files on the executor. The deletion is durable
     * once the directory's next sync has run.
     */
    void delete(List<Segment> doomed) throws IOException {
        List<Path> renamed = SegmentFiles.renameDeleted(io, doomed);
        directory.changed();
        long epoch;
        synchronized (this) {
            epoch = spareEpoch;
        }
        enqueue(new Retired(List.copyOf(doomed), renamed, epoch));
    }

    /** Removes {@code renamed} on the executor: files of closed segments, renamed {@code .deleted} and synced. */
    void removeLater(List<Path> renamed) {
        enqueue(new Retired(List.of(), renamed, -1));
    }

    private void enqueue(Retired retired) {
        synchronized (this) {
            queued.add(retired);
        }
        try {
            executor.execute(this::removeNext);
        } catch (RejectedExecutionException stopped) { // the executor is shutting down: remove here
            removeNext();
        }
    }

    /**
     * For a roll: the spare file to take over as the new segment's, when {@code reuse} (the log's
     * {@code reuseSegmentFiles}) and one is ready, else empty (create a new file); reuse off drops
     * the spare ({@link #dropSpare}). The first time it returns one it marks the directory (and
     * syncs it) as holding reused files, so that recovery reads the old bytes past a reused
     * segment's last batch for what they are (row T5). Writer lock held.
     */
    Optional<Path> takeSpare(boolean reuse) throws IOException {
        if (!reuse) {
            dropSpare();
            return Optional.empty();
        }
        keepSpare = true;
        Path taken;
        synchronized (this) {
            taken = spare;
            spare = null;
        }
        if (taken != null && !marked) {
            Path marker = directory.dir().resolve(SegmentFiles.REUSED_FILES_MARKER);
            if (!io.exists(marker)) {
                io.open(marker, FileIO.OpenMode.CREATE).close();
                io.syncDirectory(directory.dir());
            }
            marked = true;
        }
        return Optional.ofNullable(taken);
    }

    /**
     * Removes the spare and keeps none until the next roll that reuses files, not even from a removal
     * already under way: a truncation may bring the log's offsets back below a deleted segment's, and
     * then its old batches could pass for new ones. Writer lock held.
     */
    void dropSpare() {
        keepSpare = false;
        Path dropped;
        synchronized (this) {
            dropped = spare;
            spare = null;
            spareEpoch++;
        }
        if (dropped != null) {
            removeSpareQuietly(dropped);
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
        Path left;
        synchronized (this) {
            while (running > 0) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            left = spare;
            spare = null;
        }
        if (left != null) {
            removeSpareQuietly(left);
        }
    }

    private void removeSpareQuietly(Path file) {
        try {
            SegmentFiles.remove(io, List.of(file));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not remove the spare segment file {} ({}); opening the log again removes it", file,
                    e.getMessage());
        }
    }

    /** Removes the oldest retired files not yet taken; false when none were left (finishAll took them). */
    private boolean removeNext() {
        Retired retired;
        synchronized (this) {
            retired = queued.poll();
            if (retired == null) {
                return false;
            }
            running++;
        }
        try {
            removeQuietly(retired);
        } finally {
            synchronized (this) {
                running--;
                notifyAll();
            }
        }
        return true;
    }

    private void removeQuietly(Retired retired) {
        SegmentFiles.closeAllQuietly(retired.segments(), "the deleted segments");
        try {
            directory.syncIfChanged();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not sync {} after renaming deleted segment files {} ({}); the files stay until "
                    + "the log opens again", directory.dir(), retired.renamed(), e.getMessage());
            return;
        }
        List<Path> removed = removedKeepingSpare(retired);
        try {
            SegmentFiles.remove(io, removed);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not remove the deleted segment files {} ({}); opening the log again removes them",
                    retired.renamed(), e.getMessage());
        }
    }

    /**
     * The files of {@code retired} to remove: all of them, unless its newest {@code .log} becomes the
     * spare, which then stays and the spare it replaces goes instead.
     */
    private List<Path> removedKeepingSpare(Retired retired) {
        Path kept = keepSpare && !retired.segments().isEmpty() ? newestLog(retired.renamed()) : null;
        if (kept == null) {
            return retired.renamed();
        }
        Path replaced;
        synchronized (this) {
            if (retired.spareEpoch() != spareEpoch) {
                return retired.renamed(); // deleted before a truncation (or reuse turned off): not a spare
            }
            replaced = spare;
            spare = kept;
        }
        List<Path> removed = new ArrayList<>(retired.renamed());
        removed.remove(kept);
        if (replaced != null) {
            removed.add(replaced); // replaced by the newer file
        }
        return removed;
    }

    /** The last {@code .log} file among {@code renamed} (segments are deleted oldest first), or null. */
    private static Path newestLog(List<Path> renamed) {
        Path newest = null;
        for (Path path : renamed) {
            if (path.getFileName().toString().endsWith(SegmentFiles.LOG_SUFFIX + SegmentFiles.DELETED_SUFFIX)) {
                newest = path;
            }
        }
        return newest;
    }

    /**
     * Segments taken out of their set, still to be closed, and their files, renamed {@code .deleted};
     * {@code spareEpoch} as it was at the deletion (-1: files that never make a spare).
     */
    private record Retired(List<Segment> segments, List<Path> renamed, long spareEpoch) {
    }
}

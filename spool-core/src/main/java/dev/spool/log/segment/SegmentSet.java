package dev.spool.log.segment;

import dev.spool.log.LogClosedException;
import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log's segments, in offset order, and the offsets that bound them: the log start, the log
 * end and the recovery point.
 *
 * <h2>Design</h2>
 * The segments sit in a concurrent map by base offset; the last one is the active segment, the only
 * one written. Readers take no lock: they read the map and the volatile offsets, and the end moves
 * only after the bytes below it are written ({@link #append}). Changes run under the log's writer lock.
 *
 * <p>The set's own file lock is held while its files change shape (flush, truncation, deletion,
 * close). Order: the writer lock first, then the file lock; the background flush takes only the
 * file lock, and only after forcing the data without it, so neither appends nor deletions wait for it.
 *
 * <p>A roll hands the segment it closes to the I/O executor, which forces it, then moves the recovery
 * point past it (unless {@code WriteConfig.flushOnRoll} is off): a crash leaves only the segments
 * after it to scan (forcing a 1 GiB segment in line cost 100 x 1 KiB appends 30% of their
 * throughput). Rolls and deletions change the directory; it is synced off the writing thread too,
 * before anything past a change counts as durable ({@link DirectorySync}).
 *
 * <p>The first write-path I/O error fails the set ({@link SetFailure}) until it is reopened or
 * {@link #reload reloaded}; a failed fsync is never retried. A truncation (or reload) is published
 * through a sequence counter, odd while it runs; readers check it and retry. Thread-safe.
 */
public final class SegmentSet {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentSet.class);

    private final FileIO io;
    private final Path dir;
    private final String name;
    private final LongSupplier clockMs;
    private final Executor ioExecutor;
    private final DirectorySync directory;
    private final SegmentRemovals removals;
    private final ReentrantLock fileLock = new ReentrantLock();
    private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    private volatile Segment active;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long recoveryPoint;
    /** Odd while a truncation runs; readers retry when it changed under them. */
    private volatile long truncationSequence;
    /** Counted down when the truncation in progress ends; set before the sequence turns odd. */
    private volatile CountDownLatch truncationDone = new CountDownLatch(0);
    private volatile boolean closed;
    /** The first write-path I/O error: once recorded, the set refuses writes until it is reopened or reloaded. */
    private final SetFailure failure;

    /**
     * A set over {@code loaded} (oldest first, at least one segment), as recovery left them.
     *
     * @param ioExecutor runs the flush of each rolled segment and the removal of deleted segments'
     *                   files; {@code Runnable::run} does both in line
     */
    public SegmentSet(FileIO io, Path dir, List<Segment> loaded, long logStartOffset, long logEndOffset,
                      long recoveryPoint, LongSupplier clockMs, Executor ioExecutor) {
        if (loaded.isEmpty()) {
            throw new IllegalArgumentException("A segment set of " + dir + " needs at least one segment");
        }
        this.io = io;
        this.dir = dir;
        this.name = dir.getFileName().toString();
        this.clockMs = clockMs;
        this.failure = new SetFailure(dir, clockMs);
        this.ioExecutor = ioExecutor;
        this.directory = new DirectorySync(io, dir);
        this.removals = new SegmentRemovals(io, directory, ioExecutor);
        for (Segment segment : loaded) {
            segments.put(segment.baseOffset(), segment);
        }
        this.active = segments.lastEntry().getValue();
        this.logStartOffset = logStartOffset;
        this.logEndOffset = logEndOffset;
        this.recoveryPoint = recoveryPoint;
    }

    public Path dir() {
        return dir;
    }

    /** The directory may hold changes a run that did not shut down cleanly left unsynced: the next durability point syncs it. */
    public void directoryMayBeUnsynced() {
        directory.changed();
    }

    /** The segments by base offset, oldest first: a live view, never modified through it. */
    public NavigableMap<Long, Segment> segments() {
        return segments; // not wrapped: readers look it up on every read
    }

    /** The segment appends go to. */
    public Segment active() {
        return active;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }

    /** Every offset below this is flushed to disk. */
    public long recoveryPoint() {
        return recoveryPoint;
    }

    /** Odd while a truncation runs. */
    public long truncationSequence() {
        return truncationSequence;
    }

    /** Counted down when the truncation in progress (if any) ends. */
    public CountDownLatch truncationDone() {
        return truncationDone;
    }

    public boolean isClosed() {
        return closed;
    }

    public boolean isFailed() {
        return failure.error().isPresent();
    }

    /** The error that failed the set, if one did. */
    public Optional<IOException> failure() {
        return failure.error();
    }

    /** When the set failed, or a {@link #reload} of it last failed, by the log's clock. */
    public long failedAtMs() {
        return failure.atMs();
    }

    /** Bytes of all segments. */
    public long sizeBytes() {
        return segments.values().stream().mapToLong(Segment::sizeBytes).sum();
    }

    /** Throws unless the set takes writes: {@link LogClosedException} once closed, the failure once failed. */
    public void ensureWritable() throws IOException {
        ensureNotClosed();
        failure.ensureNone();
    }

    /** Throws {@link LogClosedException} once the set is closed. */
    public void ensureNotClosed() {
        if (closed) {
            throw new LogClosedException(dir);
        }
    }

    /** Records the first write-path failure; returns the error to throw. */
    public IOException fail(IOException e) {
        return failure.record(e);
    }

    /**
     * Writes {@code count} buffers at the end of {@code segment}, the active one ({@link Segment#append}),
     * then publishes {@code lastOffset + 1} as the log end. Writer lock held.
     */
    public void append(Segment segment, ByteBuffer[] buffers, int count, long lastOffset, long nowMs,
                       int segmentBytesMax) throws IOException {
        try {
            segment.append(buffers, count, lastOffset, nowMs, segmentBytesMax);
        } catch (IOException e) {
            throw fail(e);
        }
        logEndOffset = lastOffset + 1;
    }

    /**
     * Seals the active segment and starts a new one at the log end (in a new file, or a deleted segment's:
     * {@link SegmentRemovals#takeSpare}), anchored at {@code chainAnchor} (null: no chain) in chain format
     * {@code chainVersion}; the old one is flushed by the flush executor. Writer lock held. A failure fails the
     * log; so does an in-line flush's, which is thrown here: the append that rolled must not report success.
     */
    public Segment roll(String reason, LogConfig config, byte[] chainAnchor, short chainVersion) throws IOException {
        Segment old = active;
        long base = logEndOffset;
        Segment created;
        try {
            old.seal();
            if (recoveryPoint >= old.nextOffset()) { // flushed whole: trusted unscanned, and no
                old.forceTrim();                     // flush of it will come to make its trim durable
            }
            Optional<Path> spare = removals.takeSpare(config.write().reuseSegmentFiles());
            created = Segment.create(io, dir, base, config.indexIntervalBytes(), config.segmentIndexBytes(),
                    clockMs.getAsLong(), chainAnchor, chainVersion, spare);
            directory.changed(); // synced before anything in it counts as durable
        } catch (IOException e) {
            throw fail(e);
        }
        segments.put(base, created);
        active = created;
        if (config.write().flushOnRoll()) {
            long sequence = truncationSequence;
            ioExecutor.execute(() -> flushRolled(base, sequence));
        }
        failure.rethrow();
        LOG.debug("Rolled {} by {} at offset {}", name, reason, base);
        return created;
    }

    /**
     * Forces the segments below {@code base} (the ones rolls closed), then moves the recovery point
     * to {@code base} unless a truncation ran since the roll. The data is forced without the file lock
     * (measured: a disk buffer's ack that deleted the segment just rolled waited 40–60 ms for its
     * fsync, holding the writer lock), then the segments still in the set are flushed whole under
     * it (data again, now cheap, and indexes). A failure fails the log.
     */
    private void flushRolled(long base, long sequenceAtRoll) {
        try {
            SegmentFiles.forceDataOfOpen(rolledUnflushed(base)); // a closed set's segments have nothing to force
            fileLock.lock();
            try {
                if (closed || isFailed()) {
                    return;
                }
                directory.syncIfChanged(); // a roll's or deletion's change is durable before the recovery point passes it
                for (Segment segment : rolledUnflushed(base)) {
                    segment.flush();
                }
                if (truncationSequence == sequenceAtRoll) {
                    recoveryPoint = Math.max(recoveryPoint, base);
                }
            } finally {
                fileLock.unlock();
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    private List<Segment> rolledUnflushed(long base) { // from the one just sealed, or the recovery point if further back
        Map.Entry<Long, Segment> from = segments.floorEntry(Math.min(recoveryPoint, base - 1));
        return List.copyOf((from == null ? segments.headMap(base, false)
                : segments.subMap(from.getKey(), true, base, false)).values());
    }

    /**
     * Forces every unflushed segment (data, then indexes) and advances the recovery point to the
     * log end as it was when the flush began. Writer lock held.
     */
    public void flush() throws IOException {
        fileLock.lock();
        try {
            ensureWritable();
            long end = logEndOffset;
            Map.Entry<Long, Segment> from = segments.floorEntry(recoveryPoint);
            Map<Long, Segment> unflushed = from == null ? segments : segments.tailMap(from.getKey(), true);
            try {
                directory.syncIfChanged();
                for (Segment segment : unflushed.values()) {
                    segment.flush();
                }
            } catch (IOException e) {
                throw fail(e); // never retry an fsync: what it failed to write may be gone from the page cache
            }
            recoveryPoint = Math.max(recoveryPoint, end);
        } finally {
            fileLock.unlock();
        }
    }

    /**
     * Forces the data (not the indexes) of every segment that may hold offsets at or after
     * {@code offset}: what a strict append needs. Segments removed meanwhile are skipped. Takes no
     * lock, so the writer keeps writing while it runs.
     *
     * @throws LogClosedException if the set closed before the data was forced
     */
    public void forceDataFrom(long offset) throws IOException {
        // From the recovery point, not just the append's segment: a rolled segment whose background
        // flush has not run yet would otherwise lose its tail in a power loss, and recovery then
        // drops the later segments, an acknowledged append with them.
        ensureNotClosed();
        directory.syncIfChanged(); // no acknowledgement passes an unsynced roll or deletion (DirectorySync)
        Map.Entry<Long, Segment> from = segments.floorEntry(Math.min(offset, recoveryPoint));
        Map<Long, Segment> tail = from == null ? segments : segments.tailMap(from.getKey(), true);
        for (Segment segment : tail.values()) {
            try {
                segment.forceData();
            } catch (ClosedChannelException e) {
                // Deleted by retention or truncation after the write: nothing left to force.
            }
        }
        // A segment closed with the log forces nothing (its file is gone): the data is not known forced.
        ensureNotClosed();
    }

    /** Raises the log start offset (never lowers it). Writer lock held. */
    public void raiseLogStartOffset(long offset) {
        if (offset > logStartOffset) {
            logStartOffset = offset;
        }
    }

    /**
     * Deletes {@code doomed} (the oldest segments, never the active one): they leave the map, so new
     * reads no longer find them, then their files go ({@link SegmentRemovals}). Writer lock held; a failure fails the log.
     */
    public void delete(List<Segment> doomed) throws IOException {
        for (Segment segment : doomed) {
            if (segment == active) {
                throw new IllegalArgumentException("Cannot delete the active segment " + segment);
            }
            segments.remove(segment.baseOffset());
        }
        fileLock.lock();
        try {
            removals.delete(doomed);
        } catch (IOException e) {
            throw fail(e);
        } finally {
            fileLock.unlock();
        }
    }

    /**
     * Replaces {@code old}, adjacent closed segments, with the cleaned segment in {@code swapFile}
     * (compaction's swap, see {@code CleanerFiles}): the old files are renamed {@code .deleted}, the
     * swap file takes the first one's name, its indexes are rebuilt and forced, the map switches to
     * it, and the old files go ({@link SegmentRemovals}). Writer lock held. Returns false, changing
     * nothing but deleting the swap file, when one of {@code old} is no longer in the set.
     */
    public boolean replace(List<Segment> old, Path swapFile, LogConfig config) throws IOException {
        for (Segment segment : old) {
            if (segment == active || segments.get(segment.baseOffset()) != segment) {
                io.deleteIfExists(swapFile);
                io.syncDirectory(dir);
                return false;
            }
        }
        long base = old.get(0).baseOffset();
        fileLock.lock();
        try {
            CleanedSwap.Installed installed = CleanedSwap.install(io, dir, old, swapFile, config, clockMs.getAsLong());
            Segment cleaned = installed.cleaned();
            segments.put(base, cleaned);
            for (Segment segment : old.subList(1, old.size())) {
                segments.remove(segment.baseOffset());
            }
            for (Segment segment : old) {
                segment.close();
            }
            removals.removeLater(installed.renamed());
            return true;
        } catch (IOException e) {
            throw fail(e);
        } finally {
            fileLock.unlock();
        }
    }

    /**
     * Removes every record at or after {@code offset} (with its whole batch) and returns the new log
     * end, the cut forced; the start offset (if the batch holding it went) and the recovery point come
     * down to it. Runs {@code afterCut} once the end is published, before the removed segments' files
     * (and a spare file, whose offsets may come again) go. Writer lock held; {@code offset} is in the log.
     */
    public long truncateTo(long offset, TruncationStep afterCut) throws IOException {
        fileLock.lock();
        CountDownLatch done = beginTruncation();
        try {
            List<Segment> doomed = new ArrayList<>(segments.tailMap(offset, true).values());
            doomed.removeIf(segment -> segment.baseOffset() == segments.firstKey()); // the first stays, cut
            for (Segment segment : doomed) {
                segments.remove(segment.baseOffset());
            }
            Segment last = segments.lastEntry().getValue();
            long newEnd = last.truncateTo(offset);
            active = last;
            if (newEnd < logStartOffset) {
                // The batch holding the start offset began below it and is gone: the log is
                // now empty and starts at its new end (as Kafka's truncateTo does).
                logStartOffset = newEnd;
            }
            logEndOffset = newEnd;
            recoveryPoint = Math.min(recoveryPoint, newEnd);
            afterCut.cut(last, newEnd);
            SegmentFiles.deleteDurably(io, dir, doomed);
            removals.dropSpare(); // a spare's old batches must lie below every offset written from here
            LOG.info("Truncated {} to offset {} (asked {}), removing {} segment(s)", name, newEnd, offset, doomed.size());
            return newEnd;
        } catch (IOException e) {
            throw fail(e);
        } finally {
            endTruncation(done);
            fileLock.unlock();
        }
    }

    /** Publishes a change of the segments as a truncation: readers that overlap it retry. File lock held. */
    private CountDownLatch beginTruncation() {
        CountDownLatch done = new CountDownLatch(1);
        truncationDone = done;
        truncationSequence++;
        return done;
    }

    private void endTruncation(CountDownLatch done) {
        truncationSequence++;
        done.countDown();
    }

    /**
     * Recovers a failed set in place: {@code reloader} runs the log's recovery over the directory
     * (which cuts a torn tail and rebuilds what the failure left unwritten), then its segments
     * replace these, the offsets become the ones it found, the failure is cleared, and
     * {@code afterSwap} runs with the new active segment and log end; the old segments are closed.
     * Readers keep reading the old segments while recovery runs (it changes nothing below their
     * published sizes); the swap is published as a truncation is, so a read that overlaps it
     * retries. If recovery fails, nothing is swapped and the set stays failed, with that error. Writer lock held.
     */
    public void reload(Reloader reloader, TruncationStep afterSwap) throws IOException {
        fileLock.lock(); // no background flush meanwhile
        try {
            ensureNotClosed();
            Reloaded loaded;
            try {
                loaded = reloader.load();
            } catch (IOException | RuntimeException e) {
                failure.reloadFailed(e);
                throw e;
            }
            List<Segment> old = new ArrayList<>(segments.values());
            CountDownLatch done = beginTruncation();
            try {
                segments.clear();
                for (Segment segment : loaded.segments()) {
                    segments.put(segment.baseOffset(), segment);
                }
                active = segments.lastEntry().getValue();
                logStartOffset = loaded.logStartOffset();
                logEndOffset = loaded.logEndOffset();
                recoveryPoint = loaded.recoveryPoint();
                failure.clear();
                afterSwap.cut(active, logEndOffset);
            } finally {
                endTruncation(done);
            }
            SegmentFiles.closeAllQuietly(old, "the replaced segments");
            removals.dropSpare(); // its recovery removed the .deleted files, a spare among them
        } finally {
            fileLock.unlock();
        }
    }

    /**
     * Seals the active segment and flushes everything (unless the set failed), then closes every
     * segment. Later calls do nothing. Writer lock held.
     */
    public void close() throws IOException {
        close(true);
    }

    /** Closes the segments without flushing: for a log being deleted, or after a failure. */
    public void closeWithoutFlush() throws IOException {
        close(false);
    }

    private void close(boolean flush) throws IOException {
        fileLock.lock();
        try {
            if (flush && !closed && !isFailed()) {
                active.seal();
                flush();
            }
            closed = true;
            SegmentFiles.closeAll(segments.values());
        } finally {
            fileLock.unlock();
        }
        removals.finishAll(); // none left behind: a log being deleted loses its directory next
    }
}

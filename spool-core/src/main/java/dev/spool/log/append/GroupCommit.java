package dev.spool.log.append;

import dev.spool.log.Durability;
import dev.spool.log.LogClosedException;
import dev.spool.log.segment.SegmentSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fsync stage of the append pipeline: one fsync shared by every group written while the
 * previous one ran.
 *
 * <h2>Design</h2>
 * A written group that needs an fsync (a {@link Durability#STRICT} append in it, or the flush
 * policy) joins a queue of waiters; whoever finds the sync lock free runs rounds. A round forces
 * everything written so far ({@link SegmentSet#forceDataFrom}, from the recovery point), then
 * settles every waiting group it covered. An fsync covers everything written before it started,
 * so a group an earlier fsync already covered completes without one of its own: that is what lets
 * 64 writers share a handful of fsyncs. The writer lock is not held here, so the next group is
 * written while the fsync runs. A caller runs at most {@link #SYNC_ROUNDS_PER_CALLER} rounds for
 * others, then hands the rest to the log's executor.
 *
 * <p>Futures are completed after the round releases the sync lock, so a callback never runs
 * inside a round (where it would hold up every other strict writer's fsync). A failed fsync fails
 * the log and every group waiting on it; it is never retried. Thread-safe.
 */
final class GroupCommit {
    /** Fsync rounds a caller runs for others before it hands the rest to the executor. */
    static final int SYNC_ROUNDS_PER_CALLER = 2;

    /** How a settled append is told: the pipeline releases its budget and completes its future. */
    interface Settle {
        void acknowledge(PendingAppend append, boolean durable, long fsyncMicros);

        void fail(PendingAppend append, Throwable failure, boolean counted);
    }

    private final SegmentSet segments;
    private final Executor ioExecutor;
    private final long groupWaitMicros;
    private final LogMetrics metrics;
    private final Settle settle;
    private final ReentrantLock syncLock = new ReentrantLock();
    /** Written groups waiting for an fsync, in write order. */
    private final ConcurrentLinkedQueue<SyncWaiter> awaitingSync = new ConcurrentLinkedQueue<>();
    /** Every offset below this is forced; guarded by syncLock. */
    private long syncedOffset;
    /** How long the fsync that moved {@code syncedOffset} took, reported to the groups it covered. */
    private long lastFsyncMicros;

    GroupCommit(SegmentSet segments, Executor ioExecutor, long groupWaitMicros, LogMetrics metrics, Settle settle) {
        this.segments = segments;
        this.ioExecutor = ioExecutor;
        this.groupWaitMicros = groupWaitMicros;
        this.metrics = metrics;
        this.settle = settle;
        this.syncedOffset = segments.logEndOffset();
    }

    /** A written group waiting for an fsync: the offset after its last record, and its strict appends. */
    private record SyncWaiter(long groupEnd, List<PendingAppend> strict) {
    }

    /** Waits for an fsync covering offsets below {@code groupEnd}, then acknowledges {@code strict}. */
    void await(long groupEnd, List<PendingAppend> strict) {
        awaitingSync.add(new SyncWaiter(groupEnd, strict));
        sync(SYNC_ROUNDS_PER_CALLER);
    }

    /**
     * A truncation cut the log to {@code newEnd}: offsets from there on are no longer forced.
     * Returns the strict appends cut before an fsync covered them, to fail once the caller
     * released its locks.
     */
    List<Runnable> truncated(long newEnd) {
        List<Runnable> cut = new ArrayList<>();
        syncLock.lock();
        try {
            syncedOffset = Math.min(syncedOffset, newEnd);
            for (Iterator<SyncWaiter> it = awaitingSync.iterator(); it.hasNext(); ) {
                SyncWaiter waiter = it.next();
                if (waiter.groupEnd > newEnd) { // its records were cut before any fsync covered them
                    it.remove();
                    for (PendingAppend append : waiter.strict) {
                        IOException failure = new IOException("Strict append at offset "
                                + append.placement().firstOffset() + " of " + segments.dir()
                                + " was truncated before it was forced");
                        cut.add(() -> settle.fail(append, failure, false));
                    }
                }
            }
        } finally {
            syncLock.unlock();
        }
        return cut;
    }

    /**
     * Runs fsync rounds while groups await one and nobody else is syncing. Groups that arrive
     * during a round wait for the next. A caller runs at most {@code rounds}; if groups still wait
     * then, the log's executor runs the rest.
     */
    private void sync(int rounds) {
        for (int round = 0; !awaitingSync.isEmpty(); round++) {
            if (round >= rounds) {
                ioExecutor.execute(() -> sync(Integer.MAX_VALUE));
                return;
            }
            if (!syncLock.tryLock()) {
                return; // the holder re-checks the queue after it unlocks: nothing is stranded
            }
            List<Runnable> settled;
            try {
                settled = syncRound();
            } finally {
                syncLock.unlock();
            }
            settled.forEach(Runnable::run);
        }
    }

    /** One fsync round (sync lock held); returns the acknowledgements (or failures) of the groups it settled. */
    private List<Runnable> syncRound() {
        List<Runnable> settled = new ArrayList<>();
        if (awaitingSync.isEmpty()) {
            return settled;
        }
        if (groupWaitMicros > 0) { // linger so that writers arriving now share this fsync
            LockSupport.parkNanos(groupWaitMicros * 1000);
        }
        long target = segments.logEndOffset();
        long fsyncMicros = lastFsyncMicros;
        Throwable failure = null;
        if (syncedOffset < target) {
            try {
                fsyncMicros = forceTo(target);
            } catch (IOException e) {
                failure = segments.fail(e); // never retried: every group waiting now fails with it
            } catch (LogClosedException e) {
                failure = e; // closed without a flush (after a failure): not known to be on disk
            }
        }
        for (Iterator<SyncWaiter> it = awaitingSync.iterator(); it.hasNext(); ) {
            SyncWaiter waiter = it.next();
            if (failure == null && waiter.groupEnd > syncedOffset) {
                continue; // written after this round's target: the next round covers it
            }
            it.remove();
            final Throwable failed = failure;
            final long micros = fsyncMicros;
            for (PendingAppend append : waiter.strict) {
                settled.add(failed == null ? () -> settle.acknowledge(append, true, micros)
                        : () -> settle.fail(append, failed, true));
            }
        }
        return settled;
    }

    /**
     * Makes every offset below {@code target} durable and moves {@code syncedOffset} there; returns
     * the fsync's duration, or the last one's when a flush of the log (closing it, say) already
     * forced all of it.
     */
    private long forceTo(long target) throws IOException {
        if (segments.recoveryPoint() >= target) {
            syncedOffset = target;
            return lastFsyncMicros;
        }
        try {
            long started = System.nanoTime();
            segments.forceDataFrom(syncedOffset);
            lastFsyncMicros = (System.nanoTime() - started) / 1000;
            metrics.fsynced(lastFsyncMicros);
        } catch (LogClosedException e) {
            if (segments.recoveryPoint() < target) {
                throw e;
            } // closed meanwhile, and its flush forced all of it
        }
        syncedOffset = target;
        return lastFsyncMicros;
    }
}

package dev.spool.log;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The two stages of an append, and group commit.
 *
 * <h2>Design</h2>
 * The CPU stage runs on the caller's thread: the batch is encoded (by {@code BatchBuilder}) and
 * validated (sizes, CRC) before it gets here, then it takes its bytes from the in-flight budget
 * (backpressure) and joins a queue. The I/O stage is the log's writer role: whoever holds the
 * log's write lock takes everything queued, up to {@code groupBytesMax}, as one group — assigns
 * offsets, writes it with one gathering write per segment and publishes it — then releases the
 * lock and, if any append in the group asked for {@link Durability#STRICT} (or the flush policy
 * says so), forces the data once for the whole group. While that fsync runs, the next group is
 * already being written: the fsync holds only its own lock. An fsync covers everything written
 * before it started, so a group whose records an earlier fsync already covered completes without
 * one of its own: that is what lets 64 writers share a handful of fsyncs. Futures of relaxed
 * appends complete right after the write, strict ones after the fsync.
 *
 * <p>Who is the writer: a synchronous {@link Log#append} that finds the lock free drains the queue
 * itself (no thread hand-off on the common single-writer path); otherwise a drain task runs on the
 * log's I/O executor. {@code appendAsync} never does I/O on the caller's thread.
 *
 * <p>Failure: a failed write or fsync fails every append of its group with that error and fails
 * the log (it refuses writes until reopened); the fsync is never retried.
 */
final class AppendPipeline {
    private final Log log;
    private final Executor ioExecutor;
    private final WriteConfig config;
    private final ConcurrentLinkedQueue<PendingAppend> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Semaphore inFlightBytes;
    private final ReentrantLock syncLock = new ReentrantLock();
    /** Written groups waiting for an fsync, in write order. */
    private final ConcurrentLinkedQueue<SyncWaiter> awaitingSync = new ConcurrentLinkedQueue<>();
    /** Fsync rounds a caller runs for others before it hands the rest to the executor. */
    private static final int SYNC_ROUNDS_PER_CALLER = 2;
    /** Every offset below this is forced; guarded by syncLock. */
    private long syncedOffset;
    /** How long the fsync that moved {@code syncedOffset} took, reported to the groups it covered. */
    private long lastFsyncMicros;
    /** Records and bytes written since the last fsync, for the flush policy; guarded by the write lock. */
    private long unflushedMessages;
    private long unflushedBytes;

    private final LogMetrics metrics;

    AppendPipeline(Log log, Executor ioExecutor, WriteConfig config, long syncedOffset, LogMetrics metrics) {
        this.log = log;
        this.metrics = metrics;
        this.syncedOffset = syncedOffset;
        this.ioExecutor = ioExecutor;
        this.config = config;
        this.inFlightBytes = new Semaphore((int) config.inFlightBytesMax());
    }

    /** A truncation cut the log to {@code newEnd}: offsets from there on are no longer forced. */
    void truncated(long newEnd) {
        syncLock.lock();
        try {
            syncedOffset = Math.min(syncedOffset, newEnd);
            for (Iterator<SyncWaiter> it = awaitingSync.iterator(); it.hasNext(); ) {
                SyncWaiter waiter = it.next();
                if (waiter.groupEnd > newEnd) { // its records were cut before any fsync covered them
                    it.remove();
                    for (PendingAppend append : waiter.strict) {
                        release(append);
                        append.future.completeExceptionally(new IOException("Strict append at offset "
                                + append.firstOffset + " of " + log.dir() + " was truncated before it was forced"));
                    }
                }
            }
        } finally {
            syncLock.unlock();
        }
    }

    /** Bytes accepted but not yet acknowledged. */
    long inFlightBytes() {
        return config.inFlightBytesMax() - inFlightBytes.availablePermits();
    }

    CompletableFuture<AppendResult> submit(PendingAppend append) throws IOException {
        enqueue(append);
        scheduleDrain();
        return append.future;
    }

    /** Appends and waits; drains on the caller's thread when no other writer is active. */
    AppendResult appendAndWait(PendingAppend append) throws IOException {
        enqueue(append);
        if (log.writeLock().tryLock()) {
            drainLocked();
            if (!queue.isEmpty()) { // the group had no room for everything queued
                scheduleDrain();
            }
        } else {
            scheduleDrain();
        }
        try {
            return append.future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted waiting for an append to " + log.dir());
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private static IOException rethrow(Throwable cause) {
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IOException(cause);
    }

    private void enqueue(PendingAppend append) throws IOException {
        int permits = (int) Math.min(append.sizeBytes, config.inFlightBytesMax());
        boolean admitted;
        if (config.whenFull() == WriteConfig.WhenFull.FAIL) {
            admitted = inFlightBytes.tryAcquire(permits);
        } else {
            try {
                admitted = inFlightBytes.tryAcquire(permits, config.blockTimeoutMs(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("Interrupted waiting for room to append to " + log.dir());
            }
        }
        if (!admitted) {
            throw new AppendRejectedException("Append of " + append.sizeBytes + " bytes to " + log.dir()
                    + " refused: " + inFlightBytes() + " bytes already in flight, maximum "
                    + config.inFlightBytesMax() + (config.whenFull() == WriteConfig.WhenFull.BLOCK
                    ? " (waited " + config.blockTimeoutMs() + " ms)" : ""));
        }
        queue.add(append);
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                ioExecutor.execute(this::drainTask);
            } catch (RuntimeException e) { // a shut-down executor: drain here rather than strand the queue
                drainScheduled.set(false);
                drainTask();
            }
        }
    }

    private void drainTask() {
        drainScheduled.set(false);
        log.writeLock().lock();
        drainLocked();
        if (!queue.isEmpty()) {
            scheduleDrain();
        }
    }

    /** Called with the write lock held; releases it before any fsync. */
    private void drainLocked() {
        List<PendingAppend> group = new ArrayList<>();
        boolean policyFlush = false;
        try {
            long bytes = 0;
            PendingAppend next;
            while ((bytes == 0 || bytes < config.groupBytesMax()) && (next = queue.poll()) != null) {
                group.add(next);
                bytes += next.sizeBytes;
            }
            if (group.isEmpty()) {
                return;
            }
            try {
                log.writeGroupLocked(group);
            } catch (IOException | RuntimeException e) {
                fail(group, e);
                return;
            }
            for (PendingAppend append : group) {
                unflushedMessages += append.lastOffset - append.firstOffset + 1;
            }
            metrics.groupAppends.record(group.size());
            unflushedBytes += bytes;
            if ((config.flushMessages() > 0 && unflushedMessages >= config.flushMessages())
                    || (config.flushBytes() > 0 && unflushedBytes >= config.flushBytes())) {
                policyFlush = true;
                unflushedMessages = 0;
                unflushedBytes = 0;
            }
        } finally {
            log.writeLock().unlock();
        }
        if (!group.isEmpty()) {
            complete(group, policyFlush);
        }
    }

    /** Acknowledges a written group: relaxed appends at once, strict ones after one shared fsync. */
    private void complete(List<PendingAppend> group, boolean policyFlush) {
        List<PendingAppend> strict = new ArrayList<>();
        for (PendingAppend append : group) {
            if (append.durability == Durability.STRICT) {
                strict.add(append);
            } else {
                acknowledge(append, false, 0L);
            }
        }
        if (strict.isEmpty() && !policyFlush) {
            return;
        }
        awaitingSync.add(new SyncWaiter(group.get(group.size() - 1).lastOffset + 1, strict));
        sync(SYNC_ROUNDS_PER_CALLER);
    }

    /**
     * Runs fsync rounds while groups await one and nobody else is syncing: each round forces
     * everything written so far, then acknowledges every waiting group it covered, all at once.
     * Groups that arrive during a round wait for the next, so one fsync serves all the writers
     * that wrote while the previous one ran. A caller runs at most {@code rounds}; if groups still
     * wait then, the log's executor runs the rest.
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
            try {
                syncRound();
            } finally {
                syncLock.unlock();
            }
        }
    }

    private void syncRound() {
        if (awaitingSync.isEmpty()) {
            return;
        }
        if (config.groupWaitMicros() > 0) { // linger so that writers arriving now share this fsync
            java.util.concurrent.locks.LockSupport.parkNanos(config.groupWaitMicros() * 1000);
        }
        long target = log.logEndOffset();
        long fsyncMicros = lastFsyncMicros;
        IOException failure = null;
        if (syncedOffset < target) {
            try {
                long started = System.nanoTime();
                log.forceDataFrom(syncedOffset);
                fsyncMicros = (System.nanoTime() - started) / 1000;
                metrics.fsynced(fsyncMicros);
                lastFsyncMicros = fsyncMicros;
                syncedOffset = target;
            } catch (IOException e) {
                failure = log.fail(e); // never retried: every group waiting now fails with it
            }
        }
        for (Iterator<SyncWaiter> it = awaitingSync.iterator(); it.hasNext(); ) {
            SyncWaiter waiter = it.next();
            if (failure == null && waiter.groupEnd > syncedOffset) {
                continue; // written after this round's target: the next round covers it
            }
            it.remove();
            for (PendingAppend append : waiter.strict) {
                if (failure == null) {
                    acknowledge(append, true, fsyncMicros);
                } else {
                    release(append);
                    metrics.failures.increment();
                    append.future.completeExceptionally(failure);
                }
            }
        }
    }

    /** A written group waiting for an fsync: the offset after its last record, and its strict appends. */
    private record SyncWaiter(long groupEnd, List<PendingAppend> strict) {
    }

    private void acknowledge(PendingAppend append, boolean durable, long fsyncMicros) {
        release(append);
        metrics.appendedRecords.increment(append.lastOffset - append.firstOffset + 1);
        metrics.appendedBytes.increment(append.sizeBytes);
        append.future.complete(append.result(durable, fsyncMicros));
    }

    private void fail(List<PendingAppend> group, Throwable e) {
        Throwable failure = e instanceof IOException io ? log.fail(io) : e;
        for (PendingAppend append : group) {
            release(append);
            metrics.failures.increment();
            append.future.completeExceptionally(failure);
        }
    }

    private void release(PendingAppend append) {
        inFlightBytes.release((int) Math.min(append.sizeBytes, config.inFlightBytesMax()));
    }

    /** Writes whatever is queued now (used by flush and close, under the write lock). */
    void drainQueuedLocked() {
        // drainLocked releases the lock; take it again for each group so the caller's hold count is kept.
        while (!queue.isEmpty()) {
            log.writeLock().lock();
            drainLocked();
        }
    }
}

package dev.spool.log.append;

import dev.spool.log.AppendRejectedException;
import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.LogConfig;
import dev.spool.log.WriteConfig;
import dev.spool.log.segment.Segment;
import dev.spool.log.segment.SegmentSet;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The two stages of an append, and the log's writer lock.
 *
 * <h2>Design</h2>
 * The CPU stage runs on the caller's thread: the batch is encoded (by {@code BatchBuilder}) and
 * validated (sizes, CRC, {@link PendingAppend#validated}) before it gets here, then it takes its
 * bytes from the in-flight budget (backpressure) and joins a queue. The I/O stage is the writer
 * role: whoever holds the writer lock takes everything queued, up to {@code groupBytesMax}, as one
 * group, has the {@link Sequencer} place it run by run, writes each run with one gathering write
 * and publishes the new end ({@link SegmentSet#append}), then releases the lock. Relaxed appends
 * are acknowledged then; if any append in the group asked for {@link Durability#STRICT} (or the
 * flush policy says so), the group waits for one fsync shared with every group written meanwhile
 * ({@link GroupCommit}), and strict appends are acknowledged after it. While that fsync runs, the
 * next group is already being written.
 *
 * <p>The pipeline owns the writer lock: it takes and releases it itself, and the log's other
 * writes (flush, retention, truncation, roll, reconfiguration, close) run under it through
 * {@link #exclusive}. Futures complete only after the locks are released (the writer lock, and the
 * sync lock of an fsync round), so a caller's callback never runs inside the writer or an fsync
 * round and may append again at once.
 *
 * <p>Who is the writer: a synchronous {@link dev.spool.log.Log#append} that finds the lock free and
 * the queue empty writes its append in line, a group of one, and acknowledges it without a queue
 * node or a future (the common single-writer path: one lock, a look at the budget, the write);
 * one that finds appends queued drains them itself; otherwise a drain task runs on the log's I/O
 * executor. {@code appendAsync} never does I/O on the caller's thread.
 *
 * <p>Failure: a failed write or fsync fails every append of its group with that error and fails
 * the log (it refuses writes until reopened or recovered); the fsync is never retried. Before
 * each group the writer runs the log's {@link BeforeWrite} hook, which may recover a failed log
 * in place (the log decides when). Thread-safe.
 */
public final class AppendPipeline {
    private final SegmentSet segments;
    private final Sequencer sequencer;
    /** The log's settings; read once per group, under the writer lock, which reconfiguration takes. */
    private final Supplier<LogConfig> logConfig;
    private final LongSupplier clockMs;
    private final Executor ioExecutor;
    private final WriteConfig config;
    private final ReentrantLock writerLock = new ReentrantLock();
    /** The one buffer of an in-line append, reused; guarded by the writer lock. */
    private final ByteBuffer[] inline = new ByteBuffer[1];
    /** Acknowledgements to run once the writer lock is released; guarded by it. */
    private final List<Runnable> afterUnlock = new ArrayList<>();
    private final ConcurrentLinkedQueue<PendingAppend> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Semaphore inFlightBytes;
    /** Records and bytes written since the last fsync, for the flush policy; guarded by the writer lock. */
    private long unflushedMessages;
    private long unflushedBytes;
    private final LogMetrics metrics;
    private final GroupCommit groupCommit;
    private final BeforeWrite beforeWrite;

    /** Run by the writer before each group, under the writer lock: where a failed log may recover. */
    public interface BeforeWrite {
        void run();
    }

    /**
     * @param logConfig     the log's current settings (the write settings never change while it runs)
     * @param ioExecutor    runs drains of queued appends and fsync rounds callers hand off
     * @param meterRegistry where the append path's meters go ({@link LogMetrics})
     * @param beforeWrite   run by the writer before each group
     */
    public AppendPipeline(SegmentSet segments, Sequencer sequencer, Supplier<LogConfig> logConfig,
                          LongSupplier clockMs, Executor ioExecutor, MeterRegistry meterRegistry,
                          BeforeWrite beforeWrite) {
        this.beforeWrite = beforeWrite;
        this.segments = segments;
        this.sequencer = sequencer;
        this.logConfig = logConfig;
        this.clockMs = clockMs;
        this.ioExecutor = ioExecutor;
        this.config = logConfig.get().write();
        this.inFlightBytes = new Semaphore((int) config.inFlightBytesMax());
        this.metrics = new LogMetrics(meterRegistry, segments, this);
        this.groupCommit = new GroupCommit(segments, ioExecutor, config.groupWaitMicros(), metrics,
                new GroupCommit.Settle() {
                    @Override
                    public void acknowledge(PendingAppend append, boolean durable, long fsyncMicros) {
                        AppendPipeline.this.acknowledge(append, durable, fsyncMicros);
                    }

                    @Override
                    public void fail(PendingAppend append, Throwable failure, boolean counted) {
                        failAppend(append, failure, counted);
                    }
                });
    }

    /** Whether appends' latencies are measured: only when a registry records them ({@link LogMetrics#recording}). */
    public boolean timesAppends() {
        return metrics.recording();
    }

    /** Work done under the writer lock. */
    public interface Locked<T> {
        T run() throws IOException;
    }

    /** Runs {@code action} holding the writer lock: no append is written meanwhile. */
    public <T> T exclusive(Locked<T> action) throws IOException {
        writerLock.lock();
        try {
            return action.run();
        } finally {
            unlockWriter();
        }
    }

    /** As {@link #exclusive(Locked)}, for work that does no I/O. */
    public <T> T exclusiveUnchecked(Supplier<T> action) {
        writerLock.lock();
        try {
            return action.get();
        } finally {
            unlockWriter();
        }
    }

    /**
     * Writes every append queued now, then runs {@code closeAction}, under the writer lock; the
     * appends are acknowledged (or failed) once the lock is released. For closing the log: appends
     * already accepted are written (or failed), not dropped.
     */
    public void drainThen(Locked<Void> closeAction) throws IOException {
        writerLock.lock();
        try {
            for (Runnable written; (written = writeNextGroup()) != null; ) {
                afterUnlock.add(written);
            }
            closeAction.run();
        } finally {
            unlockWriter();
        }
    }

    /** Releases the writer lock; the last release runs the acknowledgements collected under it. */
    private void unlockWriter() {
        if (writerLock.getHoldCount() > 1 || afterUnlock.isEmpty()) {
            writerLock.unlock();
            return;
        }
        List<Runnable> ready = new ArrayList<>(afterUnlock);
        afterUnlock.clear();
        writerLock.unlock();
        ready.forEach(Runnable::run);
    }

    /**
     * A truncation cut the log to {@code newEnd} (writer lock held): offsets from there on are no
     * longer forced, and strict appends cut before an fsync covered them fail once the lock is released.
     */
    public void truncated(long newEnd) {
        afterUnlock.addAll(groupCommit.truncated(newEnd));
    }

    /** Unregisters the meters bound to this log instance (see {@link LogMetrics#close}). */
    public void closeMeters() {
        metrics.close();
    }

    /** Bytes accepted but not yet acknowledged. */
    public long inFlightBytes() {
        return config.inFlightBytesMax() - inFlightBytes.availablePermits();
    }

    /** Queues {@code append} for the writer; the future completes when it is acknowledged. */
    public CompletableFuture<AppendResult> submit(PendingAppend append) throws IOException {
        append.digestContents(sequencer.contentDigestedByCallers()); // the chain's CPU stage (Sequencer)
        CompletableFuture<AppendResult> future = append.awaitable();
        enqueue(append);
        scheduleDrain();
        return future;
    }

    /**
     * Appends and waits. When the writer lock is free, nothing is queued and the budget has room
     * (the common single-writer case), the append is written and acknowledged in line: no queue
     * node, no future, no hand-off. Otherwise it joins the queue, and the caller drains it itself
     * when no other writer is active.
     */
    public AppendResult appendAndWait(PendingAppend append) throws IOException {
        append.digestContents(sequencer.contentDigestedByCallers()); // the chain's CPU stage (Sequencer)
        if (queue.isEmpty() && writerLock.tryLock()) {
            // Queue empty under the lock: every append queued before this one is written, so
            // writing this one now keeps the order.
            if (queue.isEmpty() && admittedInline(append)) {
                return writeInline(append);
            }
            unlockWriter();
        }
        CompletableFuture<AppendResult> future = append.awaitable();
        enqueue(append);
        if (writerLock.tryLock()) {
            drainAndUnlock();
            if (!queue.isEmpty()) { // the group had no room for everything queued
                scheduleDrain();
            }
        } else {
            scheduleDrain();
        }
        return await(future);
    }

    /**
     * Whether the budget admits {@code append} on the in-line path. A relaxed append is written
     * and acknowledged before the call returns, holding no memory of the log's meanwhile, so it
     * only needs the room to be there; a strict one waits for an fsync after the lock is released,
     * so it takes its bytes as a queued append does.
     */
    private boolean admittedInline(PendingAppend append) {
        if (append.durability != Durability.STRICT) {
            return inFlightBytes.availablePermits() >= permits(append);
        }
        return inFlightBytes.tryAcquire(permits(append));
    }

    /**
     * The in-line path (writer lock held, budget admitted): writes {@code append} as a group of one,
     * releases the lock, then acknowledges it; a strict append, or one that makes the flush policy
     * due, waits for a shared fsync as a queued one would.
     */
    private AppendResult writeInline(PendingAppend append) throws IOException {
        boolean policyFlush;
        try {
            try {
                beforeWrite.run();
                segments.ensureWritable();
                long now = clockMs.getAsLong();
                LogConfig current = logConfig.get();
                Segment segment = sequencer.placeOne(append, current, now);
                ByteBuffer[] pieces = append.pieces();
                if (pieces != null) {
                    segments.append(segment, pieces, pieces.length, append.placement().lastOffset(), now,
                            current.segmentBytes());
                } else {
                    inline[0] = append.batches;
                    try {
                        segments.append(segment, inline, 1, append.placement().lastOffset(), now,
                                current.segmentBytes());
                    } finally {
                        inline[0] = null; // the caller's buffer is theirs again
                    }
                }
            } catch (IOException | RuntimeException e) {
                Throwable failure = e instanceof IOException io ? segments.fail(io) : e;
                if (append.durability == Durability.STRICT) {
                    release(append);
                }
                metrics.failures.increment();
                throw rethrow(failure);
            }
            metrics.groupAppends.record(1);
            policyFlush = flushPolicyDue(append.recordCount(), append.sizeBytes);
        } finally {
            unlockWriter();
        }
        if (append.durability != Durability.STRICT) {
            AppendResult result = counted(append, false, 0L);
            if (policyFlush) {
                groupCommit.await(append.placement().lastOffset() + 1, List.of());
            }
            return result;
        }
        CompletableFuture<AppendResult> future = append.awaitable();
        groupCommit.await(append.placement().lastOffset() + 1, List.of(append));
        return await(future);
    }

    private AppendResult await(CompletableFuture<AppendResult> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted waiting for an append to " + segments.dir());
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

    /** The budget an append takes while in flight: its size, at most the whole budget. */
    private int permits(PendingAppend append) {
        return (int) Math.min(append.sizeBytes, config.inFlightBytesMax());
    }

    private void enqueue(PendingAppend append) throws IOException {
        int permits = permits(append);
        boolean admitted;
        if (config.whenFull() == WriteConfig.WhenFull.FAIL) {
            admitted = inFlightBytes.tryAcquire(permits);
        } else {
            try {
                admitted = inFlightBytes.tryAcquire(permits, config.blockTimeoutMs(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("Interrupted waiting for room to append to " + segments.dir());
            }
        }
        if (!admitted) {
            throw new AppendRejectedException("Append of " + append.sizeBytes + " bytes to " + segments.dir()
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
        writerLock.lock();
        drainAndUnlock();
        if (!queue.isEmpty()) {
            scheduleDrain();
        }
    }

    /** Called with the writer lock held: writes one group, releases the lock, then acknowledges the group. */
    private void drainAndUnlock() {
        Runnable written;
        try {
            written = writeNextGroup();
        } finally {
            unlockWriter();
        }
        if (written != null) {
            written.run();
        }
    }

    /**
     * Writes the next group from the queue (writer lock held). Returns what acknowledges (or fails)
     * it, to run once the lock is released; null when the queue was empty.
     */
    private Runnable writeNextGroup() {
        List<PendingAppend> group = new ArrayList<>();
        long bytes = 0;
        PendingAppend next;
        while ((bytes == 0 || bytes < config.groupBytesMax()) && (next = queue.poll()) != null) {
            group.add(next);
            bytes += next.sizeBytes;
        }
        if (group.isEmpty()) {
            return null;
        }
        try {
            writeGroup(group);
        } catch (IOException | RuntimeException e) {
            Throwable failure = e instanceof IOException io ? segments.fail(io) : e;
            return () -> group.forEach(append -> failAppend(append, failure, true));
        }
        metrics.groupAppends.record(group.size());
        long records = 0;
        for (PendingAppend append : group) {
            records += append.recordCount();
        }
        boolean policyFlush = flushPolicyDue(records, bytes);
        return () -> complete(group, policyFlush);
    }

    /**
     * The I/O stage of a group (writer lock held): the sequencer places each run of appends that
     * share a segment, rolling between runs as needed; each run is written with one gathering
     * write and the new log end published.
     */
    private void writeGroup(List<PendingAppend> group) throws IOException {
        beforeWrite.run();
        segments.ensureWritable();
        final LogConfig current = logConfig.get();
        long now = clockMs.getAsLong();
        for (int i = 0; i < group.size(); ) {
            Sequencer.Run run = sequencer.place(group, i, current, now);
            segments.append(run.segment(), run.buffers(), run.bufferCount(), run.lastOffset(), now,
                    current.segmentBytes());
            for (int k = 0; k < run.count(); k++) {
                group.get(run.from() + k).placed(run.placements()[k]);
            }
            i = run.end();
        }
    }

    /** Counts a written group for the flush policy (writer lock held); whether it asks for an fsync now. */
    private boolean flushPolicyDue(long records, long bytes) {
        unflushedMessages += records;
        unflushedBytes += bytes;
        if ((config.flushMessages() > 0 && unflushedMessages >= config.flushMessages())
                || (config.flushBytes() > 0 && unflushedBytes >= config.flushBytes())) {
            unflushedMessages = 0;
            unflushedBytes = 0;
            return true;
        }
        return false;
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
        groupCommit.await(group.get(group.size() - 1).placement().lastOffset() + 1, strict);
    }

    private void acknowledge(PendingAppend append, boolean durable, long fsyncMicros) {
        append.awaitable().complete(settled(append, durable, fsyncMicros));
    }

    /** Releases an acknowledged append's budget and counts it; returns its result. */
    private AppendResult settled(PendingAppend append, boolean durable, long fsyncMicros) {
        release(append);
        return counted(append, durable, fsyncMicros);
    }

    /** Counts an acknowledged append in the meters; returns its result. */
    private AppendResult counted(PendingAppend append, boolean durable, long fsyncMicros) {
        metrics.appendedRecords.increment(append.recordCount());
        metrics.appendedBytes.increment(append.sizeBytes);
        if (append.acceptedNanos != PendingAppend.UNTIMED) {
            metrics.acknowledged(append.durability, System.nanoTime() - append.acceptedNanos);
        }
        return append.result(durable, fsyncMicros);
    }

    /** Fails {@code append}; {@code counted} when the failure is an I/O error the meters count. */
    private void failAppend(PendingAppend append, Throwable failure, boolean counted) {
        release(append);
        if (counted) {
            metrics.failures.increment();
        }
        append.awaitable().completeExceptionally(failure);
    }

    private void release(PendingAppend append) {
        inFlightBytes.release(permits(append));
    }
}

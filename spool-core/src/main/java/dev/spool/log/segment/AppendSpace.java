package dev.spool.log.segment;

import dev.spool.log.io.StorageFile;
import dev.spool.log.io.WriteWindow;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * How appends reach the active segment's file, and the file space allocated ahead of its end.
 *
 * <h2>Design</h2>
 * A write call costs a system call (about a microsecond) whatever its size: for appends of one
 * small record that is most of the append. So appends of at most {@link #MAPPED_APPEND_BYTES_MAX}
 * bytes are stored through a {@link WriteWindow} ({@link StorageFile#mapForWrite}: a memory
 * mapping in production) over space allocated ahead, and cost a memory copy. Larger appends
 * (batched producers) are written with one positional, gathering write: that is one copy too,
 * while a window would add its write faults to it.
 *
 * <p>Written appends allocate nothing ahead, but for a strict writer's (below): zeros ahead of
 * them double the bytes the page cache takes in, and where a page-cache write is slow that is
 * most of an append. Measured side by side on a 2-core KVM guest (page-cache writes of 0.7–2.3
 * GB/s): 1 KiB records in batches of 100 (105 KiB) appended at 2.85–3.03 M records/s without the
 * zeros against 2.09 with them, 100 B records in batches of 1,000 at 15.9–17.4 M against 12.2.
 * What the zeros bought was large page-cache folios for the readers (the page cache keeps a file
 * in folios no larger than the writes that created them): there the 1 KiB batches read back at
 * 7.4 M records/s against 8.4–8.6 with them; on an earlier host with 7.5 GB/s page-cache writes
 * the appends cost nearly the same either way and read back at 0.6 of the speed without them
 * (5.9–6.1 GB/s against 10.0–10.5). Either read is far above what consumers ask of a log.
 *
 * <p>Right after a force (see {@link #writesAfterForce}) every append is written, and whether it
 * allocates depends on how far apart the forces come. Zeros written then reach the disk with the
 * next force, a slower fsync once per chunk; but every later fsync of appends that overwrite those
 * forced zeros has no metadata to commit (the file's size and blocks stay as they are), where an
 * append that grows the file commits both. Measured on ext4 (an fsync after each append,
 * alternated): 1 KiB appends ran 5,260–6,745 fsyncs/s into forced zeros against 3,779–4,276 growing
 * the file, p99 0.2–0.9 ms against 1.4 ms; 64 KiB appends 2,461–3,042 against 2,837–3,428, their
 * p99 7.3 ms against 0.5–1.3 (the chunk's zeros land on one fsync in 32). With group commit the
 * zeros cost more than they save: 64 strict writers of 1 KiB records (about 13 KiB per fsync) ran
 * 72–73 k records/s with them against 76–81 k without, p99 2.3–3.5 ms against 1.7–2.6, where one
 * such writer ran 6.4–6.6 k against 4.9–5.3 k (p50 0.14 against 0.19 ms). So a log whose forces
 * come at most {@value #FORCED_ALLOCATING_BYTES_MAX} bytes apart (smoothed over the last few)
 * allocates ahead, and one forced less often (group commit, strict batches) writes its appends with
 * no zeros ahead.
 *
 * <p>Space is allocated by ordinary writes of zeros, no further than the segment size limit, so
 * the file system hands out the blocks then: a full disk is an {@link IOException} from that write
 * (the append fails, as a failed write always failed it), never a fault while copying into a
 * mapping of a sparse file. An allocation that falls short still serves the appends that fit in
 * what it did allocate: only an append with no room left fails.
 *
 * <p>The allocation reaches from the segment's end to the first {@link #CHUNK_BYTES} boundary of
 * the file at least {@link #AHEAD_BYTES} past the append, written in whole aligned chunks, so 1
 * to 3 MiB of zeros at a time. The alignment is most of the speed of a one-record append.
 * Measured side by side (one record per append, page-cache durability), zeros written in 1 MiB
 * chunks, aligned to 1 MiB or not, ran 1.6 M appends/s of 100 B records and 0.42–0.44 M/s of
 * 1 KiB ones; in 2 MiB chunks aligned to 2 MiB, 3.1–3.4 M/s and 1.5–1.7 M/s. Allocating and
 * mapping 16 MiB at a time changed nothing once aligned. Most likely the page cache then holds the
 * space in huge (2 MiB) folios, so the stores through the mapping fault far less often.
 *
 * <p>The next chunk is allocated on another thread ({@link #AHEAD_EXECUTOR}) while the appends
 * fill the window, so a writer of small records pays for the zeros only when it outruns that
 * thread: a window's appends are then a copy each and nothing more. The zero writes were 40% of
 * the writer's time in one-record 1 KiB appends ({@code perf}: the write of the zeros, its copy,
 * and the file system's per-block work). The other thread writes only past the window, where no
 * append or reader goes, and the writer takes what it wrote (waiting if it still writes,
 * withdrawing it if it has not begun) before it needs that space, and before anything else that
 * touches the file's end: a written append, a trim, a cut, a close. An allocation ahead that the
 * disk refuses is left at that; the writer allocating the same space meets the disk's error
 * itself. Only a segment appended to quickly gets the chunk ahead: one whose last window filled
 * within {@link #HOT_WINDOW_NANOS} (its first window counts from the segment's creation or
 * opening). A segment of slow appends would gain nothing from it, and with thousands of partitions
 * the chunk would hold 2 MiB of disk and page cache each. A window that writes through
 * ({@link WriteWindow.ThroughWrites}: the files tests inject faults into) allocates on the writer
 * only, so those tests see the writes in one order.
 *
 * <p>The zeros past the last batch never reach a reader (reads stop at the published size) and
 * never outlive the segment's time as the active one: {@link #trim} cuts the file to its true size
 * when the segment is sealed (a roll, a clean close), so a closed segment is Kafka's format, its
 * length the end of its last batch. After a crash the zeros are still there; recovery reads "zeros
 * to the end of the file" as space allocated and never written ({@link BatchClassifier}) and cuts
 * it with the torn tail (row T): nothing written is lost with it. A bigger allocation only means
 * more zeros for recovery to cut.
 *
 * <p>Invariants: the segment's size &lt;= {@code allocatedEnd}, the file's size; the window, when
 * open, ends at or before {@code allocatedEnd}. Not thread-safe: the segment's writer only (readers
 * never touch it), except {@link #takeCutSinceForce}, which any thread forcing the file may call.
 */
final class AppendSpace {
    /** The least an allocation reaches past the append that needs it. */
    static final int AHEAD_BYTES = 1 << 20;
    /** Allocations end on, and are written in, chunks aligned to this (the size of a huge page). */
    static final int CHUNK_BYTES = 2 << 20;
    /**
     * Appends up to this size go through the write window; larger ones are written. A window
     * store costs the copy and its write faults; a write costs the copy plus a system call (both
     * pay for the zeros allocated ahead, another copy's worth). Measured side by side with the
     * aligned allocation (then for the window only): batches of 100 records of 100 B (12 KiB) ran
     * 13.9–15.0 M records/s through the window against 9.8–10.0 M written, and batches of 100
     * records of 1 KiB (105 KiB) 1.4–1.8 M through it against 3.2–3.3 M written. 16 KiB also
     * covers a Kafka producer's default batch.
     */
    static final int MAPPED_APPEND_BYTES_MAX = 16 << 10;
    /** Zeros for allocating; read-only, shared by every segment. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(CHUNK_BYTES).asReadOnlyBuffer();

    /**
     * Where chunks are allocated ahead of the window: one thread, shared by every segment,
     * started when there is work and stopped after a few idle seconds.
     */
    static final Executor AHEAD_EXECUTOR = aheadExecutor();
    /** A window filled within this has the next chunk allocated ahead (class comment). */
    static final long HOT_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** The file's size: the segment's bytes plus the zeros allocated after them (the writer's own count). */
    private long allocatedEnd;
    private WriteWindow window;
    /** Where allocations ahead run (see the class comment). */
    private final Executor aheadExecutor;
    /** The allocation ahead of the window, if one was started and not yet taken; the writer's. */
    private Ahead ahead;
    private final LongSupplier nanoClock;
    /** When the current window was mapped (before the first, when this space was created); the writer's. */
    private long windowMappedNanos;
    /**
     * Whether the file was cut since it was last forced: the next force must cover its size.
     * Volatile: the forces that take it run on the flush and fsync threads, outside the writer lock.
     */
    private volatile boolean cutSinceForce;
    /**
     * Appends still to be written (not stored through the window, and with no allocation ahead)
     * after the last force; every append counts. A force
     * write-protects the mapped pages it wrote back, so the next store into one takes a write fault
     * that costs the file system more than a write call: measured side by side, an fsync after each
     * 100-byte append ran at a third of the rate through the window, and 64 strict writers sharing
     * fsyncs at two thirds of their rate with only the first append after each force written. So
     * the {@value #WRITES_AFTER_FORCE} appends after a force are written: a log forced often
     * (strict appends, group commit, a flush per batch) writes them all, and one forced rarely goes
     * through the window (a system call is what a strict append's fsync dwarfs anyway).
     * Volatile: set by the forcing thread; a race with the writer's countdown only moves the switch
     * by an append.
     */
    private volatile int writesAfterForce;
    static final int WRITES_AFTER_FORCE = 1024;
    /** Forces at most this many bytes apart make the appends after them allocate ahead (class comment). */
    static final int FORCED_ALLOCATING_BYTES_MAX = 4 << 10;
    /**
     * Bytes appended since the last force, counted for the first {@value #WRITES_AFTER_FORCE} appends
     * after it. Volatile, as {@link #writesAfterForce}: a lost count only blurs it.
     */
    private volatile long bytesSinceForce;
    /** Bytes appended between forces, smoothed over the last few; none forced yet counts as far apart. */
    private volatile long bytesBetweenForces = Long.MAX_VALUE;

    AppendSpace(long fileSize) {
        this(fileSize, AHEAD_EXECUTOR);
    }

    /** As above, allocating ahead on {@code aheadExecutor}. */
    AppendSpace(long fileSize, Executor aheadExecutor) {
        this(fileSize, aheadExecutor, System::nanoTime);
    }

    /** As above, timing windows with {@code nanoClock}. */
    AppendSpace(long fileSize, Executor aheadExecutor, LongSupplier nanoClock) {
        this.allocatedEnd = fileSize;
        this.aheadExecutor = aheadExecutor;
        this.nanoClock = nanoClock;
        this.windowMappedNanos = nanoClock.getAsLong();
    }

    /**
     * Stores {@code batches} (all of its remaining bytes) at {@code position}, the segment's end;
     * the file may grow to {@code segmentBytesMax} ahead of it. {@code batches} advances to its limit.
     */
    void write(StorageFile file, ByteBuffer batches, long position, int segmentBytesMax) throws IOException {
        int length = batches.remaining();
        boolean forcedRecently = takeForced(length);
        if (length > MAPPED_APPEND_BYTES_MAX || forcedRecently) {
            takeAhead();
            allocateForWrite(file, position, length, segmentBytesMax, forcedRecently);
            file.write(batches, position);
            allocatedEnd = Math.max(allocatedEnd, position + length);
            return;
        }
        windowFor(file, position, length, segmentBytesMax).put(batches, position);
    }

    /** As {@link #write(StorageFile, ByteBuffer, long, int)}, for {@code sources[0, count)} of {@code length} bytes in all. */
    void write(StorageFile file, ByteBuffer[] sources, int count, long length, long position, int segmentBytesMax)
            throws IOException {
        boolean forcedRecently = takeForced(length);
        if (length > MAPPED_APPEND_BYTES_MAX || forcedRecently) {
            takeAhead();
            allocateForWrite(file, position, length, segmentBytesMax, forcedRecently);
            ByteBuffer[] all = count == sources.length ? sources : java.util.Arrays.copyOf(sources, count);
            file.write(all, position);
            allocatedEnd = Math.max(allocatedEnd, position + length);
            return;
        }
        WriteWindow to = windowFor(file, position, (int) length, segmentBytesMax);
        long at = position;
        for (int i = 0; i < count; i++) {
            int bytes = sources[i].remaining();
            to.put(sources[i], at);
            at += bytes;
        }
    }

    /** The window to store {@code [position, position + length)} in, allocating and mapping more space when needed. */
    private WriteWindow windowFor(StorageFile file, long position, int length, int segmentBytesMax)
            throws IOException {
        long end = position + length;
        WriteWindow current = window;
        if (current != null && position >= current.position() && end <= current.position() + current.sizeBytes()) {
            return current;
        }
        closeWindow();
        long target = targetFor(end, segmentBytesMax);
        if (target > allocatedEnd) {
            try {
                allocate(file, target);
            } catch (IOException e) {
                if (end > allocatedEnd) {
                    throw e;
                }
                // Short of the target but with room for this append (a nearly full disk): use what
                // was allocated; the append that finds no room left fails with the disk's error.
            }
        }
        WriteWindow mapped = file.mapForWrite(position, (int) (allocatedEnd - position));
        window = mapped;
        long now = nanoClock.getAsLong();
        boolean hot = now - windowMappedNanos < HOT_WINDOW_NANOS;
        windowMappedNanos = now;
        long aheadTarget = Math.min(Math.min(allocatedEnd + CHUNK_BYTES, Math.max(segmentBytesMax, allocatedEnd)),
                Integer.MAX_VALUE);
        if (hot && !(mapped instanceof WriteWindow.ThroughWrites) && aheadTarget > allocatedEnd) {
            Ahead next = new Ahead(file, allocatedEnd, aheadTarget);
            ahead = next;
            try {
                aheadExecutor.execute(next);
            } catch (RejectedExecutionException e) {
                ahead = null; // the writer allocates it when it needs it, as without this thread
            }
        }
        return mapped;
    }

    /** Where an allocation for an append ending at {@code end} reaches: see the class comment. */
    private static long targetFor(long end, int segmentBytesMax) {
        long ahead = (end + AHEAD_BYTES + CHUNK_BYTES - 1) / CHUNK_BYTES * CHUNK_BYTES;
        return Math.min(Math.max(end, Math.min(ahead, Math.max(segmentBytesMax, end))), Integer.MAX_VALUE);
    }

    /**
     * Before an append is written: allocates ahead as for the window only when the file was forced
     * recently and its forces come close together (a strict writer: class comment). An allocation
     * that fails is left at that: the append's own write decides its fate, and fails with the
     * disk's error if there is no room for it either.
     */
    private void allocateForWrite(StorageFile file, long position, long length, int segmentBytesMax,
                                  boolean forcedRecently) {
        long end = position + length;
        if (!forcedRecently || end <= allocatedEnd || bytesBetweenForces > FORCED_ALLOCATING_BYTES_MAX) {
            return;
        }
        try {
            allocate(file, targetFor(end, segmentBytesMax));
        } catch (IOException noRoomAhead) {
            SegmentLog.LOG.debug("Allocating ahead of an append failed; writing the append alone", noRoomAhead);
        }
    }

    /** Zero-fills the file from {@code allocatedEnd} to {@code target} with ordinary writes. */
    private void allocate(StorageFile file, long target) throws IOException {
        long at = allocatedEnd;
        try {
            while (at < target) {
                at = zeroChunk(file, at, target);
                allocatedEnd = at;
            }
        } catch (IOException e) {
            allocatedEnd = Math.max(allocatedEnd, sizeAfterFailure(file, e));
            throw e;
        }
    }

    /** Writes the zeros from {@code at} to the next chunk boundary or {@code target}; returns where they end. */
    private static long zeroChunk(StorageFile file, long at, long target) throws IOException {
        int chunk = (int) Math.min(CHUNK_BYTES - at % CHUNK_BYTES, target - at);
        file.write(ZEROS.duplicate().limit(chunk), at);
        return at + chunk;
    }

    /** The file's size after {@code failure}: a failed write may still have grown it, and the trim must know how far. */
    private static long sizeAfterFailure(StorageFile file, IOException failure) {
        try {
            return file.size();
        } catch (IOException sizeUnknown) {
            failure.addSuppressed(sizeUnknown);
            return 0;
        }
    }

    /**
     * Takes the allocation ahead into {@link #allocatedEnd}: waits for it if its thread is writing
     * it, withdraws it if that thread has not begun. Called before the writer needs space past the
     * window or touches the file's end in any other way.
     */
    private void takeAhead() {
        Ahead taken = ahead;
        if (taken != null) {
            ahead = null;
            allocatedEnd = Math.max(allocatedEnd, taken.take());
        }
    }

    /** Zeros from {@code from} to {@code target}, written on the ahead executor's thread (class comment). */
    private static final class Ahead implements Runnable {
        private static final int QUEUED = 0;
        private static final int WRITING = 1;
        private static final int DONE = 2;
        private static final int WITHDRAWN = 3;

        private final StorageFile file;
        private final long target;
        private final AtomicInteger state = new AtomicInteger(QUEUED);
        /**
         * How far the zeros reach: where they start until the thread is done, then where they end
         * (the file's size, after a failure); the thread's value is published by the state's DONE.
         */
        private long reached;

        Ahead(StorageFile file, long from, long target) {
            this.file = file;
            this.target = target;
            this.reached = from;
        }

        @Override
        public void run() {
            if (!state.compareAndSet(QUEUED, WRITING)) {
                return;
            }
            long at = reached;
            try {
                while (at < target) {
                    at = zeroChunk(file, at, target);
                }
            } catch (IOException | RuntimeException e) { // a full disk, or a file closed under it
                if (e instanceof IOException io) {
                    at = Math.max(at, sizeAfterFailure(file, io));
                }
                SegmentLog.LOG.debug("Allocating ahead in {} failed; the writer allocates when it needs the space",
                        file.path(), e);
            }
            reached = at;
            synchronized (this) {
                state.set(DONE);
                notifyAll();
            }
        }

        /** Where the zeros reach once this is done or withdrawn (see {@link #takeAhead}). */
        long take() {
            if (state.compareAndSet(QUEUED, WITHDRAWN)) {
                return reached; // where they start: none were written
            }
            boolean interrupted = false;
            synchronized (this) {
                while (state.get() != DONE) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        interrupted = true; // the write is a few milliseconds at most: finish waiting
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return reached;
        }
    }

    private static Executor aheadExecutor() {
        return new ThreadPoolExecutor(0, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
            Thread thread = new Thread(task, "spool-allocate-ahead");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The segment stops being active: cuts the file to {@code sizeBytes}, its true size, when
     * space was allocated past it, and closes the window.
     */
    void trim(StorageFile file, long sizeBytes) throws IOException {
        closeWindow();
        if (allocatedEnd > sizeBytes) {
            file.truncate(sizeBytes);
            allocatedEnd = sizeBytes;
            cutSinceForce = true;
        }
    }

    /** The file was cut to {@code position} (a truncation): the space past it is gone with the window. */
    void cut(long position) {
        closeWindow();
        allocatedEnd = position;
    }

    /** The file was forced: the next appends are written, not stored through the window (see {@link #writesAfterForce}). */
    void forced() {
        writesAfterForce = WRITES_AFTER_FORCE;
        long since = bytesSinceForce;
        if (since > 0) { // a force with nothing appended since the last says nothing of how far apart they come
            long before = bytesBetweenForces;
            // smoothed: group commit covers a varying number of appends, and one small force must not
            // bring the zeros to a log forced far apart (their chunk on a single fsync is its p99)
            bytesBetweenForces = before == Long.MAX_VALUE ? since : (3 * before + since) / 4;
            bytesSinceForce = 0;
        }
    }

    /**
     * Whether an append of {@code length} bytes comes soon after a force; only those count toward
     * {@link #bytesSinceForce} (the appends stored through the window, between rare forces, pay
     * nothing for it: {@value #WRITES_AFTER_FORCE} appends of a batch header each already make
     * more than {@value #FORCED_ALLOCATING_BYTES_MAX} bytes).
     */
    private boolean takeForced(long length) {
        int owed = writesAfterForce;
        if (owed <= 0) {
            return false;
        }
        writesAfterForce = owed - 1;
        bytesSinceForce += length;
        return true;
    }

    /** Whether the next force must cover the file's size (it was trimmed since the last); clears it. */
    boolean takeCutSinceForce() {
        boolean was = cutSinceForce;
        cutSinceForce = false;
        return was;
    }

    /** Releases the window; the file keeps whatever was allocated (recovery or the next trim cuts it). */
    void closeWindow() {
        takeAhead();
        WriteWindow current = window;
        window = null;
        if (current != null) {
            current.close();
        }
    }
}

package dev.spool.queue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room of a {@link DiskBuffer}: the counts its bound applies to ({@code sizeItems},
 * {@code sizeBytes}), the reservation a producer makes before it writes, and every wait on them: a
 * producer for room in the bound or, under {@link WhenFull#BLOCK}, for a disk that refused a write
 * (both woken by {@link #release}, which acknowledgements call), a consumer for a written item.
 *
 * <p><b>Invariant.</b> The counts are the unacknowledged items and their stored bytes plus the items
 * reserved by producers whose write is under way; a reservation is released exactly once, when its
 * write fails or when the item is acknowledged. So concurrent producers cannot overshoot the bound
 * together.
 *
 * <p><b>Threads.</b> Thread-safe: one lock guards the counts and the closed flag, with one condition
 * per kind of waiter. {@link #close()} wakes them all; each then throws {@link BufferClosedException}.
 * The buffer's consumer lock, when held, is taken before this lock.
 */
final class BufferRoom {
    /** Logs under the buffer's name, the class users configure logging for. */
    private static final Logger LOG = LoggerFactory.getLogger(DiskBuffer.class);

    /** A write in the caller's thread that the disk may refuse. */
    interface Write {
        EnqueueResult write() throws IOException;
    }

    private final Path dir;
    private final DiskBufferConfig config;
    private final BufferMetrics metrics;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roomFreed = lock.newCondition();
    private final Condition itemWritten = lock.newCondition();
    private long sizeBytes;
    private long sizeItems;
    private volatile boolean closed;

    BufferRoom(Path dir, DiskBufferConfig config, BufferMetrics metrics) {
        this.dir = dir;
        this.config = config;
        this.metrics = metrics;
    }

    /** Counts the unacknowledged items found when the buffer opens. */
    void restore(long items, long bytes) {
        lock.lock();
        try {
            sizeItems = items;
            sizeBytes = bytes;
        } finally {
            lock.unlock();
        }
    }

    /** Takes room for one item of {@code bytes}; false when the item is to be dropped. */
    boolean reserve(int bytes) throws InterruptedException {
        lock.lock();
        try {
            ensureOpen();
            if (fits(bytes)) {
                add(bytes);
                return true;
            }
            switch (config.whenFull()) {
                case FAIL -> throw new BufferFullException(fullMessage(bytes, ""));
                case DROP_NEWEST -> {
                    metrics.dropped();
                    return false;
                }
                default -> {
                    return awaitRoom(bytes);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean awaitRoom(int bytes) throws InterruptedException {
        long startNanos = System.nanoTime();
        long remainingNanos = TimeUnit.MILLISECONDS.toNanos(config.blockTimeoutMs());
        try {
            while (!fits(bytes)) {
                ensureOpen();
                if (remainingNanos <= 0) {
                    throw new BufferFullException(fullMessage(bytes, " after waiting " + config.blockTimeoutMs()
                            + " ms for room"));
                }
                remainingNanos = roomFreed.awaitNanos(remainingNanos);
            }
            ensureOpen();
            add(bytes);
            return true;
        } finally {
            metrics.blockedFor(System.nanoTime() - startNanos);
        }
    }

    private boolean fits(int bytes) {
        return sizeBytes + bytes <= config.sizeBytesMax()
                && (config.sizeItemsMax() == 0 || sizeItems + 1 <= config.sizeItemsMax());
    }

    private String fullMessage(int bytes, String suffix) {
        return "Disk buffer " + dir + " is full: " + sizeBytes + " of " + config.sizeBytesMax() + " bytes and "
                + sizeItems + " item(s)" + (config.sizeItemsMax() == 0 ? "" : " of " + config.sizeItemsMax())
                + " in use; an item of " + bytes + " bytes does not fit" + suffix;
    }

    private void add(int bytes) {
        sizeBytes += bytes;
        sizeItems++;
    }

    /** Gives back the room of items that were acknowledged or whose write failed, and wakes producers. */
    void release(long items, long bytes) {
        lock.lock();
        try {
            sizeItems -= items;
            sizeBytes -= bytes;
            roomFreed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code write} (an item of {@code bytes}, its room reserved), and while the disk refuses
     * it waits (on {@link #release}, which acknowledgements call, at most
     * {@value DiskBuffer#DISK_RETRY_MS} ms at a time) and tries again, up to the block timeout.
     */
    EnqueueResult writeWaitingForDisk(Write write, int bytes) throws IOException, InterruptedException {
        try {
            return write.write(); // the common case reads no clock: a put's whole cost is a few hundred ns
        } catch (IOException first) {
            metrics.writeFailed();
            return retryUntilWritten(write, bytes, first);
        }
    }

    /**
     * The disk refused {@code write} once ({@code failure}): waits and retries until the block
     * timeout. A put that never waits (a timeout of 0) is not logged or timed as blocked.
     */
    private EnqueueResult retryUntilWritten(Write write, int bytes, IOException failure)
            throws IOException, InterruptedException {
        long startNanos = System.nanoTime();
        long deadline = startNanos + TimeUnit.MILLISECONDS.toNanos(config.blockTimeoutMs());
        boolean waited = false;
        try {
            while (true) {
                lock.lock();
                try {
                    ensureOpen();
                    long remainingNanos = deadline - System.nanoTime();
                    if (remainingNanos <= 0) {
                        throw new BufferWriteException(dir, bytes, " in " + config.blockTimeoutMs()
                                + " ms of waiting for the disk to take writes again", failure);
                    }
                    if (!waited) {
                        LOG.warn("Disk buffer {} cannot write ({}); producers wait for the disk to take writes again",
                                dir, failure.getMessage());
                        waited = true;
                    }
                    roomFreed.awaitNanos(Math.min(remainingNanos,
                            TimeUnit.MILLISECONDS.toNanos(DiskBuffer.DISK_RETRY_MS)));
                } finally {
                    lock.unlock();
                }
                try {
                    return write.write();
                } catch (IOException e) {
                    failure = e;
                    metrics.writeFailed();
                }
            }
        } finally {
            if (waited) {
                metrics.blockedFor(System.nanoTime() - startNanos);
            }
        }
    }

    /** Wakes consumers waiting in {@link #awaitItemWritten}. */
    void signalItemWritten() {
        lock.lock();
        try {
            itemWritten.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits, until {@code deadline} ({@link System#nanoTime()}), for an item to be written when
     * {@code caughtUp} says the consumer has read every item written so far; it is asked under the
     * lock, so a write signalled meanwhile is not missed.
     *
     * @return false when the deadline has passed, true when the consumer should read again
     */
    boolean awaitItemWritten(long deadline, BooleanSupplier caughtUp) throws InterruptedException {
        lock.lock();
        try {
            ensureOpen();
            long remainingNanos = deadline - System.nanoTime();
            if (remainingNanos <= 0) {
                return false;
            }
            if (caughtUp.getAsBoolean()) {
                itemWritten.awaitNanos(remainingNanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    long sizeItems() {
        lock.lock();
        try {
            return sizeItems;
        } finally {
            lock.unlock();
        }
    }

    long sizeBytes() {
        lock.lock();
        try {
            return sizeBytes;
        } finally {
            lock.unlock();
        }
    }

    void ensureOpen() {
        if (closed) {
            throw new BufferClosedException("Disk buffer " + dir + " is closed");
        }
    }

    /** Marks the buffer closed and wakes every waiter; false when it was closed already. */
    boolean close() {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            closed = true;
            roomFreed.signalAll();
            itemWritten.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }
}

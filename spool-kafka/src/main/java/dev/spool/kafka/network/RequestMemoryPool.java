package dev.spool.kafka.network;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes of request frames held by all connections together, bounded (Kafka's
 * {@code queued.max.request.bytes}): a frame's whole length is reserved when its length prefix has
 * been read, before any of its body is kept, and released when its request is done or its
 * connection closes. A connection whose frame does not fit waits, reading nothing, until a release
 * makes room; so however many clients send large frames and stall, the server holds at most
 * {@link #bytesMax()} of them.
 *
 * <p>Invariants: {@code 0 <= reservedBytes() <= bytesMax()} at every moment; a waiter is run at
 * most once per registration, after a release, and then has to ask again (another connection may
 * have taken the room first). Waiters are run outside the lock, on the releasing thread, so a
 * waiter only hands work to its own event loop. Thread-safe.
 */
public final class RequestMemoryPool {
    private static final Logger LOG = LoggerFactory.getLogger(RequestMemoryPool.class);

    private final long bytesMax;
    private final Object lock = new Object();
    private final Set<Runnable> waiters = new LinkedHashSet<>();
    private long reserved;
    private long reservedPeak;

    /**
     * @param bytesMax      most bytes reserved at once
     * @param frameBytesMax the largest frame the server accepts: one such frame must fit, or it
     *                      could never be read
     */
    public RequestMemoryPool(long bytesMax, int frameBytesMax) {
        if (bytesMax < frameBytesMax) {
            throw new IllegalArgumentException("queuedRequestBytesMax (" + bytesMax + ") must be at least the largest "
                    + "request accepted, requestBytesMax (" + frameBytesMax + "), or such a request could never be read");
        }
        this.bytesMax = bytesMax;
    }

    public long bytesMax() {
        return bytesMax;
    }

    /**
     * Reserves {@code bytes} if they fit and returns true; otherwise registers {@code waiter} to
     * be run once after the next release, and returns false. Both in one step, so a release
     * between a failed attempt and the registration cannot be missed.
     */
    boolean reserveOrWait(long bytes, Runnable waiter) {
        if (bytes < 0 || bytes > bytesMax) {
            throw new IllegalArgumentException("Cannot reserve " + bytes + " bytes from a pool of " + bytesMax);
        }
        synchronized (lock) {
            if (reserved + bytes <= bytesMax) {
                reserved += bytes;
                reservedPeak = Math.max(reservedPeak, reserved);
                return true;
            }
            waiters.add(waiter);
            return false;
        }
    }

    /** Returns {@code bytes} reserved earlier, and runs every waiter so that each may ask again. */
    void release(long bytes) {
        List<Runnable> woken;
        synchronized (lock) {
            if (bytes < 0 || bytes > reserved) {
                throw new IllegalStateException("Releasing " + bytes + " bytes but only " + reserved + " are reserved");
            }
            reserved -= bytes;
            if (waiters.isEmpty() || bytes == 0) {
                return;
            }
            woken = new ArrayList<>(waiters);
            waiters.clear();
        }
        for (Runnable waiter : woken) {
            try {
                waiter.run();
            } catch (RuntimeException e) { // one connection's failure must not strand the others
                LOG.warn("A connection waiting for request memory failed to resume: {}", e.toString());
            }
        }
    }

    /** Forgets {@code waiter} (its connection closed while it waited). */
    void cancel(Runnable waiter) {
        synchronized (lock) {
            waiters.remove(waiter);
        }
    }

    /** Bytes reserved now by frames being read, queued or handled. */
    public long reservedBytes() {
        synchronized (lock) {
            return reserved;
        }
    }

    /** The most bytes ever reserved at once. */
    public long reservedBytesPeak() {
        synchronized (lock) {
            return reservedPeak;
        }
    }

    /** Connections waiting for room now. */
    public int waitingCount() {
        synchronized (lock) {
            return waiters.size();
        }
    }
}

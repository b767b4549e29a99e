package dev.spool.log.compaction;

import java.util.concurrent.TimeUnit;

/**
 * Keeps the cleaner's I/O under a rate: after each chunk, waits as long as the bytes so far are
 * ahead of {@code bytesPerSecond} since the throttle started. The cleaner's own thread waits;
 * nothing else waits for it. {@link #stop()} ends a wait at once (the log manager is closing: at
 * a low rate one wait can last seconds), and the thread is never interrupted for it, since an
 * interrupt closes the file channel the thread is using. {@code Long.MAX_VALUE} turns it off.
 * One thread acquires; any thread may stop.
 */
final class Throttle {
    private final long bytesPerSecond;
    private long startNanos = -1L;
    private long bytes;
    /** Guarded by {@code this}. */
    private boolean stopped;

    Throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    void acquire(long count) {
        if (bytesPerSecond == Long.MAX_VALUE) {
            return;
        }
        long now = System.nanoTime();
        if (startNanos < 0) {
            startNanos = now;
        }
        bytes += count;
        long dueNanos = (long) (bytes * 1e9 / bytesPerSecond);
        long aheadNanos = dueNanos - (now - startNanos);
        if (aheadNanos > 1_000_000L) {
            pause(now + aheadNanos);
        }
    }

    /** Ends the wait under way, if any, and every later one at once. */
    synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    private synchronized void pause(long untilNanos) {
        try {
            for (long left = untilNanos - System.nanoTime(); !stopped && left > 0; left = untilNanos - System.nanoTime()) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

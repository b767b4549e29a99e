package dev.spool.log.compaction;

/**
 * Keeps the cleaner's I/O under a rate: after each chunk, sleeps as long as the bytes so far are
 * ahead of {@code bytesPerSecond} since the throttle started. The cleaner's own thread sleeps;
 * nothing waits for it. {@code Long.MAX_VALUE} turns it off. Not thread-safe.
 */
final class Throttle {
    private final long bytesPerSecond;
    private long startNanos = -1L;
    private long bytes;

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
            try {
                Thread.sleep(aheadNanos / 1_000_000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

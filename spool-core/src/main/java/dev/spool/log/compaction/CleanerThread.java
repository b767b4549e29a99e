package dev.spool.log.compaction;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background cleaner: a thread of its own, as Kafka's cleaner threads, that waits
 * {@code backoffMs} (Kafka's {@code log.cleaner.backoff.ms}), runs one round of
 * {@link CompactionManager#cleanOnce} over the compacted logs of the moment, and again, until
 * closed. It waits after every round, not only after one that found nothing to clean as Kafka
 * does: one log per backoff at most, and a log that stays dirty but cannot be cleaned further
 * (its dirty part too young) cannot make it spin.
 *
 * <h2>Why a thread of its own</h2>
 * A round reads and rewrites whole segments at the throttled rate ({@link dev.spool.log.CleanerSettings#ioBytesPerSecond()}):
 * minutes on a large log. On the log manager's shared executor it would hold up the checkpoint,
 * flush and retention tasks, which run one at a time, for as long. Here it holds nothing of
 * theirs; it takes a log's writer lock only for each group's swap.
 *
 * <h2>Closing</h2>
 * {@link #close} stops the cleaner ({@link Cleaner#stop}: a running round gives up at its next
 * batch or throttle wait, a swap under way finishes), ends the wait between rounds, and joins
 * the thread for at most {@code joinMsMax}. The thread is never interrupted: an interrupt closes
 * the file channel it is using, which inside a swap would fail the log. A round still running
 * after the bound (storage stuck) is logged and left to its daemon thread.
 *
 * <p>Thread-safe: started once; {@link #close} from any thread, any number of times.
 */
public final class CleanerThread implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CleanerThread.class);
    /** The thread's name, followed by {@code -} and the data directory's name. */
    public static final String THREAD_NAME = "spool-cleaner";

    private final CompactionManager compaction;
    private final Supplier<List<CompactionManager.Candidate>> candidates;
    private final long backoffMs;
    private final long joinMsMax;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread thread;

    private CleanerThread(String name, CompactionManager compaction,
                          Supplier<List<CompactionManager.Candidate>> candidates, long backoffMs, long joinMsMax) {
        this.compaction = compaction;
        this.candidates = candidates;
        this.backoffMs = backoffMs;
        this.joinMsMax = joinMsMax;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    /**
     * Starts cleaning {@code candidates} (asked again before every round) every {@code backoffMs},
     * on a daemon thread named {@code spool-cleaner-<dataDirName>}.
     */
    public static CleanerThread start(String dataDirName, CompactionManager compaction,
                                      Supplier<List<CompactionManager.Candidate>> candidates, long backoffMs,
                                      long joinMsMax) {
        CleanerThread cleaner = new CleanerThread(THREAD_NAME + "-" + dataDirName, compaction, candidates,
                backoffMs, joinMsMax);
        cleaner.thread.start();
        return cleaner;
    }

    private void run() {
        while (!closingWithin(backoffMs)) {
            try {
                compaction.cleanOnce(candidates.get());
            } catch (IOException | RuntimeException e) {
                if (closing.getCount() == 0) {
                    LOG.info("Cleaning round stopped for closing: {}", e.getMessage());
                    return;
                }
                // The round failed and left its log as before its last group; the next round tries again.
                LOG.error("Background cleaning failed: {}", e.getMessage(), e);
            }
        }
    }

    /** Waits up to {@code ms}; true once closing. */
    private boolean closingWithin(long ms) {
        try {
            return closing.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true; // nobody in Spool interrupts this thread: whoever did wants it gone
        }
    }

    /** Whether the thread is still running (a round past the join bound, or not yet closed). */
    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Stops the running round and the thread; returns once it ended, or after {@code joinMsMax}. */
    @Override
    public void close() {
        closing.countDown();
        compaction.stop();
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(joinMsMax);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("{} did not stop within {} ms (a swap waiting on storage?); closing without it",
                    thread.getName(), joinMsMax);
        }
    }
}

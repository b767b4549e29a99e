package dev.spool.log.catalog;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log manager's background work, on one executor called the <em>I/O executor</em> (threads
 * {@code spool-io-N}): the logs' own I/O (appends queued by {@code appendAsync} or by writers that
 * found the writer busy, fsync rounds, forcing each rolled segment) and the manager's periodic
 * tasks (flush, checkpoint, retention). The compaction cleaner is not one of them: a round can
 * take minutes, so it runs on a thread of its own ({@code dev.spool.log.compaction.CleanerThread})
 * and never delays these.
 *
 * <p>The executor is the manager's own, a pool it stops on {@link #close}, unless the caller
 * supplied one (tests pass an executor they step by hand, to replay thread interleavings from a
 * seed); a supplied executor is the caller's to stop. Periodic tasks need a clock: on the own
 * pool they are scheduled on it; with a supplied executor a single timer thread
 * ({@code spool-io-timer}) runs them, since an executor stepped by hand cannot be relied on to
 * run timed work.
 *
 * <p>Periodic tasks run one at a time (under {@link #periodicLock}), so they take at most one
 * thread from the logs' I/O, and {@link #close} returns only after the one running has finished:
 * no checkpoint is written after the manager's last. A failed task is logged and runs again at
 * its next interval. Thread-safe.
 */
public final class BackgroundTasks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundTasks.class);
    private static final String THREAD_NAME = "spool-io";

    /** One periodic task: its failure is logged, and it runs again at its next interval. */
    public interface Task {
        void run() throws IOException;
    }

    private final Path dataDir;
    private final Executor ioExecutor;
    /** The pool behind {@link #ioExecutor} when it is the manager's own; null when the caller supplied one. */
    private final ScheduledThreadPoolExecutor ownPool;
    /** Where periodic tasks are scheduled: {@link #ownPool}, or a timer started with the first task. */
    private ScheduledExecutorService timer;
    private final List<ScheduledFuture<?>> periodic = new ArrayList<>();
    private final Object periodicLock = new Object();
    private volatile boolean stopped;

    private BackgroundTasks(Path dataDir, Executor ioExecutor, ScheduledThreadPoolExecutor ownPool) {
        this.dataDir = dataDir;
        this.ioExecutor = ioExecutor;
        this.ownPool = ownPool;
        this.timer = ownPool;
    }

    /**
     * The background work of the manager of {@code dataDir}: on {@code supplied} when present,
     * otherwise on a pool of its own of {@code max(4, 2 × cores)} daemon threads.
     */
    public static BackgroundTasks start(Path dataDir, Optional<Executor> supplied) {
        if (supplied.isPresent()) {
            return new BackgroundTasks(dataDir, supplied.get(), null);
        }
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(
                Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), daemon(THREAD_NAME));
        pool.setRemoveOnCancelPolicy(true);
        // A pool's task that throws is only recorded in a future nobody reads: log it, as a plain pool's thread would.
        Executor logging = task -> pool.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.error("Background I/O of {} failed: {}", dataDir, e.getMessage(), e);
                throw e;
            }
        });
        return new BackgroundTasks(dataDir, logging, pool);
    }

    /** The executor the logs run their background I/O on (see {@code Log.open}). */
    public Executor ioExecutor() {
        return ioExecutor;
    }

    /** Runs {@code task} every {@code intervalMs} (from the end of one run to the start of the next); 0: never. */
    public synchronized void every(long intervalMs, String what, Task task) {
        if (intervalMs <= 0 || stopped) {
            return;
        }
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(daemon(THREAD_NAME + "-timer"));
        }
        periodic.add(timer.scheduleWithFixedDelay(() -> runPeriodic(what, task), intervalMs, intervalMs,
                TimeUnit.MILLISECONDS));
    }

    private void runPeriodic(String what, Task task) {
        synchronized (periodicLock) {
            if (stopped) {
                return;
            }
            try {
                task.run();
            } catch (IOException | RuntimeException e) {
                LOG.error("Background {} of {} failed: {}", what, dataDir, e.getMessage(), e);
            }
        }
    }

    /**
     * Stops the periodic tasks and waits for the one running, if any. The I/O executor keeps
     * running: the logs, closed after this, may still hand it work; {@link #close} stops it.
     */
    public void stopPeriodic() {
        synchronized (this) {
            stopped = true;
            periodic.forEach(future -> future.cancel(false));
            if (timer != null && timer != ownPool) {
                timer.shutdown();
            }
        }
        synchronized (periodicLock) {
            // the task that held the lock has finished; later runs see stopped and return at once
        }
    }

    /**
     * Stops the periodic tasks and then the manager's own pool, letting queued I/O finish (the
     * logs are closed by now: what is queued finds nothing left to do). A supplied executor is
     * left running.
     */
    @Override
    public void close() {
        stopPeriodic();
        if (ownPool != null) {
            ownPool.shutdown();
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}

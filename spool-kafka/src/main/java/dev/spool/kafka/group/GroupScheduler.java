package dev.spool.kafka.group;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the coordinator's deadlines: session, rebalance and sync timeouts, and offsets-log compaction.
 * Every task re-checks, under its group's lock, whether it still applies when it runs, so a task
 * that fires late or after its cause went away does nothing. Tests replace this with a scheduler they
 * advance by hand, together with the clock, so timeouts are driven without sleeping.
 */
interface GroupScheduler extends AutoCloseable {

    /** A scheduled task; cancelling one that already ran, or twice, does nothing. */
    interface Timeout {
        void cancel();
    }

    /** Runs {@code task} once, {@code delayMs} from now (at once when not positive). */
    Timeout schedule(long delayMs, Runnable task);

    /** Stops: tasks not yet run never run. */
    @Override
    void close();

    /** The production scheduler: one daemon thread; cancelled tasks leave its queue at once. */
    static GroupScheduler singleThread(String name) {
        return new ThreadScheduler(name);
    }

    /** A {@link ScheduledThreadPoolExecutor} of one thread behind {@link GroupScheduler}. */
    final class ThreadScheduler implements GroupScheduler {
        private static final Logger LOG = LoggerFactory.getLogger(ThreadScheduler.class);
        private static final AtomicInteger INSTANCES = new AtomicInteger();
        private final ScheduledThreadPoolExecutor executor;

        ThreadScheduler(String name) {
            String threadName = name + "-" + INSTANCES.incrementAndGet();
            this.executor = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = Executors.defaultThreadFactory().newThread(runnable);
                thread.setName(threadName);
                thread.setDaemon(true);
                return thread;
            });
            executor.setRemoveOnCancelPolicy(true);
            executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        }

        @Override
        public Timeout schedule(long delayMs, Runnable task) {
            ScheduledFuture<?> future = executor.schedule(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("Group coordinator task failed: {}", e.getMessage(), e);
                }
            }, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
            return () -> future.cancel(false);
        }

        @Override
        public void close() {
            executor.shutdownNow();
            try {
                if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.warn("Group coordinator timer thread did not stop within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

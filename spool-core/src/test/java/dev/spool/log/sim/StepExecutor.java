package dev.spool.log.sim;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * The log manager's background I/O, run on the workload's own thread when the workload says:
 * queued appends, fsync rounds and rolled-segment flushes wait here until {@link #runPending()},
 * so a seed replays the same interleaving of foreground and background work every time, and a
 * crash can land while a background flush is still pending (as it can on a slow disk).
 */
final class StepExecutor implements Executor {
    /** Far more tasks than one step queues; more means a task keeps requeueing itself. */
    private static final int TASKS_PER_RUN_MAX = 100_000;

    private final ArrayDeque<Runnable> pending = new ArrayDeque<>();
    private long tasksRun;

    @Override
    public void execute(Runnable task) {
        pending.add(task);
    }

    /** Runs queued tasks, and the tasks they queue, in order until none is left. */
    void runPending() {
        for (int run = 0; !pending.isEmpty(); run++) {
            if (run >= TASKS_PER_RUN_MAX) {
                throw new IllegalStateException("Background tasks keep queueing more: " + pending.size() + " left");
            }
            pending.poll().run();
            tasksRun++;
        }
    }

    /** Forgets queued tasks: the process that queued them died. */
    void discard() {
        pending.clear();
    }

    int pendingCount() {
        return pending.size();
    }

    long tasksRun() {
        return tasksRun;
    }
}

package dev.spool.kafka.group;

import java.util.PriorityQueue;
import java.util.function.LongSupplier;

/**
 * A {@link GroupScheduler} and clock that move only when a test says so: {@link #advance(long)}
 * runs every task that falls due, in deadline order (ties in scheduling order), with the clock set
 * to each task's deadline while it runs. Tasks run on the calling thread, outside this object's
 * monitor (they take group locks). Safe to schedule from other threads.
 */
final class ManualScheduler implements GroupScheduler {
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long nowMs = 1_700_000_000_000L;
    private long sequence;
    private boolean closed;

    private final class Task implements Comparable<Task>, Timeout {
        final long deadlineMs;
        final long order;
        final Runnable action;
        boolean cancelled;

        Task(long deadlineMs, long order, Runnable action) {
            this.deadlineMs = deadlineMs;
            this.order = order;
            this.action = action;
        }

        @Override
        public int compareTo(Task other) {
            int byDeadline = Long.compare(deadlineMs, other.deadlineMs);
            return byDeadline != 0 ? byDeadline : Long.compare(order, other.order);
        }

        @Override
        public void cancel() {
            synchronized (ManualScheduler.this) {
                cancelled = true;
                tasks.remove(this);
            }
        }
    }

    LongSupplier clock() {
        return this::nowMs;
    }

    synchronized long nowMs() {
        return nowMs;
    }

    @Override
    public synchronized Timeout schedule(long delayMs, Runnable task) {
        Task scheduled = new Task(nowMs + Math.max(0, delayMs), sequence++, task);
        if (!closed) {
            tasks.add(scheduled);
        }
        return scheduled;
    }

    /** Moves the clock {@code ms} forward, running what falls due on the way. */
    void advance(long ms) {
        long target;
        synchronized (this) {
            target = nowMs + ms;
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.deadlineMs > target) {
                    nowMs = target;
                    return;
                }
                tasks.poll();
                nowMs = Math.max(nowMs, next.deadlineMs);
            }
            next.action.run();
        }
    }

    /** Runs the tasks due now (scheduled with no delay). */
    void runDue() {
        advance(0);
    }

    synchronized int pendingTasks() {
        return tasks.size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        tasks.clear();
    }
}

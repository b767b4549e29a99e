package dev.spool.kafka.api;

import dev.spool.log.Log;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Fetches that wait for data (Kafka's long poll: {@code maxWaitMs}, {@code minBytes}) without
 * holding a thread. A waiting fetch is registered with the logs it reads; every append to one of
 * them re-runs its read on the handler executor, and it completes as soon as the read has enough
 * bytes, or with whatever the read finds when its wait runs out. Registration happens before the
 * first re-read, so an append between the caller's first read and the registration still wakes it.
 * Thread-safe.
 */
final class FetchWaiters implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private final Executor executor;
    private final Map<Log, Set<Waiter<?>>> byLog = new ConcurrentHashMap<>();
    private final Set<Waiter<?>> all = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    FetchWaiters(ScheduledExecutorService timer, Executor executor) {
        this.timer = timer;
        this.executor = executor;
    }

    /**
     * Waits up to {@code maxWaitMs} for {@code attempt} to give a result that is {@code enough};
     * results not used are handed to {@code discard} (to release what they hold).
     */
    <T> CompletableFuture<T> await(Collection<Log> logs, long maxWaitMs, Supplier<T> attempt, Predicate<T> enough,
                                   Consumer<T> discard) {
        Waiter<T> waiter = new Waiter<>(List.copyOf(logs), attempt, enough, discard);
        all.add(waiter);
        for (Log log : waiter.logs) {
            byLog.computeIfAbsent(log, l -> ConcurrentHashMap.newKeySet()).add(waiter);
        }
        if (closed) {
            waiter.retry(true);
            return waiter.future;
        }
        waiter.timeout = timer.schedule(() -> waiter.retry(true), maxWaitMs, TimeUnit.MILLISECONDS);
        waiter.retry(false);
        return waiter.future;
    }

    /** {@code log} grew: re-run the reads of the fetches waiting on it. */
    void appended(Log log) {
        Set<Waiter<?>> waiters = byLog.get(log);
        if (waiters != null) {
            for (Waiter<?> waiter : waiters) {
                waiter.retry(false);
            }
        }
    }

    /** How many fetches are waiting. */
    int waiting() {
        return all.size();
    }

    /** Answers every waiting fetch now with what it can read (graceful shutdown). */
    @Override
    public void close() {
        closed = true;
        for (Waiter<?> waiter : all) {
            waiter.retry(true);
        }
    }

    private final class Waiter<T> {
        final List<Log> logs;
        final Supplier<T> attempt;
        final Predicate<T> enough;
        final Consumer<T> discard;
        final CompletableFuture<T> future = new CompletableFuture<>();
        final AtomicBoolean done = new AtomicBoolean();
        volatile ScheduledFuture<?> timeout;

        Waiter(List<Log> logs, Supplier<T> attempt, Predicate<T> enough, Consumer<T> discard) {
            this.logs = logs;
            this.attempt = attempt;
            this.enough = enough;
            this.discard = discard;
        }

        void retry(boolean last) {
            if (done.get()) {
                return;
            }
            try {
                executor.execute(() -> run(last));
            } catch (RejectedExecutionException e) { // the executor is stopping: answer on this thread
                run(true);
            }
        }

        private void run(boolean last) {
            if (done.get()) {
                return;
            }
            T result;
            try {
                result = attempt.get();
            } catch (RuntimeException e) {
                if (finish()) {
                    future.completeExceptionally(e);
                }
                return;
            }
            if ((last || enough.test(result)) && finish()) {
                future.complete(result);
            } else {
                discard.accept(result);
            }
        }

        private boolean finish() {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            ScheduledFuture<?> scheduled = timeout;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
            all.remove(this);
            for (Log log : logs) {
                byLog.computeIfPresent(log, (l, set) -> {
                    set.remove(this);
                    return set.isEmpty() ? null : set;
                });
            }
            return true;
        }
    }
}

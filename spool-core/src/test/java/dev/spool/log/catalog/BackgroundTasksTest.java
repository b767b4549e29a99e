package dev.spool.log.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The log manager's one I/O executor: its name, its periodic tasks, and stopping them. */
class BackgroundTasksTest {
    private static final Path DIR = Path.of("/data");

    @Test
    void theLogsIoAndThePeriodicTasksRunOnTheOneExecutorNamedSpoolIo() throws Exception {
        BackgroundTasks tasks = BackgroundTasks.start(DIR, Optional.empty());
        try {
            CompletableFuture<String> io = new CompletableFuture<>();
            tasks.ioExecutor().execute(() -> io.complete(Thread.currentThread().getName()));
            CompletableFuture<String> periodic = new CompletableFuture<>();
            tasks.every(1, "checkpoint", () -> periodic.complete(Thread.currentThread().getName()));
            assertThat(io.get(30, TimeUnit.SECONDS)).startsWith("spool-io-");
            assertThat(periodic.get(30, TimeUnit.SECONDS)).startsWith("spool-io-");
        } finally {
            tasks.close();
        }
    }

    @Test
    void aFailedPeriodicTaskRunsAgainAtItsNextInterval() throws Exception {
        BackgroundTasks tasks = BackgroundTasks.start(DIR, Optional.empty());
        try {
            CountDownLatch twice = new CountDownLatch(2);
            tasks.every(1, "retention", () -> {
                twice.countDown();
                throw new java.io.IOException("disk gone");
            });
            assertThat(twice.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            tasks.close();
        }
    }

    /** No checkpoint may be written after the manager's last: stopping waits for the task that runs. */
    @Test
    void stoppingWaitsForThePeriodicTaskThatRuns() throws Exception {
        BackgroundTasks tasks = BackgroundTasks.start(DIR, Optional.empty());
        AtomicInteger sequence = new AtomicInteger();
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        tasks.every(1, "flush", () -> {
            if (started.getCount() == 0) {
                events.add(sequence.incrementAndGet() + " ran after the stop began");
                return;
            }
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            events.add(sequence.incrementAndGet() + " task finished");
        });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        Thread stopper = new Thread(() -> {
            tasks.stopPeriodic();
            events.add(sequence.incrementAndGet() + " stopped");
        });
        stopper.start();
        while (stopper.getState() != Thread.State.BLOCKED) { // waiting for the running task
            assertThat(stopper.getState()).as("stopPeriodic returned while the task ran")
                    .isNotEqualTo(Thread.State.TERMINATED);
            Thread.onSpinWait();
        }
        release.countDown();
        stopper.join();
        tasks.close();
        assertThat(events).containsExactly("1 task finished", "2 stopped");
    }

    @Test
    void aSuppliedExecutorRunsTheLogsIoAndIsLeftRunning() {
        List<Runnable> queued = new ArrayList<>();
        BackgroundTasks tasks = BackgroundTasks.start(DIR, Optional.of(queued::add));
        Runnable work = () -> { };
        tasks.ioExecutor().execute(work);
        tasks.close();
        assertThat(queued).containsExactly(work);
    }
}

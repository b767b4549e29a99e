package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** {@link CoarseClock} over a source the test sets, ticking every millisecond, 200 ticks a turn. */
class CoarseClockTest {
    private final AtomicLong source = new AtomicLong(1_000);
    private final CoarseClock clock = new CoarseClock(source::get, TimeUnit.MILLISECONDS.toNanos(1), 200, daemon());

    private static ThreadFactory daemon() {
        return task -> {
            Thread thread = new Thread(task, "test-clock");
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void within5Seconds(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    /** Reads as fast as the test can, with the source standing still: far more than 2,048 within 2 ms. */
    private void readOften(int reads) {
        for (int i = 0; i < reads; i++) {
            clock.getAsLong();
        }
    }

    @Test
    void readsLessFrequentThanTheThresholdTakeTheSourceEveryTimeAndStartNoThread() {
        for (int i = 0; i < 20_000; i++) {
            if (i % 100 == 0) {
                source.addAndGet(1); // 2,048 reads span 20 ms
            }
            assertThat(clock.getAsLong()).isEqualTo(source.get());
        }
        assertThat(clock.ticking()).isFalse();
        assertThat(clock.threadsStarted()).isZero();
    }

    @Test
    void frequentReadsStartTheThreadAndThenFollowTheSourceWithoutRunningAhead() throws InterruptedException {
        CoarseClock longTurns = new CoarseClock(source::get, TimeUnit.MILLISECONDS.toNanos(1), 10_000, daemon());
        for (int i = 0; i < 3 * CoarseClock.RATE_READS; i++) {
            longTurns.getAsLong();
        }
        assertThat(longTurns.ticking()).isTrue();

        source.set(2_000);
        within5Seconds(() -> longTurns.getAsLong() == 2_000, "the thread refreshes the copy");
        assertThat(longTurns.ticking()).as("within its first turn of ten seconds").isTrue();
        for (long ms = 2_001; ms < 2_200; ms++) {
            source.set(ms);
            assertThat(longTurns.getAsLong()).isBetween(2_000L, ms);
        }
    }

    @Test
    void afterATurnReadsTakeTheSourceAndTheThreadExitsUnlessReadsStayFrequent() throws InterruptedException {
        readOften(3 * CoarseClock.RATE_READS);
        within5Seconds(() -> !clock.ticking(), "a turn of 200 ticks ends");
        source.set(987_654);
        assertThat(clock.getAsLong()).as("exact once the turn is over").isEqualTo(987_654);

        readOften(3 * CoarseClock.RATE_READS);
        assertThat(clock.ticking()).as("frequent again: resumed").isTrue();
        assertThat(clock.threadsStarted()).as("the same thread").isEqualTo(1);

        within5Seconds(() -> !clock.threadAlive(), "not resumed within a turn: the thread exits");
        assertThat(clock.ticking()).isFalse();
        source.set(5_000_000);
        assertThat(clock.getAsLong()).isEqualTo(5_000_000);
    }

    /** A JVM out of threads ("unable to create native thread"): frequent reads take the source and fail nothing. */
    @Test
    void whereNoThreadCanBeStartedFrequentReadsTakeTheSource() {
        CoarseClock starved = new CoarseClock(source::get, TimeUnit.MILLISECONDS.toNanos(1), 200, task -> new Thread(task) {
            @Override
            public synchronized void start() {
                throw new OutOfMemoryError("unable to create native thread");
            }
        });
        for (int i = 0; i < 3 * CoarseClock.RATE_READS; i++) { // frequent: a start is tried, and fails
            starved.getAsLong();
        }
        assertThat(starved.ticking()).isFalse();
        assertThat(starved.threadAlive()).isFalse();
        source.set(10_000);
        assertThat(starved.getAsLong()).isEqualTo(10_000);
    }
}

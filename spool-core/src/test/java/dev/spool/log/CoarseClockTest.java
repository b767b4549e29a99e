package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** {@link CoarseClock} over a source the test sets, ticking every millisecond. */
class CoarseClockTest {
    private final AtomicLong source = new AtomicLong(1_000);
    private final CoarseClock clock = new CoarseClock(source::get, TimeUnit.MILLISECONDS.toNanos(1), 50);

    private static void within5Seconds(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    @Test
    void whileReadOftenTheClockFollowsItsSourceAndNeverRunsAhead() throws InterruptedException {
        assertThat(clock.getAsLong()).as("the first read takes the source's time").isEqualTo(1_000);
        assertThat(clock.ticking()).isTrue();

        source.set(2_000);
        within5Seconds(() -> clock.getAsLong() == 2_000, "the thread refreshes the copy");
        for (long ms = 2_001; ms < 2_200; ms++) {
            source.set(ms);
            long read = clock.getAsLong();
            assertThat(read).isBetween(2_000L, ms);
        }
        assertThat(clock.ticking()).as("read every tick: the thread keeps running").isTrue();
    }

    @Test
    void afterAQuietSpellTheThreadStopsAndTheNextReadTakesTheSourcesTime() throws InterruptedException {
        clock.getAsLong();
        within5Seconds(() -> !clock.ticking(), "the thread stops after 50 unread ticks");

        source.set(987_654);
        assertThat(clock.getAsLong()).as("exact, however long the quiet spell was").isEqualTo(987_654);
        assertThat(clock.ticking()).as("and ticking again").isTrue();
    }
}

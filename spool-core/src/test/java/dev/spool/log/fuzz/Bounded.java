package dev.spool.log.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Set;

/**
 * Runs one call on hostile input under the three bounds every fuzz property asserts: it ends
 * within {@link #TIMEOUT} (a loop that never ends fails the try, it does not hang the build), it
 * allocates at most a stated number of bytes (measured on the calling thread by the JVM's own
 * per-thread allocation counter, so a buffer sized from a length field before the length was
 * checked shows up even when the heap could hold it), and it fails, if at all, only with one of
 * the exception types the code under test documents.
 */
final class Bounded {
    /** Generous: the slowest input takes milliseconds; only a loop that does not end gets near this. */
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static {
        THREADS.setThreadAllocatedMemoryEnabled(true);
    }

    /** The largest allocation of one call since the last {@link #resetLargestAllocation()}, for the report. */
    private static final java.util.concurrent.atomic.AtomicLong LARGEST = new java.util.concurrent.atomic.AtomicLong();

    private Bounded() {
    }

    static long resetLargestAllocation() {
        return LARGEST.getAndSet(0);
    }

    /** Code under test. */
    interface Call<T> {
        T call() throws Exception;
    }

    /** What a call did: its result or the exception it threw, and the bytes it allocated. */
    record Outcome<T>(T result, Throwable thrown, long allocatedBytes) {
        boolean failed() {
            return thrown != null;
        }
    }

    /**
     * Runs {@code call} and returns what it did, after asserting that it ended in time, that it
     * allocated at most {@code allocatedBytesMax}, and that anything it threw is an instance of
     * one of {@code documented}. {@code input} describes the input for the failure message.
     */
    static <T> Outcome<T> run(String input, long allocatedBytesMax, Set<Class<? extends Throwable>> documented,
                              Call<T> call) {
        Outcome<T> outcome = assertTimeoutPreemptively(TIMEOUT, () -> measure(call), () -> "no end within "
                + TIMEOUT + " on " + input);
        return check(input, allocatedBytesMax, documented, outcome);
    }

    /**
     * As {@link #run} but on the calling thread, with no timeout of its own: for sweeps of many
     * cheap inputs that the caller wraps in one {@code assertTimeoutPreemptively}.
     */
    static <T> Outcome<T> runInline(String input, long allocatedBytesMax, Set<Class<? extends Throwable>> documented,
                                    Call<T> call) {
        return check(input, allocatedBytesMax, documented, measure(call));
    }

    private static <T> Outcome<T> check(String input, long allocatedBytesMax,
                                        Set<Class<? extends Throwable>> documented, Outcome<T> outcome) {
        if (outcome.thrown() != null && documented.stream().noneMatch(type -> type.isInstance(outcome.thrown()))) {
            throw new AssertionError("undocumented " + outcome.thrown() + " on " + input, outcome.thrown());
        }
        assertThat(outcome.allocatedBytes()).as("bytes allocated on %s (%s)", input,
                outcome.thrown() == null ? "no error" : outcome.thrown().getMessage())
                .isLessThanOrEqualTo(allocatedBytesMax);
        return outcome;
    }

    private static <T> Outcome<T> measure(Call<T> call) {
        long thread = Thread.currentThread().getId();
        long before = THREADS.getThreadAllocatedBytes(thread);
        T result = null;
        Throwable thrown = null;
        try {
            result = call.call();
        } catch (Exception | StackOverflowError | OutOfMemoryError e) {
            thrown = e;
        }
        long allocated = THREADS.getThreadAllocatedBytes(thread) - before;
        LARGEST.accumulateAndGet(allocated, Math::max);
        return new Outcome<>(result, thrown, allocated);
    }
}

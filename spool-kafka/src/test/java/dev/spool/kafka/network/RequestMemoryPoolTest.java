package dev.spool.kafka.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RequestMemoryPoolTest {

    @Test
    void aPoolSmallerThanTheLargestRequestIsRefused() {
        assertThatThrownBy(() -> new RequestMemoryPool(99, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("queuedRequestBytesMax (99)").hasMessageContaining("requestBytesMax (100)");
        assertThat(new RequestMemoryPool(100, 100).bytesMax()).isEqualTo(100);
    }

    @Test
    void aReservationThatDoesNotFitWaitsAndIsWokenOnceByARelease() {
        RequestMemoryPool pool = new RequestMemoryPool(100, 100);
        AtomicInteger woken = new AtomicInteger();
        Runnable waiter = woken::incrementAndGet;

        assertThat(pool.reserveOrWait(70, waiter)).isTrue();
        assertThat(pool.reserveOrWait(40, waiter)).isFalse();
        assertThat(pool.waitingCount()).isEqualTo(1);
        assertThat(pool.reservedBytes()).isEqualTo(70);

        pool.release(70);
        assertThat(woken.get()).isEqualTo(1);
        assertThat(pool.waitingCount()).isZero();
        pool.release(0);
        assertThat(woken.get()).isEqualTo(1); // run once per registration, not on every release
        assertThat(pool.reserveOrWait(40, waiter)).isTrue();
        assertThat(pool.reservedBytesPeak()).isEqualTo(70);
    }

    @Test
    void aCancelledWaiterIsNotRun() {
        RequestMemoryPool pool = new RequestMemoryPool(10, 10);
        AtomicInteger woken = new AtomicInteger();
        Runnable waiter = woken::incrementAndGet;
        assertThat(pool.reserveOrWait(10, waiter)).isTrue();
        assertThat(pool.reserveOrWait(1, waiter)).isFalse();
        pool.cancel(waiter);
        pool.release(10);
        assertThat(woken.get()).isZero();
    }

    @Test
    void badAmountsAreRefusedAndLeaveThePoolAsItWas() {
        RequestMemoryPool pool = new RequestMemoryPool(10, 10);
        assertThat(pool.reserveOrWait(4, () -> { })).isTrue();
        assertThatThrownBy(() -> pool.reserveOrWait(11, () -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("11");
        assertThatThrownBy(() -> pool.reserveOrWait(-1, () -> { })).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pool.release(5)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Releasing 5 bytes but only 4");
        assertThatThrownBy(() -> pool.release(-1)).isInstanceOf(IllegalStateException.class);
        assertThat(pool.reservedBytes()).isEqualTo(4);
    }

    /**
     * Several threads reserve and release random amounts: the pool never holds more than its
     * bound (its peak says so), never goes below zero (a release of more than is reserved throws),
     * every waiter is woken, and everything comes back.
     */
    @Test
    void concurrentReservationsStayWithinTheBoundAndAllComeBack() throws Exception {
        long bytesMax = 1_000;
        RequestMemoryPool pool = new RequestMemoryPool(bytesMax, 400);
        int threads = 4;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = 42 + t;
                results.add(executor.submit(() -> exercise(pool, new Random(seed), 20_000)));
            }
            int waits = 0;
            for (Future<Integer> result : results) {
                waits += result.get(60, TimeUnit.SECONDS);
            }
            assertThat(waits).as("the bound was reached and waited for").isPositive();
        } finally {
            executor.shutdownNow();
        }
        assertThat(pool.reservedBytesPeak()).isLessThanOrEqualTo(bytesMax).isGreaterThan(bytesMax - 400);
        assertThat(pool.reservedBytes()).isZero();
        assertThat(pool.waitingCount()).isZero();
    }

    /** Random reservations and releases; returns how many times it waited. */
    private static int exercise(RequestMemoryPool pool, Random random, int operations) throws InterruptedException {
        ArrayDeque<Long> held = new ArrayDeque<>();
        int waits = 0;
        for (int i = 0; i < operations; i++) {
            if (!held.isEmpty() && random.nextInt(3) == 0) {
                pool.release(held.poll());
                continue;
            }
            long bytes = 1 + random.nextInt(400);
            CountDownLatch woken = new CountDownLatch(1);
            Runnable waiter = woken::countDown;
            if (pool.reserveOrWait(bytes, waiter)) {
                held.add(bytes);
                assertThat(pool.reservedBytes()).isBetween(bytes, pool.bytesMax());
            } else if (!held.isEmpty()) {
                pool.cancel(waiter); // make room itself instead of waiting
                pool.release(held.poll());
            } else {
                // Holding nothing: the others hold what is reserved and will give it back.
                waits++;
                assertThat(woken.await(30, TimeUnit.SECONDS)).as("woken after a release").isTrue();
            }
        }
        while (!held.isEmpty()) {
            pool.release(held.poll());
        }
        return waits;
    }
}

package dev.spool.bench.compare;

import dev.spool.bench.BenchData;
import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.record.BatchBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Spool alone: N threads share one {@link Log}, each appending one-record batches of a 1 KiB value
 * and waiting until that record is durable, as fast as it can. Reports acknowledged records/s and
 * the ack latency (append call to durable) as an HdrHistogram.
 *
 * <p>The target for this section is group commit: 64 writers ≥ 30× the single-writer
 * rate, p99 ≤ 3× the disk's fsync p99. Each writer calls {@code Log.append(batch,
 * Durability.STRICT)}, which returns once an fsync covers the record; concurrent strict appends
 * share fsyncs. {@link #APPEND_THEN_FLUSH}, what the first run of this harness measured before
 * strict appends existed (append, then a whole-log flush), stays for comparison.
 */
final class StrictWriters {

    /** How one writer appends one batch and waits until it is durable. */
    @FunctionalInterface
    interface DurableAppend {
        void appendDurably(Log log, ByteBuffer batch) throws IOException;
    }

    /** Today's strict append: the page-cache append, then a whole-log fsync. */
    static final DurableAppend APPEND_THEN_FLUSH = (log, batch) -> {
        log.append(batch);
        log.flush();
    };

    /** The strict append with group commit. */
    static final DurableAppend STRICT = (log, batch) -> log.append(batch, Durability.STRICT);
    static final String STRICT_DESCRIPTION = "Log.append(batch, Durability.STRICT): group commit";

    static final int VALUE_BYTES = 1024;

    /** What one run with N writers measured. */
    static final class Result {
        final int writers;
        final long records;
        final long nanos;
        final Histogram latenciesNs;

        Result(int writers, long records, long nanos, Histogram latenciesNs) {
            this.writers = writers;
            this.records = records;
            this.nanos = nanos;
            this.latenciesNs = latenciesNs;
        }

        double recordsPerSecond() {
            return records * 1e9 / nanos;
        }
    }

    private StrictWriters() {
    }

    /** Runs {@code writers} threads against one fresh log: {@code warmupNs} unrecorded, then {@code measureNs} recorded. */
    static Result run(Path dir, int writers, long warmupNs, long measureNs, DurableAppend append)
            throws IOException, InterruptedException {
        Workload workload = new Workload(VALUE_BYTES, 1);
        Log log = BenchData.openLog(dir);
        try {
            CyclicBarrier start = new CyclicBarrier(writers + 1);
            AtomicLong measuredRecords = new AtomicLong();
            List<Histogram> histograms = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            long[] window = new long[2];
            for (int w = 0; w < writers; w++) {
                Histogram histogram = new Histogram(3_600_000_000_000L, 3);
                histograms.add(histogram);
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                        measuredRecords.addAndGet(writeUntilDeadline(log, workload, append, window, histogram));
                    } catch (Throwable e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                }, "strict-writer-" + w);
                threads.add(thread);
            }
            threads.forEach(Thread::start);
            long now = System.nanoTime();
            window[0] = now + warmupNs;
            window[1] = window[0] + measureNs;
            awaitQuietly(start);
            for (Thread thread : threads) {
                thread.join();
            }
            if (!failures.isEmpty()) {
                throw new IOException("A strict writer failed", failures.get(0));
            }
            Histogram all = new Histogram(3_600_000_000_000L, 3);
            histograms.forEach(all::add);
            return new Result(writers, measuredRecords.get(), measureNs, all);
        } finally {
            log.close();
            BenchData.deleteRecursively(dir);
        }
    }

    /** One writer's loop: records only appends that start and end inside the measurement window. */
    private static long writeUntilDeadline(Log log, Workload workload, DurableAppend append, long[] window,
            Histogram histogram) throws IOException {
        BatchBuilder builder = new BatchBuilder(BenchData.BATCH_BYTES_MAX);
        long measureStart = window[0];
        long measureEnd = window[1];
        long records = 0;
        while (true) {
            long before = System.nanoTime();
            if (before >= measureEnd) {
                return records;
            }
            ByteBuffer batch = BenchData.encode(builder, System.currentTimeMillis(), workload.keys(), workload.values());
            append.appendDurably(log, batch);
            long after = System.nanoTime();
            if (before >= measureStart && after <= measureEnd) {
                histogram.recordValue(after - before);
                records++;
            }
        }
    }

    private static void awaitQuietly(CyclicBarrier barrier) throws InterruptedException {
        try {
            barrier.await();
        } catch (java.util.concurrent.BrokenBarrierException e) {
            throw new UncheckedIOException(new IOException("A strict writer did not start", e));
        }
    }
}

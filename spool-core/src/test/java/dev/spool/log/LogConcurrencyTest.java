package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.model.Batches;
import dev.spool.log.model.RecordSpec;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer appends as fast as it can (small segments, so it rolls often) while readers read
 * from random offsets and tail the log. Every value is {@code "v" + offset} and every timestamp
 * the offset, so a reader can check what it got without shared state: whole batches with valid
 * CRCs, dense offsets, the first batch holding the offset asked for, nothing past the end the
 * read reported. A second variant truncates and moves the log start (with retention) at the same
 * time; readers must then see valid data or {@link OffsetOutOfRangeException}, nothing else.
 *
 * <p>Bounded by counts, not time. The seed is printed on failure; set {@code -Dspool.seed=N} to
 * replay it (thread interleavings still vary).
 */
class LogConcurrencyTest {
    private static final int READERS = 3;

    @TempDir
    Path dir;

    private final long seed = Long.getLong("spool.seed", System.nanoTime());

    private LogConfig config() {
        return LogConfig.defaults().withSegmentBytes(2048).withIndexIntervalBytes(100).withSegmentIndexBytes(160);
    }

    @Test
    void readersSeeOnlyWholeValidBatchesWhileTheWriterAppendsAndRolls() throws Exception {
        try (Log log = Log.open(dir.resolve("t-0"), config(), LoadState.unknown())) {
            Stats stats = run(log, 4000, false, 0);
            assertThat(stats.batchesRead.get()).as("seed %d: readers read batches", seed).isGreaterThan(0);
            assertThat(stats.outOfRange.get()).as("seed %d: no offset leaves the range without truncation or retention",
                    seed).isZero();
            assertThat(log.segmentCount()).as("seed %d: the writer rolled", seed).isGreaterThan(10);
            verifyWholeLog(log);
        }
    }

    @Test
    void readersSeeValidDataOrOutOfRangeWhileTheLogIsTruncatedAndItsStartMoves() throws Exception {
        LogConfig config = config().withRetentionBytes(16 * 1024);
        try (Log log = Log.open(dir.resolve("t-0"), config, LoadState.unknown())) {
            Stats stats = run(log, 4000, true, 400);
            assertThat(stats.batchesRead.get()).as("seed %d: readers read batches", seed).isGreaterThan(0);
            assertThat(stats.truncations.get()).as("seed %d: the writer truncated", seed).isGreaterThan(0);
            assertThat(log.logStartOffset()).as("seed %d: the start moved", seed).isGreaterThan(0);
            verifyWholeLog(log);
        }
    }

    private static final class Stats {
        final AtomicLong batchesRead = new AtomicLong();
        final AtomicLong outOfRange = new AtomicLong();
        final AtomicLong truncations = new AtomicLong();
    }

    /**
     * Runs the writer, {@link #READERS} readers and (if {@code startMoves > 0}) a thread that
     * moves the log start and applies retention, each from its own seeded random; joins them all
     * and fails with every error any of them saw.
     */
    private Stats run(Log log, int appends, boolean truncate, int startMoves) throws Exception {
        Stats stats = new Stats();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean writerDone = new AtomicBoolean();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();

        Thread writer = new Thread(() -> {
            Random random = new Random(seed);
            try {
                go.await();
                for (int i = 0; i < appends; i++) {
                    if (truncate && random.nextInt(40) == 0) {
                        long end = log.logEndOffset();
                        long target = end - random.nextInt(30);
                        try {
                            log.truncateTo(target);
                            stats.truncations.incrementAndGet();
                        } catch (IllegalArgumentException belowStart) {
                            // the start moved past the target meanwhile: nothing to check
                        }
                    }
                    long first = log.logEndOffset();
                    int count = 1 + random.nextInt(4);
                    AppendResult result = log.append(batchAt(first, count));
                    if (result.firstOffset() != first || result.lastOffset() != first + count - 1) {
                        throw new AssertionError("append expected offsets " + first + ".." + (first + count - 1)
                                + ", got " + result.firstOffset() + ".." + result.lastOffset());
                    }
                }
            } catch (Throwable t) {
                failures.add(t);
            } finally {
                writerDone.set(true);
            }
        }, "writer");
        threads.add(writer);

        if (startMoves > 0) {
            threads.add(new Thread(() -> {
                Random random = new Random(seed + 100);
                try {
                    go.await();
                    long lastEnd = 0;
                    int moves = 0;
                    for (long spins = 0; moves < startMoves && !writerDone.get() && spins < 100_000_000L; spins++) {
                        long start = log.logStartOffset();
                        long end = log.logEndOffset();
                        if (end - lastEnd < 20) {
                            Thread.yield(); // act once per 20 new offsets or so, not in a tight loop
                            continue;
                        }
                        lastEnd = end;
                        moves++;
                        try {
                            if (random.nextBoolean()) {
                                log.advanceLogStartOffset(Math.min(end, start + random.nextInt(40)));
                            } else {
                                log.applyRetention(System.currentTimeMillis());
                            }
                        } catch (IllegalArgumentException pastTheEnd) {
                            // a truncation moved the end below the target meanwhile
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }, "start-mover"));
        }

        for (int r = 0; r < READERS; r++) {
            long readerSeed = seed + 1 + r;
            threads.add(new Thread(() -> {
                try {
                    go.await();
                    read(log, new Random(readerSeed), writerDone, stats, !truncate);
                } catch (Throwable t) {
                    failures.add(t);
                }
            }, "reader-" + r));
        }

        for (Thread thread : threads) {
            thread.start();
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError("seed " + seed + ": " + failures.size() + " failure(s), first: "
                    + failures.peek(), failures.peek());
            failures.stream().skip(1).limit(5).forEach(error::addSuppressed);
            throw error;
        }
        return stats;
    }

    /**
     * Reads until the writer is done (and at least a few hundred times): random offsets and a tail,
     * half of the reads mapped if {@code mappedToo}.
     */
    private void read(Log log, Random random, AtomicBoolean writerDone, Stats stats, boolean mappedToo)
            throws IOException {
        long tail = 0;
        for (int i = 0; i < 1_000_000 && (i < 300 || !writerDone.get()); i++) {
            boolean tailing = random.nextBoolean();
            long offset;
            if (tailing) {
                offset = tail;
            } else {
                long start = log.logStartOffset();
                long end = log.logEndOffset();
                offset = start + (long) (random.nextDouble() * (end - start + 1));
            }
            int maxBytes = 1 + random.nextInt(1500);
            ReadResult result;
            try {
                // Copied, or as views of the files mapped while the writer stores into them (not under
                // truncation: a view shows bytes rewritten after it, as Log.readMapped says)
                result = mappedToo && random.nextBoolean() ? log.readMapped(offset, maxBytes)
                        : log.read(offset, maxBytes);
            } catch (OffsetOutOfRangeException e) {
                stats.outOfRange.incrementAndGet();
                tail = log.logStartOffset();
                continue;
            }
            long next = check(offset, maxBytes, result);
            stats.batchesRead.addAndGet(next > offset ? 1 : 0);
            if (tailing) {
                tail = next;
            }
        }
    }

    /** Checks one read; returns the offset after the last record returned (or {@code offset} if none). */
    private long check(long offset, int maxBytes, ReadResult result) {
        ByteBuffer bytes = result.batches();
        if (!bytes.hasRemaining()) {
            if (offset != result.logEndOffset()) {
                throw new AssertionError("read(" + offset + ") returned nothing, but the end was "
                        + result.logEndOffset());
            }
            return offset;
        }
        long expected = -1;
        int at = bytes.position();
        while (at < bytes.limit()) {
            if (bytes.limit() - at < RecordBatch.HEADER_BYTES) {
                throw new AssertionError("read(" + offset + ") ends in " + (bytes.limit() - at) + " stray bytes");
            }
            try {
                RecordBatch.validate(bytes, at, Integer.MAX_VALUE);
                List<Record> records = RecordBatch.records(bytes, at);
                long base = RecordBatch.baseOffset(bytes, at);
                if (expected < 0) {
                    if (base > offset || RecordBatch.lastOffset(bytes, at) < offset) {
                        throw new AssertionError("read(" + offset + ") starts with batch " + base + ".."
                                + RecordBatch.lastOffset(bytes, at));
                    }
                } else if (base != expected) {
                    throw new AssertionError("read(" + offset + ") has batch " + base + " after one ending at "
                            + (expected - 1));
                }
                for (Record record : records) {
                    String value = new String(record.valueBytes(), StandardCharsets.UTF_8);
                    if (!value.equals("v" + record.offset()) || record.timestamp() != record.offset()) {
                        throw new AssertionError("offset " + record.offset() + " holds " + value + " at "
                                + record.timestamp());
                    }
                }
                expected = RecordBatch.lastOffset(bytes, at) + 1;
                at += RecordBatch.sizeInBytes(bytes, at);
            } catch (CorruptRecordException e) {
                throw new AssertionError("read(" + offset + ", " + maxBytes + ") returned a corrupt batch at "
                        + at + ": " + e.getMessage(), e);
            }
        }
        if (expected > result.logEndOffset()) {
            throw new AssertionError("read(" + offset + ") returned offsets up to " + (expected - 1)
                    + " past the end " + result.logEndOffset());
        }
        return expected;
    }

    private static ByteBuffer batchAt(long firstOffset, int count) {
        List<RecordSpec> records = new ArrayList<>();
        for (long o = firstOffset; o < firstOffset + count; o++) {
            records.add(RecordSpec.ofValue(o, "v" + o));
        }
        return Batches.encodeOne(records);
    }

    private void verifyWholeLog(Log log) throws IOException {
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ReadResult result = log.read(offset, 4096);
            long next = check(offset, 4096, result);
            assertThat(next).as("seed %d: read at %d made progress", seed, offset).isGreaterThan(offset);
            offset = next;
        }
    }
}

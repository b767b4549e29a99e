package dev.spool.log.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.ReadResult;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.AbortedTransaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Transactions across crashes: a seeded workload of transactional batches, commit and abort
 * markers ({@link EndTransactionMarker}), plain batches, rolls, flushes and pending background
 * flushes, with each abort recorded in the transaction index ({@link Log#recordAbortedTransaction},
 * STRICT for most), on a {@link LogManager} over the simulated disk, crashed at a random mutating
 * call, then reopened. After
 * every reopen: the log opens; every entry recorded STRICT whose marker survived is there; every
 * entry there was recorded, names an abort marker below the log end, and follows the previous one.
 *
 * <p>60 seeds by default; {@code -Dspool.sim.soak=N} runs N seeds from 0, {@code -Dspool.sim.seed=S}
 * replays one.
 */
class TransactionCrashTest {
    private static final Path DATA_DIR = Path.of("/sim/data");
    private static final String TOPIC = "txn";
    private static final int CI_RUNS = 60;
    private static final int CYCLES_PER_RUN = 12;
    private static final int OPERATIONS_PER_CYCLE_MAX = 80;
    private static final int PRODUCERS = 3;

    /** Figures of the runs, and what went wrong. */
    private static final class Stats {
        long crashesFired;
        long strictChecked;
        long entriesSeen;
        final List<String> violations = new ArrayList<>();
    }

    @Test
    void strictlyRecordedAbortsSurviveCrashesAndNoEntryOutlivesItsMarker() throws IOException {
        String only = System.getProperty("spool.sim.seed");
        long runs = only != null ? 1 : Long.getLong("spool.sim.soak", CI_RUNS);
        long first = only != null ? Long.parseLong(only) : 0;
        Stats stats = new Stats();
        for (long seed = first; seed < first + runs && stats.violations.isEmpty(); seed++) {
            new Run(seed, stats).run();
        }
        System.out.println("Transaction crash simulation: runs=" + runs + " crashesFired=" + stats.crashesFired
                + " strictChecked=" + stats.strictChecked + " entriesSeen=" + stats.entriesSeen);
        assertEquals(List.of(), stats.violations, "replay one with -Dspool.sim.seed=S");
        if (only == null) {
            assertTrue(stats.crashesFired > runs * 3, "few crashes fired: " + stats.crashesFired);
            assertTrue(stats.strictChecked > runs * 10, "few strict entries checked: " + stats.strictChecked);
        }
    }

    /** One seeded run. */
    private static final class Run {
        private final long seed;
        private final Stats stats;
        private final Random random;
        private final SimulatedFileIO sim;
        private final StepExecutor background = new StepExecutor();
        private final LogConfig config;
        /** Entries whose record call returned after STRICT: they must survive while their marker does. */
        private final List<AbortedTransaction> strict = new ArrayList<>();
        /** Every entry a record call was made for (it may have survived without returning). */
        private final Set<AbortedTransaction> attempted = new HashSet<>();
        /** Open transactions: producer id to the first offset. */
        private final Map<Long, Long> open = new HashMap<>();
        private long clockMs = 1_700_000_000_000L;
        private LogManager manager;

        Run(long seed, Stats stats) {
            this.seed = seed;
            this.stats = stats;
            this.random = new Random(seed ^ 0x7A11L);
            this.sim = new SimulatedFileIO(seed);
            this.config = LogConfig.defaults().withSegmentBytes(500 + random.nextInt(1500))
                    .withIndexIntervalBytes(64 + random.nextInt(256));
        }

        private LogManagerConfig managerConfig() {
            return LogManagerConfig.defaults().withIo(sim.session()).withoutBackgroundTasks().withIoExecutor(background)
                    .withLogConfig(config).withClock(() -> clockMs);
        }

        void run() throws IOException {
            sim.createDurableDirectories(DATA_DIR);
            try (LogManager manager = LogManager.open(DATA_DIR, managerConfig())) {
                manager.createTopic(TOPIC, 1);
            }
            for (int cycle = 0; cycle < CYCLES_PER_RUN && stats.violations.isEmpty(); cycle++) {
                Log log = reopen(cycle);
                if (log == null) {
                    return;
                }
                sim.crashBeforeMutation(1 + random.nextInt(150));
                try {
                    for (int i = 0; i < OPERATIONS_PER_CYCLE_MAX; i++) {
                        step(log);
                    }
                } catch (IOException | RuntimeException e) {
                    if (!sim.armedCrashFired()) {
                        stats.violations.add("seed " + seed + ": " + e);
                        return;
                    }
                }
                if (sim.armedCrashFired()) {
                    stats.crashesFired++;
                }
                sim.disarmCrash();
                background.discard();
                sim.crash(); // a power loss now, if the armed crash did not come
                open.clear(); // the producers' transactions died with the process
            }
            if (reopen(CYCLES_PER_RUN) != null) {
                manager.close();
            }
        }

        /** Opens the log after a crash and checks it; null (and a violation) when it does not open or is wrong. */
        private Log reopen(int cycle) throws IOException {
            Log log;
            try {
                manager = LogManager.open(DATA_DIR, managerConfig());
                log = manager.log(TOPIC, 0);
            } catch (IOException | RuntimeException e) {
                e.printStackTrace();
                stats.violations.add("seed " + seed + ", cycle " + cycle + ": the log did not open: " + e);
                return null;
            }
            long end = log.logEndOffset();
            strict.removeIf(t -> t.lastOffset() >= end); // the marker was lost: its offset may be taken again
            attempted.removeIf(t -> t.lastOffset() >= end);
            List<AbortedTransaction> found = log.abortedTransactions(log.logStartOffset(), Long.MAX_VALUE);
            stats.entriesSeen += found.size();
            Optional<String> problem = check(log, found);
            if (problem.isPresent()) {
                stats.violations.add("seed " + seed + ", cycle " + cycle + ": " + problem.get());
                return null;
            }
            stats.strictChecked += strict.size();
            attempted.retainAll(found); // what did not survive is gone: the offsets may be reused
            return log;
        }

        private Optional<String> check(Log log, List<AbortedTransaction> found) throws IOException {
            for (AbortedTransaction t : strict) {
                if (!found.contains(t)) {
                    return Optional.of("the strictly recorded " + t + " is missing; found " + found);
                }
            }
            long previous = -1;
            for (AbortedTransaction t : found) {
                if (!attempted.contains(t)) {
                    return Optional.of("entry " + t + " was never recorded");
                }
                if (t.lastOffset() >= log.logEndOffset() || t.lastOffset() <= previous) {
                    return Optional.of("entry " + t + " lies at or past the log end " + log.logEndOffset()
                            + " or does not follow " + previous);
                }
                ReadResult read = log.read(t.lastOffset(), 1 << 16);
                ByteBuffer batches = read.batches();
                int at = batches.position();
                if (!RecordBatch.isControl(batches, at) || RecordBatch.baseOffset(batches, at) != t.lastOffset()) {
                    return Optional.of("entry " + t + " does not name an abort marker");
                }
                previous = t.lastOffset();
            }
            return Optional.empty();
        }

        private void step(Log log) throws IOException {
            clockMs += 1 + random.nextInt(50);
            int choice = random.nextInt(100);
            long producer = random.nextInt(PRODUCERS);
            if (choice < 40) {
                long first = appendTransactional(log, producer);
                open.putIfAbsent(producer, first);
            } else if (choice < 60 && open.containsKey(producer)) {
                abort(log, producer);
            } else if (choice < 70 && open.containsKey(producer)) {
                log.append(new EndTransactionMarker(true, 0).encode(producer, (short) 0, clockMs));
                open.remove(producer);
            } else if (choice < 85) {
                BatchBuilder builder = new BatchBuilder(1 << 16);
                builder.tryAppend(clockMs, null, ("plain-" + clockMs).getBytes());
                log.append(copy(builder.build()));
            } else if (choice < 90) {
                log.roll();
            } else if (choice < 95) {
                manager.flush(); // the log's flush, and the recovery point checkpoint
            } else {
                background.runPending();
            }
        }

        private long appendTransactional(Log log, long producer) throws IOException {
            BatchBuilder builder = new BatchBuilder(1 << 16).producer(producer, (short) 0, 0).transactional(true);
            int records = 1 + random.nextInt(3);
            for (int i = 0; i < records; i++) {
                builder.tryAppend(clockMs, null, ("txn-" + producer + "-" + i).getBytes());
            }
            return log.append(copy(builder.build())).firstOffset();
        }

        private void abort(Log log, long producer) throws IOException {
            Durability durability = random.nextInt(5) == 0 ? Durability.NONE : Durability.STRICT;
            // Now and then the marker is not made durable before a STRICT entry: the entry can then
            // reach the disk without its marker, and the open must drop it.
            Durability markerDurability = random.nextInt(8) == 0 ? Durability.NONE : durability;
            long marker = log.append(new EndTransactionMarker(false, 0).encode(producer, (short) 0, clockMs),
                    markerDurability).firstOffset();
            AbortedTransaction aborted = new AbortedTransaction(producer, open.remove(producer), marker, marker + 1);
            attempted.add(aborted);
            log.recordAbortedTransaction(aborted, durability);
            if (durability == Durability.STRICT) {
                strict.add(aborted);
            }
        }

        private static ByteBuffer copy(ByteBuffer built) {
            return ByteBuffer.allocate(built.remaining()).put(built).flip();
        }
    }
}

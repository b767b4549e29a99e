package dev.spool.log.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.CleanerSettings;
import dev.spool.log.CompactionConfig;
import dev.spool.log.Durability;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.AbortedTransaction;
import dev.spool.log.sim.SimulatedFileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Compaction carries the aborted transactions of the segments it replaces over to the cleaned
 * segment that now holds their markers: after a round, after a reopen, and after a crash at any
 * mutating file call of the round (the swap's protocol, {@link CleanerFiles}).
 */
class CompactionTransactionIndexTest {
    private static final Path DIR = Path.of("/sim/data/txn-changelog-0");
    private static final long DAY_MS = 24L * 60 * 60 * 1000;
    private static final long PRODUCER = 9;
    private static final int CRASH_POINTS_MAX = 400;
    private static final LogConfig CONFIG = LogConfig.defaults().withSegmentBytes(600)
            .withCompaction(CompactionConfig.defaults().withDeleteRetentionMs(DAY_MS));

    /** Appends keyed batches, some of them aborted transactions recorded STRICT; returns the recorded entries. */
    private static List<AbortedTransaction> appendSome(Log log, Random random, AtomicLong clock) throws IOException {
        List<AbortedTransaction> recorded = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            if (random.nextInt(4) == 0) {
                BatchBuilder builder = new BatchBuilder(1 << 16).producer(PRODUCER, (short) 0, 0).transactional(true);
                builder.append(clock.get(), ByteBuffer.wrap(("k" + random.nextInt(6)).getBytes()),
                        ByteBuffer.wrap("aborted".getBytes()), null);
                ByteBuffer built = builder.build();
                long first = log.append(ByteBuffer.allocate(built.remaining()).put(built).flip()).firstOffset();
                long marker = log.append(new EndTransactionMarker(false, 0).encode(PRODUCER, (short) 0, clock.get()))
                        .firstOffset();
                AbortedTransaction aborted = new AbortedTransaction(PRODUCER, first, marker, marker + 1);
                log.recordAbortedTransaction(aborted, Durability.STRICT);
                recorded.add(aborted);
            } else {
                CompactionLogs.append(log, clock.get(), "k" + random.nextInt(6), "v" + i);
            }
        }
        log.flush();
        return recorded;
    }

    @Test
    void aRoundCarriesTheEntriesToTheCleanedSegments() throws IOException {
        SimulatedFileIO sim = new SimulatedFileIO(1);
        sim.createDurableDirectories(DIR);
        AtomicLong clock = new AtomicLong(10 * DAY_MS);
        Random random = new Random(1);
        List<AbortedTransaction> recorded;
        int segmentsBefore;
        try (Log log = Log.open(sim.session(), DIR, CONFIG, LoadState.unknown(), clock::get)) {
            recorded = new ArrayList<>(appendSome(log, random, clock));
            recorded.addAll(appendSome(log, random, clock));
            segmentsBefore = log.segmentCount();
            log.reconfigure(CONFIG.withSegmentBytes(2400)); // groups of several segments
            CleanResult result = log.clean(new Cleaner(sim.session(), CleanerSettings.defaults()), 0);
            assertThat(result.segmentsCleaned()).isGreaterThan(1);
            assertThat(log.segmentCount()).isLessThan(segmentsBefore);
            assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).isEqualTo(recorded);
        }
        assertThat(recorded).hasSizeGreaterThan(5);
        for (LoadState state : List.of(LoadState.clean(), LoadState.unknown())) {
            try (Log log = Log.open(sim.session(), DIR, CONFIG, state, clock::get)) {
                assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).as("%s", state).isEqualTo(recorded);
            }
        }
        FileIO io = sim.session();
        for (Path path : io.list(DIR)) {
            assertThat(path.getFileName().toString()).doesNotEndWith(".swap").doesNotEndWith(".deleted");
        }
    }

    @Test
    void aCrashAnywhereInARoundKeepsEveryEntry() throws IOException {
        assertThat(crashEverywhere(CompactionTransactionIndexTest::runOnce)).as("crash points inside cleaning rounds")
                .isGreaterThan(30);
    }

    /**
     * A second round, past {@code delete.retention.ms}, removes the abort markers whose aborted
     * batches the first round dropped, and their index entries; a crash at any mutating file call
     * of it leaves no aborted record that an index entry does not cover (what a
     * {@code read_committed} reader relies on), and no entry without its marker.
     */
    @Test
    void aCrashAnywhereInARoundThatRemovesMarkersShowsNoAbortedRecord() throws IOException {
        assertThat(crashEverywhere(CompactionTransactionIndexTest::runLaterRoundOnce))
                .as("crash points inside the second rounds").isGreaterThan(10);
    }

    /** One run: a round with a crash armed before mutation {@code point}; true if the crash fired. */
    private interface CrashRun {
        boolean run(long seed, int point) throws IOException;
    }

    /** Runs {@code run} at every crash point of seeds 0 and 1, until a round ends before its point; returns the crashes. */
    private static int crashEverywhere(CrashRun run) throws IOException {
        int crashes = 0;
        for (long seed = 0; seed < 2; seed++) {
            for (int point = 1; point <= CRASH_POINTS_MAX && run.run(seed, point); point++) {
                crashes++;
            }
        }
        return crashes;
    }

    /**
     * Cleans {@code log} from {@code dirty} with a crash armed before mutation {@code point}; a
     * round that ends before it crashes after it. Returns whether the armed crash fired.
     */
    private static boolean cleanCrashingAt(SimulatedFileIO sim, Log log, long dirty, int point) throws IOException {
        sim.crashBeforeMutation(point);
        try {
            log.clean(new Cleaner(sim.session(), CleanerSettings.defaults()), dirty);
        } catch (IOException | RuntimeException e) {
            if (!sim.armedCrashFired()) {
                throw e;
            }
        }
        boolean crashed = sim.armedCrashFired();
        sim.disarmCrash();
        if (!crashed) {
            sim.crash();
        }
        return crashed;
    }

    /** A simulated disk with a log of two producers' rounds of transactions, resized into groups of several segments. */
    private record Written(SimulatedFileIO sim, AtomicLong clock, Random random, Log log,
                           List<AbortedTransaction> recorded) {
        static Written twoRounds(long seed) throws IOException {
            SimulatedFileIO sim = new SimulatedFileIO(seed);
            sim.createDurableDirectories(DIR);
            AtomicLong clock = new AtomicLong(10 * DAY_MS);
            Random random = new Random(seed);
            Log log = Log.open(sim.session(), DIR, CONFIG, LoadState.unknown(), clock::get);
            List<AbortedTransaction> recorded = new ArrayList<>(appendSome(log, random, clock));
            recorded.addAll(appendSome(log, random, clock));
            log.reconfigure(CONFIG.withSegmentBytes(2400)); // groups of several segments
            return new Written(sim, clock, random, log, recorded);
        }
    }

    private static boolean runLaterRoundOnce(long seed, int point) throws IOException {
        Written written = Written.twoRounds(seed);
        SimulatedFileIO sim = written.sim();
        AtomicLong clock = written.clock();
        Log log = written.log();
        List<AbortedTransaction> recorded = written.recorded();
        long dirty = log.clean(new Cleaner(sim.session(), CleanerSettings.defaults()), 0).firstDirtyOffset();
        clock.addAndGet(3 * DAY_MS);
        recorded.addAll(appendSome(log, written.random(), clock)); // the producer writes on: its older markers may go
        boolean crashed = cleanCrashingAt(sim, log, dirty, point);
        try (Log reopened = Log.open(sim.session(), DIR, CONFIG, LoadState.unknown(), clock::get)) {
            List<AbortedTransaction> entries = reopened.abortedTransactions(0, Long.MAX_VALUE);
            String as = "seed " + seed + ", crash before mutation " + point;
            assertThat(recorded).as(as).containsAll(entries);
            if (!crashed) {
                assertThat(entries).as("a whole round removes entries").hasSizeLessThan(recorded.size());
            }
            List<Long> controls = CleanerTransactionsTest.batches(reopened).stream()
                    .filter(CleanerTransactionsTest.Batch::control).map(CleanerTransactionsTest.Batch::baseOffset)
                    .toList();
            for (AbortedTransaction entry : entries) {
                assertThat(controls).as(as).contains(entry.lastOffset());
            }
            for (CompactionLogs.Kv kv : CompactionLogs.readAll(reopened)) {
                if ("aborted".equals(kv.value())) {
                    assertThat(entries).as("%s: aborted record at %d", as, kv.offset())
                            .anyMatch(e -> e.firstOffset() <= kv.offset() && kv.offset() < e.lastOffset());
                }
            }
        }
        return crashed;
    }

    private static boolean runOnce(long seed, int point) throws IOException {
        Written written = Written.twoRounds(seed);
        SimulatedFileIO sim = written.sim();
        AtomicLong clock = written.clock();
        List<AbortedTransaction> recorded = written.recorded();
        boolean crashed = cleanCrashingAt(sim, written.log(), 0, point);
        try (Log reopened = Log.open(sim.session(), DIR, CONFIG, LoadState.unknown(), clock::get)) {
            assertThat(reopened.abortedTransactions(0, Long.MAX_VALUE))
                    .as("seed %d, crash before mutation %d", seed, point).isEqualTo(recorded);
            for (var segment : reopened.segments()) {
                Path file = SegmentFiles.txnIndexFile(DIR, segment.baseOffset());
                if (sim.session().exists(file)) {
                    assertThat(sim.session().size(file) % 34).isZero();
                }
            }
        }
        return crashed;
    }
}

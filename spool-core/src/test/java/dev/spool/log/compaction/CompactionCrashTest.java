package dev.spool.log.compaction;

import dev.spool.log.CleanerSettings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.CompactionConfig;
import dev.spool.log.LogConfig;
import dev.spool.log.compaction.CompactionLogs.Kv;
import dev.spool.log.io.FileIO;
import dev.spool.log.sim.SimulatedFileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Crashes a cleaning round at every mutating file call in turn, on the simulated disk, and checks
 * the reopened log against a model of what was appended: every record read is the one appended at
 * its offset, every key's latest value is there, and no deleted key has a value again.
 */
class CompactionCrashTest {
    private static final Path DIR = Path.of("/sim/data/changelog-0");
    private static final long DAY_MS = 24L * 60 * 60 * 1000;
    private static final int SEEDS = 5;
    private static final int CRASH_POINTS_MAX = 400;

    @Test
    void aCrashAnywhereInACleaningRoundLosesNoLatestValueAndRevivesNoDeletedKey() throws IOException {
        int crashes = 0;
        for (long seed = 0; seed < SEEDS; seed++) {
            for (int point = 1; point <= CRASH_POINTS_MAX; point++) {
                if (!runOnce(seed, point)) {
                    break; // the round finished before this crash point: every point of it was tried
                }
                crashes++;
            }
        }
        assertThat(crashes).as("crash points inside cleaning rounds").isGreaterThan(SEEDS * 10);
    }

    /** Builds a seeded log, crashes its second cleaning round at {@code point}; returns whether it crashed. */
    private static boolean runOnce(long seed, int point) throws IOException {
        SimulatedFileIO sim = new SimulatedFileIO(seed);
        sim.createDurableDirectories(DIR);
        AtomicLong clock = new AtomicLong(10 * DAY_MS);
        LogConfig config = LogConfig.defaults().withSegmentBytes(600)
                .withCompaction(CompactionConfig.defaults().withDeleteRetentionMs(DAY_MS));
        Cleaner cleaner = new Cleaner(sim.session(), CleanerSettings.defaults());
        Random random = new Random(seed);
        List<Kv> model = new ArrayList<>();
        Log log = Log.open(sim.session(), DIR, config, LoadState.unknown(), clock::get);
        appendSome(log, random, clock, model);
        long dirty = log.clean(cleaner, 0).firstDirtyOffset();
        clock.addAndGet(2 * DAY_MS);
        appendSome(log, random, clock, model);
        log.flush();
        Cleaner crashing = new Cleaner(sim.session(), cleaner.settings());
        sim.crashBeforeMutation(point);
        try {
            log.clean(crashing, dirty);
        } catch (IOException | RuntimeException e) {
            if (!sim.armedCrashFired()) {
                throw e;
            }
        }
        boolean crashed = sim.armedCrashFired();
        sim.disarmCrash();
        if (!crashed) {
            sim.crash(); // a power loss right after the round: what it did must be durable
        }
        FileIO after = sim.session();
        try (Log reopened = Log.open(after, DIR, config, LoadState.unknown(), clock::get)) {
            check(seed, point, CompactionLogs.readAll(reopened), model);
            assertThat(reopened.logEndOffset()).isEqualTo(model.size());
        }
        return crashed;
    }

    private static void appendSome(Log log, Random random, AtomicLong clock, List<Kv> model) throws IOException {
        for (int i = 0; i < 40; i++) {
            int records = 1 + random.nextInt(3);
            String[] keyValues = new String[records * 2];
            for (int r = 0; r < records; r++) {
                keyValues[2 * r] = "k" + random.nextInt(6);
                keyValues[2 * r + 1] = random.nextInt(5) == 0 ? null : "v" + model.size() + r;
            }
            long base = CompactionLogs.append(log, clock.get(), keyValues);
            for (int r = 0; r < records; r++) {
                model.add(new Kv(base + r, keyValues[2 * r], keyValues[2 * r + 1]));
            }
        }
        log.flush();
    }

    private static void check(long seed, int point, List<Kv> read, List<Kv> model) {
        String where = "seed " + seed + ", crash before mutation " + point;
        Map<String, Kv> latestRead = new HashMap<>();
        for (Kv kv : read) {
            assertThat(kv).as(where + ": the record at offset " + kv.offset()).isEqualTo(model.get((int) kv.offset()));
            latestRead.put(kv.key(), kv);
        }
        Map<String, Kv> latest = new HashMap<>();
        for (Kv kv : model) {
            latest.put(kv.key(), kv);
        }
        for (Kv kv : latest.values()) {
            Kv seen = latestRead.get(kv.key());
            if (kv.value() != null) {
                assertThat(seen).as(where + ": latest of " + kv.key()).isEqualTo(kv);
            } else {
                assertThat(seen == null || seen.value() == null).as(where + ": deleted key " + kv.key()
                        + " came back as " + seen).isTrue();
            }
        }
    }
}

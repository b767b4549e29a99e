package dev.spool.bench.compare;

import dev.spool.bench.BenchData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The side-by-side comparison (issue 3, "The comparison harness"): Spool's {@code Log}, Kafka's
 * {@code UnifiedLog} and Chronicle Queue on one workload, in one JVM and one run, plus the disk's
 * raw limits and Spool's concurrent strict writers.
 *
 * <p>Each cell (durability × value size × records per batch) runs every system in turn, one
 * repetition each, rotating the order every repetition so that the systems share the machine's
 * noise; the first {@code warmup} repetitions are not recorded. A repetition opens a fresh log in an
 * empty directory (untimed), appends batches until {@code dataBytes} are stored or
 * {@code timeMaxMs} has passed (timed), and closes and deletes the log (untimed). After a
 * page-cache cell, the last repetition's logs are forced to disk and read back front to back,
 * again interleaved and repeated. Progress goes to stderr; the table to stdout; the JSON to a file.
 */
public final class Harness {
    private final Options options;
    private final Report report;
    private final Path root;

    private Harness(Options options, Path root) {
        this.options = options;
        this.root = root;
        this.report = new Report(options, root);
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        // Chronicle would try to send usage analytics; Kafka logs each log's load at INFO.
        System.setProperty("chronicle.analytics.disable", "true");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        Files.createDirectories(options.dir);
        Path root = Files.createTempDirectory(options.dir, "spool-compare-");
        long start = System.nanoTime();
        try {
            new Harness(options, root).run();
        } finally {
            BenchData.deleteRecursively(root);
        }
        System.err.printf("total %.0f s%n", (System.nanoTime() - start) / 1e9);
        System.exit(0); // Chronicle and Kafka leave non-daemon threads behind
    }

    private void run() throws Exception {
        boolean rawSection = options.sections.contains(Options.Section.RAW);
        RawLimits limits = rawSection ? new RawLimits(root) : null;
        RawRun raw = rawSection ? runRaw(limits) : null;
        if (options.sections.contains(Options.Section.APPEND)) {
            try (KafkaSubject.Environment kafka = new KafkaSubject.Environment()) {
                for (boolean fsync : options.fsyncModes) {
                    for (int valueBytes : options.values) {
                        for (int recordsPerBatch : options.batches) {
                            runCell(new Workload(valueBytes, recordsPerBatch), fsync, kafka);
                        }
                    }
                }
            }
        }
        if (options.sections.contains(Options.Section.WRITERS)) {
            runWriters();
        }
        if (raw != null) {
            if (options.sections.contains(Options.Section.APPEND)) {
                raw = raw.fasterWrites(runRawWrites(limits)); // the pass before may have met memory the host took back
            }
            report.raw(raw.buffered, raw.direct, raw.fsync, raw.fsyncLatencies);
            report.rawRead(raw.read);
            report.ceilings(raw.checked, raw.sha256);
            if (!raw.wakes.isEmpty()) {
                report.wakes(wakeThreads(), raw.wakes);
            }
        }
        report.print(System.out);
        report.writeJson(options.json);
        System.err.println("wrote " + options.json.toAbsolutePath());
    }

    private long timeMaxNs() {
        return TimeUnit.MILLISECONDS.toNanos(options.timeMaxMs);
    }

    /**
     * The raw limits' figures. The sequential writes are the ceiling of the page-cache appends: they
     * are measured before the systems and again after them, and the faster median of the two passes
     * counts, because a fresh file's pages may come from memory the host took back from this guest,
     * which is written at a fraction of the speed (docs/benchmarks.md); the systems' own
     * repetitions meet the same, and their medians absorb it.
     */
    private record RawRun(Series buffered, Series direct, Series checked, Series fsync, Histogram fsyncLatencies,
                          Series read, Series sha256, Series wakes) {
        RawRun fasterWrites(Series[] again) {
            return new RawRun(faster(buffered, again[0]), faster(direct, again[1]), faster(checked, again[2]), fsync,
                    fsyncLatencies, read, sha256, wakes);
        }

        private static Series faster(Series first, Series second) {
            return second.medianMegabytesPerSecond() > first.medianMegabytesPerSecond() ? second : first;
        }
    }

    private RawRun runRaw(RawLimits raw) throws IOException, InterruptedException {
        Series fsync = new Series();
        Series read = new Series();
        Series sha256 = new Series();
        Series wakes = new Series();
        Histogram fsyncLatencies = new Histogram(3_600_000_000_000L, 3);
        Series[] writes = runRawWrites(raw);
        int writers = wakeThreads();
        for (int rep = -options.warmup; rep < options.reps; rep++) {
            boolean record = rep >= 0;
            raw.appendFdatasync(Long.MAX_VALUE, timeMaxNs(), record ? fsync : new Series(), record ? fsyncLatencies : null);
            raw.sequentialRead(options.dataBytes, timeMaxNs(), record ? read : new Series());
            raw.sha256(options.dataBytes, timeMaxNs(), record ? sha256 : new Series());
            if (writers > 1) { // the ceiling of the strict writers' row
                raw.wakes(writers, timeMaxNs(), record ? wakes : new Series());
            }
        }
        System.err.printf("raw: 4 KiB+fdatasync %.0f/s p99 %.2f ms, page-cache read %.0f MB/s, SHA-256 %.0f MB/s%s%n",
                fsync.medianRecordsPerSecond(), fsyncLatencies.getValueAtPercentile(99) / 1e6,
                read.medianMegabytesPerSecond(), sha256.medianMegabytesPerSecond(),
                wakes.isEmpty() ? "" : String.format(", %d threads woken %.0f/s", writers, wakes.medianRecordsPerSecond()));
        return new RawRun(writes[0], writes[1], writes[2], fsync, fsyncLatencies, read, sha256, wakes);
    }

    /** How many parked threads the wake ceiling wakes: the most strict writers the run measures (1: none). */
    private int wakeThreads() {
        return options.sections.contains(Options.Section.WRITERS)
                ? options.writers.stream().mapToInt(Integer::intValue).max().orElse(1) : 1;
    }

    /**
     * One pass of the raw sequential writes: page cache, {@code O_DIRECT}, then page cache after a
     * copy and a CRC-32C, repetition by repetition.
     */
    private Series[] runRawWrites(RawLimits raw) throws IOException {
        Series buffered = new Series();
        Series direct = new Series();
        Series checked = new Series();
        long rawBytes = 2 * options.dataBytes;
        for (int rep = -options.warmup; rep < options.reps; rep++) {
            boolean record = rep >= 0;
            raw.sequentialWrite(false, rawBytes, timeMaxNs(), record ? buffered : new Series());
            raw.sequentialWrite(true, rawBytes, timeMaxNs(), record ? direct : new Series());
            raw.checkedWrite(rawBytes, timeMaxNs(), record ? checked : new Series());
        }
        System.err.printf("raw: buffered %.0f MB/s, O_DIRECT %.0f MB/s, copied and checksummed first %.0f MB/s%n",
                buffered.medianMegabytesPerSecond(), direct.medianMegabytesPerSecond(),
                checked.medianMegabytesPerSecond());
        return new Series[] {buffered, direct, checked};
    }

    private void runCell(Workload workload, boolean fsync, KafkaSubject.Environment kafka) throws IOException {
        List<Subjects> systems = new ArrayList<>(options.systems);
        systems.removeIf(system -> !system.runsIn(workload, fsync, false));
        boolean read = !fsync && options.sections.contains(Options.Section.READ);
        Map<Subjects, Series> appends = new EnumMap<>(Subjects.class);
        Map<Subjects, Subject> kept = new EnumMap<>(Subjects.class);
        systems.forEach(s -> appends.put(s, new Series()));
        try {
            for (int rep = -options.warmup; rep < options.reps; rep++) {
                for (Subjects system : rotated(systems, rep)) {
                    Subject subject = system.open(newDir(system), workload, fsync, kafka);
                    boolean keep = read && rep == options.reps - 1 && system.runsIn(workload, false, true);
                    try {
                        appendRepetition(subject, workload, fsync, rep >= 0 ? appends.get(system) : new Series());
                    } finally {
                        if (keep) {
                            kept.put(system, subject);
                        } else {
                            subject.close();
                        }
                    }
                }
            }
            report.append(workload, fsync, appends);
            logCell("append", workload, fsync, appends);
            if (read) {
                Map<Subjects, Series> reads = readBack(new ArrayList<>(kept.keySet()), kept);
                report.read(workload, reads);
                logCell("read", workload, false, reads);
            }
        } finally {
            for (Subject subject : kept.values()) {
                subject.close();
            }
        }
    }

    private void appendRepetition(Subject subject, Workload workload, boolean fsync, Series into) throws IOException {
        long timestampMs = System.currentTimeMillis();
        long bytesMax = options.dataBytes;
        long timeMaxNs = timeMaxNs();
        int recordsPerBatch = workload.recordsPerBatch();
        long records = 0;
        long bytes = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            bytes += subject.appendBatch(timestampMs, fsync);
            records += recordsPerBatch;
            elapsed = System.nanoTime() - start;
        } while (bytes < bytesMax && elapsed < timeMaxNs);
        into.add(records, bytes, elapsed);
    }

    private Map<Subjects, Series> readBack(List<Subjects> systems, Map<Subjects, Subject> kept) throws IOException {
        for (Subject subject : kept.values()) {
            subject.forceAll();
        }
        Map<Subjects, Series> reads = new EnumMap<>(Subjects.class);
        systems.forEach(s -> reads.put(s, new Series()));
        for (int rep = -options.warmup; rep < options.reps; rep++) {
            for (Subjects system : rotated(systems, rep)) {
                Subject.Tally tally = new Subject.Tally();
                long start = System.nanoTime();
                long elapsed;
                do {
                    kept.get(system).readAll(tally);
                    elapsed = System.nanoTime() - start;
                } while (tally.bytes < options.dataBytes && elapsed < timeMaxNs());
                if (rep >= 0) {
                    reads.get(system).add(tally.records, tally.bytes, elapsed);
                }
            }
        }
        return reads;
    }

    private void runWriters() throws IOException, InterruptedException {
        for (int writers : options.writers) {
            StrictWriters.Result result = StrictWriters.run(newDir(Subjects.SPOOL), writers,
                    TimeUnit.MILLISECONDS.toNanos(options.writersWarmupMs), TimeUnit.SECONDS.toNanos(options.writersSeconds),
                    StrictWriters.STRICT);
            report.writers(result);
            System.err.printf("writers %d: %.0f records/s, p50 %.2f ms, p99 %.2f ms%n", writers,
                    result.recordsPerSecond(), result.latenciesNs.getValueAtPercentile(50) / 1e6,
                    result.latenciesNs.getValueAtPercentile(99) / 1e6);
        }
    }

    private static List<Subjects> rotated(List<Subjects> systems, int rep) {
        List<Subjects> order = new ArrayList<>(systems);
        java.util.Collections.rotate(order, Math.floorMod(rep, Math.max(1, order.size())));
        return order;
    }

    private Path newDir(Subjects system) throws IOException {
        return Files.createTempDirectory(root, system.key + "-");
    }

    private static void logCell(String what, Workload workload, boolean fsync, Map<Subjects, Series> series) {
        StringBuilder line = new StringBuilder(what + " " + (fsync ? "fsync" : "none") + " " + workload.label() + ":");
        series.forEach((system, s) -> line.append(String.format(" %s %.3f M rec/s %.0f MB/s;", system.key,
                s.medianRecordsPerSecond() / 1e6, s.medianMegabytesPerSecond())));
        System.err.println(line);
    }
}

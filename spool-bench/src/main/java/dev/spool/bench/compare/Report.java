package dev.spool.bench.compare;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Collects the harness's results and writes them twice: a table for people (stdout) and a JSON
 * file for tools. Rates are medians over the repetitions; "±" is half the min–max range in
 * percent of the median. MB = 10^6 bytes stored (batch framing included; Chronicle: its 4-byte
 * excerpt header). The targets section compares with the project's targets ({@link Targets}).
 */
final class Report {
    private final Options options;
    private final Path root;
    private final List<Map<String, Object>> appendRows = new ArrayList<>();
    private final List<Map<String, Object>> readRows = new ArrayList<>();
    private final List<Map<String, Object>> writerRows = new ArrayList<>();
    private final Map<String, Object> raw = new LinkedHashMap<>();
    private final List<String[]> table = new ArrayList<>();
    private final List<String[]> rawTable = new ArrayList<>();
    private final List<String[]> writersTable = new ArrayList<>();
    private final Map<String, Double> index = new LinkedHashMap<>();

    Report(Options options, Path root) {
        this.options = options;
        this.root = root;
    }

    void raw(Series buffered, Series direct, Series fsync, Histogram fsyncLatenciesNs) {
        raw.put("bufferedWrite1MiB", json(buffered));
        raw.put("directWrite1MiB", json(direct));
        Map<String, Object> sync = json(fsync);
        sync.put("latencyMs", percentiles(fsyncLatenciesNs));
        raw.put("append4KiBFdatasync", sync);
        rawTable.add(new String[] {"write 1 MiB, page cache (fresh file)", mb(buffered), ""});
        rawTable.add(new String[] {"write 1 MiB, O_DIRECT (fresh file)", mb(direct), ""});
        rawTable.add(new String[] {"append 4 KiB + fdatasync", perSecond(fsync),
                String.format(Locale.ROOT, "p50 %.3f ms, p99 %.3f ms", ms(fsyncLatenciesNs, 50), ms(fsyncLatenciesNs, 99))});
        index.put("raw.buffered.MBps", buffered.medianMegabytesPerSecond());
        index.put("raw.direct.MBps", direct.medianMegabytesPerSecond());
        index.put("raw.fsync.p99ms", ms(fsyncLatenciesNs, 99));
    }

    /** The page-cache read bandwidth: the yardstick of the read rows (kept apart so that raw() keeps its shape). */
    void rawRead(Series read) {
        raw.put("pageCacheRead1MiB", json(read));
        rawTable.add(new String[] {"read 1 MiB, page cache (direct buffer)", mb(read), ""});
        index.put("raw.read.MBps", read.medianMegabytesPerSecond());
    }

    /** The ceilings of the targets a machine may not reach (see {@link RawLimits}): a checked write, SHA-256. */
    void ceilings(Series checkedWrite, Series sha256) {
        raw.put("checkedWrite1MiB", json(checkedWrite));
        raw.put("sha256OneThread1MiB", json(sha256));
        rawTable.add(new String[] {"write 1 MiB, page cache, copied and CRC-32C first", mb(checkedWrite), ""});
        rawTable.add(new String[] {"SHA-256 of 1 MiB, one thread", mb(sha256), ""});
        index.put("raw.checked.MBps", checkedWrite.medianMegabytesPerSecond());
        index.put("raw.sha256.MBps", sha256.medianMegabytesPerSecond());
    }

    /** How often one thread wakes {@code threads} parked threads in turn, with no I/O: the ceiling of N strict writers. */
    void wakes(int threads, Series wakes) {
        Map<String, Object> row = json(wakes);
        row.put("threads", threads);
        raw.put("parkedThreadsWoken", row);
        rawTable.add(new String[] {threads + " parked threads woken in turn, no I/O", perSecond(wakes), ""});
        index.put("raw.wakes." + threads + ".recps", wakes.medianRecordsPerSecond());
    }

    void append(Workload workload, boolean fsync, Map<Subjects, Series> series) {
        rows("append", fsync ? "fsync/batch" : "none", workload, series, appendRows);
    }

    void read(Workload workload, Map<Subjects, Series> series) {
        rows("read", "", workload, series, readRows);
    }

    private void rows(String kind, String durability, Workload workload, Map<Subjects, Series> series,
            List<Map<String, Object>> into) {
        Series spool = series.get(Subjects.SPOOL);
        for (Map.Entry<Subjects, Series> entry : series.entrySet()) {
            Subjects system = entry.getKey();
            Series s = entry.getValue();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("durability", durability.isEmpty() ? "none" : durability);
            row.put("valueBytes", workload.valueBytes());
            row.put("recordsPerBatch", workload.recordsPerBatch());
            row.put("system", system.key);
            row.putAll(json(s));
            into.add(row);
            String versus = "";
            if (spool != null && system != Subjects.SPOOL) {
                versus = String.format(Locale.ROOT, "%.2f×", spool.medianRecordsPerSecond() / s.medianRecordsPerSecond());
            }
            table.add(new String[] {kind, durability, workload.label(), system.label,
                    String.format(Locale.ROOT, "%.3f %s", s.medianRecordsPerSecond() / 1e6, spread(s.recordsPerSecond())),
                    mb(s), versus});
            String key = kind + "." + (durability.isEmpty() ? "none" : durability) + "." + workload.valueBytes() + "x"
                    + workload.recordsPerBatch() + "." + system.key;
            index.put(key + ".recps", s.medianRecordsPerSecond());
            index.put(key + ".MBps", s.medianMegabytesPerSecond());
        }
    }

    void writers(StrictWriters.Result result) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("writers", result.writers);
        row.put("durableAppend", StrictWriters.STRICT_DESCRIPTION);
        row.put("records", result.records);
        row.put("seconds", result.nanos / 1e9);
        row.put("recordsPerSecond", result.recordsPerSecond());
        row.put("ackLatencyMs", percentiles(result.latenciesNs));
        writerRows.add(row);
        Histogram h = result.latenciesNs;
        writersTable.add(new String[] {Integer.toString(result.writers),
                String.format(Locale.ROOT, "%,.0f", result.recordsPerSecond()),
                String.format(Locale.ROOT, "%.3f", ms(h, 50)), String.format(Locale.ROOT, "%.3f", ms(h, 99)),
                String.format(Locale.ROOT, "%.3f", ms(h, 99.9))});
        index.put("writers." + result.writers + ".recps", result.recordsPerSecond());
        index.put("writers." + result.writers + ".p99ms", ms(h, 99));
    }

    void print(PrintStream out) {
        out.println();
        out.println("Spool vs Kafka UnifiedLog vs Chronicle Queue — median of " + options.reps + " reps (± half range)");
        out.println("MB = 10^6 stored bytes; 'Spool ÷' = Spool's records/s over this row's");
        if (!rawTable.isEmpty()) {
            printTable(out, new String[] {"raw limit", "rate", "latency"}, rawTable);
        }
        if (!table.isEmpty()) {
            printTable(out, new String[] {"op", "durability", "workload", "system", "M records/s", "MB/s", "Spool ÷"}, table);
        }
        if (!writersTable.isEmpty()) {
            out.println("Spool strict writers: " + StrictWriters.STRICT_DESCRIPTION + ", 1 KiB × 1");
            printTable(out, new String[] {"writers", "records/s", "p50 ms", "p99 ms", "p99.9 ms"}, writersTable);
        }
        List<String[]> targets = new ArrayList<>();
        for (Targets.Target t : Targets.of(index)) {
            targets.add(new String[] {t.what(), t.peer(), t.ratioText(), t.goalText(), t.ceilingText(),
                    t.met() ? "met" : "missed"});
        }
        if (!targets.isEmpty()) {
            printTable(out, new String[] {"target", "Spool ÷", "this run", "goal", "ceiling here", ""}, targets);
        }
    }

    private static void printTable(PrintStream out, String[] header, List<String[]> rows) {
        int[] widths = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            widths[i] = header[i].length();
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder line = new StringBuilder("|");
        StringBuilder rule = new StringBuilder("|");
        for (int i = 0; i < header.length; i++) {
            line.append(' ').append(pad(header[i], widths[i], false)).append(" |");
            rule.append(i >= 4 || header.length <= 5 && i >= 1 ? "-".repeat(widths[i] + 1) + ":|" : "-".repeat(widths[i] + 2) + "|");
        }
        out.println();
        out.println(line);
        out.println(rule);
        for (String[] row : rows) {
            StringBuilder r = new StringBuilder("|");
            for (int i = 0; i < row.length; i++) {
                r.append(' ').append(pad(row[i], widths[i], i >= 4)).append(" |");
            }
            out.println(r);
        }
        out.println();
    }

    private static String pad(String text, int width, boolean right) {
        String fill = " ".repeat(Math.max(0, width - text.length()));
        return right ? fill + text : text + fill;
    }

    void writeJson(Path file) throws IOException {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("date", Instant.now().toString());
        top.put("machine", machine());
        top.put("arguments", options.given);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("reps", options.reps);
        settings.put("warmup", options.warmup);
        settings.put("dataBytesMax", options.dataBytes);
        settings.put("timeMaxMs", options.timeMaxMs);
        settings.put("readBytesMax", SpoolSubject.READ_BYTES_MAX);
        top.put("settings", settings);
        top.put("raw", raw);
        top.put("append", appendRows);
        top.put("read", readRows);
        top.put("writers", writerRows);
        List<Object> targets = new ArrayList<>();
        for (Targets.Target t : Targets.of(index)) {
            targets.add(t.json());
        }
        top.put("targets", targets);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, Json.write(top) + "\n", StandardCharsets.UTF_8);
    }

    private Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("processors", Runtime.getRuntime().availableProcessors());
        machine.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    machine.put("memTotal", line.substring("MemTotal:".length()).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            machine.put("memTotal", "unknown");
        }
        try {
            machine.put("dataDir", root.getParent().toString());
            machine.put("dataDirUsableBytes", Files.getFileStore(root.getParent()).getUsableSpace());
        } catch (IOException e) {
            machine.put("dataDirUsableBytes", -1);
        }
        return machine;
    }

    private static Map<String, Object> json(Series s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("recordsPerSecond", stat(s.recordsPerSecond()));
        out.put("megabytesPerSecond", stat(s.megabytesPerSecond()));
        out.put("records", s.totalRecords());
        out.put("bytes", s.totalBytes());
        return out;
    }

    private static Map<String, Object> stat(double[] values) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("median", Series.median(values));
        out.put("spreadPercent", Series.spreadPercent(values));
        List<Object> samples = new ArrayList<>();
        for (double v : values) {
            samples.add(v);
        }
        out.put("samples", samples);
        return out;
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("count", h.getTotalCount());
        out.put("p50", ms(h, 50));
        out.put("p99", ms(h, 99));
        out.put("p999", ms(h, 99.9));
        out.put("max", h.getMaxValue() / 1e6);
        return out;
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e6;
    }

    private static String mb(Series s) {
        return String.format(Locale.ROOT, "%.0f %s", s.medianMegabytesPerSecond(), spread(s.megabytesPerSecond()));
    }

    /** The median records (or operations) a second, and the spread. */
    private static String perSecond(Series s) {
        return String.format(Locale.ROOT, "%,.0f /s %s", s.medianRecordsPerSecond(), spread(s.recordsPerSecond()));
    }

    private static String spread(double[] values) {
        return String.format(Locale.ROOT, "±%.0f%%", Series.spreadPercent(values));
    }
}

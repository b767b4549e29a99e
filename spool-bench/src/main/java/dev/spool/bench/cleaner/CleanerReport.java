package dev.spool.bench.cleaner;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The comparison's report: per engine the median over the passes of each figure, and Spool's
 * median over Kafka's; then each pass's cleaning time. MB = 10^6 bytes, MiB = 2^20 bytes.
 */
final class CleanerReport {
    private final CleanerOptions options;
    private final List<Map<String, String>> results;

    CleanerReport(CleanerOptions options, List<Map<String, String>> results) {
        this.options = options;
        this.results = results;
    }

    /** One row: a label, the figure of one case, and how to print it. */
    private record Row(String label, ToDoubleFunction<Map<String, String>> figure, String format) {
    }

    private static double num(Map<String, String> r, String key) {
        return Double.parseDouble(r.get(key));
    }

    private static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("cleaning time, one round (s)", r -> num(r, "cleanSeconds"), "%.2f"));
        rows.add(new Row("CPU time of the cleaning thread (s)", r -> num(r, "threadCpuSeconds"), "%.2f"));
        rows.add(new Row("  of which in the kernel (s)", r -> num(r, "threadCpuSeconds") - num(r, "threadUserSeconds"), "%.2f"));
        rows.add(new Row("cleaning thread waiting for a CPU (run queue) (s)",
                r -> num(r, "runQueueSeconds") < 0 ? Double.NaN : num(r, "runQueueSeconds"), "%.2f"));
        rows.add(new Row("cleaning thread blocked: I/O, fsync, unlink (s)",
                r -> num(r, "blockedSeconds") < 0 ? Double.NaN : num(r, "blockedSeconds"), "%.2f"));
        rows.add(new Row("time less run-queue wait: the round on an idle machine, est. (s)",
                r -> num(r, "runQueueSeconds") < 0 ? Double.NaN : num(r, "cleanSeconds") - num(r, "runQueueSeconds"),
                "%.2f"));
        rows.add(new Row("CPU time of the whole JVM in the round (s)", r -> num(r, "processCpuSeconds"), "%.2f"));
        rows.add(new Row("log cleaned per CPU-second of the thread (MB)",
                r -> num(r, "bytesBefore") / 1e6 / num(r, "threadCpuSeconds"), "%.1f"));
        rows.add(new Row("log cleaned (MB/s of log bytes before)", r -> num(r, "bytesBefore") / 1e6 / num(r, "cleanSeconds"), "%.1f"));
        rows.add(new Row("bytes read, as the engine counts them (MB)", r -> num(r, "bytesRead") / 1e6, "%.1f"));
        rows.add(new Row("  read rate (MB/s)", r -> num(r, "bytesRead") / 1e6 / num(r, "cleanSeconds"), "%.1f"));
        rows.add(new Row("bytes written (MB)", r -> num(r, "bytesWritten") / 1e6, "%.2f"));
        rows.add(new Row("  write rate (MB/s)", r -> num(r, "bytesWritten") / 1e6 / num(r, "cleanSeconds"), "%.2f"));
        rows.add(new Row("log bytes before (MB)", r -> num(r, "bytesBefore") / 1e6, "%.1f"));
        rows.add(new Row("log bytes after (MB)", r -> num(r, "bytesAfter") / 1e6, "%.2f"));
        rows.add(new Row("batches before", r -> num(r, "batchesBefore"), "%,.0f"));
        rows.add(new Row("batches after (empty ones included)", r -> num(r, "batchesAfter"), "%,.0f"));
        rows.add(new Row("segments before", r -> num(r, "segmentsBefore"), "%.0f"));
        rows.add(new Row("segments after", r -> num(r, "segmentsAfter"), "%.0f"));
        rows.add(new Row("records kept (checked)", r -> num(r, "recordsKept"), "%,.0f"));
        rows.add(new Row("records removed (checked)", r -> num(r, "recordsRemoved"), "%,.0f"));
        rows.add(new Row("records removed (engine's count)", r -> num(r, "removedReported"), "%,.0f"));
        rows.add(new Row("key map (MiB)", r -> num(r, "keyMapBytes") / (1 << 20), "%.0f"));
        rows.add(new Row("heap allocated during the round (MB)", r -> num(r, "allocatedBytes") / 1e6, "%.1f"));
        rows.add(new Row("live heap before the round (MB)", r -> num(r, "liveBeforeBytes") / 1e6, "%.1f"));
        // -1 when no collection ran in the round: no figure, and the median is over the passes that have one.
        rows.add(new Row("live heap after GC, max in the round (MB)",
                r -> num(r, "liveMaxBytes") < 0 ? Double.NaN : num(r, "liveMaxBytes") / 1e6, "%.1f"));
        rows.add(new Row("GCs in the round", r -> num(r, "gcCount"), "%.0f"));
        rows.add(new Row("GC time in the round (ms)", r -> num(r, "gcMillis"), "%.0f"));
        rows.add(new Row("RSS before the round (MB)", r -> num(r, "rssBeforeBytes") / 1e6, "%.0f"));
        rows.add(new Row("RSS peak in the round (MB)", r -> num(r, "rssPeakBytes") / 1e6, "%.0f"));
        rows.add(new Row("others' CPU use on the machine in the round (cores)",
                r -> num(r, "otherCores") < 0 ? Double.NaN : num(r, "otherCores"), "%.2f"));
        rows.add(new Row("append + seal, untimed setup (s)", r -> num(r, "appendSeconds"), "%.1f"));
        return rows;
    }

    private List<Map<String, String>> of(String engine) {
        List<Map<String, String>> out = new ArrayList<>();
        for (Map<String, String> r : results) {
            if (engine.equals(r.get("engine"))) {
                out.add(r);
            }
        }
        return out;
    }

    private static double median(List<Map<String, String>> cases, ToDoubleFunction<Map<String, String>> figure) {
        double[] values = cases.stream().mapToDouble(figure).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (values.length == 0) {
            return Double.NaN;
        }
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    String table() {
        List<String> engines = options.engines;
        StringBuilder out = new StringBuilder();
        out.append(String.format("Log compaction, one round: %,d records over %,d keys, %d per batch, %d MiB segments, "
                        + "%d MiB key map, %d pass(es), medians%n", options.records, options.keys, options.batch,
                options.segmentBytes >> 20, options.dedupeBytes >> 20, options.passes));
        out.append("| figure |");
        engines.forEach(e -> out.append(' ').append(e).append(" |"));
        boolean both = engines.size() == 2;
        if (both) {
            out.append(" spool ÷ kafka |");
        }
        out.append('\n').append("|---|");
        engines.forEach(e -> out.append("---:|"));
        if (both) {
            out.append("---:|");
        }
        out.append('\n');
        for (Row row : rows()) {
            out.append("| ").append(row.label()).append(" |");
            Map<String, Double> medians = new LinkedHashMap<>();
            for (String engine : engines) {
                double m = median(of(engine), row.figure());
                medians.put(engine, m);
                out.append(' ').append(Double.isNaN(m) ? "-" : String.format(row.format(), m)).append(" |");
            }
            if (both) {
                double ratio = medians.get(SpoolEngine.NAME) / medians.get(KafkaEngine.NAME);
                out.append(' ').append(Double.isFinite(ratio) ? String.format("%.2f", ratio) : "-").append(" |");
            }
            out.append('\n');
        }
        for (String key : List.of("cleanSeconds", "threadCpuSeconds")) {
            out.append(key.equals("cleanSeconds") ? "\ncleaning time per pass (s):" : "\nthread CPU per pass (s):  ");
            for (String engine : engines) {
                out.append("  ").append(engine).append(' ')
                        .append(Arrays.toString(of(engine).stream().mapToDouble(r -> num(r, key))
                                .mapToObj(v -> String.format("%.2f", v)).toArray()));
            }
        }
        if (both) {
            out.append("\nspool ÷ kafka per pass (the two cases of a pass ran back to back): time");
            for (int pass = 0; pass < options.passes; pass++) {
                out.append(String.format(" %.2f", ratio(pass, "cleanSeconds")));
            }
            out.append("; thread CPU");
            for (int pass = 0; pass < options.passes; pass++) {
                out.append(String.format(" %.2f", ratio(pass, "threadCpuSeconds")));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private double ratio(int pass, String key) {
        return num(of(SpoolEngine.NAME).get(pass), key) / num(of(KafkaEngine.NAME).get(pass), key);
    }

    String json() {
        StringBuilder out = new StringBuilder("{\n  \"options\": ");
        out.append(string(String.join(" ", options.given))).append(",\n  \"cases\": [");
        for (int i = 0; i < results.size(); i++) {
            out.append(i == 0 ? "\n    {" : ",\n    {");
            int j = 0;
            for (Map.Entry<String, String> field : results.get(i).entrySet()) {
                out.append(j++ == 0 ? "" : ", ").append(string(field.getKey())).append(": ").append(value(field.getValue()));
            }
            out.append('}');
        }
        out.append("\n  ],\n  \"medians\": {");
        for (int e = 0; e < options.engines.size(); e++) {
            String engine = options.engines.get(e);
            out.append(e == 0 ? "\n    " : ",\n    ").append(string(engine)).append(": {");
            List<Row> rows = rows();
            for (int i = 0; i < rows.size(); i++) {
                double m = median(of(engine), rows.get(i).figure());
                out.append(i == 0 ? "" : ", ").append(string(rows.get(i).label())).append(": ")
                        .append(Double.isFinite(m) ? Double.toString(m) : "null");
            }
            out.append('}');
        }
        return out.append("\n  }\n}\n").toString();
    }

    private static String value(String text) {
        try {
            Double.parseDouble(text);
            return text.matches("[-0-9.Ee+]+") ? text : string(text);
        } catch (NumberFormatException e) {
            return text.equals("true") || text.equals("false") ? text : string(text);
        }
    }

    private static String string(String text) {
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}

package dev.spool.bench.cleaner;

import dev.spool.bench.BenchData;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Log compaction side by side: Spool's cleaner against Apache Kafka 4.4's own {@code Cleaner}, on
 * the same records, in one run (docs/benchmark-history.md, "Log compaction").
 *
 * <p>Every case runs in a child JVM of its own ({@link CleanerCase}) with the same flags, in a fresh
 * directory that is deleted when the case ends: the engines share neither heap, JIT nor page-cache
 * state left by the other's files. The passes alternate the order (Spool first, then Kafka first),
 * so that a drift of the machine during the run falls on both. The report gives each figure's median
 * over the passes and Spool's over Kafka's. A case whose cleaned log is wrong, or whose data set
 * differs from the other cases' (by checksum), fails the run.
 */
public final class CleanerComparison {
    private CleanerComparison() {
    }

    public static void main(String[] args) throws Exception {
        CleanerOptions options;
        try {
            options = CleanerOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Files.createDirectories(options.dir);
        Path root = Files.createTempDirectory(options.dir, "spool-cleaner-");
        List<Map<String, String>> results = new ArrayList<>();
        long started = System.nanoTime();
        try {
            for (int pass = 0; pass < options.passes; pass++) {
                List<String> order = new ArrayList<>(options.engines);
                if (pass % 2 == 1) {
                    java.util.Collections.reverse(order);
                }
                for (String engine : order) {
                    Map<String, String> result = runCase(options, root, engine, pass);
                    result.put("pass", Integer.toString(pass + 1));
                    results.add(result);
                    System.err.printf("pass %d %-5s clean %.2f s, %s -> %s bytes, %s kept%n", pass + 1, engine,
                            Double.parseDouble(result.get("cleanSeconds")), result.get("bytesBefore"),
                            result.get("bytesAfter"), result.get("recordsKept"));
                }
            }
        } finally {
            BenchData.deleteRecursively(root);
        }
        String checksum = results.get(0).get("checksum");
        for (Map<String, String> result : results) {
            if (!checksum.equals(result.get("checksum"))) {
                throw new IllegalStateException("Data sets differ between cases: checksum " + result.get("checksum")
                        + " (" + result.get("engine") + ", pass " + result.get("pass") + ") against " + checksum);
            }
        }
        CleanerReport report = new CleanerReport(options, results);
        System.out.println(report.table());
        if (options.json != null) {
            Files.writeString(options.json, report.json(), StandardCharsets.UTF_8);
            System.err.println("results: " + options.json.toAbsolutePath());
        }
        if (options.jfrDir != null) {
            System.out.println(JfrTopFrames.report(options.jfrDir, options.engines, 15));
        }
        System.err.printf("total %.0f s%n", (System.nanoTime() - started) / 1e9);
    }

    /** Runs one case in a child JVM and returns its RESULT fields. */
    private static Map<String, String> runCase(CleanerOptions options, Path root, String engine, int pass)
            throws IOException, InterruptedException {
        Path dir = root.resolve(engine + "-pass" + (pass + 1));
        Path log = root.resolve(engine + "-pass" + (pass + 1) + ".log");
        checkSpace(options, root);
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(options.jvmArgs.trim().split("\\s+")));
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CleanerCase.class.getName());
        addAll(command, "--engine", engine, "--dir", dir.toString(), "--records", Long.toString(options.records),
                "--keys", Integer.toString(options.keys), "--batch", Integer.toString(options.batch),
                "--segment-bytes", Integer.toString(options.segmentBytes),
                "--dedupe-bytes", Integer.toString(options.dedupeBytes), "--seed", Long.toString(options.seed),
                "--warmup-records", Long.toString(options.warmupRecords));
        if (options.jfrDir != null) {
            Files.createDirectories(options.jfrDir);
            addAll(command, "--jfr", options.jfrDir.resolve(engine + "-pass" + (pass + 1) + ".jfr").toString());
        }
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        process.getOutputStream().close();
        Map<String, String> result = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(CleanerCase.RESULT)) {
                    result = parseResult(line.substring(CleanerCase.RESULT.length()));
                }
            }
        }
        int exit = process.waitFor();
        String stderr = Files.readString(log, StandardCharsets.UTF_8);
        BenchData.deleteRecursively(dir);
        if (exit != 0 || result == null) {
            throw new IllegalStateException("Case " + engine + " pass " + (pass + 1) + " failed (exit " + exit + "):\n"
                    + tail(stderr, 4000));
        }
        return result;
    }

    /** Fails before a case when the disk cannot hold its log and the cleaned copy beside it. */
    private static void checkSpace(CleanerOptions options, Path root) throws IOException {
        long need = options.records * 160L * 2 + (1L << 30);
        long usable = Files.getFileStore(root).getUsableSpace();
        if (usable < need) {
            throw new IllegalStateException("Only " + usable / (1 << 20) + " MiB free under " + root + "; a case of "
                    + options.records + " records needs about " + need / (1 << 20) + " MiB");
        }
    }

    private static Map<String, String> parseResult(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String field : text.trim().split(" ")) {
            int eq = field.indexOf('=');
            if (eq > 0) {
                out.put(field.substring(0, eq), field.substring(eq + 1));
            }
        }
        return out;
    }

    private static void addAll(List<String> list, String... items) {
        list.addAll(Arrays.asList(items));
    }

    private static String tail(String text, int chars) {
        return text.length() <= chars ? text : "..." + text.substring(text.length() - chars);
    }
}

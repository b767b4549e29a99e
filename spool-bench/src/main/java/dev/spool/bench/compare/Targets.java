package dev.spool.bench.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The project's performance targets that one run of the harness can speak to, each a ratio of two
 * figures measured in that run: Spool's against a peer's (Kafka's log, Chronicle Queue, the disk's
 * raw bandwidth, Spool without the hash chain, one strict writer). A target whose figures the run
 * did not measure (a section or system left out) is skipped, not reported as missed.
 *
 * <p>Reads {@link Report}'s index of medians: {@code kind.durability.<value>x<batch>.system.recps}
 * (and {@code .MBps}), {@code raw.*}, {@code writers.N.*}.
 */
final class Targets {

    /**
     * One target: Spool's figure and the peer's (in {@code measure}: records/s, MB/s or ms), their
     * ratio, shown as a percentage when {@code percent}, and whether it meets the goal. Where the run
     * measured what this machine allows for the ratio whatever the engine does, {@code ceiling} is
     * that ratio (NaN otherwise): a goal above it cannot be met here.
     */
    record Target(String what, String measure, double spool, String peer, double peerValue, double ratio,
                  double goal, boolean percent, boolean atMost, double ceiling) {
        boolean met() {
            return atMost ? ratio <= goal : ratio >= goal;
        }

        String goalText() {
            return (atMost ? "≤ " : "≥ ") + format(goal, percent);
        }

        String ratioText() {
            return format(ratio, percent);
        }

        /** The ceiling as the ratio is shown, or an empty string when the run did not measure one. */
        String ceilingText() {
            return Double.isNaN(ceiling) ? "" : format(ceiling, percent);
        }

        private static String format(double value, boolean percent) {
            return percent ? String.format(Locale.ROOT, "%.0f%%", value * 100)
                    : String.format(Locale.ROOT, "%.2f×", value);
        }

        Map<String, Object> json() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("what", what);
            out.put("measure", measure);
            out.put("percent", percent);
            out.put("spool", spool);
            out.put("peer", peer);
            out.put("peerValue", peerValue);
            out.put("ratio", ratio);
            out.put("goal", goalText());
            out.put("met", met());
            if (!Double.isNaN(ceiling)) {
                out.put("ceiling", ceiling);
            }
            return out;
        }
    }

    private final Map<String, Double> index;
    private final List<Target> out = new ArrayList<>();

    private Targets(Map<String, Double> index) {
        this.index = index;
    }

    static List<Target> of(Map<String, Double> index) {
        Targets targets = new Targets(index);
        targets.collect();
        return targets.out;
    }

    private void collect() {
        for (String size : List.of("100", "1024")) {
            versus("append", size, 1, "chronicle", "Chronicle Queue", 1.0);
        }
        for (int batch : List.of(100, 1000)) {
            versus("append", "100", batch, "kafka", "Kafka log", 2.0);
        }
        for (int batch : List.of(100, 1000)) {
            versus("append", "1024", batch, "kafka", "Kafka log", 1.5);
            Double spool = index.get(cell("append", "1024", batch, "spool") + ".MBps");
            Double raw = max(index.get("raw.buffered.MBps"), index.get("raw.direct.MBps"));
            add("append 1 KiB × " + batch + ", of raw sequential write", "MB/s", spool, "raw write", raw, 0.9, false,
                    ratio(index.get("raw.checked.MBps"), raw));
        }
        for (int batch : List.of(1, 100, 1000)) {
            versus("read", "100", batch, "kafka", "Kafka log", 2.0);
            versus("read", "100", batch, "chronicle", "Chronicle Queue", 1.0);
        }
        for (int batch : List.of(100, 1000)) {
            Double spool = index.get(cell("read", "1024", batch, "spool") + ".MBps");
            add("read 1 KiB × " + batch + ", of raw page-cache read", "MB/s", spool, "raw read",
                    index.get("raw.read.MBps"), 0.5, false, Double.NaN);
        }
        for (String size : List.of("100", "1024")) {
            for (int batch : List.of(100, 1000)) {
                Double chained = index.get(cell("append", size, batch, "spool-chain") + ".recps");
                Double plain = index.get(cell("append", size, batch, "spool") + ".recps");
                add("append " + label(size) + " × " + batch + " with the hash chain, of without", "records/s", chained,
                        "no chain", plain, 0.9, false,
                        chainCeiling(index.get(cell("append", size, batch, "spool") + ".MBps"),
                                index.get("raw.sha256.MBps")));
            }
        }
        Double many = index.get("writers.64.recps");
        add("64 strict writers, of 1 strict writer", "records/s", many, "1 writer", index.get("writers.1.recps"),
                30, false, ratio(index.get("raw.wakes.64.recps"), index.get("writers.1.recps")));
        add("64 strict writers' ack p99, of the disk's fdatasync p99", "ms", index.get("writers.64.p99ms"),
                "fdatasync p99", index.get("raw.fsync.p99ms"), 3, true, Double.NaN);
    }

    /**
     * The most a chained append can make of the unchained rate with both of this machine's cores
     * busy: the unchained append's work and a SHA-256 pass over the same bytes, spread over two
     * cores, {@code 2 / (1 / plain + 1 / sha256)} bytes/s, over {@code plain} (at most 1). A
     * generous ceiling: one appending thread, which does both in turn, makes
     * {@code sha256 / (plain + sha256)}.
     */
    static double chainCeiling(Double plainMBps, Double sha256MBps) {
        if (plainMBps == null || sha256MBps == null || plainMBps <= 0 || sha256MBps <= 0) {
            return Double.NaN;
        }
        return Math.min(1, 2 * sha256MBps / (plainMBps + sha256MBps));
    }

    private static double ratio(Double ceiling, Double peer) {
        return ceiling == null || peer == null || peer <= 0 ? Double.NaN : ceiling / peer;
    }

    private void versus(String kind, String size, int batch, String peerKey, String peerName, double goal) {
        Double spool = index.get(cell(kind, size, batch, "spool") + ".recps");
        Double peer = index.get(cell(kind, size, batch, peerKey) + ".recps");
        add(kind + " " + label(size) + " × " + batch, "records/s", spool, peerName, peer, goal, false, Double.NaN);
    }

    private void add(String what, String measure, Double spool, String peer, Double peerValue, double goal,
                     boolean atMost, double ceiling) {
        if (spool == null || peerValue == null || peerValue <= 0) {
            return;
        }
        out.add(new Target(what, measure, spool, peer, peerValue, spool / peerValue, goal, goal < 1, atMost,
                ceiling));
    }

    private static String cell(String kind, String size, int batch, String system) {
        return kind + ".none." + size + "x" + batch + "." + system;
    }

    private static String label(String size) {
        return size.equals("1024") ? "1 KiB" : size + " B";
    }

    private static Double max(Double a, Double b) {
        return a == null ? b : b == null ? a : Double.valueOf(Math.max(a, b));
    }
}

package dev.spool.bench.kafka;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * The wire benchmark's output: one line per turn as it finishes, then a Markdown summary of
 * medians over rounds (with the min–max range of the throughputs) and the Spool/Kafka ratios of
 * those medians for each pair of equal durability. Rates in records/s and MB/s (10^6 bytes of
 * record values); latencies in milliseconds.
 */
final class WireReport {
    /** The target: Spool's throughput at least this multiple of Kafka's. */
    private static final double THROUGHPUT_RATIO_TARGET = 1.2;

    private WireReport() {
    }

    static String line(WireBenchmark.Turn turn) {
        return String.format(Locale.ROOT, "round %d %-13s produce %,9.0f rec/s %6.1f MB/s  p50 %s p99 %s max %s | "
                        + "paced p50 %s p99 %s max %s | consume %,9.0f rec/s %6.1f MB/s | other CPU %.2f cores", turn.round(),
                turn.target().label, turn.saturated().recordsPerSecond(), megabytes(turn.saturated().bytes(),
                        turn.saturated().nanos()),
                ms(turn.saturated().latencyMicros(), 50), ms(turn.saturated().latencyMicros(), 99),
                ms(turn.saturated().latencyMicros(), 100), ms(turn.paced().latencyMicros(), 50),
                ms(turn.paced().latencyMicros(), 99), ms(turn.paced().latencyMicros(), 100),
                turn.consumed().recordsPerSecond(), megabytes(turn.consumed().bytes(), turn.consumed().nanos()),
                turn.otherCores());
    }

    static String summary(WireOptions options, List<WireBenchmark.Turn> turns) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Medians of %d round(s); records of %d B, %d partition(s); "
                        + "throughputs as median [min-max]; latencies in ms from send() to callback, saturated and "
                        + "paced at %,d records/s; other CPU: cores used by other processes during the turn%n%n",
                options.rounds, options.valueBytes, options.partitions, options.pacedRate));
        out.append("| target | records | produce rec/s | produce MB/s | saturated p50 / p99 / max | "
                + "paced p50 / p99 / max | consume rec/s | consume MB/s | other CPU |\n");
        out.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Target target : options.targets) {
            List<WireBenchmark.Turn> mine = of(turns, target);
            if (mine.isEmpty()) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "| %s | %,d | %s | %s | %s / %s / %s | %s / %s / %s | %s | %s | %.2f |%n",
                    target.label, options.recordsFor(target),
                    range(mine, t -> t.saturated().recordsPerSecond(), "%,.0f"),
                    range(mine, t -> megabytes(t.saturated().bytes(), t.saturated().nanos()), "%.1f"),
                    medianMs(mine, t -> percentileMs(t.saturated().latencyMicros(), 50)),
                    medianMs(mine, t -> percentileMs(t.saturated().latencyMicros(), 99)),
                    medianMs(mine, t -> percentileMs(t.saturated().latencyMicros(), 100)),
                    medianMs(mine, t -> percentileMs(t.paced().latencyMicros(), 50)),
                    medianMs(mine, t -> percentileMs(t.paced().latencyMicros(), 99)),
                    medianMs(mine, t -> percentileMs(t.paced().latencyMicros(), 100)),
                    range(mine, t -> t.consumed().recordsPerSecond(), "%,.0f"),
                    range(mine, t -> megabytes(t.consumed().bytes(), t.consumed().nanos()), "%.1f"),
                    median(mine, WireBenchmark.Turn::otherCores)));
        }
        out.append('\n');
        for (Target spool : List.of(Target.SPOOL_STRICT, Target.SPOOL_RELAXED)) {
            List<WireBenchmark.Turn> ours = of(turns, spool);
            List<WireBenchmark.Turn> theirs = of(turns, spool.rival());
            if (ours.isEmpty() || theirs.isEmpty()) {
                continue;
            }
            double produce = ratio(ours, theirs, t -> t.saturated().recordsPerSecond());
            double consume = ratio(ours, theirs, t -> t.consumed().recordsPerSecond());
            double pacedP99 = ratio(ours, theirs, t -> percentileMs(t.paced().latencyMicros(), 99));
            double saturatedP99 = ratio(ours, theirs, t -> percentileMs(t.saturated().latencyMicros(), 99));
            out.append(String.format(Locale.ROOT, "%s / %s: produce %.2fx, consume %.2fx, paced p99 %.2fx, "
                            + "saturated p99 %.2fx (target: throughput >= %.1fx and a lower p99: produce %s, "
                            + "consume %s, paced p99 %s)%n", spool.label, spool.rival().label, produce, consume,
                    pacedP99, saturatedP99, THROUGHPUT_RATIO_TARGET, met(produce >= THROUGHPUT_RATIO_TARGET),
                    met(consume >= THROUGHPUT_RATIO_TARGET), met(pacedP99 < 1)));
        }
        return out.toString();
    }

    private static String met(boolean met) {
        return met ? "met" : "NOT met";
    }

    private static List<WireBenchmark.Turn> of(List<WireBenchmark.Turn> turns, Target target) {
        List<WireBenchmark.Turn> mine = new ArrayList<>();
        for (WireBenchmark.Turn turn : turns) {
            if (turn.target() == target) {
                mine.add(turn);
            }
        }
        return mine;
    }

    private static double ratio(List<WireBenchmark.Turn> ours, List<WireBenchmark.Turn> theirs,
                                ToDoubleFunction<WireBenchmark.Turn> metric) {
        return median(ours, metric) / median(theirs, metric);
    }

    private static String range(List<WireBenchmark.Turn> turns, ToDoubleFunction<WireBenchmark.Turn> metric,
                                String format) {
        double[] values = turns.stream().mapToDouble(metric).sorted().toArray();
        String median = String.format(Locale.ROOT, format, median(values));
        if (values.length < 2) {
            return median;
        }
        return median + " [" + String.format(Locale.ROOT, format, values[0]) + "-"
                + String.format(Locale.ROOT, format, values[values.length - 1]) + "]";
    }

    private static String medianMs(List<WireBenchmark.Turn> turns, ToDoubleFunction<WireBenchmark.Turn> metric) {
        return String.format(Locale.ROOT, "%.2f", median(turns, metric));
    }

    private static double median(List<WireBenchmark.Turn> turns, ToDoubleFunction<WireBenchmark.Turn> metric) {
        return median(turns.stream().mapToDouble(metric).toArray());
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static double percentileMs(Histogram micros, double percentile) {
        long value = percentile >= 100 ? micros.getMaxValue() : micros.getValueAtPercentile(percentile);
        return value / 1000.0;
    }

    private static String ms(Histogram micros, double percentile) {
        return String.format(Locale.ROOT, "%.2f", percentileMs(micros, percentile));
    }

    private static double megabytes(long bytes, long nanos) {
        return bytes * 1e3 / nanos;
    }
}

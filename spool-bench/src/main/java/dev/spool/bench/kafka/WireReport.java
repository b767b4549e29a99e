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
    private WireReport() {
    }

    static String line(WireBenchmark.Turn turn) {
        return String.format(Locale.ROOT, "round %d %-13s %,9d records, produce %,9.0f rec/s %6.1f MB/s  "
                        + "p50 %s p99 %s max %s | "
                        + "paced p50 %s p99 %s max %s | consume %,9.0f rec/s %6.1f MB/s, librdkafka %,9.0f rec/s | "
                        + "broker CPU/record %.1f / %.1f us | other CPU %.2f cores", turn.round(),
                turn.target().label, turn.saturated().records(), turn.saturated().recordsPerSecond(), megabytes(turn.saturated().bytes(),
                        turn.saturated().nanos()),
                ms(turn.saturated().latencyMicros(), 50), ms(turn.saturated().latencyMicros(), 99),
                ms(turn.saturated().latencyMicros(), 100), ms(turn.paced().latencyMicros(), 50),
                ms(turn.paced().latencyMicros(), 99), ms(turn.paced().latencyMicros(), 100),
                turn.consumed().recordsPerSecond(), megabytes(turn.consumed().bytes(), turn.consumed().nanos()),
                turn.librdkafkaRecordsPerSecond(), turn.produceBrokerCpuMicros(), turn.consumeBrokerCpuMicros(), turn.otherCores());
    }

    static String summary(WireOptions options, List<WireBenchmark.Turn> turns) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Medians of %d round(s); records of %d B in batches of up to %d B, %d partition(s); "
                        + "throughputs as median [min-max]; latencies in ms from send() to callback, saturated and "
                        + "paced at %,d records/s; broker CPU: the server process's CPU time per record produced (saturated) "
                        + "and consumed, in microseconds; other CPU: cores used by other processes during the turn%n%n",
                options.rounds, options.valueBytes, options.batchBytes, options.partitions, options.pacedRate));
        out.append("| target | records (median) | produce rec/s | produce MB/s | saturated p50 / p99 / max | "
                + "paced p50 / p99 / max | consume rec/s | consume MB/s | consume rec/s, librdkafka | "
                + "broker CPU us/record produce / consume | other CPU |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Target target : options.targets) {
            List<WireBenchmark.Turn> mine = of(turns, target);
            if (mine.isEmpty()) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "| %s | %,d | %s | %s | %s / %s / %s | %s / %s / %s | %s | %s | %s | %.1f / %.1f | %.2f |%n",
                    target.label, (long) median(mine, t -> t.saturated().records()),
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
                    range(mine, WireBenchmark.Turn::librdkafkaRecordsPerSecond, "%,.0f"),
                    median(mine, WireBenchmark.Turn::produceBrokerCpuMicros),
                    median(mine, WireBenchmark.Turn::consumeBrokerCpuMicros),
                    median(mine, WireBenchmark.Turn::otherCores)));
        }
        out.append('\n');
        for (Target spool : List.of(Target.SPOOL_STRICT, Target.SPOOL_RELAXED)) {
            List<WireBenchmark.Turn> ours = of(turns, spool);
            List<WireBenchmark.Turn> theirs = of(turns, spool.rival());
            if (ours.isEmpty() || theirs.isEmpty()) {
                continue;
            }
            ToDoubleFunction<WireBenchmark.Turn> produce = t -> t.saturated().recordsPerSecond();
            ToDoubleFunction<WireBenchmark.Turn> consume = t -> t.consumed().recordsPerSecond();
            ToDoubleFunction<WireBenchmark.Turn> librdkafka = WireBenchmark.Turn::librdkafkaRecordsPerSecond;
            ToDoubleFunction<WireBenchmark.Turn> pacedP99 = t -> percentileMs(t.paced().latencyMicros(), 99);
            ToDoubleFunction<WireBenchmark.Turn> saturatedP99 = t -> percentileMs(t.saturated().latencyMicros(), 99);
            double produceRatio = ratio(ours, theirs, produce);
            double consumeRatio = ratio(ours, theirs, consume);
            double librdkafkaRatio = ratio(ours, theirs, librdkafka);
            double pacedRatio = ratio(ours, theirs, pacedP99);
            double target = spool.durable ? WireJson.DURABLE_PRODUCE_TARGET : WireJson.PAGE_CACHE_TARGET;
            out.append(String.format(Locale.ROOT, "%s / %s, ratios of the medians: produce %.2fx, consume %.2fx "
                            + "(librdkafka %.2fx), paced p99 %.2fx, saturated p99 %.2fx (targets: produce >= %.1fx %s%s, "
                            + "a lower paced p99 %s)%n", spool.label, spool.rival().label,
                    produceRatio, consumeRatio, librdkafkaRatio, pacedRatio, ratio(ours, theirs, saturatedP99),
                    target, met(produceRatio >= target),
                    spool.durable ? "" : String.format(Locale.ROOT, ", consume >= %.1fx %s (librdkafka %s)", target,
                            met(consumeRatio >= target), Double.isNaN(librdkafkaRatio) ? "not measured: no kcat"
                                    : met(librdkafkaRatio >= target)), met(pacedRatio < 1)));
            out.append("  the same ratios round by round (the two turns of a round run back to back): produce ")
                    .append(perRound(ours, theirs, produce)).append("; consume ").append(perRound(ours, theirs, consume))
                    .append("; consume, librdkafka ").append(perRound(ours, theirs, librdkafka))
                    .append("; paced p99 ").append(perRound(ours, theirs, pacedP99)).append('\n');
        }
        return out.toString();
    }

    /** Spool's figure over Kafka's in each round that ran both, then their median. */
    private static String perRound(List<WireBenchmark.Turn> ours, List<WireBenchmark.Turn> theirs,
                                   ToDoubleFunction<WireBenchmark.Turn> metric) {
        List<Double> ratios = new ArrayList<>();
        for (WireBenchmark.Turn mine : ours) {
            for (WireBenchmark.Turn rival : theirs) {
                if (rival.round() == mine.round()) {
                    ratios.add(metric.applyAsDouble(mine) / metric.applyAsDouble(rival));
                }
            }
        }
        StringBuilder out = new StringBuilder();
        for (double r : ratios) {
            out.append(out.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", r));
        }
        double median = median(ratios.stream().mapToDouble(Double::doubleValue).toArray());
        return out.append(String.format(Locale.ROOT, " (median %.2fx)", median)).toString();
    }

    private static String met(boolean met) {
        return met ? "met" : "NOT met";
    }

    static List<WireBenchmark.Turn> of(List<WireBenchmark.Turn> turns, Target target) {
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

    static double percentileMs(Histogram micros, double percentile) {
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

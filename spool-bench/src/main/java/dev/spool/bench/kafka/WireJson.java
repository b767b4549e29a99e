package dev.spool.bench.kafka;

import dev.spool.bench.compare.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The wire benchmark's results for tools (the report's table and charts): every turn's figures,
 * their medians per target, and the project's targets for the server as ratios of those medians,
 * in the shape the comparison harness uses ({@code what, measure, spool, peer, peerValue, ratio,
 * goal, met}).
 *
 * <p>Targets: durable produce at least 2.5× Kafka with {@code flush.messages=1}; page-cache produce
 * and consume at least 1.5× Kafka's defaults (consume read by Kafka's Java consumer, and by
 * librdkafka through kcat where it is installed); a lower p99 than Kafka at the paced rate, both pairs.
 */
final class WireJson {
    static final double DURABLE_PRODUCE_TARGET = 2.5;
    static final double PAGE_CACHE_TARGET = 1.5;

    private WireJson() {
    }

    static void write(Path file, WireOptions options, List<WireBenchmark.Turn> turns) throws IOException {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("date", Instant.now().toString());
        top.put("arguments", options.given);
        top.put("processors", Runtime.getRuntime().availableProcessors());
        top.put("valueBytes", options.valueBytes);
        top.put("batchBytes", options.batchBytes);
        top.put("partitions", options.partitions);
        top.put("pacedRecordsPerSecond", options.pacedRate);
        List<Object> rows = new ArrayList<>();
        for (WireBenchmark.Turn turn : turns) {
            Map<String, Object> row = figures(List.of(turn));
            row.put("round", turn.round());
            row.put("target", turn.target().label);
            rows.add(row);
        }
        top.put("turns", rows);
        Map<String, Object> medians = new LinkedHashMap<>();
        for (Target target : Target.values()) {
            List<WireBenchmark.Turn> mine = WireReport.of(turns, target);
            if (!mine.isEmpty()) {
                Map<String, Object> row = figures(mine);
                row.put("broker", target.spool ? "spool" : "kafka");
                row.put("pair", target.durable ? "durable" : "page cache");
                medians.put(target.label, row);
            }
        }
        top.put("medians", medians);
        top.put("targets", targets(turns));
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, Json.write(top) + "\n", StandardCharsets.UTF_8);
    }

    /** The medians of {@code turns}' figures (one turn: its own). */
    private static Map<String, Object> figures(List<WireBenchmark.Turn> turns) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("produceRecordsPerSecond", median(turns, t -> t.saturated().recordsPerSecond()));
        row.put("produceMegabytesPerSecond", median(turns, t -> t.saturated().bytes() * 1e3 / t.saturated().nanos()));
        row.put("consumeRecordsPerSecond", median(turns, t -> t.consumed().recordsPerSecond()));
        row.put("consumeMegabytesPerSecond", median(turns, t -> t.consumed().bytes() * 1e3 / t.consumed().nanos()));
        if (turns.stream().allMatch(t -> t.librdkafka().isPresent())) {
            row.put("consumeLibrdkafkaRecordsPerSecond", median(turns, WireBenchmark.Turn::librdkafkaRecordsPerSecond));
        }
        row.put("saturatedP50Ms", median(turns, t -> WireReport.percentileMs(t.saturated().latencyMicros(), 50)));
        row.put("saturatedP99Ms", median(turns, t -> WireReport.percentileMs(t.saturated().latencyMicros(), 99)));
        row.put("pacedP50Ms", median(turns, t -> WireReport.percentileMs(t.paced().latencyMicros(), 50)));
        row.put("pacedP99Ms", median(turns, t -> WireReport.percentileMs(t.paced().latencyMicros(), 99)));
        row.put("brokerCpuMicrosPerRecordProduced", median(turns, WireBenchmark.Turn::produceBrokerCpuMicros));
        return row;
    }

    private static List<Object> targets(List<WireBenchmark.Turn> turns) {
        List<Object> out = new ArrayList<>();
        add(out, "server: durable produce (acks=all, fsync), records/s", turns, Target.SPOOL_STRICT,
                t -> t.saturated().recordsPerSecond(), DURABLE_PRODUCE_TARGET, false);
        add(out, "server: page-cache produce (acks=all), records/s", turns, Target.SPOOL_RELAXED,
                t -> t.saturated().recordsPerSecond(), PAGE_CACHE_TARGET, false);
        add(out, "server: consume (page-cache pair), records/s", turns, Target.SPOOL_RELAXED,
                t -> t.consumed().recordsPerSecond(), PAGE_CACHE_TARGET, false);
        if (turns.stream().allMatch(t -> t.librdkafka().isPresent())) {
            add(out, "server: consume by librdkafka (kcat; page-cache pair), records/s", turns, Target.SPOOL_RELAXED,
                    WireBenchmark.Turn::librdkafkaRecordsPerSecond, PAGE_CACHE_TARGET, false);
        }
        add(out, "server: produce p99 at a paced rate, durable", turns, Target.SPOOL_STRICT,
                t -> WireReport.percentileMs(t.paced().latencyMicros(), 99), 1.0, true);
        add(out, "server: produce p99 at a paced rate, page cache", turns, Target.SPOOL_RELAXED,
                t -> WireReport.percentileMs(t.paced().latencyMicros(), 99), 1.0, true);
        return out;
    }

    private static void add(List<Object> out, String what, List<WireBenchmark.Turn> turns, Target spool,
                            ToDoubleFunction<WireBenchmark.Turn> metric, double goal, boolean lower) {
        List<WireBenchmark.Turn> ours = WireReport.of(turns, spool);
        List<WireBenchmark.Turn> theirs = WireReport.of(turns, spool.rival());
        if (ours.isEmpty() || theirs.isEmpty()) {
            return;
        }
        double mine = median(ours, metric);
        double rival = median(theirs, metric);
        double ratio = mine / rival;
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("what", what);
        target.put("measure", lower ? "ms" : "records/s");
        target.put("spool", mine);
        target.put("peer", spool.rival().label);
        target.put("peerValue", rival);
        target.put("ratio", ratio);
        target.put("percent", false);
        target.put("goal", (lower ? "< " : "≥ ") + String.format(java.util.Locale.ROOT, "%.2f×", goal));
        target.put("met", lower ? ratio < goal : ratio >= goal);
        out.add(target);
    }

    private static double median(List<WireBenchmark.Turn> turns, ToDoubleFunction<WireBenchmark.Turn> metric) {
        return WireReport.median(turns.stream().mapToDouble(metric).toArray());
    }
}

package dev.spool.bench.kafka;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** The wire benchmark's command-line options; the defaults size one target's round at ~20–40 s on 2 cores. */
final class WireOptions {
    static final String USAGE = String.join("\n",
            "usage: wire-bench.sh [options]   (or: java -cp spool-benchmarks.jar dev.spool.bench.kafka.WireBenchmark)",
            "  --quick               smoke run: 1 round, 100,000 / 10,000 records, 3 s paced, 10 s at most",
            "  --targets LIST        spool-strict,kafka-flush1,spool-relaxed,kafka-default (default all)",
            "  --rounds N            rounds; each runs every target once, alternating which goes first (default 3)",
            "  --records N           records of the saturated produce phase, then read back, for the page-cache",
            "                        pair spool-relaxed/kafka-default (default 3000000)",
            "  --durable-records N   the same for the durable pair spool-strict/kafka-flush1 (default 1000000)",
            "  --send-seconds-max N  the saturated phase stops sending after N s even if records remain, so a",
            "                        slow disk cannot stretch a turn (default 40); throughput counts what was sent",
            "  --warmup-percent N    unmeasured records produced and read first, in % of the above (default 20)",
            "  --value-bytes N       record value size (default 1024)",
            "  --batch-bytes N       the producer's batch.size (default 65536; below a record's size, every",
            "                        record is a batch of its own)",
            "  --partitions N        partitions of each topic (default 1)",
            "  --paced-rate N        records/s of the paced latency phase, both pairs (default 1000)",
            "  --paced-seconds N     length of the paced latency phase (default 15)",
            "  --dir DIR             where the brokers' data directories go (default java.io.tmpdir)",
            "  --logs DIR            brokers' logs (and JFR recordings) (default wire-bench-logs)",
            "  --json FILE           results for tools: turns, medians, targets (default LOGS/wire-results.json)",
            "  --jfr                 record each broker with JFR (settings=profile) into --logs",
            "  --broker-java-opts S  extra JVM flags for both brokers, space-separated (e.g. for a profiler)");

    List<Target> targets = List.of(Target.SPOOL_STRICT, Target.KAFKA_FLUSH1, Target.SPOOL_RELAXED,
            Target.KAFKA_DEFAULT);
    int rounds = 3;
    long records = 3_000_000;
    long durableRecords = 1_000_000;
    long sendSecondsMax = 40;
    int warmupPercent = 20;
    int valueBytes = 1024;
    int batchBytes = 64 * 1024;
    int partitions = 1;
    long pacedRate = 1_000;
    long pacedSeconds = 15;
    Path dir = Paths.get(System.getProperty("java.io.tmpdir"));
    Path logs = Paths.get("wire-bench-logs");
    /** Null until parsed: then the --json file, or wire-results.json in the logs directory. */
    Path json;
    boolean jfr;
    List<String> brokerJavaOpts = List.of();
    final List<String> given = new ArrayList<>();

    static WireOptions parse(String[] args) {
        WireOptions options = new WireOptions();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            options.given.add(arg);
            switch (arg) {
                case "--help", "-h" -> {
                    System.out.println(USAGE);
                    System.exit(0);
                }
                case "--quick" -> {
                    options.rounds = 1;
                    options.records = 100_000;
                    options.durableRecords = 10_000;
                    options.pacedSeconds = 3;
                    options.sendSecondsMax = 10;
                }
                case "--jfr" -> options.jfr = true;
                default -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("Option " + arg + " needs a value\n" + USAGE);
                    }
                    String value = args[++i];
                    options.given.add(value);
                    options.set(arg, value);
                }
            }
        }
        if (options.json == null) {
            options.json = options.logs.resolve("wire-results.json");
        }
        return options;
    }

    private void set(String option, String value) {
        switch (option) {
            case "--targets" -> {
                List<Target> chosen = new ArrayList<>();
                for (String label : value.split(",")) {
                    chosen.add(Target.parse(label));
                }
                targets = List.copyOf(chosen);
            }
            case "--rounds" -> rounds = (int) positive(option, value, 1_000);
            case "--records" -> records = positive(option, value, 1_000_000_000L);
            case "--durable-records" -> durableRecords = positive(option, value, 1_000_000_000L);
            case "--send-seconds-max" -> sendSecondsMax = positive(option, value, 3_600);
            case "--warmup-percent" -> warmupPercent = (int) positive(option, value, 1_000);
            case "--value-bytes" -> valueBytes = (int) positive(option, value, 1 << 20);
            case "--batch-bytes" -> batchBytes = (int) positive(option, value, 1 << 24);
            case "--partitions" -> partitions = (int) positive(option, value, 1_000);
            case "--paced-rate" -> pacedRate = positive(option, value, 1_000_000);
            case "--paced-seconds" -> pacedSeconds = positive(option, value, 3_600);
            case "--dir" -> dir = Paths.get(value);
            case "--logs" -> logs = Paths.get(value);
            case "--json" -> json = Paths.get(value);
            case "--broker-java-opts" -> brokerJavaOpts = value.isBlank() ? List.of()
                    : List.of(value.trim().split("\\s+"));
            default -> throw new IllegalArgumentException("Unknown option " + option + "\n" + USAGE);
        }
    }

    /** Records of the saturated phase for {@code target}'s pair. */
    long recordsFor(Target target) {
        return target.durable ? durableRecords : records;
    }

    long warmupRecordsFor(Target target) {
        return Math.max(1, recordsFor(target) * warmupPercent / 100);
    }

    private static long positive(String option, String value, long max) {
        long parsed;
        try {
            parsed = Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, not '" + value + "'", e);
        }
        if (parsed < 1 || parsed > max) {
            throw new IllegalArgumentException(option + " must be 1 to " + max + ", was " + parsed);
        }
        return parsed;
    }
}

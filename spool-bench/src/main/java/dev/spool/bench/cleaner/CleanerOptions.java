package dev.spool.bench.cleaner;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** The cleaner comparison's command-line options; the defaults make a quick run (1 M records, under a minute). */
final class CleanerOptions {
    static final String USAGE = String.join("\n",
            "usage: java -cp spool-benchmarks.jar dev.spool.bench.cleaner.CleanerComparison [options]",
            "  --records N         records appended to each log (default 1000000; the documented run: 10000000)",
            "  --keys N            distinct keys, drawn uniformly at random per record with the seed (default 100000)",
            "  --passes N          passes; each runs every engine once, alternating the order (default 3)",
            "  --batch N           records per batch, uncompressed (default 100)",
            "  --segment-mib N     segment.bytes on both sides (default 64)",
            "  --dedupe-mib N      key-map memory on both sides: Kafka's log.cleaner.dedupe.buffer.size,",
            "                      Spool's CleanerSettings.dedupeBufferBytes (default 16, Spool's default)",
            "  --seed N            seed of the key draw and the values (default 42)",
            "  --warmup-records N  an untimed smaller round first in each child JVM (default 200000; 0 = none)",
            "  --engines LIST      spool,kafka (default both)",
            "  --jvm-args ARGS     the child JVMs' flags (default \"-Xms2g -Xmx2g -XX:+AlwaysPreTouch\")",
            "  --dir DIR           where the logs go (default java.io.tmpdir)",
            "  --json FILE         also write the results as JSON",
            "  --jfr DIR           record each timed round with JFR (profile settings) into DIR and print the top frames");

    long records = 1_000_000;
    int keys = 100_000;
    int passes = 3;
    int batch = 100;
    int segmentBytes = 64 << 20;
    int dedupeBytes = 16 << 20;
    long seed = 42;
    long warmupRecords = 200_000;
    List<String> engines = List.of(SpoolEngine.NAME, KafkaEngine.NAME);
    String jvmArgs = "-Xms2g -Xmx2g -XX:+AlwaysPreTouch";
    Path dir = Paths.get(System.getProperty("java.io.tmpdir"));
    Path json;
    Path jfrDir;
    final List<String> given = new ArrayList<>();

    static CleanerOptions parse(String[] args) {
        CleanerOptions options = new CleanerOptions();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Option " + arg + " needs a value\n" + USAGE);
            }
            String value = args[++i];
            options.given.add(arg);
            options.given.add(value);
            try {
                options.set(arg, value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Option " + arg + " " + value + ": expected a number\n" + USAGE);
            }
        }
        if (options.records < 1 || options.keys < 1 || options.passes < 1 || options.batch < 1
                || options.warmupRecords < 0) {
            throw new IllegalArgumentException("--records, --keys, --passes and --batch must be at least 1 and "
                    + "--warmup-records at least 0\n" + USAGE);
        }
        return options;
    }

    private void set(String arg, String value) {
        switch (arg) {
            case "--records" -> records = Long.parseLong(value);
            case "--keys" -> keys = Integer.parseInt(value);
            case "--passes" -> passes = Integer.parseInt(value);
            case "--batch" -> batch = Integer.parseInt(value);
            case "--segment-mib" -> segmentBytes = Math.toIntExact(Long.parseLong(value) << 20);
            case "--dedupe-mib" -> dedupeBytes = Math.toIntExact(Long.parseLong(value) << 20);
            case "--seed" -> seed = Long.parseLong(value);
            case "--warmup-records" -> warmupRecords = Long.parseLong(value);
            case "--engines" -> {
                List<String> list = new ArrayList<>();
                for (String name : value.split(",")) {
                    if (!name.equals(SpoolEngine.NAME) && !name.equals(KafkaEngine.NAME)) {
                        throw new IllegalArgumentException("Engine " + name + ": expected spool or kafka\n" + USAGE);
                    }
                    list.add(name);
                }
                engines = List.copyOf(list);
            }
            case "--jvm-args" -> jvmArgs = value;
            case "--dir" -> dir = Paths.get(value);
            case "--json" -> json = Paths.get(value);
            case "--jfr" -> jfrDir = Paths.get(value);
            default -> throw new IllegalArgumentException("Unknown option " + arg + "\n" + USAGE);
        }
    }
}

package dev.spool.bench.compare;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The harness's command-line options, with the defaults that keep a full run under ~10 minutes. */
final class Options {
    static final String USAGE = String.join("\n",
            "usage: compare.sh [options]   (or: java <flags> -cp spool-benchmarks.jar dev.spool.bench.Compare [options])",
            "  --quick                 smoke-size run (~1 minute): 2 reps, 16 MiB / 0.25 s per rep, writers 1,8",
            "  --systems LIST          spool,spool-chain,kafka,chronicle (default all; spool-chain: batched page-cache appends only)",
            "  --values LIST           value bytes (default 100,1024)",
            "  --batches LIST          records per batch (default 1,100,1000)",
            "  --durability LIST       none,fsync (default both)",
            "  --sections LIST         raw,append,read,writers (default all; read follows the 'none' append cells)",
            "  --writers LIST          concurrent strict writers (default 1,8,64)",
            "  --reps N                measured repetitions per system and cell (default 5)",
            "  --warmup N              unmeasured repetitions first (default 1)",
            "  --data-mib N            a repetition stops after N MiB ... (default 256)",
            "  --time-max-ms N         ... or after N ms, whichever comes first (default 1500)",
            "  --writers-seconds N     measured seconds per writer count (default 3; 1 s warmup before)",
            "  --dir DIR               where the logs go (default java.io.tmpdir)",
            "  --json FILE             results file (default spool-bench/target/compare-results.json)");

    enum Section { RAW, APPEND, READ, WRITERS }

    Set<Subjects> systems = EnumSet.allOf(Subjects.class);
    List<Integer> values = List.of(100, 1024);
    List<Integer> batches = List.of(1, 100, 1000);
    List<Boolean> fsyncModes = List.of(false, true);
    Set<Section> sections = EnumSet.allOf(Section.class);
    List<Integer> writers = List.of(1, 8, 64);
    int reps = 5;
    int warmup = 1;
    long dataBytes = 256L << 20;
    long timeMaxMs = 1500;
    long writersSeconds = 3;
    long writersWarmupMs = 1000;
    Path dir = Paths.get(System.getProperty("java.io.tmpdir"));
    /** compare.sh points this at spool-bench/target/ so that a run leaves the work tree clean. */
    Path json = Paths.get(System.getProperty("spool.compare.json", "compare-results.json"));
    final List<String> given = new ArrayList<>();

    static Options parse(String[] args) {
        Options options = new Options();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            options.given.add(arg);
            if (arg.equals("--quick")) {
                options.reps = 2;
                options.warmup = 1;
                options.dataBytes = 16L << 20;
                options.timeMaxMs = 250;
                options.writers = List.of(1, 8);
                options.writersSeconds = 1;
                options.writersWarmupMs = 200;
                continue;
            }
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Option " + arg + " needs a value\n" + USAGE);
            }
            String value = args[++i];
            options.given.add(value);
            switch (arg) {
                case "--systems": {
                    Set<Subjects> systems = EnumSet.noneOf(Subjects.class);
                    for (String key : value.split(",")) {
                        systems.add(Subjects.parse(key));
                    }
                    options.systems = systems;
                    break;
                }
                case "--values": options.values = ints(value, arg); break;
                case "--batches": options.batches = ints(value, arg); break;
                case "--writers": options.writers = ints(value, arg); break;
                case "--durability": {
                    List<Boolean> modes = new ArrayList<>();
                    for (String mode : value.split(",")) {
                        switch (mode.trim()) {
                            case "none": modes.add(false); break;
                            case "fsync": modes.add(true); break;
                            default: throw new IllegalArgumentException("Unknown durability '" + mode + "': none or fsync");
                        }
                    }
                    options.fsyncModes = modes;
                    break;
                }
                case "--sections": {
                    Set<Section> sections = EnumSet.noneOf(Section.class);
                    for (String name : value.split(",")) {
                        sections.add(Section.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT)));
                    }
                    options.sections = sections;
                    break;
                }
                case "--reps": options.reps = positive(value, arg); break;
                case "--warmup": options.warmup = Integer.parseInt(value); break;
                case "--data-mib": options.dataBytes = (long) positive(value, arg) << 20; break;
                case "--time-max-ms": options.timeMaxMs = positive(value, arg); break;
                case "--writers-seconds": options.writersSeconds = positive(value, arg); break;
                case "--dir": options.dir = Paths.get(value); break;
                case "--json": options.json = Paths.get(value); break;
                default: throw new IllegalArgumentException("Unknown option " + arg + "\n" + USAGE);
            }
        }
        return options;
    }

    private static List<Integer> ints(String value, String option) {
        List<Integer> out = new ArrayList<>();
        for (String part : value.split(",")) {
            out.add(positive(part.trim(), option));
        }
        return List.copyOf(out);
    }

    private static int positive(String value, String option) {
        int parsed = Integer.parseInt(value);
        if (parsed < 1) {
            throw new IllegalArgumentException(option + " must be positive: " + value);
        }
        return parsed;
    }
}

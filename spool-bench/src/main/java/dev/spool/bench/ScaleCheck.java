package dev.spool.bench;

import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.record.BatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The scale target (docs/benchmark-history.md, "Scale"): open a data directory of many partitions (one record each) and
 * report the time and heap it took, after a clean and after an unclean shutdown. Run with the heap
 * the target names, e.g.
 * {@code java -Xmx256m -cp spool-bench/target/spool-benchmarks.jar dev.spool.bench.ScaleCheck 10000}.
 */
public final class ScaleCheck {
    private ScaleCheck() {
    }

    public static void main(String[] args) throws Exception {
        int partitions = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Path dir = BenchData.newDir("spool-scale-");
        LogManagerConfig config = LogManagerConfig.defaults().withoutBackgroundTasks();
        try {
            long created = System.nanoTime();
            try (LogManager manager = LogManager.open(dir, config)) {
                manager.createTopic("scale", partitions);
                BatchBuilder builder = new BatchBuilder(1 << 16);
                for (int p = 0; p < partitions; p++) {
                    builder.reset().tryAppend(System.currentTimeMillis(), null,
                            ("record of partition " + p).getBytes(StandardCharsets.UTF_8));
                    ByteBuffer batch = builder.build();
                    manager.log("scale", p).append(batch);
                }
            }
            System.out.printf("created and closed %d partitions in %.2f s%n", partitions,
                    (System.nanoTime() - created) / 1e9);
            measure(dir, config, partitions, "clean");
            java.nio.file.Files.delete(dir.resolve(".spool_cleanshutdown"));
            measure(dir, config, partitions, "unclean (checkpoint present)");
        } finally {
            BenchData.deleteRecursively(dir);
        }
    }

    private static void measure(Path dir, LogManagerConfig config, int partitions, String kind) throws Exception {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        long before = runtime.totalMemory() - runtime.freeMemory();
        long started = System.nanoTime();
        try (LogManager manager = LogManager.open(dir, config)) {
            double seconds = (System.nanoTime() - started) / 1e9;
            System.gc();
            long after = runtime.totalMemory() - runtime.freeMemory();
            System.out.printf("open after %s shutdown: %d partitions in %.2f s, heap in use %.1f MiB (max %d MiB)%n",
                    kind, manager.partitionCount("scale"), seconds, (after - before) / 1048576.0,
                    runtime.maxMemory() >> 20);
        }
    }
}

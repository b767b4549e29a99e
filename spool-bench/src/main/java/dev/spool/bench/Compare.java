package dev.spool.bench;

import dev.spool.bench.compare.Harness;

/**
 * Entry point of the side-by-side comparison of Spool, Kafka's {@code UnifiedLog} and Chronicle
 * Queue (a plain main, not JMH, so that a full run takes minutes). Run it with
 * {@code spool-bench/compare.sh}, which adds the JVM flags Chronicle Queue needs on Java 17+;
 * {@code --help} lists the options. See {@link Harness} for the method and docs/benchmarks.md for
 * the figures.
 */
public final class Compare {
    private Compare() {
    }

    public static void main(String[] args) throws Exception {
        Harness.main(args);
    }
}

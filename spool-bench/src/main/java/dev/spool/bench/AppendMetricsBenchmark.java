package dev.spool.bench;

import dev.spool.log.AppendResult;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.record.BatchBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the log's meters cost an append: {@link AppendBenchmark#appendPrebuilt}'s smallest case
 * (one 100-byte record per batch, page-cache durability, one writer) with the meters going
 * nowhere ({@code none}: an empty composite registry, the default) or to the Prometheus registry
 * {@code spool serve --metrics-listen} uses ({@code prometheus}: counters, the append-latency
 * histogram with its 18 buckets, the group summary). The difference per operation is the price
 * of the metrics on the path where it is largest relative to the work.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
public class AppendMetricsBenchmark {
    @Param({"none", "prometheus"})
    public String registry;

    private ByteBuffer prebuilt;
    private MeterRegistry meters;
    private Path dir;
    private Log log;

    @Setup(Level.Trial)
    public void prepare() {
        SplittableRandom random = new SplittableRandom(BenchData.SEED);
        prebuilt = BenchData.encode(new BatchBuilder(BenchData.BATCH_BYTES_MAX), System.currentTimeMillis(),
                BenchData.keys(1, random), BenchData.values(1, 100, random));
        meters = registry.equals("prometheus") ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
                : new CompositeMeterRegistry();
    }

    @Setup(Level.Iteration)
    public void openLog() throws IOException {
        dir = BenchData.newDir("spool-append-metrics-");
        log = Log.open(dev.spool.log.io.FileIO.real(), dir.resolve("bench-0"), BenchData.logConfig(),
                LoadState.unknown(), System::currentTimeMillis, Runnable::run, meters);
    }

    @TearDown(Level.Iteration)
    public void closeLog() throws IOException {
        try {
            log.close();
        } finally {
            BenchData.deleteRecursively(dir);
        }
    }

    @Benchmark
    public AppendResult appendPrebuilt() throws IOException {
        return log.append(prebuilt);
    }
}

package dev.spool.bench;

import dev.spool.log.AppendResult;
import dev.spool.log.Log;
import dev.spool.log.record.BatchBuilder;
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
 * Append throughput of one {@link Log} shared by every benchmark thread (run it with {@code -t 2}
 * and more), page-cache durability, the hash chain on or off: what producers writing to one
 * partition get, where {@link AppendBenchmark} has one writer per log. Each thread encodes its own
 * batches of {@code recordsPerBatch} records with a {@link BatchBuilder} and appends them with
 * {@code Log.append(BatchBuilder)}; one operation is one batch, and the {@link Counters} turn that
 * into records/s and bytes/s.
 *
 * <p>With the chain on, the SHA-256 over each batch is the largest cost of an append (about
 * 1.85 GB/s a core on the machine of {@code docs/benchmarks.md}). Where it runs decides how
 * appenders scale: under the writer lock, they take turns hashing; on their own threads before the
 * writer, they hash side by side and the writer only links.
 *
 * <p>Each iteration writes into a fresh log (made in the iteration's setup, closed and deleted in
 * its teardown, both untimed).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
public class SharedAppendBenchmark {
    @Param({"100"})
    public int recordsPerBatch;

    @Param({"100", "1024"})
    public int valueBytes;

    @Param({"true", "false"})
    public boolean hashChain;

    private Path dir;
    private Log log;

    /** One appending thread's records and builder. */
    @State(Scope.Thread)
    public static class Appender {
        ByteBuffer[] keys;
        ByteBuffer[] values;
        BatchBuilder builder;
        long timestamp;

        @Setup(Level.Trial)
        public void prepare(SharedAppendBenchmark shared) {
            SplittableRandom random = new SplittableRandom(BenchData.SEED + Thread.currentThread().getId());
            keys = BenchData.keys(shared.recordsPerBatch, random);
            values = BenchData.values(shared.recordsPerBatch, shared.valueBytes, random);
            builder = new BatchBuilder(BenchData.BATCH_BYTES_MAX);
            timestamp = System.currentTimeMillis();
        }
    }

    @Setup(Level.Iteration)
    public void openLog() {
        dir = BenchData.newDir("spool-shared-append-");
        log = BenchData.openLog(dir, hashChain);
    }

    @TearDown(Level.Iteration)
    public void closeLog() throws Exception {
        BenchData.closeAndDelete(dir, log);
    }

    @Benchmark
    public AppendResult encodeAndAppend(Appender appender, Counters counters) throws Exception {
        BenchData.fill(appender.builder, appender.timestamp, appender.keys, appender.values);
        AppendResult result = log.append(appender.builder);
        counters.records += recordsPerBatch;
        counters.bytes += result.sizeBytes();
        return result;
    }
}

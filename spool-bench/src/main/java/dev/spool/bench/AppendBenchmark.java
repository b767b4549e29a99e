package dev.spool.bench;

import dev.spool.log.AppendResult;
import dev.spool.log.Log;
import dev.spool.log.record.BatchBuilder;
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
 * Append throughput of one {@link Log} with page-cache durability (no flush is asked for), one
 * writer thread. One operation is one batch of {@code recordsPerBatch} records; the
 * {@link Counters} turn that into records/s and bytes/s.
 *
 * <ul>
 *   <li>{@code appendPrebuilt}: the log path alone (validate with CRC, stamp offsets, write,
 *       index). The batch is encoded once; reusing it is legal because the log stamps each
 *       append's base offset into the header, which the CRC does not cover.</li>
 *   <li>{@code encodeAndAppend}: what a user pays: {@link BatchBuilder} encodes the records
 *       (copying 16-byte keys and the values), then {@code Log.append(BatchBuilder)} builds and
 *       appends the batch, checking it against the log's limits but not computing its CRC again.</li>
 * </ul>
 *
 * <p>Each iteration writes into a fresh log (made in the iteration's setup, closed and deleted in
 * its teardown, both untimed), so a run never holds more than one iteration's bytes on disk; the
 * log still rolls its 1 GiB segments inside the timed part, as it would in service.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
public class AppendBenchmark {
    @Param({"1", "100", "1000"})
    public int recordsPerBatch;

    @Param({"100", "1024"})
    public int valueBytes;

    /** The log's hash chain (SHA-256 over every batch, in the writer) on or off. */
    @Param({"true", "false"})
    public boolean hashChain;

    private ByteBuffer[] keys;
    private ByteBuffer[] values;
    private BatchBuilder builder;
    private ByteBuffer prebuilt;
    private int prebuiltBytes;
    private long timestamp;
    private Path dir;
    private Log log;

    @Setup(Level.Trial)
    public void prepare() {
        SplittableRandom random = new SplittableRandom(BenchData.SEED);
        keys = BenchData.keys(recordsPerBatch, random);
        values = BenchData.values(recordsPerBatch, valueBytes, random);
        timestamp = System.currentTimeMillis();
        // The prebuilt batch owns its own builder: encodeAndAppend resets the other one.
        prebuilt = BenchData.encode(new BatchBuilder(BenchData.BATCH_BYTES_MAX), timestamp, keys, values);
        prebuiltBytes = BenchData.batchBytes(prebuilt);
        builder = new BatchBuilder(BenchData.BATCH_BYTES_MAX);
    }

    @Setup(Level.Iteration)
    public void openLog() {
        dir = BenchData.newDir("spool-append-");
        log = BenchData.openLog(dir, hashChain);
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
    public AppendResult appendPrebuilt(Counters counters) throws IOException {
        AppendResult result = log.append(prebuilt);
        counters.records += recordsPerBatch;
        counters.bytes += prebuiltBytes;
        return result;
    }

    @Benchmark
    public AppendResult encodeAndAppend(Counters counters) throws IOException {
        BatchBuilder b = builder;
        ByteBuffer[] k = keys;
        ByteBuffer[] v = values;
        long ts = timestamp;
        b.reset();
        for (int i = 0; i < k.length; i++) {
            if (!b.tryAppend(ts, k[i], v[i])) {
                throw new IllegalStateException("record " + i + " does not fit");
            }
        }
        AppendResult result = log.append(b); // builds and appends: the builder's CRC is not computed again
        counters.records += recordsPerBatch;
        counters.bytes += result.sizeBytes();
        return result;
    }
}

package dev.spool.bench;

import dev.spool.log.FileSlice;
import dev.spool.log.Log;
import dev.spool.log.LogSlice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
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
 * What the Kafka server's zero-copy Fetch asks of the log: one operation is one
 * {@code Log.readSlice(offset, maxBytes)}, which names the file range of whole batches without
 * reading them, walking the log front to back and wrapping around. The log holds {@code logMiB}
 * of identical batches of {@code recordsPerBatch} records (16-byte keys, {@code valueBytes}
 * values), so the next offset follows from a slice's size. {@code reopened}: the log is closed
 * and opened again before the measurement, so every byte came from the disk (a restarted server),
 * and the index's word is not taken for where its batches end.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
public class SliceBenchmark {

    @Param({"1048576"})
    public int maxBytes;

    @Param({"64"})
    public int logMiB;

    @Param({"100"})
    public int valueBytes;

    @Param({"1"})
    public int recordsPerBatch;

    @Param({"false", "true"})
    public boolean reopened;

    private Path dir;
    private Log log;
    private int batchBytes;
    private long offset;

    @Setup(Level.Trial)
    public void fill() throws IOException {
        ByteBuffer batch = BenchData.batch(recordsPerBatch, valueBytes);
        batchBytes = batch.remaining();
        dir = BenchData.newDir("spool-slice-");
        log = BenchData.openLog(dir);
        BenchData.appendUntil(log, batch, (long) logMiB << 20);
        log.flush();
        if (reopened) {
            log.close();
            log = BenchData.openLog(dir);
        }
        offset = log.logStartOffset();
    }

    @TearDown(Level.Trial)
    public void delete() throws Exception {
        BenchData.closeAndDelete(dir, log);
    }

    @Benchmark
    public int slice(Counters counters) throws IOException {
        if (offset >= log.logEndOffset()) {
            offset = log.logStartOffset();
        }
        LogSlice found = log.readSlice(offset, maxBytes);
        FileSlice slice = found.slice().orElseThrow();
        int batches = slice.sizeBytes() / batchBytes;
        offset += (long) batches * recordsPerBatch;
        counters.records += (long) batches * recordsPerBatch;
        counters.bytes += slice.sizeBytes();
        return slice.sizeBytes();
    }
}

package dev.spool.bench;

import dev.spool.log.Log;
import dev.spool.log.ReadResult;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.record.RecordCursor;
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
 * Sequential read throughput of one {@link Log} whose data sits in the page cache: one operation
 * is one {@code Log.read(offset, maxBytes)}, walking the log from its start to its end and
 * wrapping around. The log is filled once per trial with {@code logMiB} of batches of {@code recordsPerBatch}
 * records with 16-byte keys and {@code valueBytes} values (default 100 of 1 KiB), then flushed so that
 * writeback does not run under the measurement. {@link #read} walks only batch headers;
 * {@link #cursor} reads into a reused buffer and visits every record's key and value.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
public class ReadBenchmark {

    @Param({"65536", "1048576"})
    public int maxBytes;

    @Param({"512"})
    public int logMiB;

    @Param({"1024"})
    public int valueBytes;

    @Param({"100"})
    public int recordsPerBatch;

    private Path dir;
    private Log log;
    private long offset;
    /** For {@link #cursor}: the reused read buffer (direct: one copy from the file) and record cursor. */
    private final ByteBuffer into = ByteBuffer.allocateDirect(BenchData.BATCH_BYTES_MAX + (1 << 20));
    private final RecordCursor cursor = new RecordCursor();

    @Setup(Level.Trial)
    public void fill() throws IOException {
        dir = BenchData.newDir("spool-read-");
        log = BenchData.openLog(dir);
        BenchData.appendUntil(log, BenchData.batch(recordsPerBatch, valueBytes), (long) logMiB << 20);
        log.flush();
        offset = log.logStartOffset();
    }

    @TearDown(Level.Trial)
    public void delete() throws Exception {
        BenchData.closeAndDelete(dir, log);
    }

    @Benchmark
    public ByteBuffer read(Counters counters) throws IOException {
        ReadResult result = log.read(offset, maxBytes);
        ByteBuffer bytes = result.batches();
        if (!bytes.hasRemaining()) {
            offset = log.logStartOffset();
            result = log.read(offset, maxBytes);
            bytes = result.batches();
        }
        int end = bytes.limit();
        int last = bytes.position();
        // Walk the batch headers to find the next offset, as a consumer would.
        for (int at = bytes.position(); at < end; at += RecordBatch.sizeInBytes(bytes, at)) {
            last = at;
        }
        offset = RecordBatch.lastOffset(bytes, last) + 1;
        counters.records += offset - RecordBatch.baseOffset(bytes, bytes.position());
        counters.bytes += bytes.remaining();
        return bytes;
    }

    /**
     * One {@code Log.read(offset, into)} of up to {@code maxBytes} into a reused direct buffer, then
     * every record visited with a reused {@link RecordCursor} (CRC checked per batch, key and value
     * lengths and first bytes summed): the allocation-free read path. With {@code -prof gc},
     * {@code gc.alloc.rate.norm} over {@code records} is the bytes allocated per record.
     */
    @Benchmark
    public long cursor(Counters counters) throws IOException {
        ReadResult result = readInto();
        RecordCursor records = result.cursor(cursor);
        long sink = 0;
        long visited = 0;
        while (records.next()) {
            ByteBuffer key = records.key();
            ByteBuffer value = records.value();
            sink += key.remaining() + value.remaining() + key.get(key.position()) + value.get(value.position());
            visited++;
        }
        offset = records.nextOffset(); // after the last batch walked: no second pass over the headers
        counters.records += visited;
        counters.bytes += result.batches().remaining();
        return sink;
    }

    /**
     * As {@link #cursor}, but visiting each key and value by its position in the cursor's buffer
     * instead of through the re-pointed {@code key()} and {@code value()} views: what the views cost.
     */
    @Benchmark
    public long cursorPositions(Counters counters) throws IOException {
        return visitByPosition(readInto(), counters);
    }

    /**
     * As {@link #cursorPositions}, reading with {@code Log.readMapped}: the batches are a view of
     * the segment file's mapped pages, so no read call and no copy.
     */
    @Benchmark
    public long mapped(Counters counters) throws IOException {
        ReadResult result = log.readMapped(offset, maxBytes);
        if (result.isEmpty()) {
            offset = log.logStartOffset();
            result = log.readMapped(offset, maxBytes);
        }
        return visitByPosition(result, counters);
    }

    /** {@code Log.read(offset, into)} of up to {@code maxBytes}, from the log start again at its end. */
    private ReadResult readInto() throws IOException {
        ReadResult result = log.read(offset, into.clear().limit(maxBytes));
        if (result.isEmpty()) {
            offset = log.logStartOffset();
            result = log.read(offset, into.clear().limit(maxBytes));
        }
        return result;
    }

    /** Visits every record of {@code result} by its key's and value's positions; moves {@link #offset} past them. */
    private long visitByPosition(ReadResult result, Counters counters) throws IOException {
        RecordCursor records = result.cursor(cursor);
        long sink = 0;
        long visited = 0;
        while (records.next()) {
            ByteBuffer buffer = records.buffer(); // another buffer inside a compressed batch
            sink += records.keyLength() + records.valueLength() + buffer.get(records.keyPosition())
                    + buffer.get(records.valuePosition());
            visited++;
        }
        offset = records.nextOffset();
        counters.records += visited;
        counters.bytes += result.batches().remaining();
        return sink;
    }
}

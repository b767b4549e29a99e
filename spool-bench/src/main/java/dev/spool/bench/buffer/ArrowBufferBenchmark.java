package dev.spool.bench.buffer;

import dev.spool.arrow.ArrowBuffer;
import dev.spool.arrow.ArrowItem;
import dev.spool.arrow.ArrowItemCodec;
import dev.spool.bench.BenchData;
import dev.spool.bench.Counters;
import dev.spool.log.Durability;
import dev.spool.queue.DiskBufferConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Enqueue + consume + acknowledge throughput of Arrow record batches of about 1 MiB (as Arrow IPC
 * stream bytes): {@value #ROWS} rows of a bigint, a float8, a 16-character varchar and an int
 * column, one null in ten per column. One operation moves one batch: encode it, write it, read it
 * back, decode it into vectors, release it, acknowledge it. The {@link Counters} report rows/s
 * ({@code records}) and IPC bytes/s ({@code bytes}); the score itself is batches/s.
 *
 * <ul>
 *   <li>{@code arrowBuffer}: {@link ArrowBuffer#put}, {@code poll}, {@code ack} of the batch;</li>
 *   <li>{@code filePerBatch}: the seed's design: one Arrow IPC stream file per batch, written with
 *       Arrow's stream writer, read back with its stream reader, deleted ({@link FilePerItemQueue});</li>
 *   <li>{@code chronicleQueue}: the batch encoded to IPC bytes, one excerpt, read back and decoded.</li>
 * </ul>
 * {@code strict} fsyncs each batch before it counts as enqueued (msync for Chronicle).
 *
 * <p>The write and the read side apart, {@value #RUN} batches per operation (the score is runs/s):
 * {@code writeArrowBuffer} / {@code writeFilePerBatch} time {@value #RUN} {@code put}s (the batches
 * are drained outside the timing, {@link #drainAfterWrite}); {@code readArrowBuffer} / {@code readFilePerBatch}
 * time {@value #RUN} polls into vectors and, for the buffer, one acknowledgement of the last (a
 * consumer acknowledges a run; the file-per-batch design deletes each file) after the batches were
 * written outside the timing ({@link #fillBeforeRead}). Per-invocation fixtures are fine here: an operation
 * takes milliseconds.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g",
        "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
        "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "-Dchronicle.analytics.disable=true"})
public class ArrowBufferBenchmark {
    static final int ROWS = 25_000;
    /** Batches per operation of the write and read benchmarks. */
    static final int RUN = 4;
    private static final Map<String, String> METADATA = Map.of("source", "bench");

    @Param({"relaxed", "strict"})
    public String durability;

    private BufferAllocator allocator;
    private VectorSchemaRoot batch;
    private int ipcBytes;
    private byte[] scratch;
    private Path dir;
    /** The running benchmark method's name. */
    private String method;
    private ArrowBuffer buffer;
    private FilePerItemQueue files;
    private ChronicleAsQueue chronicle;

    @Setup(Level.Trial)
    public void prepare() {
        allocator = new RootAllocator();
        batch = sampleBatch(allocator);
        ipcBytes = ArrowItemCodec.encode(batch).length;
        scratch = new byte[ipcBytes];
    }

    /** The benchmark's batch, from the benchmarks' fixed seed. */
    static VectorSchemaRoot sampleBatch(BufferAllocator allocator) {
        SplittableRandom random = new SplittableRandom(BenchData.SEED);
        BigIntVector ids = new BigIntVector("id", allocator);
        Float8Vector values = new Float8Vector("value", allocator);
        VarCharVector names = new VarCharVector("name", allocator);
        IntVector counts = new IntVector("count", allocator);
        List<FieldVector> vectors = List.of(ids, values, names, counts);
        ids.allocateNew(ROWS);
        values.allocateNew(ROWS);
        names.allocateNew(16L * ROWS, ROWS);
        counts.allocateNew(ROWS);
        byte[] name = new byte[16];
        for (int row = 0; row < ROWS; row++) {
            boolean isNull = random.nextInt(10) == 0;
            ids.set(row, random.nextLong());
            if (isNull) {
                values.setNull(row);
                names.setNull(row);
                counts.setNull(row);
                continue;
            }
            values.set(row, random.nextDouble());
            for (int k = 0; k < name.length; k++) {
                name[k] = (byte) ('a' + random.nextInt(26));
            }
            names.setSafe(row, name);
            counts.set(row, random.nextInt(1_000_000));
        }
        vectors.forEach(vector -> vector.setValueCount(ROWS));
        return new VectorSchemaRoot(vectors.stream().map(FieldVector::getField).toList(), vectors, ROWS);
    }

    @TearDown(Level.Trial)
    public void release() {
        batch.close();
        allocator.close();
    }

    private boolean strict() {
        return durability.equals("strict");
    }

    @Setup(Level.Iteration)
    public void open(BenchmarkParams params) throws IOException {
        dir = BenchData.newDir("spool-arrow-buffer-");
        method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        switch (method) {
            case "arrowBuffer", "writeArrowBuffer", "readArrowBuffer" -> buffer = ArrowBuffer.open(dir,
                    DiskBufferConfig.defaults("bench").withDurability(strict() ? Durability.STRICT : Durability.NONE),
                    allocator);
            case "filePerBatch", "writeFilePerBatch", "readFilePerBatch" -> files = new FilePerItemQueue(dir, strict());
            case "chronicleQueue" -> chronicle = new ChronicleAsQueue(dir, strict());
            default -> throw new IllegalStateException("Unknown benchmark method " + method);
        }
    }

    @TearDown(Level.Iteration)
    public void close() throws Exception {
        try {
            BenchData.closeAndDelete(dir, buffer, files, chronicle);
        } finally {
            buffer = null;
            files = null;
            chronicle = null;
        }
    }

    private void count(Counters counters) {
        counters.records += ROWS;
        counters.bytes += ipcBytes;
    }

    @Benchmark
    public int arrowBuffer(Counters counters) throws Exception {
        buffer.put(batch, METADATA);
        int rows;
        long sequence;
        try (ArrowItem item = buffer.poll().orElseThrow()) {
            rows = item.batch().getRowCount();
            sequence = item.sequence();
        }
        buffer.ack(sequence);
        count(counters);
        return rows;
    }

    @Benchmark
    public int filePerBatch(Counters counters) throws IOException {
        files.enqueue(batch);
        int[] rows = new int[1];
        files.dequeueArrow(allocator, root -> rows[0] = root.getRowCount());
        count(counters);
        return rows[0];
    }

    @Benchmark
    public int chronicleQueue(Counters counters) throws IOException {
        chronicle.enqueue(ArrowItemCodec.encode(batch));
        int length = chronicle.dequeue(scratch);
        int rows;
        try (VectorSchemaRoot read = ArrowItemCodec.decode(Arrays.copyOf(scratch, length), allocator)) {
            rows = read.getRowCount();
        }
        count(counters);
        return rows;
    }

    /** Drains what a write benchmark wrote, after each of its operations, outside the timing. */
    @TearDown(Level.Invocation)
    public void drainAfterWrite() throws IOException {
        if (!method.startsWith("write")) {
            return;
        }
        if (buffer != null) {
            long last = -1;
            for (int i = 0; i < RUN; i++) {
                try (ArrowItem item = buffer.poll().orElseThrow()) {
                    last = item.sequence();
                }
            }
            buffer.ack(last);
        } else {
            for (int i = 0; i < RUN; i++) {
                if (!files.dequeueArrow(allocator, root -> { })) {
                    throw new IllegalStateException("A batch written is missing");
                }
            }
        }
    }

    /** Writes what a read benchmark reads, before each of its operations, outside the timing. */
    @Setup(Level.Invocation)
    public void fillBeforeRead() throws Exception {
        if (!method.startsWith("read")) {
            return;
        }
        for (int i = 0; i < RUN; i++) {
            if (buffer != null) {
                buffer.put(batch, METADATA);
            } else {
                files.enqueue(batch);
            }
        }
    }

    private void countRun(Counters counters) {
        counters.records += (long) RUN * ROWS;
        counters.bytes += (long) RUN * ipcBytes;
    }

    @Benchmark
    public long writeArrowBuffer(Counters counters) throws Exception {
        long sequence = 0;
        for (int i = 0; i < RUN; i++) {
            sequence += buffer.put(batch, METADATA).sequence();
        }
        countRun(counters);
        return sequence;
    }

    @Benchmark
    public long readArrowBuffer(Counters counters) throws Exception {
        long rows = 0;
        long last = -1;
        for (int i = 0; i < RUN; i++) {
            try (ArrowItem item = buffer.poll().orElseThrow()) {
                rows += item.batch().getRowCount();
                last = item.sequence();
            }
        }
        buffer.ack(last);
        countRun(counters);
        return rows;
    }

    @Benchmark
    public void writeFilePerBatch(Counters counters) throws IOException {
        for (int i = 0; i < RUN; i++) {
            files.enqueue(batch);
        }
        countRun(counters);
    }

    @Benchmark
    public long readFilePerBatch(Counters counters) throws IOException {
        long[] rows = new long[1];
        for (int i = 0; i < RUN; i++) {
            if (!files.dequeueArrow(allocator, root -> rows[0] += root.getRowCount())) {
                throw new IllegalStateException("A batch written is missing");
            }
        }
        countRun(counters);
        return rows[0];
    }
}

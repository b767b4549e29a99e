package dev.spool.bench;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * The machine's raw sequential write bandwidth, the yardstick for the append benchmarks: plain
 * {@link FileChannel} writes of 1 MiB buffers at increasing positions of a fresh file, no fsync.
 * One operation is one 1 MiB write.
 *
 * <ul>
 *   <li>{@code heap}: a heap buffer, as the log writes today (the JDK copies it into a
 *       temporary direct buffer first), into the page cache;</li>
 *   <li>{@code direct}: a direct buffer into the page cache (no extra copy);</li>
 *   <li>{@code odirect}: a 4 KiB-aligned direct buffer with {@code O_DIRECT}, bypassing the page
 *       cache (the "best sequential write bandwidth" the targets use is the faster of buffered and this).</li>
 * </ul>
 * Each iteration writes a fresh file, deleted in its teardown.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
public class BaselineWriteBenchmark {
    private static final int BUFFER_BYTES = 1 << 20;
    private static final int ALIGN_BYTES = 4096;

    @Param({"heap", "direct", "odirect"})
    public String mode;

    private ByteBuffer buffer;
    private Path dir;
    private FileChannel channel;
    private long position;

    @Setup(Level.Trial)
    public void prepare() {
        byte[] bytes = new byte[BUFFER_BYTES];
        new SplittableRandom(BenchData.SEED).nextBytes(bytes);
        if (mode.equals("heap")) {
            buffer = ByteBuffer.wrap(bytes);
        } else {
            buffer = ByteBuffer.allocateDirect(BUFFER_BYTES + ALIGN_BYTES).alignedSlice(ALIGN_BYTES);
            buffer.limit(BUFFER_BYTES);
            buffer.put(bytes).flip();
        }
        dir = BenchData.newDir("spool-baseline-write-");
    }

    @Setup(Level.Iteration)
    public void openFile() throws IOException {
        OpenOption[] options = mode.equals("odirect")
                ? new OpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT}
                : new OpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE};
        channel = FileChannel.open(dir.resolve("baseline.bin"), options);
        position = 0;
    }

    @TearDown(Level.Iteration)
    public void deleteFile() throws IOException {
        channel.close();
        BenchData.deleteRecursively(dir.resolve("baseline.bin"));
    }

    @TearDown(Level.Trial)
    public void deleteDir() {
        BenchData.deleteRecursively(dir);
    }

    @Benchmark
    public long write(ByteCounters counters) throws IOException {
        ByteBuffer src = buffer;
        src.clear().limit(BUFFER_BYTES);
        while (src.hasRemaining()) {
            position += channel.write(src, position);
        }
        counters.bytes += BUFFER_BYTES;
        return position;
    }
}

package dev.spool.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
 * The machine's page-cache read bandwidth, the yardstick for {@link ReadBenchmark}: positional
 * {@link FileChannel} reads of {@code bufferBytes} from a {@code fileMiB} file written and
 * flushed in the trial's setup, wrapping at its end. {@code heap} reads into a reused heap
 * buffer (the JDK copies through a temporary direct buffer), {@code direct} into a direct one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
public class BaselineReadBenchmark {
    @Param({"heap", "direct"})
    public String mode;

    @Param({"1048576"})
    public int bufferBytes;

    @Param({"512"})
    public int fileMiB;

    private ByteBuffer buffer;
    private Path dir;
    private FileChannel channel;
    private long size;
    private long position;

    @Setup(Level.Trial)
    public void fill() throws IOException {
        dir = BenchData.newDir("spool-baseline-read-");
        channel = FileChannel.open(dir.resolve("baseline.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE, StandardOpenOption.READ);
        byte[] bytes = new byte[1 << 20];
        new SplittableRandom(BenchData.SEED).nextBytes(bytes);
        ByteBuffer chunk = ByteBuffer.wrap(bytes);
        size = (long) fileMiB << 20;
        for (long at = 0; at < size; ) {
            chunk.clear();
            while (chunk.hasRemaining()) {
                at += channel.write(chunk, at);
            }
        }
        channel.force(false);
        buffer = mode.equals("heap") ? ByteBuffer.allocate(bufferBytes) : ByteBuffer.allocateDirect(bufferBytes);
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
        channel.close();
        BenchData.deleteRecursively(dir);
    }

    @Benchmark
    public ByteBuffer read(ByteCounters counters) throws IOException {
        ByteBuffer dst = buffer;
        dst.clear();
        if (position >= size) {
            position = 0;
        }
        while (dst.hasRemaining() && position < size) {
            position += channel.read(dst, position);
        }
        counters.bytes += dst.position();
        return dst;
    }
}

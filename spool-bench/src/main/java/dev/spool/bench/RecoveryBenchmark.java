package dev.spool.bench;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.SegmentInfo;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
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
 * How long opening a log takes, by what the loader knows (its recovery table): one operation
 * opens and closes a {@code logMiB} log of {@code segmentMiB} segments (page cache warm).
 * <ul>
 * <li>{@code clean}: the clean-shutdown marker was present: no scan.</li>
 * <li>{@code recoveryPoint}: unclean, with the checkpointed recovery point at the last segment's
 *     base (the usual crash): only the last segment is scanned.</li>
 * <li>{@code full}: unclean with no checkpoint: every batch of every segment is read and its CRC
 *     checked. {@code logMiB} divided by this time is the scan speed (target: ≥ 1 GB/s).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
public class RecoveryBenchmark {
    /** 8.5 segments: the last one, all that a crash with a checkpoint leaves to scan, holds 32 MiB. */
    @Param({"544"})
    public int logMiB;

    @Param({"64"})
    public int segmentMiB;

    @Param({"clean", "recoveryPoint", "full"})
    public String state;

    private Path dir;
    private LogConfig config;
    private LoadState loadState;

    @Setup(Level.Trial)
    public void fill() throws IOException {
        dir = BenchData.newDir("spool-recovery-");
        config = BenchData.logConfig().withSegmentBytes(segmentMiB << 20);
        long lastBase;
        try (Log log = Log.open(FileIO.real(), dir, config, LoadState.unknown(), System::currentTimeMillis)) {
            BenchData.appendUntil(log, BenchData.batch(100, 1024), (long) logMiB << 20);
            List<SegmentInfo> segments = log.segments();
            lastBase = segments.get(segments.size() - 1).baseOffset();
        }
        loadState = switch (state) {
            case "clean" -> LoadState.clean();
            case "recoveryPoint" -> new LoadState(false, OptionalLong.of(lastBase), OptionalLong.empty());
            case "full" -> LoadState.unknown();
            default -> throw new IllegalArgumentException("Unknown state " + state);
        };
    }

    @TearDown(Level.Trial)
    public void delete() {
        BenchData.deleteRecursively(dir);
    }

    @Benchmark
    public long open() throws IOException {
        try (Log log = Log.open(FileIO.real(), dir, config, loadState, System::currentTimeMillis)) {
            return log.logEndOffset();
        }
    }
}

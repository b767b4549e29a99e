package dev.spool.log;

import dev.spool.log.io.FileIO;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * How a {@link LogManager} runs.
 *
 * @param logConfig                the settings every log gets
 * @param io                       the file interface (tests inject faults here)
 * @param clockMs                  wall-clock milliseconds (tests control time here); the default reads the system
 *                                 clock through a copy refreshed every millisecond while it is read very often
 * @param checkpointIntervalMs     how often recovery points are checkpointed in the background; 0 turns it off
 * @param retentionCheckIntervalMs how often retention runs in the background; 0 turns it off
 * @param partitionsMax            most partitions one topic may have
 * @param meterRegistry            where the logs' meters go ({@code spool.log.*}, tagged by log); an empty composite records nothing
 * @param ioExecutor               the I/O executor: runs the logs' background I/O (queued appends, fsync rounds,
 *                                 forcing rolled segments); empty (the default): the manager's own pool, which also
 *                                 runs the periodic flush, checkpoint and retention, stopped on close
 *                                 ({@code dev.spool.log.catalog.BackgroundTasks}). A given executor is the caller's
 *                                 to stop. Tests pass one that runs tasks when they say, to replay thread
 *                                 interleavings from a seed.
 * @param cleaner                  how the logs of compacted topics are cleaned ({@code cleanup.policy} with {@code compact})
 */
public record LogManagerConfig(LogConfig logConfig, FileIO io, LongSupplier clockMs, long checkpointIntervalMs,
                               long retentionCheckIntervalMs, int partitionsMax, MeterRegistry meterRegistry,
                               Optional<Executor> ioExecutor, CleanerSettings cleaner) {

    public LogManagerConfig {
        Objects.requireNonNull(cleaner, "cleaner");
        Objects.requireNonNull(logConfig, "logConfig");
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(clockMs, "clockMs");
        Objects.requireNonNull(meterRegistry, "meterRegistry");
        Objects.requireNonNull(ioExecutor, "ioExecutor");
        if (checkpointIntervalMs < 0 || retentionCheckIntervalMs < 0) {
            throw new IllegalArgumentException("Intervals must be 0 (off) or positive");
        }
        if (partitionsMax < 1) {
            throw new IllegalArgumentException("partitionsMax must be positive");
        }
    }

    /** As the canonical constructor, with the manager's own I/O threads. */
    public LogManagerConfig(LogConfig logConfig, FileIO io, LongSupplier clockMs, long checkpointIntervalMs,
                            long retentionCheckIntervalMs, int partitionsMax, MeterRegistry meterRegistry) {
        this(logConfig, io, clockMs, checkpointIntervalMs, retentionCheckIntervalMs, partitionsMax, meterRegistry,
                Optional.empty(), CleanerSettings.defaults());
    }

    /** Kafka's defaults: checkpoint every minute, retention every five minutes, real files and clock. */
    public static LogManagerConfig defaults() {
        return new LogManagerConfig(LogConfig.defaults(), FileIO.real(), CoarseClock.SYSTEM, 60_000L, 300_000L,
                10_000, new CompositeMeterRegistry(), Optional.empty(),
                CleanerSettings.defaults());
    }

    public LogManagerConfig withLogConfig(LogConfig config) {
        return new LogManagerConfig(config, io, clockMs, checkpointIntervalMs, retentionCheckIntervalMs, partitionsMax,
                meterRegistry, ioExecutor, cleaner);
    }

    public LogManagerConfig withIo(FileIO fileIo) {
        return new LogManagerConfig(logConfig, fileIo, clockMs, checkpointIntervalMs, retentionCheckIntervalMs,
                partitionsMax, meterRegistry, ioExecutor, cleaner);
    }

    public LogManagerConfig withClock(LongSupplier clock) {
        return new LogManagerConfig(logConfig, io, clock, checkpointIntervalMs, retentionCheckIntervalMs, partitionsMax,
                meterRegistry, ioExecutor, cleaner);
    }

    /** No background threads: checkpoints and retention run only when called. */
    public LogManagerConfig withoutBackgroundTasks() {
        return new LogManagerConfig(logConfig, io, clockMs, 0L, 0L, partitionsMax, meterRegistry, ioExecutor, cleaner);
    }

    public LogManagerConfig withMeterRegistry(MeterRegistry registry) {
        return new LogManagerConfig(logConfig, io, clockMs, checkpointIntervalMs, retentionCheckIntervalMs,
                partitionsMax, registry, ioExecutor, cleaner);
    }

    /** Runs the logs' background I/O on {@code executor} instead of a pool of the manager's own. */
    public LogManagerConfig withIoExecutor(Executor executor) {
        return new LogManagerConfig(logConfig, io, clockMs, checkpointIntervalMs, retentionCheckIntervalMs,
                partitionsMax, meterRegistry, Optional.of(executor), cleaner);
    }

    /** Compacts the logs of topics whose cleanup policy has {@code compact} with {@code settings}. */
    public LogManagerConfig withCleaner(CleanerSettings settings) {
        return new LogManagerConfig(logConfig, io, clockMs, checkpointIntervalMs, retentionCheckIntervalMs,
                partitionsMax, meterRegistry, ioExecutor, settings);
    }
}

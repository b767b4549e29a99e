package dev.spool.log;

import dev.spool.log.append.AppendPipeline;
import dev.spool.log.append.Sequencer;
import dev.spool.log.io.FileIO;
import dev.spool.log.recovery.LogLoader;
import dev.spool.log.segment.SegmentSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a failed {@link Log} back without a reopen.
 *
 * <p>What it runs is the recovery a reopen runs: {@link LogLoader} over the log's directory, as
 * after an unclean shutdown at the current recovery point. That scans the segments from the
 * recovery point on, cuts a torn tail (the part of the failed write that reached the file),
 * rebuilds and forces their indexes and hash chain; its segments then replace the log's
 * ({@link SegmentSet#reload}). Then whatever lies past the log end published before the failure
 * is cut: whole batches of the failed write, whose appends were reported as failed and will be
 * sent again. So everything acknowledged stays, nothing unacknowledged appears, and the log
 * takes writes again at the offset after the last acknowledged one.
 *
 * <p>When: {@link #recover()} on request ({@link Log#recover()}), for any failure; and by itself
 * for a full disk: the writer calls {@link #recoverIfDue()} before each append group, which
 * recovers a log whose failure says the disk (or quota) was full once
 * {@link #FULL_DISK_BACKOFF_MS} have passed since the failure or the last failed attempt. A disk
 * that stays full costs one attempt per interval; the appends meanwhile fail with the error, which
 * a Kafka client retries. Other failures (an I/O error, a failed fsync) wait for a person: they
 * may mean the disk is going, and the data a failed fsync did not write may be lost, as after a
 * reopen, though it was never acknowledged as durable.
 *
 * <p>Thread-safety: both entry points run under the log's writer lock.
 */
final class InPlaceRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(InPlaceRecovery.class);

    /** How long after a full-disk failure (or a failed attempt) an append tries recovery again. */
    static final long FULL_DISK_BACKOFF_MS = 1_000;

    /** Cuts the log at an offset, as {@link Log#truncateTo} does. */
    interface Truncation {
        long truncateTo(long offset) throws IOException;
    }

    private final FileIO io;
    private final Path dir;
    private final SegmentSet segments;
    private final Sequencer sequencer;
    private final AppendPipeline pipeline;
    private final Supplier<LogConfig> config;
    private final LongSupplier clockMs;
    private final Truncation truncation;

    InPlaceRecovery(FileIO io, Path dir, SegmentSet segments, Sequencer sequencer, AppendPipeline pipeline,
                    Supplier<LogConfig> config, LongSupplier clockMs, Truncation truncation) {
        this.io = io;
        this.dir = dir;
        this.segments = segments;
        this.sequencer = sequencer;
        this.pipeline = pipeline;
        this.config = config;
        this.clockMs = clockMs;
        this.truncation = truncation;
    }

    /** Recovers the log if it failed; returns whether it had. Writer lock held. */
    boolean recover() throws IOException {
        segments.ensureNotClosed();
        Optional<IOException> failure = segments.failure();
        if (failure.isEmpty()) {
            return false;
        }
        long publishedEnd = segments.logEndOffset();
        LoadState state = new LoadState(false, OptionalLong.of(segments.recoveryPoint()),
                OptionalLong.of(segments.logStartOffset()));
        LogConfig current = config.get();
        LogLoader.Loaded[] reloaded = new LogLoader.Loaded[1];
        segments.reload(() -> {
            LogLoader.Loaded loaded = LogLoader.load(io, dir, current, state, clockMs.getAsLong());
            reloaded[0] = loaded;
            return new dev.spool.log.segment.Reloaded(loaded.segments(), loaded.logStartOffset(), loaded.logEndOffset(),
                    loaded.recoveryPoint());
        }, (active, end) -> {
            sequencer.recovered(reloaded[0].chainHead(), reloaded[0].chainVersion());
            pipeline.truncated(end);
        });
        if (segments.logEndOffset() > publishedEnd) {
            LOG.warn("Log {}: cutting offsets {} to {}, written whole by the failed write but never acknowledged",
                    dir, publishedEnd, segments.logEndOffset() - 1);
            truncation.truncateTo(publishedEnd);
        }
        LOG.warn("Recovered {} in place after it failed ({}); it takes writes again at offset {}", dir,
                failure.get().getMessage(), segments.logEndOffset());
        return true;
    }

    /** Before each append group (writer lock held): recovers a log a full disk failed, once the backoff has passed. */
    void recoverIfDue() {
        Optional<IOException> failure = segments.failure();
        if (failure.isEmpty() || segments.isClosed() || !isFullDisk(failure.get())
                || clockMs.getAsLong() - segments.failedAtMs() < FULL_DISK_BACKOFF_MS) {
            return;
        }
        try {
            recover();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Log {} is still failed: recovering it after a full disk failed ({}); trying again in {} ms",
                    dir, e.getMessage(), FULL_DISK_BACKOFF_MS);
        }
    }

    /** Whether {@code e}, or an error it wraps, says the disk or the quota is full (ENOSPC, EDQUOT). */
    static boolean isFullDisk(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage(); // a FileSystemException's carries its reason
            if (message != null && (message.contains("No space left on device")
                    || message.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }
}

package dev.spool.log;

import dev.spool.log.append.AppendPipeline;
import dev.spool.log.append.Sequencer;
import dev.spool.log.segment.SegmentSet;
import java.io.IOException;
import java.util.Objects;

/**
 * The work behind {@link Log#truncateTo}: removes every record at or after an offset, tells the
 * sequencer and the pipeline where the log now ends, and has the recovery point on disk lowered
 * before new data can land below the old one. Runs under the log's writer lock.
 */
final class LogTruncation {
    private final SegmentSet segments;
    private final Sequencer sequencer;
    private final AppendPipeline pipeline;
    private final String name;
    private volatile Runnable recoveryPointLowered = () -> { };

    LogTruncation(SegmentSet segments, Sequencer sequencer, AppendPipeline pipeline, String name) {
        this.segments = segments;
        this.sequencer = sequencer;
        this.pipeline = pipeline;
        this.name = name;
    }

    /** Sets what runs (under the log's writer lock) after a truncation lowered the recovery point. */
    void onRecoveryPointLowered(Runnable action) {
        this.recoveryPointLowered = Objects.requireNonNull(action, "action");
    }

    /** See {@link Log#truncateTo}; the caller holds the writer lock. */
    long truncateTo(long offset) throws IOException {
        segments.ensureWritable();
        if (offset >= segments.logEndOffset()) {
            return segments.logEndOffset();
        }
        if (offset < segments.logStartOffset()) {
            throw new IllegalArgumentException("Cannot truncate " + name + " to " + offset
                    + ", below its start offset " + segments.logStartOffset());
        }
        long newEnd = segments.truncateTo(offset, (last, end) -> {
            sequencer.truncated(last);
            pipeline.truncated(end);
        });
        // The recovery point on disk must come down before new data lands below the old one (the
        // writer lock is still held): a crash would otherwise trust, unscanned, segments that now
        // hold unflushed appends.
        recoveryPointLowered.run();
        return newEnd;
    }
}

package dev.spool.log;

import dev.spool.log.append.AppendPipeline;
import dev.spool.log.compaction.CleanResult;
import dev.spool.log.compaction.Cleaner;
import dev.spool.log.segment.Segment;
import dev.spool.log.segment.SegmentSet;
import java.io.IOException;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The log's side of compaction: what {@link Log#clean} and {@link Log#cleanableBytes} do. The
 * cleaner reads closed segments without the writer lock; only each group's swap
 * ({@link SegmentSet#replace}) takes it. Thread-safe as the log is.
 */
final class LogCompaction {
    private final SegmentSet segments;
    private final AppendPipeline pipeline;
    private final LongSupplier clockMs;
    private final String name;
    /** See {@link Log#setFirstUnstableOffset}; no open transaction until the server says otherwise. */
    private volatile LongSupplier firstUnstableOffset = () -> Long.MAX_VALUE;

    LogCompaction(SegmentSet segments, AppendPipeline pipeline, LongSupplier clockMs, String name) {
        this.segments = segments;
        this.pipeline = pipeline;
        this.clockMs = clockMs;
        this.name = name;
    }

    /** See {@link Log#clean}. */
    CleanResult clean(Cleaner cleaner, LogConfig current, long firstDirtyOffset) throws IOException {
        if (current.hashChain()) {
            return new CleanResult(firstDirtyOffset, 0, 0, 0, 0);
        }
        segments.ensureWritable();
        return cleaner.clean(segments, current, firstDirtyOffset, firstUnstableOffset.getAsLong(), clockMs.getAsLong(),
                (old, swap) -> pipeline.exclusive(() -> {
                    segments.ensureWritable();
                    if (!segments.replace(old, swap, current)) {
                        throw new IOException("Segments of " + name + " changed while they were cleaned; "
                                + "the round is abandoned and the log is as before it");
                    }
                    return null;
                }));
    }

    /** See {@link Log#setFirstUnstableOffset}. */
    void setFirstUnstableOffset(LongSupplier supplier) {
        this.firstUnstableOffset = Objects.requireNonNull(supplier, "supplier");
    }

    /** See {@link Log#cleanableBytes}. */
    long[] cleanableBytes(long firstDirtyOffset) {
        long dirty = 0;
        long total = 0;
        for (Segment segment : segments.segments().headMap(segments.active().baseOffset(), false).values()) {
            total += segment.sizeBytes();
            if (segment.nextOffset() > firstDirtyOffset) {
                dirty += segment.sizeBytes();
            }
        }
        return new long[] {dirty, total};
    }
}

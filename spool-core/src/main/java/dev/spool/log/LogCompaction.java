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

    /**
     * Tells the cleaner where the log's first unstable offset is: the first offset of its earliest
     * open transaction, or {@code Long.MAX_VALUE} when none is open (the default, for a log no
     * transactional producer writes). A round reads it once, at its start, and maps or changes
     * nothing at or past it: an open transaction's records may still commit or abort. The server,
     * which tracks open transactions, sets it once per log; the supplier must be cheap and
     * thread-safe (the cleaner thread calls it), and must not move past an aborted transaction's
     * first offset before {@link Log#recordAbortedTransaction} returned for it (the cleaner learns
     * aborts from the index).
     */
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

package dev.spool.log;

import dev.spool.log.append.AppendPipeline;
import dev.spool.log.segment.Segment;
import dev.spool.log.segment.SegmentSet;
import dev.spool.log.segment.TransactionIndex;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;

/**
 * Where a log files its aborted transactions and where a fetch finds them: the work behind
 * {@link Log#recordAbortedTransaction} and {@link Log#abortedTransactions}. Each entry lives in the
 * {@code .txnindex} of the segment that holds its abort marker
 * ({@link dev.spool.log.segment.SegmentTransactions}), so it is deleted, truncated, rolled and
 * recovered with that segment.
 *
 * <p>Cost when unused: nothing on the append and read paths; a lookup walks the segments from the
 * fetch offset's to the end and finds a null index in each (no file I/O, no allocation but the
 * map's view).
 *
 * <p>Thread-safety: recording runs under the log's writer lock, so the segment it files into
 * cannot be deleted or cut meanwhile; lookups take no lock and see a prefix of each index.
 */
final class LogTransactions {
    private final SegmentSet segments;
    private final AppendPipeline pipeline;
    private final String name;

    LogTransactions(SegmentSet segments, AppendPipeline pipeline, String name) {
        this.segments = segments;
        this.pipeline = pipeline;
        this.name = name;
    }

    /** See {@link Log#recordAbortedTransaction}. */
    void record(AbortedTransaction aborted, Durability durability) throws IOException {
        Objects.requireNonNull(aborted, "aborted");
        Objects.requireNonNull(durability, "durability");
        pipeline.exclusive(() -> {
            segments.ensureWritable();
            long marker = aborted.lastOffset();
            if (marker >= segments.logEndOffset() || marker < segments.logStartOffset()) {
                throw new IllegalArgumentException("The abort marker of " + aborted + " is at offset " + marker
                        + ", outside the offsets " + segments.logStartOffset() + " to " + segments.logEndOffset()
                        + " (exclusive) of " + name);
            }
            NavigableMap<Long, Segment> all = segments.segments();
            for (Segment later : all.tailMap(marker, false).values()) {
                if (later.transactions().entries() > 0) {
                    throw new IllegalArgumentException("Aborted transactions of " + name + " arrive in marker order, "
                            + "but " + aborted + " comes after entries of the segment at " + later.baseOffset());
                }
            }
            Segment segment = all.floorEntry(marker).getValue();
            // A segment that is no longer active may be flushed already, and no later flush of the log
            // comes back to it (flushes start at the recovery point): write its index now.
            boolean force = durability == Durability.STRICT || segment != segments.active();
            try {
                segment.transactions().append(aborted, force);
            } catch (IOException e) {
                throw segments.fail(e); // never retry an fsync
            }
            return null;
        });
    }

    /** See {@link Log#abortedTransactions}. */
    List<AbortedTransaction> aborted(long fetchOffset, long upperBoundOffset) {
        NavigableMap<Long, Segment> all = segments.segments();
        Map.Entry<Long, Segment> first = all.floorEntry(fetchOffset);
        List<AbortedTransaction> out = null;
        for (Segment segment : (first == null ? all : all.tailMap(first.getKey(), true)).values()) {
            TransactionIndex.Collected collected = segment.transactions().collect(fetchOffset, upperBoundOffset);
            if (collected == null) {
                continue; // the common case: the segment never had an aborted transaction
            }
            if (!collected.aborted().isEmpty()) {
                if (out == null) {
                    out = new ArrayList<>();
                }
                out.addAll(collected.aborted());
            }
            if (collected.complete()) {
                break;
            }
        }
        return out == null ? List.of() : out;
    }
}

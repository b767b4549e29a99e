package dev.spool.log.compaction;

import dev.spool.log.CleanerSettings;
import dev.spool.log.CompactionConfig;
import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.BatchClassifier;
import dev.spool.log.segment.BatchCursor;
import dev.spool.log.segment.Segment;
import dev.spool.log.segment.SegmentSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Compacts one log's closed segments: per key only the latest record stays, offsets unchanged.
 *
 * <h2>A round</h2>
 * <ol>
 * <li>The dirty section runs from the cleaner checkpoint ({@code firstDirtyOffset}) to the active
 *     segment's base, or to the first segment with a record younger than {@code minCompactionLagMs},
 *     or to the first unstable offset (the start of the earliest open transaction, which may still
 *     commit or abort), whichever comes first.
 *     Pass 1 maps each key of that section to its latest offset ({@link OffsetMap}), batch by batch,
 *     until the map is full: the round's upper bound is the first offset not mapped.</li>
 * <li>Pass 2 rewrites the closed segments from the log start to the bound, in groups of adjacent
 *     segments whose sizes add up to at most {@code segment.bytes} (so cleaned segments do not
 *     shrink to nothing and the count of segments falls), through {@link BatchRewriter}. A record
 *     stays when its offset is at or past the bound, or its key's mapped offset is not above its
 *     own (the latest, or a key the map does not hold). A record without a key goes, as in Kafka. A
 *     tombstone (no value) goes once its segment was cleaned in an earlier round (it lay wholly
 *     below the checkpoint) and the segment's newest record is older than
 *     {@code deleteRetentionMs}: a consumer reading the log at least that often sees every delete.
 *     Transactions follow {@link CleanedTransactions}: aborted batches are not mapped and go whole,
 *     a producer's last data batch stays (at least empty), and a transaction marker goes, under the
 *     tombstones' delay, once no batch of its transaction is left below it.</li>
 * <li>Each group is written and swapped in by the protocol of {@link CleanerFiles}; the swap itself
 *     runs under the log's writer lock ({@link Swapper}), which fails the round, leaving the log as
 *     it was, when retention or a truncation removed one of the group's segments meanwhile.</li>
 * </ol>
 * The active segment is never read or written. Offsets never change. Not thread-safe: one cleaner
 * thread uses an instance (it owns the map's memory); only {@link #stop()} may come from another.
 */
public final class Cleaner {

    /** Replaces {@code old} (adjacent closed segments) with the swap file, under the log's writer lock. */
    public interface Swapper {
        void swap(List<Segment> old, Path swapFile) throws IOException;
    }

    private final FileIO io;
    private final CleanerSettings settings;
    /** Allocated at the first round (the dedupe buffer is large): a log manager that never cleans pays nothing. */
    private OffsetMap map;
    private final Throttle throttle;
    /** Buffers the writes of the cleaned file; the cleaner's own, like the map. */
    private final CleanedFileWriter writer;
    /** Set by {@link #stop()} from another thread; checked between batches. */
    private volatile boolean stopping;

    public Cleaner(FileIO io, CleanerSettings settings) {
        this.io = io;
        this.settings = settings;
        this.throttle = new Throttle(settings.ioBytesPerSecond());
        this.writer = new CleanedFileWriter(throttle);
    }

    /**
     * Makes a running round give up at its next batch, ending a throttle wait at once (the log
     * manager is closing): the round throws, a group not yet swapped in is left as a
     * {@code .cleaned} file that the next open deletes, and the log is as before that group. A
     * swap under way finishes first. Callable from any thread.
     */
    public void stop() {
        stopping = true;
        throttle.stop();
    }

    public CleanerSettings settings() {
        return settings;
    }

    /**
     * The end of the cleanable section at {@code nowMs}: the active base, or the first segment too
     * young for the log's {@link CompactionConfig#minCompactionLagMs}.
     */
    public long cleanableEnd(SegmentSet set, CompactionConfig compaction, long nowMs) throws IOException {
        long end = set.active().baseOffset();
        if (compaction.minCompactionLagMs() > 0) {
            for (Segment segment : closed(set)) {
                if (segment.maxTimestamp() > nowMs - compaction.minCompactionLagMs()) {
                    return segment.baseOffset();
                }
            }
        }
        return end;
    }

    /**
     * Runs one round over {@code set}'s closed segments; see the class note. Nothing at or past
     * {@code firstUnstableOffset} (the first offset of the log's earliest open transaction,
     * {@code Long.MAX_VALUE} for none) is mapped or changed.
     */
    public CleanResult clean(SegmentSet set, LogConfig config, long firstDirtyOffset, long firstUnstableOffset,
                             long nowMs, Swapper swapper) throws IOException {
        List<Segment> closed = closed(set);
        if (closed.isEmpty()) {
            return CleanResult.nothing(firstDirtyOffset);
        }
        long start = Math.max(firstDirtyOffset, closed.get(0).baseOffset());
        long end = Math.min(cleanableEnd(set, config.compaction(), nowMs), firstUnstableOffset);
        if (start >= end) {
            return CleanResult.nothing(Math.max(firstDirtyOffset, 0));
        }
        if (map == null) {
            map = new OffsetMap(settings.dedupeBufferBytes());
        }
        map.clear();
        CleanedTransactions transactions = CleanedTransactions.of(set);
        long[] read = {0};
        long bound = buildMap(closed, start, end, config, transactions, read);
        List<List<Segment>> groups = groups(closed, bound, config.segmentBytes());
        long written = 0;
        long removed = 0;
        int cleaned = 0;
        for (List<Segment> group : groups) {
            long[] stats = cleanGroup(set.dir(), group, new Round(bound, start, nowMs, config, transactions), swapper);
            read[0] += stats[0];
            written += stats[1];
            removed += stats[2];
            cleaned += group.size();
        }
        return new CleanResult(bound, read[0], written, removed, cleaned);
    }

    private static List<Segment> closed(SegmentSet set) {
        return new ArrayList<>(set.segments().headMap(set.active().baseOffset(), false).values());
    }

    /** Pass 1: maps keys of {@code [start, end)}; returns the first offset not mapped. */
    private long buildMap(List<Segment> closed, long start, long end, LogConfig config,
                          CleanedTransactions transactions, long[] read) throws IOException {
        for (Segment segment : closed) {
            if (segment.nextOffset() <= start || segment.baseOffset() >= end) {
                continue;
            }
            try (StorageFile file = io.open(segment.logPath(), FileIO.OpenMode.READ)) {
                BatchCursor cursor = cursor(file, segment, config);
                while (next(cursor)) {
                    ByteBuffer batch = cursor.batch();
                    read[0] += batch.remaining();
                    throttle.acquire(batch.remaining());
                    if (RecordBatch.lastOffset(batch, 0) < start) {
                        cursor.advance();
                        continue;
                    }
                    if (RecordBatch.baseOffset(batch, 0) >= end) {
                        return end; // the first unstable offset may lie inside a segment
                    }
                    if (RecordBatch.isControl(batch, 0) || transactions.isAborted(batch)) {
                        transactions.mapped(batch); // an aborted write never shadows a committed value
                        cursor.advance();
                        continue;
                    }
                    if (map.size() + RecordBatch.recordCount(batch, 0) > map.capacity()) {
                        return RecordBatch.baseOffset(batch, 0);
                    }
                    transactions.mapped(batch);
                    for (Record record : RecordBatch.records(batch, 0)) {
                        if (record.key().isPresent()) {
                            map.put(record.key().get(), record.offset());
                        }
                    }
                    cursor.advance();
                }
            }
        }
        return end;
    }

    /** Groups adjacent segments below {@code bound} whose sizes add up to at most {@code segmentBytes}. */
    static List<List<Segment>> groups(List<Segment> closed, long bound, int segmentBytes) {
        List<List<Segment>> groups = new ArrayList<>();
        List<Segment> current = new ArrayList<>();
        long size = 0;
        for (Segment segment : closed) {
            if (segment.baseOffset() >= bound) {
                break;
            }
            boolean fits = size + segment.sizeBytes() <= segmentBytes
                    && segment.nextOffset() - (current.isEmpty() ? segment.baseOffset()
                    : current.get(0).baseOffset()) <= Integer.MAX_VALUE;
            if (!current.isEmpty() && !fits) {
                groups.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(segment);
            size += segment.sizeBytes();
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    /** What pass 2 cleans by: the bound, the round's first dirty offset, the time, the log's transactions. */
    private record Round(long bound, long firstDirty, long nowMs, LogConfig config, CleanedTransactions transactions) {
    }

    /** Pass 2 for one group: writes {@code B.log.cleaned}, forces it, renames it {@code .swap}, swaps it in. */
    private long[] cleanGroup(Path dir, List<Segment> group, Round round, Swapper swapper) throws IOException {
        LogConfig config = round.config();
        long base = group.get(0).baseOffset();
        Path cleanedPath = CleanerFiles.cleanedFile(dir, base);
        io.deleteIfExists(cleanedPath);
        long[] stats = new long[3];
        try (StorageFile out = io.open(cleanedPath, FileIO.OpenMode.CREATE_NEW)) {
            CleanedFileWriter writer = this.writer.start(out);
            BatchRewriter rewriter = new BatchRewriter(config.batchBytesMax(), writer);
            for (Segment segment : group) {
                boolean dropTombstones = segment.nextOffset() <= round.firstDirty()
                        && segment.maxTimestamp() < round.nowMs() - config.compaction().deleteRetentionMs();
                stats[0] += segment.sizeBytes();
                stats[2] += rewriteSegment(segment, round, dropTombstones, rewriter);
            }
            rewriter.finishSegment();
            stats[1] = writer.finish();
            out.force(true);
        }
        Path swap = CleanerFiles.swapFile(dir, base);
        io.rename(cleanedPath, swap);
        io.syncDirectory(dir);
        swapper.swap(group, swap);
        return stats;
    }

    private int rewriteSegment(Segment segment, Round round, boolean dropTombstones, BatchRewriter rewriter)
            throws IOException {
        int removed = 0;
        try (StorageFile file = io.open(segment.logPath(), FileIO.OpenMode.READ)) {
            BatchCursor cursor = cursor(file, segment, round.config());
            while (next(cursor)) {
                ByteBuffer batch = cursor.batch();
                throttle.acquire(batch.remaining());
                removed += rewriteBatch(batch, round, dropTombstones, rewriter);
                cursor.advance();
            }
        }
        return removed;
    }

    /** One batch of pass 2, by the record rules of the class note and the transaction rules of {@link CleanedTransactions}. */
    private int rewriteBatch(ByteBuffer batch, Round round, boolean dropTombstones, BatchRewriter rewriter)
            throws IOException {
        CleanedTransactions transactions = round.transactions();
        boolean below = RecordBatch.lastOffset(batch, 0) < round.bound();
        if (RecordBatch.isControl(batch, 0)) {
            boolean removable = transactions.markerRemovable(batch); // asked of every marker: it ends a transaction
            return removable && below && dropTombstones ? rewriter.drop(batch)
                    : rewriter.rewrite(batch, List.of(), record -> true);
        }
        boolean transactional = RecordBatch.isTransactional(batch, 0);
        if (!transactional) {
            List<Record> records = RecordBatch.records(batch, 0);
            return rewriter.rewrite(batch, records, record -> keep(record, round.bound(), dropTombstones));
        }
        boolean keepEmpty = !below || transactions.keepEmpty(batch);
        int removed;
        if (below && transactions.isAborted(batch)) {
            removed = keepEmpty ? rewriter.rewrite(batch, RecordBatch.records(batch, 0), record -> false, true)
                    : rewriter.drop(batch);
        } else {
            List<Record> records = RecordBatch.records(batch, 0);
            removed = rewriter.rewrite(batch, records, record -> keep(record, round.bound(), dropTombstones),
                    keepEmpty);
            keepEmpty |= removed < records.size(); // a record stayed
        }
        if (keepEmpty) {
            transactions.kept(batch);
        }
        return removed;
    }

    private boolean keep(Record record, long bound, boolean dropTombstones) {
        if (record.offset() >= bound) {
            return true;
        }
        if (record.key().isEmpty()) {
            return false;
        }
        long latest = map.get(record.key().get());
        if (latest > record.offset()) {
            return false;
        }
        return record.value().isPresent() || !dropTombstones;
    }

    private static BatchCursor cursor(StorageFile file, Segment segment, LogConfig config) {
        return BatchCursor.overBatches(file, segment.logPath(), 0, segment.sizeBytes(), config.batchBytesMax(),
                config.batchBytesMax());
    }

    /** Reads the next batch; false at the end. Damage inside a closed segment fails the round. */
    private boolean next(BatchCursor cursor) throws IOException {
        if (stopping) {
            throw new IOException("Cleaning of " + cursor.path().getParent() + " stopped: the log manager is closing");
        }
        BatchClassifier.Verdict verdict = cursor.read();
        if (verdict.kind() == BatchClassifier.Kind.END) {
            return false;
        }
        if (!verdict.isValid()) {
            throw new IOException("Cannot clean " + cursor.path() + ": position " + cursor.position() + " is "
                    + verdict.kind() + " (" + verdict.problem() + "); run spool verify");
        }
        return true;
    }
}

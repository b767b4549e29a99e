package dev.spool.log.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The simplest log that could work: a list of batches of records with dense offsets, and the
 * start and end offsets. It keeps every record that is physically in the log, including those
 * below the log start offset (a batch may straddle the start, and a reopen without a checkpointed
 * start offset exposes the first segment again), so it can answer for any offset the real log
 * might return.
 *
 * <p>It knows nothing of segments or bytes; where the real log's behaviour depends on them
 * (retention), the harness passes the segment boundaries in.
 */
public final class LogModel {
    /** A batch as appended: its base offset and records, offset = base + index. */
    public record Batch(long baseOffset, List<RecordSpec> records) {
        public long lastOffset() {
            return baseOffset + records.size() - 1;
        }

        public long nextOffset() {
            return baseOffset + records.size();
        }
    }

    private final List<Batch> batches = new ArrayList<>();
    private long logStartOffset;
    private long logEndOffset;

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }

    /** Appends batches with dense offsets from the end; returns the first offset. */
    public long append(List<List<RecordSpec>> newBatches) {
        long first = logEndOffset;
        for (List<RecordSpec> records : newBatches) {
            Batch batch = new Batch(logEndOffset, List.copyOf(records));
            batches.add(batch);
            logEndOffset = batch.nextOffset();
        }
        return first;
    }

    /** The record at {@code offset}, if the model holds it. */
    public Optional<RecordSpec> recordAt(long offset) {
        return batchContaining(offset).map(b -> b.records().get((int) (offset - b.baseOffset())));
    }

    public Optional<Batch> batchContaining(long offset) {
        int low = 0;
        int high = batches.size() - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            Batch batch = batches.get(mid);
            if (offset < batch.baseOffset()) {
                high = mid - 1;
            } else if (offset > batch.lastOffset()) {
                low = mid + 1;
            } else {
                return Optional.of(batch);
            }
        }
        return Optional.empty();
    }

    /**
     * Removes every batch from the one holding {@code offset} on (batches are not split). When the
     * cut falls below the log start, the log is empty and starts at the cut.
     */
    public long truncateTo(long offset) {
        if (offset >= logEndOffset) {
            return logEndOffset;
        }
        long newEnd = batchContaining(offset).map(Batch::baseOffset).orElse(offset);
        batches.removeIf(b -> b.baseOffset() >= newEnd);
        logEndOffset = newEnd;
        logStartOffset = Math.min(logStartOffset, newEnd);
        return newEnd;
    }

    /** Raises the log start (never lowers it). */
    public void advanceLogStartOffset(long offset) {
        if (offset > logEndOffset) {
            throw new IllegalArgumentException("start " + offset + " past end " + logEndOffset);
        }
        logStartOffset = Math.max(logStartOffset, offset);
    }

    /** Sets the log start as a reopen establishes it (may lower it, to what is physically there). */
    public void resetLogStartOffset(long offset) {
        logStartOffset = offset;
    }

    /** Kafka's ListOffsets by time: the first record at or after the start, in offset order, with timestamp ≥ {@code timestamp}. */
    public Optional<long[]> findOffsetByTimestamp(long timestamp) {
        for (Batch batch : batches) {
            if (batch.lastOffset() < logStartOffset) {
                continue;
            }
            for (int i = 0; i < batch.records().size(); i++) {
                long offset = batch.baseOffset() + i;
                RecordSpec record = batch.records().get(i);
                if (offset >= logStartOffset && record.timestamp() >= timestamp) {
                    return Optional.of(new long[] {offset, record.timestamp()});
                }
            }
        }
        return Optional.empty();
    }

    /** The largest timestamp of the records in {@code [from, to)}, if any. */
    public OptionalLong maxTimestamp(long from, long to) {
        long max = Long.MIN_VALUE;
        boolean any = false;
        for (Batch batch : batches) {
            if (batch.nextOffset() <= from || batch.baseOffset() >= to) {
                continue;
            }
            for (int i = 0; i < batch.records().size(); i++) {
                long offset = batch.baseOffset() + i;
                if (offset >= from && offset < to) {
                    max = Math.max(max, batch.records().get(i).timestamp());
                    any = true;
                }
            }
        }
        return any ? OptionalLong.of(max) : OptionalLong.empty();
    }

    /** Every distinct timestamp of a retained record (for choosing interesting search times). */
    public List<Long> retainedTimestamps() {
        List<Long> out = new ArrayList<>();
        for (Batch batch : batches) {
            for (int i = 0; i < batch.records().size(); i++) {
                if (batch.baseOffset() + i >= logStartOffset) {
                    out.add(batch.records().get(i).timestamp());
                }
            }
        }
        return out;
    }
}

package dev.spool.log.compaction;

import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.Header;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Predicate;

/**
 * Rewrites a segment's batches with only the records the cleaner keeps, without changing any
 * offset, into a {@link Sink}.
 *
 * <h2>The shapes it writes</h2>
 * The log's readers and recovery require every batch to start where the previous one ended, and
 * the records of a batch to have offset deltas 0, 1, 2... So a batch is not rewritten with holes
 * inside it: each run of consecutive kept records becomes a batch of its own (same base offset as
 * its first record, the original's compression, transactional flag, partition leader epoch and
 * producer id and epoch; its base sequence moved by the records skipped, so the producer's last
 * sequence stays what it was), and each run of removed offsets becomes a gap batch
 * ({@link RecordBatch#gapBatch}: no records, spanning the offsets), which Kafka's consumers step
 * over as over any empty batch. Runs of removed offsets merge across batches into one gap batch,
 * so a segment whose records were all superseded shrinks to one 61-byte batch.
 *
 * <p>A producer's batch whose records were all removed is kept as an empty batch with its producer
 * fields ({@link BatchBuilder#emptyProducerBatch}), always, not only when it is the producer's last:
 * simpler, and it costs 61 bytes per such batch. The cleaner overrides that for transactional
 * batches ({@code keepEmpty}) and drops aborted batches and markers whole ({@link #drop}), by the
 * rules of {@link CleanedTransactions}; control batches are otherwise copied as they are. Not
 * thread-safe.
 */
final class BatchRewriter {

    /** Where rewritten batches go, in offset order. */
    interface Sink {
        void write(ByteBuffer batch) throws IOException;
    }

    private final BatchBuilder builder;
    private final Sink sink;
    private long gapStart = -1L;
    private long gapEnd = -1L;

    BatchRewriter(int batchBytesMax, Sink sink) {
        this.builder = new BatchBuilder(batchBytesMax);
        this.sink = sink;
    }

    /**
     * Rewrites the batch at {@code batch[0..]} ({@code records} its decoded records) keeping the
     * records {@code keep} accepts. Returns how many records were removed.
     */
    int rewrite(ByteBuffer batch, List<Record> records, Predicate<Record> keep) throws IOException {
        return rewrite(batch, records, keep, true);
    }

    /**
     * As {@link #rewrite(ByteBuffer, List, Predicate)}; with {@code keepEmpty} false a batch left
     * without records becomes part of a gap instead of an empty producer batch (the cleaner's rule
     * for a transactional batch whose producer wrote later, see {@link CleanedTransactions}).
     * Returns how many records were removed; the batch stayed (possibly empty) unless it held
     * records and all went with {@code keepEmpty} false, or it has no producer and all went.
     */
    int rewrite(ByteBuffer batch, List<Record> records, Predicate<Record> keep, boolean keepEmpty)
            throws IOException {
        if (RecordBatch.isControl(batch, 0)) {
            flushGap();
            sink.write(batch.duplicate());
            return 0;
        }
        long base = RecordBatch.baseOffset(batch, 0);
        long last = RecordBatch.lastOffset(batch, 0);
        boolean[] kept = new boolean[records.size()];
        int keptCount = 0;
        for (int i = 0; i < kept.length; i++) {
            kept[i] = keep.test(records.get(i));
            keptCount += kept[i] ? 1 : 0;
        }
        if (keptCount == 0 && !keepEmpty) {
            return drop(batch);
        }
        if (keptCount == records.size()) {
            flushGap();
            sink.write(batch.duplicate());
            return 0;
        }
        if (keptCount == 0 && RecordBatch.producerId(batch, 0) != RecordBatch.NO_PRODUCER_ID) {
            flushGap();
            sink.write(BatchBuilder.emptyProducerBatch(base, RecordBatch.lastOffsetDelta(batch, 0),
                    RecordBatch.producerId(batch, 0), RecordBatch.producerEpoch(batch, 0),
                    RecordBatch.baseSequence(batch, 0), RecordBatch.isTransactional(batch, 0),
                    RecordBatch.baseTimestamp(batch, 0), RecordBatch.maxTimestamp(batch, 0)));
            return records.size();
        }
        int i = 0;
        while (i < kept.length) {
            int runEnd = i;
            while (runEnd < kept.length && kept[runEnd] == kept[i]) {
                runEnd++;
            }
            if (kept[i]) {
                flushGap();
                writeRun(batch, records.subList(i, runEnd));
            } else {
                addGap(records.get(i).offset(), records.get(runEnd - 1).offset());
            }
            i = runEnd;
        }
        // Offsets the batch spans past its last record (none in a batch this engine checked, but
        // the header is the authority on where the next batch starts).
        long lastRecord = records.isEmpty() ? base - 1 : records.get(records.size() - 1).offset();
        if (last > lastRecord) {
            addGap(lastRecord + 1, last);
        }
        return records.size() - keptCount;
    }

    /**
     * Drops the batch at {@code batch[0..]} whole, a control batch too: its offsets join the gap.
     * Returns how many records it held.
     */
    int drop(ByteBuffer batch) throws IOException {
        addGap(RecordBatch.baseOffset(batch, 0), RecordBatch.lastOffset(batch, 0));
        return RecordBatch.recordCount(batch, 0);
    }

    /** Writes any pending gap batch; call at the end of a cleaned segment. */
    void finishSegment() throws IOException {
        flushGap();
    }

    private void addGap(long from, long to) throws IOException {
        if (gapStart >= 0 && (gapEnd + 1 != from || to - gapStart > Integer.MAX_VALUE)) {
            flushGap();
        }
        if (gapStart < 0) {
            gapStart = from;
        }
        gapEnd = to;
    }

    private void flushGap() throws IOException {
        if (gapStart >= 0) {
            sink.write(RecordBatch.gapBatch(gapStart, (int) (gapEnd - gapStart)));
            gapStart = -1L;
            gapEnd = -1L;
        }
    }

    /** Writes consecutive kept records as one batch, or several when re-encoding makes them larger. */
    private void writeRun(ByteBuffer original, List<Record> run) throws IOException {
        long base = RecordBatch.baseOffset(original, 0);
        int baseSequence = RecordBatch.baseSequence(original, 0);
        CompressionType compression = RecordBatch.compression(original, 0);
        builder.reset().producer(RecordBatch.producerId(original, 0), RecordBatch.producerEpoch(original, 0), -1)
                .transactional(RecordBatch.isTransactional(original, 0))
                .compression(compression);
        int from = 0;
        while (from < run.size()) {
            long first = run.get(from).offset();
            int sequence = baseSequence < 0 ? baseSequence : (int) (baseSequence + (first - base));
            builder.reset();
            builder.producer(RecordBatch.producerId(original, 0), RecordBatch.producerEpoch(original, 0), sequence);
            int to = from;
            while (to < run.size() && append(run.get(to))) {
                to++;
            }
            if (to == from) {
                builder.append(run.get(to).timestamp(), run.get(to).key().orElse(null),
                        run.get(to).value().orElse(null), headers(run.get(to)));
                to++;
            }
            ByteBuffer built = builder.build();
            ByteBuffer copy = ByteBuffer.allocate(built.remaining()).put(built).flip();
            RecordBatch.setBaseOffset(copy, 0, first);
            RecordBatch.setPartitionLeaderEpoch(copy, 0, RecordBatch.partitionLeaderEpoch(original, 0));
            sink.write(copy);
            from = to;
        }
    }

    private boolean append(Record record) {
        return builder.tryAppend(record.timestamp(), record.key().orElse(null), record.value().orElse(null),
                headers(record));
    }

    private static Header[] headers(Record record) {
        return record.headers().isEmpty() ? null : record.headers().toArray(new Header[0]);
    }
}

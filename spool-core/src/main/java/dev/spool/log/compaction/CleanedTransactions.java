package dev.spool.log.compaction;

import dev.spool.log.AbortedTransaction;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.Segment;
import dev.spool.log.segment.SegmentSet;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What one cleaning round knows of the log's transactions, and the rules it cleans them by.
 *
 * <h2>The rules (Kafka's)</h2>
 * <ul>
 * <li><b>Aborted data goes.</b> A transactional batch of producer P lies in an aborted transaction
 *     when the log's transaction indexes hold an entry of P whose first offset is at or below the
 *     batch and whose abort marker is above it (a producer has one transaction open at a time, so
 *     its entries do not overlap). Such a batch is dropped whole, and its keys are not mapped: a
 *     key whose only later write was aborted keeps its committed value.</li>
 * <li><b>A producer's last data batch stays.</b> Pass 1 notes, per producer, its last data batch
 *     and its last batch of any kind in the mapped section. A transactional batch whose records all
 *     go is dropped whole when its producer wrote a later data batch there, and otherwise kept
 *     empty (producer id, epoch and sequence): the producer's sequence state, which the server
 *     rebuilds from the log's tail, survives. Non-transactional producer batches keep the
 *     rewriter's rule (always kept empty).</li>
 * <li><b>A marker stays while its transaction may have data below it.</b> Walking the log in
 *     offset order, a producer's transactional batch written to the cleaned output opens its
 *     transaction's "data kept" state, which its next marker consumes. A commit or abort marker
 *     may go when no batch of its transaction was kept (so no reader and no rebuild of producer
 *     state meets a transactional batch without its end) and its producer wrote a later batch in
 *     the mapped section (the producer's epoch lives on in it). The cleaner then removes it only
 *     where it removes tombstones, after {@code delete.retention.ms}: a consumer reading at that
 *     pace still saw the marker. An abort marker's removal drops its transaction index entry
 *     (the swap carries only entries whose marker is in the cleaned file).</li>
 * </ul>
 * Producers the mapped section does not hold keep all their batches and markers, as conservative
 * as not knowing whether they wrote later. Not thread-safe: one round's.
 */
final class CleanedTransactions {
    /** Per producer: first offset of each aborted transaction to its abort marker's offset. */
    private final Map<Long, TreeMap<Long, Long>> aborted;
    /** Per producer, from pass 1: the last offset of its last data batch in the mapped section. */
    private final Map<Long, Long> lastData = new HashMap<>();
    /** Per producer, from pass 1: the last offset of its last batch (data or marker) in the mapped section. */
    private final Map<Long, Long> lastBatch = new HashMap<>();
    /** Producers with a transactional batch in the cleaned output since their last marker. */
    private final Set<Long> dataKept = new HashSet<>();

    private CleanedTransactions(Map<Long, TreeMap<Long, Long>> aborted) {
        this.aborted = aborted;
    }

    /** The aborted transactions of every segment of {@code set} (the active one's too: a marker may lie there). */
    static CleanedTransactions of(SegmentSet set) {
        Map<Long, TreeMap<Long, Long>> aborted = new HashMap<>();
        for (Segment segment : set.segments().values()) {
            if (segment.transactions().entries() == 0) {
                continue; // the common case: no index, nothing allocated
            }
            for (AbortedTransaction t : segment.transactions().all()) {
                aborted.computeIfAbsent(t.producerId(), p -> new TreeMap<>()).put(t.firstOffset(), t.lastOffset());
            }
        }
        return new CleanedTransactions(aborted);
    }

    /** Whether the batch at {@code batch[0..]} is transactional data of an aborted transaction. */
    boolean isAborted(ByteBuffer batch) {
        if (aborted.isEmpty() || RecordBatch.isControl(batch, 0) || !RecordBatch.isTransactional(batch, 0)) {
            return false;
        }
        TreeMap<Long, Long> ofProducer = aborted.get(RecordBatch.producerId(batch, 0));
        if (ofProducer == null) {
            return false;
        }
        long base = RecordBatch.baseOffset(batch, 0);
        Map.Entry<Long, Long> open = ofProducer.floorEntry(base);
        return open != null && base < open.getValue();
    }

    /** Pass 1: notes a batch of the mapped section. */
    void mapped(ByteBuffer batch) {
        long producer = RecordBatch.producerId(batch, 0);
        if (producer == RecordBatch.NO_PRODUCER_ID || !RecordBatch.isTransactional(batch, 0)) {
            return; // only transactional producers' batches and markers are asked about: nothing kept for the others
        }
        long last = RecordBatch.lastOffset(batch, 0);
        lastBatch.put(producer, last);
        if (!RecordBatch.isControl(batch, 0)) {
            lastData.put(producer, last);
        }
    }

    /**
     * Whether a transactional data batch ending at {@code lastOffset} must stay, at least empty:
     * its producer wrote no later data batch in the mapped section.
     */
    boolean keepEmpty(ByteBuffer batch) {
        Long later = lastData.get(RecordBatch.producerId(batch, 0));
        return later == null || later <= RecordBatch.lastOffset(batch, 0);
    }

    /** Pass 2: the batch (data, transactional) went to the cleaned output, possibly empty. */
    void kept(ByteBuffer batch) {
        dataKept.add(RecordBatch.producerId(batch, 0));
    }

    /**
     * Pass 2, at every control batch in offset order: ends its producer's transaction and answers
     * whether the marker may go by the rules above (the caller adds the retention condition).
     * Control batches that are no transaction marker always stay.
     */
    boolean markerRemovable(ByteBuffer batch) {
        long producer = RecordBatch.producerId(batch, 0);
        boolean hadData = dataKept.remove(producer);
        if (hadData || !isMarker(batch)) {
            return false;
        }
        Long later = lastBatch.get(producer);
        return later != null && later > RecordBatch.lastOffset(batch, 0);
    }

    private static boolean isMarker(ByteBuffer batch) {
        try {
            return EndTransactionMarker.read(batch, 0).isPresent();
        } catch (CorruptRecordException e) {
            return false; // CRC-intact but no marker Kafka's format knows: kept as it is
        }
    }
}

package dev.spool.kafka.producer;

import dev.spool.log.Log;
import dev.spool.log.ReadResult;
import dev.spool.log.SegmentInfo;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.AbortedTransaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Rebuilds a partition's {@link ProducerStateTable}, and the transactions open on it, from the
 * batch headers at the tail of its log.
 *
 * <p>Chosen over a snapshot file: nothing to keep consistent with the log across crashes, and the
 * cost is bounded. The scan starts at the newest segments, going back until they hold at least
 * about {@code scanBytes} (or the log starts), and runs once per partition, the first time a producer
 * writes to it after a start, so opening 10,000 partitions costs nothing. What it cannot see:
 * producers whose last batch lies further back. They are accepted as new, as Kafka does for an
 * expired producer; a retried batch is always among its producer's latest, and so, in practice,
 * at the tail.
 *
 * <p>Open transactions: a producer's transactional batches after its last transaction marker in
 * the scanned tail, starting at the first of them. The limit of a tail: a transaction whose first
 * batch lies before the scan start is found starting at its first batch within the tail (or not
 * at all when none of its batches is in the tail), so the last stable offset can be too high and
 * {@code read_committed} readers may see its earlier records before it ends. Only a transaction
 * left open across a restart for longer than the tail takes to fill is exposed to this.
 */
public final class ProducerStateLoader {
    private ProducerStateLoader() {
    }

    /**
     * Records every idempotent batch from the scan start to the log end into {@code table}. The
     * caller holds the partition's lock, so the log does not grow meanwhile. Returns the bytes read.
     */
    public static long load(Log log, long scanBytes, ProducerStateTable table) throws IOException {
        return load(log, scanBytes, table, new HashMap<>(), new ArrayList<>());
    }

    /**
     * As {@link #load(Log, long, ProducerStateTable)}, and puts into {@code openTransactions} each
     * producer id with a transaction open at the log end, with the offset of its first batch found
     * (see the class comment for what a tail cannot see). A transaction marker ends its producer's
     * transaction and bumps its epoch in {@code table} ({@link ProducerStateTable#recordMarker}).
     * Each abort marker that ends a transaction begun in the tail goes into {@code aborted}, as
     * the partition's transaction index records it (the LSO after it: the earliest other open
     * transaction's start, else the offset after the marker), so the caller can check the index
     * holds it: a crash between the marker's write and its index entry's loses the entry.
     */
    public static long load(Log log, long scanBytes, ProducerStateTable table, Map<Long, Long> openTransactions,
                            List<AbortedTransaction> aborted) throws IOException {
        long end = log.logEndOffset();
        long from = scanStart(log, scanBytes);
        ByteBuffer buffer = ByteBuffer.allocate(log.config().batchBytesMax());
        long read = 0;
        for (long offset = from; offset < end; ) {
            offset = Math.max(offset, log.logStartOffset()); // retention may move the start under the scan
            buffer.clear();
            ReadResult result = log.read(offset, buffer);
            ByteBuffer batches = result.batches();
            if (!batches.hasRemaining()) {
                break;
            }
            result.checkBatches(); // the producer fields are CRC-covered: a damaged one is no producer's state
            for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
                long producerId = RecordBatch.producerId(batches, at);
                int firstSequence = RecordBatch.baseSequence(batches, at);
                if (producerId >= 0 && RecordBatch.isControl(batches, at)) {
                    Optional<EndTransactionMarker> marker = transactionMarker(batches, at);
                    if (marker.isPresent()) {
                        table.recordMarker(producerId, RecordBatch.producerEpoch(batches, at));
                        Long first = openTransactions.remove(producerId);
                        if (first != null && !marker.get().commit()) {
                            long markerOffset = RecordBatch.baseOffset(batches, at);
                            long stable = openTransactions.values().stream().mapToLong(Long::longValue).min()
                                    .orElse(markerOffset + 1);
                            aborted.add(new AbortedTransaction(producerId, first, markerOffset, stable));
                        }
                    }
                } else if (producerId >= 0 && firstSequence >= 0) {
                    if (RecordBatch.isTransactional(batches, at)) {
                        openTransactions.putIfAbsent(producerId, RecordBatch.baseOffset(batches, at));
                    }
                    int lastSequence = ProducerStateTable.lastSequence(firstSequence,
                            RecordBatch.lastOffsetDelta(batches, at) + 1);
                    table.record(producerId, RecordBatch.producerEpoch(batches, at), firstSequence, lastSequence,
                            CompletableFuture.completedFuture(RecordBatch.baseOffset(batches, at)));
                }
            }
            read += batches.remaining();
            offset = result.nextOffset(offset);
        }
        return read;
    }

    /** The commit or abort marker in the control batch at {@code at}; empty for another control record. */
    private static Optional<EndTransactionMarker> transactionMarker(ByteBuffer batches, int at) {
        try {
            return EndTransactionMarker.read(batches, at);
        } catch (CorruptRecordException e) { // CRC-intact but not a marker Kafka's format knows: no transaction's end
            return Optional.empty();
        }
    }

    private static long scanStart(Log log, long scanBytes) throws IOException {
        List<SegmentInfo> segments = log.segments();
        long from = log.logStartOffset();
        long covered = 0;
        for (int i = segments.size() - 1; i >= 0; i--) {
            SegmentInfo segment = segments.get(i);
            long wanted = scanBytes - covered;
            if (segment.sizeBytes() >= wanted) {
                // Offsets are dense, so bytes map to offsets roughly in proportion: start that far
                // from the segment's end (the read then starts at the batch holding that offset).
                long span = segment.nextOffset() - segment.baseOffset();
                long back = segment.sizeBytes() == 0 ? 0 : (long) (span * ((double) wanted / segment.sizeBytes()));
                return Math.max(from, segment.nextOffset() - Math.min(span, back));
            }
            covered += segment.sizeBytes();
        }
        return from;
    }
}

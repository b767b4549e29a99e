package dev.spool.kafka.group;

import dev.spool.kafka.group.OffsetStore.TopicPartitionKey;
import dev.spool.log.Log;
import dev.spool.log.ReadResult;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.record.RecordCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Reads the offsets log from its start to its end and hands each record to the store, by the kind
 * of batch that holds it, in log order:
 *
 * <table>
 *   <caption>What each record means</caption>
 *   <tr><th>batch</th><th>record</th><th>meaning</th></tr>
 *   <tr><td>plain</td><td>key and value</td><td>a committed offset (the later record of a key wins)</td></tr>
 *   <tr><td>any</td><td>key, null value</td><td>a tombstone: the key's committed offset and the pending
 *       offsets written before it are gone</td></tr>
 *   <tr><td>transactional</td><td>key and value</td><td>an offset pending in the producer's open transaction</td></tr>
 *   <tr><td>control</td><td>COMMIT or ABORT marker</td><td>the producer's transaction ended: its pending offsets
 *       are committed at the marker's offset, or dropped</td></tr>
 *   <tr><td>control</td><td>another control type</td><td>none of the store's: skipped</td></tr>
 * </table>
 * A record that does not decode ({@link OffsetRecordCodec}, or a marker cut short) fails the replay
 * with {@link CorruptOffsetRecordException}, naming the file, the batch's position and the log
 * offset; a batch whose CRC does not match fails it with the log's corruption error. Not thread-safe:
 * the store replays once, on open, before anyone else sees it.
 */
final class OffsetsLogReplay {
    private static final int READ_BYTES_MAX = 1 << 20;

    /** What the records say, in log order. */
    interface Target {
        void committed(String group, TopicPartitionKey key, CommittedOffset value, long logOffset);

        void deleted(String group, TopicPartitionKey key, long logOffset);

        void pending(long producerId, short producerEpoch, String group, TopicPartitionKey key, CommittedOffset value,
                     long logOffset);

        void transactionEnded(long producerId, boolean commit, long markerLogOffset);
    }

    private OffsetsLogReplay() {
    }

    /** Replays every record from the log start; returns how many there were. */
    static long replay(Log log, Target target) throws IOException {
        long offset = log.logStartOffset();
        long records = 0;
        RecordCursor cursor = new RecordCursor();
        while (offset < log.logEndOffset()) {
            ReadResult read = log.read(offset, READ_BYTES_MAX);
            if (read.isEmpty()) {
                break;
            }
            read.cursor(cursor);
            while (cursor.next()) { // checks each batch's CRC; names file, position, offset
                if (cursor.offset() >= offset) { // the first batch may begin before the offset asked for
                    replay(read, cursor, target);
                    records++;
                }
            }
            offset = read.nextOffset(offset);
        }
        return records;
    }

    private static void replay(ReadResult read, RecordCursor cursor, Target target)
            throws CorruptOffsetRecordException {
        ByteBuffer batches = read.batches();
        int at = cursor.batchPosition();
        long offset = cursor.offset();
        long producerId = RecordBatch.producerId(batches, at);
        if (cursor.isControl()) {
            Optional<EndTransactionMarker> marker;
            try {
                marker = EndTransactionMarker.read(batches, at);
            } catch (CorruptRecordException e) {
                throw corrupt(read, offset, e.getMessage());
            }
            marker.ifPresent(m -> target.transactionEnded(producerId, m.commit(), offset));
            return;
        }
        Optional<OffsetRecordCodec.OffsetRecord> decoded;
        try {
            decoded = OffsetRecordCodec.decode(slice(cursor.key()), slice(cursor.value()));
        } catch (OffsetRecordCodec.MalformedRecordException e) {
            throw corrupt(read, offset, e.getMessage());
        }
        if (decoded.isEmpty()) {
            return;
        }
        OffsetRecordCodec.OffsetRecord r = decoded.get();
        TopicPartitionKey key = new TopicPartitionKey(r.topic(), r.partition());
        if (r.value().isEmpty()) {
            target.deleted(r.group(), key, offset);
        } else if (RecordBatch.isTransactional(batches, at)) {
            target.pending(producerId, RecordBatch.producerEpoch(batches, at), r.group(), key, r.value().get(), offset);
        } else {
            target.committed(r.group(), key, r.value().get(), offset);
        }
    }

    /** The cursor's view on its own, so that a problem is named by its byte within the key or value. */
    private static ByteBuffer slice(ByteBuffer view) {
        return view == null ? null : view.slice();
    }

    private static CorruptOffsetRecordException corrupt(ReadResult read, long offset, String problem) {
        return new CorruptOffsetRecordException(read.origin().file(), batchPosition(read.origin(), offset), offset,
                problem);
    }

    /** The position of the batch holding {@code offset}, to name a bad record; -1 when it cannot be found. */
    private static long batchPosition(ReadResult.Origin origin, long offset) {
        try {
            return origin.positionOf(offset);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}

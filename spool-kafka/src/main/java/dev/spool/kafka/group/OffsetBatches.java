package dev.spool.kafka.group;

import dev.spool.kafka.InternalLog;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The batches the offsets store appends to its log, in Kafka's own shapes: plain offset commits
 * and tombstones in ordinary batches; a transaction's offset commits in transactional batches that
 * carry the producer's id and epoch (base sequence -1, as Kafka's coordinator writes them); a
 * transaction's outcome as a control batch holding one {@link EndTransactionMarker}. The records
 * themselves are {@link OffsetRecordCodec}'s. A list of commits that does not fit one batch is split
 * into as many as it needs, one after another in one buffer, so one append writes them all.
 * Stateless.
 */
final class OffsetBatches {
    /** The coordinator epoch written into a marker: Spool has one coordinator, which never changes. */
    static final int COORDINATOR_EPOCH = 0;

    private OffsetBatches() {
    }

    /** Plain commits and tombstones of {@code group}; a tombstone is stamped {@code nowMs}. */
    static ByteBuffer plain(String group, List<OffsetStore.Commit> commits, int batchBytesMax, long nowMs) {
        return encode(new BatchBuilder(batchBytesMax), group, commits, nowMs);
    }

    /** Offset commits of {@code group} that wait for the outcome of producer {@code producerId}'s transaction. */
    static ByteBuffer transactional(String group, List<OffsetStore.Commit> commits, long producerId,
                                    short producerEpoch, int batchBytesMax, long nowMs) {
        if (producerId == RecordBatch.NO_PRODUCER_ID) {
            throw new IllegalArgumentException("A transactional offset commit of group " + group
                    + " needs a producer id, was " + producerId);
        }
        BatchBuilder builder = new BatchBuilder(batchBytesMax).transactional(true)
                .producer(producerId, producerEpoch, RecordBatch.NO_SEQUENCE);
        return encode(builder, group, commits, nowMs);
    }

    /**
     * The pending offsets compaction writes again, in the order given: one transactional batch (or
     * more, when large) per run of one producer, epoch and group.
     */
    static ByteBuffer pending(List<PendingTransactionalOffsets.Rewrite> rewrites, int batchBytesMax) {
        List<ByteBuffer> runs = new ArrayList<>();
        int totalBytes = 0;
        int start = 0;
        for (int i = 1; i <= rewrites.size(); i++) {
            PendingTransactionalOffsets.Rewrite first = rewrites.get(start);
            if (i < rewrites.size() && sameRun(first, rewrites.get(i))) {
                continue;
            }
            List<OffsetStore.Commit> commits = rewrites.subList(start, i).stream()
                    .map(r -> new OffsetStore.Commit(r.key().topic(), r.key().partition(), r.value())).toList();
            ByteBuffer run = transactional(first.group(), commits, first.producerId(), first.producerEpoch(),
                    batchBytesMax, 0L);
            runs.add(run);
            totalBytes += run.remaining();
            start = i;
        }
        ByteBuffer out = ByteBuffer.allocate(totalBytes);
        runs.forEach(out::put);
        return out.flip();
    }

    private static boolean sameRun(PendingTransactionalOffsets.Rewrite a, PendingTransactionalOffsets.Rewrite b) {
        return a.producerId() == b.producerId() && a.producerEpoch() == b.producerEpoch()
                && a.group().equals(b.group());
    }

    /** The outcome of producer {@code producerId}'s transaction, as a control batch. */
    static ByteBuffer marker(long producerId, short producerEpoch, boolean commit, long nowMs) {
        return new EndTransactionMarker(commit, COORDINATOR_EPOCH).encode(producerId, producerEpoch, nowMs);
    }

    private static ByteBuffer encode(BatchBuilder builder, String group, List<OffsetStore.Commit> commits,
                                     long nowMs) {
        List<InternalLog.Entry> records = new ArrayList<>(commits.size());
        for (OffsetStore.Commit commit : commits) {
            records.add(new InternalLog.Entry(commit.value() == null ? nowMs : commit.value().commitTimestampMs(),
                    OffsetRecordCodec.encodeKey(group, commit.topic(), commit.partition()),
                    commit.value() == null ? null : OffsetRecordCodec.encodeValue(commit.value())));
        }
        return InternalLog.encode(builder, records);
    }
}

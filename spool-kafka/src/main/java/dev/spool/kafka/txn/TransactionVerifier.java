package dev.spool.kafka.txn;

import org.apache.kafka.common.protocol.Errors;

/**
 * The check a partition makes before it takes a transactional batch (and the group coordinator
 * before it takes a TxnOffsetCommit): is this producer, at this epoch, in an open transaction that
 * was told of this partition (AddPartitionsToTxn, or AddOffsetsToTxn for a group's offsets)? A
 * batch written outside such a transaction would never get a marker and would hold the
 * partition's last stable offset back forever.
 */
public interface TransactionVerifier {
    /**
     * {@link Errors#NONE} when {@code producerId} at {@code producerEpoch} has an open transaction
     * that includes {@code topic}-{@code partition}; otherwise the error to answer:
     * {@link Errors#INVALID_PRODUCER_EPOCH} for an older epoch (the producer was fenced),
     * {@link Errors#INVALID_PRODUCER_ID_MAPPING} for a producer id no transactional id holds,
     * {@link Errors#INVALID_TXN_STATE} when the partition was not added to an open transaction.
     */
    Errors verify(long producerId, short producerEpoch, String topic, int partition);
}

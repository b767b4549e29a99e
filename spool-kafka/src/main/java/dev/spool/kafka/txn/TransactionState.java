package dev.spool.kafka.txn;

import java.util.Optional;

/**
 * Where one transactional id's transaction stands, with the id Kafka stores in its transaction log
 * and the name Kafka's tools show (DescribeTransactions, ListTransactions).
 *
 * <pre>
 *  EMPTY ──AddPartitions/AddOffsets──▶ ONGOING ──EndTxn(commit)──▶ PREPARE_COMMIT ──markers written──▶ COMPLETE_COMMIT
 *    ▲                                    │    ──EndTxn(abort) / timeout──▶ PREPARE_ABORT ──markers written──▶ COMPLETE_ABORT
 *    └──────── InitProducerId (epoch bump) from EMPTY or COMPLETE_*; a new transaction starts from COMPLETE_* too
 *  ONGOING ──InitProducerId from a new producer instance──▶ PREPARE_EPOCH_FENCE ──▶ PREPARE_ABORT (the zombie's work aborted)
 * </pre>
 * {@code PREPARE_*} states are the ones a crash may leave behind: the coordinator's log says the
 * outcome was decided, so recovery writes the markers again and completes it.
 */
public enum TransactionState {
    EMPTY(0, "Empty"),
    ONGOING(1, "Ongoing"),
    PREPARE_COMMIT(2, "PrepareCommit"),
    PREPARE_ABORT(3, "PrepareAbort"),
    COMPLETE_COMMIT(4, "CompleteCommit"),
    COMPLETE_ABORT(5, "CompleteAbort"),
    DEAD(6, "Dead"),
    PREPARE_EPOCH_FENCE(7, "PrepareEpochFence");

    /** The id stored in the transaction log (Kafka's {@code TransactionStatus}). */
    public final byte id;
    /** The name Kafka's DescribeTransactions and ListTransactions report. */
    public final String kafkaName;

    TransactionState(int id, String kafkaName) {
        this.id = (byte) id;
        this.kafkaName = kafkaName;
    }

    public static Optional<TransactionState> ofId(byte id) {
        for (TransactionState state : values()) {
            if (state.id == id) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }

    /** Whether the outcome is decided and the markers may still be missing from some partition. */
    public boolean isPreparing() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT || this == PREPARE_EPOCH_FENCE;
    }

    /** Whether no transaction is open: a producer may start one (or be given a new epoch). */
    public boolean isIdle() {
        return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }
}

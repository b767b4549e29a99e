package dev.spool.kafka.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import dev.spool.kafka.txn.TransactionTransitions.Decision;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class TransactionTransitionsTest {
    private static final String ID = "orders-tx";
    private static final int TIMEOUT = 60_000;
    private static final PartitionRef A0 = new PartitionRef("a", 0);
    private static final PartitionRef B1 = new PartitionRef("b", 1);

    private final AtomicLong ids = new AtomicLong(1000);

    private TransactionMetadata state(TransactionState state, long pid, int epoch, PartitionRef... partitions) {
        return new TransactionMetadata(ID, pid, (short) epoch, TIMEOUT, state, new TreeSet<>(List.of(partitions)),
                state == TransactionState.ONGOING ? 10L : -1L, 10L);
    }

    private static TransactionMetadata written(Decision decision) {
        return decision.write().orElseThrow();
    }

    @Test
    void aNewTransactionalIdGetsANewProducerIdAtEpochZero() {
        Decision d = TransactionTransitions.initProducerId(ID, TIMEOUT, Optional.empty(), ids::incrementAndGet, 5);
        assertThat(d.error()).isEqualTo(Errors.NONE);
        assertThat(written(d).producerId()).isEqualTo(1001);
        assertThat(written(d).producerEpoch()).isZero();
        assertThat(written(d).state()).isEqualTo(TransactionState.EMPTY);
    }

    @Test
    void aRestartedProducerBumpsTheEpochAndKeepsItsId() {
        Decision d = TransactionTransitions.initProducerId(ID, TIMEOUT,
                Optional.of(state(TransactionState.COMPLETE_COMMIT, 7, 3)), ids::incrementAndGet, 5);
        assertThat(written(d).producerId()).isEqualTo(7);
        assertThat(written(d).producerEpoch()).isEqualTo((short) 4);
        assertThat(ids.get()).isEqualTo(1000); // no id handed out
    }

    @Test
    void anExhaustedEpochGetsANewProducerId() {
        Decision d = TransactionTransitions.initProducerId(ID, TIMEOUT,
                Optional.of(state(TransactionState.EMPTY, 7, TransactionTransitions.EPOCH_MAX)), ids::incrementAndGet, 5);
        assertThat(written(d).producerId()).isEqualTo(1001);
        assertThat(written(d).producerEpoch()).isZero();
    }

    @Test
    void aNewInstanceFencesTheOldOneAndAbortsItsOpenTransaction() {
        Decision d = TransactionTransitions.initProducerId(ID, TIMEOUT,
                Optional.of(state(TransactionState.ONGOING, 7, 3, A0, B1)), ids::incrementAndGet, 5);
        assertThat(d.error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS); // the client retries
        assertThat(d.writesMarkers()).isTrue();
        assertThat(written(d).state()).isEqualTo(TransactionState.PREPARE_ABORT);
        assertThat(written(d).producerEpoch()).isEqualTo((short) 4);
        assertThat(written(d).partitions()).containsExactly(A0, B1);

        // the old instance, still at epoch 3, is fenced from now on
        Decision zombie = TransactionTransitions.endTxn(7, (short) 3, true, Optional.of(written(d)), 6);
        assertThat(zombie.error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void aTransactionRunsFromEmptyThroughOngoingToCompleteCommit() {
        TransactionMetadata empty = state(TransactionState.EMPTY, 7, 0);
        Decision add = TransactionTransitions.addPartitions(7, (short) 0, List.of(A0), Optional.of(empty), 20);
        TransactionMetadata ongoing = written(add);
        assertThat(ongoing.state()).isEqualTo(TransactionState.ONGOING);
        assertThat(ongoing.startMs()).isEqualTo(20);

        Decision again = TransactionTransitions.addPartitions(7, (short) 0, List.of(A0), Optional.of(ongoing), 21);
        assertThat(again.write()).isEmpty(); // nothing new to write
        Decision more = TransactionTransitions.addPartitions(7, (short) 0, List.of(B1), Optional.of(ongoing), 22);
        assertThat(written(more).partitions()).containsExactly(A0, B1);
        assertThat(written(more).startMs()).isEqualTo(20);

        Decision end = TransactionTransitions.endTxn(7, (short) 0, true, Optional.of(written(more)), 30);
        assertThat(end.writesMarkers()).isTrue();
        assertThat(written(end).state()).isEqualTo(TransactionState.PREPARE_COMMIT);
        TransactionMetadata done = TransactionTransitions.complete(written(end), 31);
        assertThat(done.state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(done.partitions()).isEmpty();

        assertThat(TransactionTransitions.endTxn(7, (short) 0, true, Optional.of(done), 32).error())
                .isEqualTo(Errors.NONE); // a retried commit
        assertThat(TransactionTransitions.endTxn(7, (short) 0, false, Optional.of(done), 32).error())
                .isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(TransactionTransitions.endTxn(7, (short) 0, true, Optional.of(written(end)), 32).error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    }

    @Test
    void requestsFromAnotherProducerOrWhilePreparingAreRefused() {
        TransactionMetadata ongoing = state(TransactionState.ONGOING, 7, 2, A0);
        assertThat(TransactionTransitions.addPartitions(8, (short) 2, List.of(B1), Optional.of(ongoing), 1).error())
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(TransactionTransitions.addPartitions(7, (short) 1, List.of(B1), Optional.empty(), 1).error())
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(TransactionTransitions.addPartitions(7, (short) 1, List.of(B1), Optional.of(ongoing), 1).error())
                .isEqualTo(Errors.PRODUCER_FENCED);
        TransactionMetadata preparing = state(TransactionState.PREPARE_ABORT, 7, 2, A0);
        assertThat(TransactionTransitions.addPartitions(7, (short) 2, List.of(B1), Optional.of(preparing), 1).error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(TransactionTransitions.initProducerId(ID, TIMEOUT, Optional.of(preparing), ids::incrementAndGet, 1)
                .error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(TransactionTransitions.endTxn(7, (short) 2, true, Optional.of(state(TransactionState.EMPTY, 7, 2)), 1)
                .error()).isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void anOpenTransactionPastItsTimeoutIsAbortedUnderTheNextEpoch() {
        TransactionMetadata ongoing = state(TransactionState.ONGOING, 7, 2, A0); // started at 10
        assertThat(TransactionTransitions.expire(ongoing, 10 + TIMEOUT)).isEmpty();
        Decision expired = TransactionTransitions.expire(ongoing, 11 + TIMEOUT).orElseThrow();
        assertThat(written(expired).state()).isEqualTo(TransactionState.PREPARE_ABORT);
        assertThat(written(expired).producerEpoch()).isEqualTo((short) 3);
        assertThat(TransactionTransitions.complete(written(expired), 12 + TIMEOUT).state())
                .isEqualTo(TransactionState.COMPLETE_ABORT);
        assertThat(TransactionTransitions.expire(state(TransactionState.EMPTY, 7, 2), Long.MAX_VALUE)).isEmpty();
    }
}

package dev.spool.kafka.txn;

import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import java.util.Collection;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.apache.kafka.common.protocol.Errors;

/**
 * The transaction coordinator's rules, as pure functions: given a transactional id's current state
 * (empty when the coordinator has never seen it) and a request, what to write to the coordinator's
 * log and what to answer. Nothing here does I/O or keeps state; the coordinator applies a decision
 * by writing {@link Decision#write} (durably) before it answers, then, for a decision that
 * {@link Decision#writesMarkers}, writes the markers to every partition of the transaction and
 * writes {@link #complete} of the prepared state.
 *
 * <h2>Rules (Kafka's)</h2>
 * <pre>
 *  request          state                       outcome
 *  InitProducerId   none / DEAD                 new producer id, epoch 0, EMPTY
 *                   EMPTY, COMPLETE_*           epoch + 1 (a new producer id once the epoch is exhausted), EMPTY
 *                   ONGOING                     the open transaction is aborted under epoch + 1 (fencing the
 *                                               old producer); answer CONCURRENT_TRANSACTIONS, the client retries
 *                   PREPARE_*                   CONCURRENT_TRANSACTIONS
 *  AddPartitions    no such id / other id       INVALID_PRODUCER_ID_MAPPING
 *  AddOffsets       other epoch                 PRODUCER_FENCED
 *                   PREPARE_*                   CONCURRENT_TRANSACTIONS
 *                   EMPTY, COMPLETE_*, ONGOING  ONGOING with the partitions added (started now if it was idle)
 *  EndTxn           no such id / other epoch    as AddPartitions
 *                   ONGOING                     PREPARE_COMMIT or PREPARE_ABORT, markers, then COMPLETE_*
 *                   COMPLETE_x, same outcome    NONE (a retry of an EndTxn that completed)
 *                   PREPARE_x, same outcome     CONCURRENT_TRANSACTIONS (still completing)
 *                   anything else               INVALID_TXN_STATE
 *  timeout          ONGOING past its timeout    aborted under epoch + 1, as a fenced InitProducerId
 *  restart          ONGOING                     aborted under epoch + 1 (see TransactionCoordinator)
 * </pre>
 */
public final class TransactionTransitions {
    /** An epoch is exhausted at this value: the next InitProducerId gets a new producer id. */
    static final short EPOCH_MAX = Short.MAX_VALUE - 1;

    /**
     * What to do: write {@code write} (when present) to the coordinator's log, then answer with
     * {@code error} and the producer id and epoch of the state written or current.
     *
     * @param writesMarkers whether {@code write} is a prepared state whose markers must be written
     *                      to its partitions before it is completed
     */
    public record Decision(Optional<TransactionMetadata> write, Errors error, long producerId, short producerEpoch,
                           boolean writesMarkers) {
        static Decision answer(Errors error) {
            return new Decision(Optional.empty(), error, -1L, (short) -1, false);
        }

        static Decision write(TransactionMetadata next, Errors error, boolean markers) {
            return new Decision(Optional.of(next), error, next.producerId(), next.producerEpoch(), markers);
        }
    }

    private TransactionTransitions() {
    }

    /**
     * InitProducerId with a transactional id.
     *
     * @param newProducerId hands out a fresh producer id (called only when one is needed)
     */
    public static Decision initProducerId(String transactionalId, int timeoutMs, Optional<TransactionMetadata> current,
                                          LongSupplier newProducerId, long nowMs) {
        if (current.isEmpty() || current.get().state() == TransactionState.DEAD) {
            return Decision.write(new TransactionMetadata(transactionalId, newProducerId.getAsLong(), (short) 0,
                    timeoutMs, TransactionState.EMPTY, new TreeSet<>(), -1L, nowMs), Errors.NONE, false);
        }
        TransactionMetadata now = current.get();
        if (now.state().isPreparing()) {
            return Decision.answer(Errors.CONCURRENT_TRANSACTIONS);
        }
        if (now.state() == TransactionState.ONGOING) {
            return fenceAndAbort(now, nowMs);
        }
        boolean exhausted = now.producerEpoch() >= EPOCH_MAX;
        long producerId = exhausted ? newProducerId.getAsLong() : now.producerId();
        short epoch = exhausted ? 0 : (short) (now.producerEpoch() + 1);
        return Decision.write(new TransactionMetadata(transactionalId, producerId, epoch, timeoutMs,
                TransactionState.EMPTY, new TreeSet<>(), -1L, nowMs), Errors.NONE, false);
    }

    /** AddPartitionsToTxn (or AddOffsetsToTxn, whose partition is the group's offsets partition). */
    public static Decision addPartitions(long producerId, short producerEpoch, Collection<PartitionRef> partitions,
                                         Optional<TransactionMetadata> current, long nowMs) {
        Optional<Errors> invalid = checkProducer(producerId, producerEpoch, current);
        if (invalid.isPresent()) {
            return Decision.answer(invalid.get());
        }
        TransactionMetadata now = current.orElseThrow();
        if (now.state().isPreparing()) {
            return Decision.answer(Errors.CONCURRENT_TRANSACTIONS);
        }
        if (now.state() == TransactionState.ONGOING && now.partitions().containsAll(partitions)) {
            return new Decision(Optional.empty(), Errors.NONE, now.producerId(), now.producerEpoch(), false);
        }
        SortedSet<PartitionRef> all = new TreeSet<>(now.state() == TransactionState.ONGOING ? now.partitions()
                : new TreeSet<>());
        all.addAll(partitions);
        long startMs = now.state() == TransactionState.ONGOING ? now.startMs() : nowMs;
        return Decision.write(new TransactionMetadata(now.transactionalId(), now.producerId(), now.producerEpoch(),
                now.timeoutMs(), TransactionState.ONGOING, all, startMs, nowMs), Errors.NONE, false);
    }

    /** EndTxn: commit or abort the open transaction. */
    public static Decision endTxn(long producerId, short producerEpoch, boolean commit,
                                  Optional<TransactionMetadata> current, long nowMs) {
        Optional<Errors> invalid = checkProducer(producerId, producerEpoch, current);
        if (invalid.isPresent()) {
            return Decision.answer(invalid.get());
        }
        TransactionMetadata now = current.orElseThrow();
        TransactionState prepare = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        TransactionState complete = commit ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        if (now.state() == TransactionState.ONGOING) {
            return Decision.write(now.withState(prepare, nowMs), Errors.NONE, true);
        }
        if (now.state() == complete) {
            return new Decision(Optional.empty(), Errors.NONE, now.producerId(), now.producerEpoch(), false);
        }
        if (now.state() == prepare) {
            return Decision.answer(Errors.CONCURRENT_TRANSACTIONS);
        }
        return Decision.answer(Errors.INVALID_TXN_STATE);
    }

    /** The coordinator's clock: an open transaction past its timeout is aborted and its producer fenced. */
    public static Optional<Decision> expire(TransactionMetadata current, long nowMs) {
        if (current.state() != TransactionState.ONGOING || nowMs - current.startMs() <= current.timeoutMs()) {
            return Optional.empty();
        }
        return Optional.of(fenceAndAbort(current, nowMs));
    }

    /**
     * After a restart: an open transaction is aborted under epoch + 1, whatever its age (the
     * partitions no longer know where it began, so it cannot stay open); empty for any other state.
     */
    public static Optional<Decision> abortOnRecovery(TransactionMetadata current, long nowMs) {
        return current.state() == TransactionState.ONGOING ? Optional.of(fenceAndAbort(current, nowMs))
                : Optional.empty();
    }

    /** The state after a prepared transaction's markers are all written: complete, no partitions open. */
    public static TransactionMetadata complete(TransactionMetadata prepared, long nowMs) {
        TransactionState done = switch (prepared.state()) {
            case PREPARE_COMMIT -> TransactionState.COMPLETE_COMMIT;
            case PREPARE_ABORT, PREPARE_EPOCH_FENCE -> TransactionState.COMPLETE_ABORT;
            default -> throw new IllegalStateException("Transaction " + prepared.transactionalId() + " is "
                    + prepared.state() + ", not prepared");
        };
        return new TransactionMetadata(prepared.transactionalId(), prepared.producerId(), prepared.producerEpoch(),
                prepared.timeoutMs(), done, new TreeSet<>(), -1L, nowMs);
    }

    /** Aborts the open transaction under the next epoch, so that the producer that opened it is fenced. */
    private static Decision fenceAndAbort(TransactionMetadata open, long nowMs) {
        short epoch = open.producerEpoch() >= EPOCH_MAX ? open.producerEpoch() : (short) (open.producerEpoch() + 1);
        TransactionMetadata aborting = new TransactionMetadata(open.transactionalId(), open.producerId(), epoch,
                open.timeoutMs(), TransactionState.PREPARE_ABORT, open.partitions(), open.startMs(), nowMs);
        return new Decision(Optional.of(aborting), Errors.CONCURRENT_TRANSACTIONS, aborting.producerId(),
                aborting.producerEpoch(), true);
    }

    private static Optional<Errors> checkProducer(long producerId, short producerEpoch,
                                                  Optional<TransactionMetadata> current) {
        if (current.isEmpty() || current.get().producerId() != producerId) {
            return Optional.of(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        if (current.get().producerEpoch() != producerEpoch) {
            return Optional.of(Errors.PRODUCER_FENCED);
        }
        return Optional.empty();
    }
}

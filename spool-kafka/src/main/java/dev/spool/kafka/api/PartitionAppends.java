package dev.spool.kafka.api;

import dev.spool.kafka.api.ProduceHandler.RefusedBatch;
import dev.spool.kafka.producer.ProducerIdManager;
import dev.spool.kafka.producer.ProducerStateTable;
import dev.spool.kafka.txn.TransactionVerifier;
import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of Produce: a checked batch handed to its partition's log, under the partition's
 * lock ({@link PartitionState}) when it carries a producer id, so that the producer-state check
 * and the hand-off are atomic and offsets follow the order of the checks. A batch without a
 * producer id takes the lock only for the hand-off; a transactional one is verified first
 * ({@link TransactionVerifier}, outside the lock, as it may take the coordinator's) and begins its
 * producer's transaction on the partition ({@link OpenTransactions}). Refusals are thrown as
 * {@link RefusedBatch}. Thread-safe.
 */
final class PartitionAppends {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionAppends.class);
    /** How often a transactional batch is verified again when markers keep coming in between. */
    static final int VERIFY_ATTEMPTS_MAX = 5;

    private final Partitions partitions;
    private final Consumer<Log> appended;
    /** Whether this server's InitProducerId ever handed out an id (see {@link ProducerIdManager#issued}). */
    private final LongPredicate issued;
    private final TransactionVerifier verifier;

    PartitionAppends(Partitions partitions, Consumer<Log> appended, LongPredicate issued,
                     TransactionVerifier verifier) {
        this.partitions = partitions;
        this.appended = appended;
        this.issued = issued;
        this.verifier = verifier;
    }

    /**
     * Under the partition's lock: the producer-state check, then the hand-off to the log (which
     * fixes the batch's place in the log's order), then the record of where it will land.
     */
    CompletableFuture<Long> append(Log log, ByteBuffer batch, Durability durability) throws IOException {
        long producerId = RecordBatch.producerId(batch, 0);
        int firstSequence = RecordBatch.baseSequence(batch, 0);
        PartitionState state = partitions.state(log);
        CompletableFuture<Long> firstOffset;
        synchronized (state) {
            if (producerId < 0 || firstSequence < 0) {
                firstOffset = log.appendAsync(batch, durability).thenApply(AppendResult::firstOffset);
            } else {
                ProducerStateTable producers = checkProducer(state, log, batch, false);
                ProducerStateTable.Verdict verdict = producers.check(producerId, RecordBatch.producerEpoch(batch, 0),
                        firstSequence, lastSequence(batch));
                if (verdict instanceof ProducerStateTable.Reject reject) {
                    throw new RefusedBatch(reject.error(), reject.message());
                }
                if (verdict instanceof ProducerStateTable.Duplicate duplicate) {
                    return duplicate(log, batch, duplicate);
                }
                firstOffset = handOff(state, producers, log, batch, durability, false);
            }
        }
        firstOffset.whenComplete((offset, error) -> appended.accept(log));
        return firstOffset;
    }

    /**
     * A transactional batch: verified ({@link TransactionVerifier}) outside the partition's lock,
     * then checked and handed to the log under it as an idempotent one, unless a marker was handed
     * off in between (then verified again). It begins its producer's transaction on the partition
     * ({@link OpenTransactions}).
     */
    CompletableFuture<Long> appendTransactional(String topic, int partition, Log log, ByteBuffer batch,
                                                        Durability durability) throws IOException {
        long producerId = RecordBatch.producerId(batch, 0);
        short epoch = RecordBatch.producerEpoch(batch, 0);
        PartitionState state = partitions.state(log);
        for (int attempt = 1; ; attempt++) {
            long generation = state.markerGeneration();
            Errors verdict = verifier.verify(producerId, epoch, topic, partition);
            if (verdict != Errors.NONE) {
                throw new RefusedBatch(verdict, "Producer " + producerId + " epoch " + epoch + " may not write "
                        + "transactional records to " + topic + "-" + partition + ": " + verdict.message());
            }
            CompletableFuture<Long> firstOffset = null;
            synchronized (state) {
                if (state.markerGeneration() == generation) {
                    ProducerStateTable producers = checkProducer(state, log, batch, true);
                    ProducerStateTable.Verdict sequence = producers.check(producerId, epoch,
                            RecordBatch.baseSequence(batch, 0), lastSequence(batch));
                    if (sequence instanceof ProducerStateTable.Reject reject) {
                        throw new RefusedBatch(reject.error(), reject.message());
                    }
                    if (sequence instanceof ProducerStateTable.Duplicate duplicate) {
                        return duplicate(log, batch, duplicate);
                    }
                    firstOffset = handOff(state, producers, log, batch, durability, true);
                }
            }
            if (firstOffset != null) {
                // Wakes read_committed fetches too: they then read the transaction's start exactly.
                firstOffset.whenComplete((offset, error) -> appended.accept(log));
                return firstOffset;
            }
            if (attempt == VERIFY_ATTEMPTS_MAX) {
                throw new RefusedBatch(Errors.CONCURRENT_TRANSACTIONS, "Transaction markers kept coming to " + topic
                        + "-" + partition + " while producer " + producerId + "'s batch was verified; retry");
            }
        }
    }

    /**
     * The checks of a batch with a producer id before its sequence: the id was issued, and a
     * non-transactional batch does not come from a producer whose transaction is open here.
     * Returns the partition's producer table; call with the partition's lock held.
     */
    private ProducerStateTable checkProducer(PartitionState state, Log log, ByteBuffer batch, boolean transactional)
            throws IOException {
        long producerId = RecordBatch.producerId(batch, 0);
        if (!issued.test(producerId)) {
            // Producer state for an id nobody was given: a client that made it up (or a
            // hostile one) would take a slot of the partition's producer table.
            throw new RefusedBatch(Errors.UNKNOWN_PRODUCER_ID, "Producer id " + producerId
                    + " was never issued by this server: get one with InitProducerId");
        }
        ProducerStateTable producers = state.producers(partitions.config().producerStateScanBytes(),
                partitions.config().producersPerPartitionMax());
        if (!transactional && state.hasTransactions() && state.loadedTransactions().get(producerId) != null) {
            throw new RefusedBatch(Errors.INVALID_TXN_STATE, "Producer " + producerId + " sent a batch outside "
                    + "its transaction, which is open on " + log.dir().getFileName());
        }
        return producers;
    }

    private static int lastSequence(ByteBuffer batch) {
        return ProducerStateTable.lastSequence(RecordBatch.baseSequence(batch, 0), RecordBatch.recordCount(batch, 0));
    }

    /** A batch written before: answered with where the original landed, not written again. */
    private static CompletableFuture<Long> duplicate(Log log, ByteBuffer batch, ProducerStateTable.Duplicate duplicate) {
        ProducedBatch.requireIntact(batch); // a damaged copy is CORRUPT_MESSAGE, as it would be unseen
        LOG.debug("Duplicate batch of producer {} (sequences {}..{}) in {}: answered with its offset",
                RecordBatch.producerId(batch, 0), RecordBatch.baseSequence(batch, 0), lastSequence(batch),
                log.dir().getFileName());
        return duplicate.firstOffset();
    }

    /**
     * Hands an accepted batch with a producer id to the log and records it in the producer table
     * (and a transactional one in the open transactions); call with the partition's lock held.
     */
    private static CompletableFuture<Long> handOff(PartitionState state, ProducerStateTable producers, Log log,
                                                   ByteBuffer batch, Durability durability, boolean transactional)
            throws IOException {
        long producerId = RecordBatch.producerId(batch, 0);
        short epoch = RecordBatch.producerEpoch(batch, 0);
        int firstSequence = RecordBatch.baseSequence(batch, 0);
        long lowerBound = transactional ? log.logEndOffset() : -1; // it lands at or after it: see OpenTransactions
        CompletableFuture<Long> firstOffset = log.appendAsync(batch, durability).thenApply(AppendResult::firstOffset);
        producers.record(producerId, epoch, firstSequence, lastSequence(batch), firstOffset);
        if (transactional) {
            state.loadedTransactions().begin(producerId, lowerBound, firstOffset);
        }
        firstOffset.whenComplete((offset, error) -> {
            if (error != null) { // it never landed: its retry must be written, not answered with the error
                synchronized (state) {
                    producers.forgetFrom(producerId, epoch, firstSequence);
                }
            }
        });
        return firstOffset;
    }
}

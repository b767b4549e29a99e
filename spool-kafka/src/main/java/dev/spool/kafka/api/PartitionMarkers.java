package dev.spool.kafka.api;

import dev.spool.kafka.producer.ProducerStateTable;
import dev.spool.kafka.txn.TransactionMarkers;
import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.AbortedTransaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the coordinator's commit and abort markers to the partitions ({@link TransactionMarkers}).
 *
 * <p>Under the partition's lock, so it is ordered with produce: the marker is handed to the log
 * ({@code Durability.STRICT}), the producer's epoch is bumped when the marker's is newer (as
 * Kafka's partitions do), and the producer's open transaction moves to ending
 * ({@link OpenTransactions#startEnding}), so its next transaction can begin at once. Once the
 * marker is durable, on {@code executor} (not the log's fsync thread): for an abort, the aborted
 * transaction is recorded in the partition's index ({@code STRICT} too), and only then does the
 * transaction stop holding the last stable offset back, so no {@code read_committed} fetch reads
 * past aborted records before their index entry exists. Then waiting fetches are woken. Markers
 * of a partition end in the order they were handed off (each after the previous one's end), so
 * the index gets its entries in offset order, as it requires.
 *
 * <p>A marker for a producer with no transaction open on the partition (a retry after a crash, or
 * a transaction whose records lie before the scanned tail) is still written, without an index
 * entry. A marker older than the producer's epoch on the partition is not written: it comes from a
 * coordinator that lost the transaction, and would end the newer epoch's. A marker whose write or
 * index entry failed puts the transaction back, to be ended by the retry. Thread-safe.
 */
final class PartitionMarkers implements TransactionMarkers {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionMarkers.class);

    private final Partitions partitions;
    private final AbortedTransactionIndex index;
    private final Consumer<Log> appended;
    private final Executor executor;
    private final LongSupplier clockMs;

    /**
     * {@code appended} is told of every log a marker was written to (to wake waiting fetches, as
     * Produce does); {@code executor} runs the index writes, off the log's threads.
     */
    PartitionMarkers(Partitions partitions, AbortedTransactionIndex index, Consumer<Log> appended, Executor executor,
                     LongSupplier clockMs) {
        this.partitions = partitions;
        this.index = index;
        this.appended = appended;
        this.executor = executor;
        this.clockMs = clockMs;
    }

    @Override
    public CompletableFuture<Void> writeMarker(PartitionRef partition, long producerId, short producerEpoch,
                                               boolean commit, int coordinatorEpoch) {
        Optional<Log> found = partitions.find(partition.topic(), partition.partition());
        if (found.isEmpty()) {
            if (partitions.isOffline(partition.topic(), partition.partition())) {
                return CompletableFuture.failedFuture(partitions.offline(partition.topic(), partition.partition())
                        .orElseThrow());
            }
            return CompletableFuture.completedFuture(null); // deleted: nothing left to mark
        }
        Log log = found.get();
        PartitionState state = partitions.state(log);
        OpenTransactions.Transaction ending;
        CompletableFuture<Void> ended;
        try {
            synchronized (state) {
                ProducerStateTable producers = state.producers(partitions.config().producerStateScanBytes(),
                        partitions.config().producersPerPartitionMax());
                state.checkAbortedIndex(index); // before any marker of this run: the index stays in offset order
                short current = producers.epochOf(producerId);
                if (current > producerEpoch) {
                    LOG.warn("Not writing the {} marker of producer {} epoch {} to {}: the partition holds epoch {}",
                            commit ? "commit" : "abort", producerId, producerEpoch, partition, current);
                    return CompletableFuture.completedFuture(null);
                }
                ByteBuffer marker = new EndTransactionMarker(commit, coordinatorEpoch).encode(producerId, producerEpoch,
                        clockMs.getAsLong());
                CompletableFuture<Long> markerOffset = log.appendAsync(marker, Durability.STRICT)
                        .thenApply(AppendResult::firstOffset);
                state.markerHandedOff();
                producers.recordMarker(producerId, producerEpoch);
                ending = state.loadedTransactions().startEnding(producerId);
                OpenTransactions.Transaction transaction = ending;
                // Ends in marker order, after the previous marker's end (done or failed): the index takes
                // its entries in offset order. The transaction's first batch was handed off before the
                // marker, so its append is done by the time the marker is durable.
                ended = state.afterPreviousMarker(markerOffset)
                        .thenComposeAsync(offset -> transaction == null ? CompletableFuture.completedFuture(null)
                                : transaction.firstOffset.handle((first, error) -> first).thenAcceptAsync(
                                        first -> end(log, state, transaction, first, commit, offset), executor),
                                executor);
                state.markerEnds(ended);
            }
        } catch (IllegalStateException e) {
            if (log.isClosed()) { // deleted since it was found: nothing left to mark
                return CompletableFuture.completedFuture(null);
            }
            return CompletableFuture.failedFuture(e);
        } catch (IOException | RuntimeException e) { // refused before anything was written (a full in-flight budget)
            return CompletableFuture.failedFuture(e);
        }
        return ended.whenCompleteAsync((ignored, error) -> { // not on the log's writer thread: it takes the lock
            if (error != null && ending != null) {
                synchronized (state) {
                    state.loadedTransactions().restore(ending);
                }
                LOG.warn("The {} marker of producer {} on {} failed, its transaction stays open: {}",
                        commit ? "commit" : "abort", producerId, partition, error.getMessage());
            }
            appended.accept(log);
        }, executor);
    }

    /**
     * The marker at {@code markerOffset} is durable: records an abort in the index (durable), then
     * lets the transaction stop holding the last stable offset. {@code firstOffset} is null when
     * the transaction's first batch never landed (its append failed): then it holds no records.
     */
    private void end(Log log, PartitionState state, OpenTransactions.Transaction ending, Long firstOffset,
                     boolean commit, long markerOffset) {
        if (!commit && firstOffset != null) {
            long stable;
            synchronized (state) {
                stable = state.loadedTransactions().stableOffsetAfter(ending, markerOffset);
            }
            try {
                index.record(log, new AbortedTransaction(ending.producerId, firstOffset, markerOffset,
                        stable), Durability.STRICT);
            } catch (IOException e) {
                throw new CompletionException(new UncheckedIOException("Recording the aborted transaction of producer "
                        + ending.producerId + " in " + log + " failed", e));
            }
        }
        synchronized (state) {
            state.loadedTransactions().ended(ending);
        }
    }
}

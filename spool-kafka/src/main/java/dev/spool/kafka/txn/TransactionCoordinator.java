package dev.spool.kafka.txn;

import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import dev.spool.kafka.txn.TransactionTransitions.Decision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator: applies {@link TransactionTransitions}' rules to the states in a
 * {@link TransactionStore}, and sends the outcome of each transaction to its partitions
 * ({@link TransactionMarkers}) and to the group coordinator (the offsets the transaction
 * committed, {@link OffsetsOutcome}).
 *
 * <h2>Design</h2>
 * Requests of one transactional id run one after another (a chain of futures per id, each step on
 * the executor), so a decision always sees the state the previous step wrote; different ids run
 * concurrently. A step decides, writes the decision durably, and only then answers. Ending a
 * transaction is: write {@code PREPARE_COMMIT}/{@code PREPARE_ABORT} (the outcome is decided from
 * then on), write the markers to every partition and the offsets outcome, then write
 * {@code COMPLETE_*}. EndTxn is answered once that is done, so a producer that committed can read
 * its records with {@code read_committed} at once. A marker that cannot be written (a full disk)
 * leaves the state prepared; the periodic check sends the markers again until they land, and the
 * producer meanwhile gets CONCURRENT_TRANSACTIONS, as from Kafka's broker.
 *
 * <p>Recovery ({@link #recover}), before the server answers anyone: a prepared transaction is
 * completed (its markers written again: a marker written twice is harmless); an open one is
 * aborted and its producer fenced (epoch + 1). A partition keeps the start of its open
 * transactions in memory only, so after a restart it could not hold back a transaction's records
 * from read_committed readers until the transaction ends; aborting it at once keeps that promise.
 * The producer learns of it on its next request (PRODUCER_FENCED, or INVALID_PRODUCER_EPOCH on a
 * produce), as it would after a transaction timeout.
 *
 * <p>The periodic check also aborts transactions open longer than their timeout and removes
 * transactional ids idle for {@link Config#idExpirationMs}. Thread-safe.
 */
public final class TransactionCoordinator implements TransactionVerifier, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionCoordinator.class);
    /** The partition that stands for "the group offsets of this transaction" (AddOffsetsToTxn). */
    public static final PartitionRef GROUP_OFFSETS = new PartitionRef("__consumer_offsets", 0);
    /** The coordinator epoch in every marker: this node is always the coordinator. */
    static final int COORDINATOR_EPOCH = 0;

    /**
     * @param transactionTimeoutMaxMs the longest {@code transaction.timeout.ms} a producer may ask
     *                                (Kafka's {@code transaction.max.timeout.ms}, 15 minutes)
     * @param checkIntervalMs         how often open transactions are checked for their timeout and
     *                                prepared ones whose markers failed are retried
     * @param idExpirationMs          how long an idle transactional id is kept (Kafka's
     *                                {@code transactional.id.expiration.ms}, 7 days)
     */
    public record Config(int transactionTimeoutMaxMs, long checkIntervalMs, long idExpirationMs) {
        public static Config defaults() {
            return new Config(15 * 60_000, 10_000, TimeUnit.DAYS.toMillis(7));
        }
    }

    /** The group coordinator's side of a transaction's outcome: commit or drop its pending offsets. */
    @FunctionalInterface
    public interface OffsetsOutcome {
        CompletableFuture<Void> complete(long producerId, short producerEpoch, boolean commit);
    }

    /** An answer: the error, and the producer id and epoch to report. */
    public record Answer(Errors error, long producerId, short producerEpoch) {
        static Answer of(Errors error) {
            return new Answer(error, -1L, (short) -1);
        }
    }

    private final TransactionStore store;
    private final TransactionMarkers markers;
    private final OffsetsOutcome offsets;
    private final ProducerIds producerIds;
    private final LongSupplier clockMs;
    private final Executor executor;
    private final Config config;
    /** Each transactional id's last step: the next one starts when it ends. */
    private final ConcurrentHashMap<String, CompletableFuture<?>> tails = new ConcurrentHashMap<>();
    /** Which transactional id holds each producer id (for the partitions' checks). */
    private final ConcurrentHashMap<Long, String> owners = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> check;

    /** Hands out producer ids; fails when none can be had (a damaged id file). */
    @FunctionalInterface
    public interface ProducerIds {
        long next() throws IOException;
    }

    public TransactionCoordinator(TransactionStore store, TransactionMarkers markers, OffsetsOutcome offsets,
                                  ProducerIds producerIds, LongSupplier clockMs, Executor executor,
                                  ScheduledExecutorService timer, Config config) {
        this.store = store;
        this.markers = markers;
        this.offsets = offsets;
        this.producerIds = producerIds;
        this.clockMs = clockMs;
        this.executor = executor;
        this.config = config;
        store.all().forEach((id, state) -> owners.put(state.producerId(), id));
        this.check = timer.scheduleWithFixedDelay(this::check, config.checkIntervalMs(), config.checkIntervalMs(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Completes every prepared transaction and aborts every open one (see the class note); waits up
     * to {@code waitMs} for it. What does not finish in time (a partition that cannot be written)
     * is retried by the periodic check.
     */
    public void recover(long waitMs) {
        List<CompletableFuture<?>> steps = new ArrayList<>();
        store.all().forEach((id, state) -> {
            if (state.state().isPreparing()) {
                LOG.info("Completing transaction {} ({}) left prepared by the last run", id, state.state());
                steps.add(serially(id, () -> finishPrepared(id)));
            } else if (state.state() == TransactionState.ONGOING) {
                LOG.info("Aborting transaction {} of producer {} left open by the last run (its producer is fenced)",
                        id, state.producerId());
                steps.add(serially(id, () -> abortOpen(id, TransactionTransitions::abortOnRecovery)));
            }
        });
        try {
            CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new)).get(waitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.warn("Not every transaction left by the last run is complete yet ({}); retried every {} ms", e,
                    config.checkIntervalMs());
        }
    }

    /** InitProducerId with a transactional id. {@code producerId}/{@code epoch} are -1 unless the producer asks for a bump. */
    public CompletableFuture<Answer> initProducerId(String transactionalId, int timeoutMs, long producerId,
                                                   short producerEpoch) {
        if (timeoutMs <= 0 || timeoutMs > config.transactionTimeoutMaxMs()) {
            return CompletableFuture.completedFuture(Answer.of(Errors.INVALID_TRANSACTION_TIMEOUT));
        }
        return serially(transactionalId, () -> {
            Optional<TransactionMetadata> current = store.get(transactionalId);
            if (producerId >= 0 && current.isPresent() && (current.get().producerId() != producerId
                    || current.get().producerEpoch() != producerEpoch)) {
                return CompletableFuture.completedFuture(Answer.of(Errors.PRODUCER_FENCED));
            }
            Decision decision;
            try {
                decision = TransactionTransitions.initProducerId(transactionalId, timeoutMs, current, this::newProducerId,
                        clockMs.getAsLong());
            } catch (UncheckedIOException e) {
                LOG.error("No producer id for transactional id {}: {}", transactionalId, e.getMessage());
                return CompletableFuture.completedFuture(Answer.of(Errors.UNKNOWN_SERVER_ERROR));
            }
            return apply(transactionalId, decision);
        });
    }

    private long newProducerId() {
        try {
            return producerIds.next();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** AddPartitionsToTxn, or AddOffsetsToTxn with {@link #GROUP_OFFSETS}. */
    public CompletableFuture<Answer> addPartitions(String transactionalId, long producerId, short producerEpoch,
                                                  Collection<PartitionRef> partitions) {
        return serially(transactionalId, () -> apply(transactionalId, TransactionTransitions.addPartitions(producerId,
                producerEpoch, partitions, store.get(transactionalId), clockMs.getAsLong())));
    }

    /** EndTxn: answered once the markers are written, or once they failed (then retried in the background). */
    public CompletableFuture<Answer> endTxn(String transactionalId, long producerId, short producerEpoch,
                                           boolean commit) {
        return serially(transactionalId, () -> apply(transactionalId, TransactionTransitions.endTxn(producerId,
                producerEpoch, commit, store.get(transactionalId), clockMs.getAsLong())));
    }

    /**
     * Runs {@code step} in {@code transactionalId}'s order, given whether the producer's open
     * transaction holds {@code partition} ({@link #verify}): no EndTxn, timeout or fencing of that
     * id can come between the check and the step (TxnOffsetCommit, whose offsets must not land
     * after the transaction's outcome was sent to the group coordinator).
     */
    public <T> CompletableFuture<T> inTransaction(String transactionalId, long producerId, short producerEpoch,
                                                  PartitionRef partition,
                                                  java.util.function.Function<Errors, CompletableFuture<T>> step) {
        return serially(transactionalId, () -> {
            Errors verified = verify(producerId, producerEpoch, partition.topic(), partition.partition());
            Optional<TransactionMetadata> state = store.get(transactionalId);
            if (verified == Errors.NONE && (state.isEmpty() || state.get().producerId() != producerId)) {
                verified = Errors.INVALID_PRODUCER_ID_MAPPING; // the producer id belongs to another transactional id
            }
            return step.apply(verified);
        });
    }

    /** Writes the decision, sends the markers when it asks for them, and answers. */
    private CompletableFuture<Answer> apply(String transactionalId, Decision decision) {
        Answer answer = new Answer(decision.error(), decision.producerId(), decision.producerEpoch());
        if (decision.write().isEmpty()) {
            return CompletableFuture.completedFuture(answer);
        }
        TransactionMetadata next = decision.write().get();
        Optional<TransactionMetadata> before = store.get(transactionalId);
        return store.write(next).thenCompose(written -> {
            before.filter(b -> b.producerId() != next.producerId()).ifPresent(b -> owners.remove(b.producerId(),
                    transactionalId));
            owners.put(next.producerId(), transactionalId);
            return decision.writesMarkers() ? finishPrepared(transactionalId) : CompletableFuture.completedFuture(null);
        }).handle((ignored, error) -> {
            if (error == null) {
                return answer;
            }
            LOG.error("Transaction {}: could not write {} ({})", transactionalId, next.state(), error.toString());
            // The state on disk is the one before (the write failed) or the prepared one (markers failed,
            // retried by the periodic check): the producer retries on a retriable error.
            return store.get(transactionalId).map(TransactionMetadata::state).filter(TransactionState::isPreparing)
                    .isPresent() ? answer : Answer.of(Errors.COORDINATOR_NOT_AVAILABLE);
        });
    }

    /** Writes the markers of a prepared transaction, then its completion; fails if a marker fails. */
    private CompletableFuture<Void> finishPrepared(String transactionalId) {
        Optional<TransactionMetadata> current = store.get(transactionalId);
        if (current.isEmpty() || !current.get().state().isPreparing()) {
            return CompletableFuture.completedFuture(null);
        }
        TransactionMetadata prepared = current.get();
        boolean commit = prepared.state() == TransactionState.PREPARE_COMMIT;
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (PartitionRef partition : prepared.partitions()) {
            sent.add(partition.equals(GROUP_OFFSETS)
                    ? offsets.complete(prepared.producerId(), prepared.producerEpoch(), commit)
                    : markers.writeMarker(partition, prepared.producerId(), prepared.producerEpoch(), commit,
                            COORDINATOR_EPOCH));
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
                .thenCompose(ignored -> store.write(TransactionTransitions.complete(prepared, clockMs.getAsLong())));
    }

    /** Aborts the open transaction of {@code transactionalId} (a timeout, or recovery), fencing its producer. */
    private CompletableFuture<Void> abortOpen(String transactionalId,
                                              java.util.function.BiFunction<TransactionMetadata, Long,
                                                      Optional<Decision>> rule) {
        Optional<Decision> decision = store.get(transactionalId).flatMap(s -> rule.apply(s, clockMs.getAsLong()));
        if (decision.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return apply(transactionalId, decision.get()).thenApply(answer -> null);
    }

    /**
     * The periodic check: timeouts, prepared transactions to finish, idle ids to remove. Returns
     * when the steps it started are done (the timer ignores it; tests wait for it).
     */
    CompletableFuture<Void> check() {
        long now = clockMs.getAsLong();
        List<CompletableFuture<?>> steps = new ArrayList<>();
        try {
            for (Map.Entry<String, TransactionMetadata> entry : store.all().entrySet()) {
                String id = entry.getKey();
                TransactionMetadata state = entry.getValue();
                if (TransactionTransitions.expire(state, now).isPresent()) {
                    LOG.info("Transaction {} of producer {} is open past its timeout of {} ms: aborting it", id,
                            state.producerId(), state.timeoutMs());
                    steps.add(serially(id, () -> abortOpen(id, TransactionTransitions::expire)));
                } else if (state.state().isPreparing() && !tails.containsKey(id)) {
                    steps.add(serially(id, () -> finishPrepared(id)));
                } else if (state.state().isIdle() && now - state.lastUpdateMs() > config.idExpirationMs()) {
                    steps.add(serially(id, () -> expireId(id, now)));
                }
            }
            store.maybeCompact();
        } catch (IOException | RuntimeException e) {
            LOG.error("The transaction coordinator's periodic check failed: {}", e.toString(), e);
        }
        return CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> expireId(String transactionalId, long now) {
        Optional<TransactionMetadata> state = store.get(transactionalId);
        if (state.isEmpty() || !state.get().state().isIdle() || now - state.get().lastUpdateMs()
                <= config.idExpirationMs()) {
            return CompletableFuture.completedFuture(null);
        }
        LOG.info("Removing transactional id {}, idle since {}", transactionalId, state.get().lastUpdateMs());
        return store.remove(transactionalId).thenRun(() -> owners.remove(state.get().producerId(), transactionalId));
    }

    /** Runs {@code step} after every earlier step of {@code transactionalId}, on the executor. */
    private <T> CompletableFuture<T> serially(String transactionalId, Supplier<CompletableFuture<T>> step) {
        CompletableFuture<T> next = new CompletableFuture<>();
        CompletableFuture<?> previous = tails.put(transactionalId, next);
        CompletableFuture<?> after = previous == null ? CompletableFuture.completedFuture(null) : previous;
        after.handleAsync((ignored, error) -> {
            try {
                step.get().whenComplete((value, failure) -> {
                    if (failure != null) {
                        next.completeExceptionally(failure);
                    } else {
                        next.complete(value);
                    }
                });
            } catch (RuntimeException e) {
                next.completeExceptionally(e);
            }
            return null;
        }, executor);
        next.whenComplete((value, error) -> tails.remove(transactionalId, next));
        return next;
    }

    @Override
    public Errors verify(long producerId, short producerEpoch, String topic, int partition) {
        String id = owners.get(producerId);
        Optional<TransactionMetadata> state = id == null ? Optional.empty() : store.get(id);
        if (state.isEmpty() || state.get().producerId() != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (state.get().producerEpoch() != producerEpoch) {
            return Errors.INVALID_PRODUCER_EPOCH;
        }
        if (state.get().state() != TransactionState.ONGOING
                || !state.get().partitions().contains(new PartitionRef(topic, partition))) {
            return Errors.INVALID_TXN_STATE;
        }
        return Errors.NONE;
    }

    /** The state of one transactional id (DescribeTransactions). */
    public Optional<TransactionMetadata> describe(String transactionalId) {
        return store.get(transactionalId);
    }

    /** Every transactional id's state (ListTransactions). */
    public Map<String, TransactionMetadata> all() {
        return store.all();
    }

    /** Stops the periodic check and closes the store (waiting for the writes in flight). */
    @Override
    public void close() throws IOException {
        check.cancel(false);
        store.close();
    }
}

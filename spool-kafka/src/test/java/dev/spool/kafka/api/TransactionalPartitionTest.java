package dev.spool.kafka.api;

import static dev.spool.kafka.api.TransactionalPartitions.TRANSACTIONAL_ID;
import static dev.spool.kafka.api.TransactionalPartitions.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import dev.spool.kafka.txn.TransactionVerifier;
import dev.spool.log.AbortedTransaction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition's side of transactions, through its handlers: the verifier decides transactional
 * batches, an open transaction holds the last stable offset (LSO) back, a marker ends it (an abort
 * recorded in the index before the LSO passes it), and read_committed Fetch and ListOffsets stop
 * at the LSO; the open transactions survive a restart (rebuilt from the log's tail).
 */
class TransactionalPartitionTest {
    private static final long P = 1_000L;
    private static final long Q = 2_000L;
    private static final short EPOCH = 0;

    @TempDir
    Path dir;

    /** Answers {@link #answer} and counts the calls; {@link #during} runs inside the first call. */
    private static final class FakeVerifier implements TransactionVerifier {
        volatile Errors answer = Errors.NONE;
        final AtomicInteger calls = new AtomicInteger();
        volatile Runnable during;

        @Override
        public Errors verify(long producerId, short producerEpoch, String topic, int partition) {
            Runnable hook = during;
            if (calls.incrementAndGet() == 1 && hook != null) {
                hook.run();
            }
            return answer;
        }
    }

    private final FakeVerifier verifier = new FakeVerifier();

    @Test
    void aTransactionalBatchIsTakenOnlyWhenTheVerifierAllowsIt() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            verifier.answer = Errors.INVALID_TXN_STATE;
            assertThat(server.produceTransactional(P, EPOCH, 0, 2).errorCode()).isEqualTo(Errors.INVALID_TXN_STATE.code());
            verifier.answer = Errors.INVALID_PRODUCER_EPOCH;
            assertThat(server.produceTransactional(P, EPOCH, 0, 2).errorCode())
                    .isEqualTo(Errors.INVALID_PRODUCER_EPOCH.code());
            assertThat(server.log().logEndOffset()).isZero();

            verifier.answer = Errors.NONE;
            var accepted = server.produceTransactional(P, EPOCH, 0, 2);
            assertThat(accepted.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(accepted.baseOffset()).isZero();
            // The idempotence checks still hold: a retry is answered with its offset, a gap refused.
            assertThat(server.produceTransactional(P, EPOCH, 0, 2).baseOffset()).isZero();
            assertThat(server.produceTransactional(P, EPOCH, 5, 1).errorCode())
                    .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());
            assertThat(server.log().logEndOffset()).isEqualTo(2);
            // Outside its open transaction the producer may not write idempotent batches here.
            assertThat(server.produce(batch(P, EPOCH, 2, 1, false), null).errorCode())
                    .isEqualTo(Errors.INVALID_TXN_STATE.code());
        }
    }

    @Test
    void hostileTransactionalAndControlBatchesAreRefused() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            assertThat(server.produce(batch(-1, (short) -1, -1, 1, true), TRANSACTIONAL_ID).errorCode())
                    .isEqualTo(Errors.INVALID_RECORD.code());
            assertThat(server.produce(batch(P, EPOCH, 0, 1, true), null).errorCode())
                    .isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code());
            MemoryRecords marker = MemoryRecords.readableRecords(
                    new dev.spool.log.record.EndTransactionMarker(true, 0).encode(P, EPOCH, 1_000L));
            assertThat(server.produce(marker, TRANSACTIONAL_ID).errorCode()).isEqualTo(Errors.INVALID_RECORD.code());
            assertThat(verifier.calls.get()).isZero();
            assertThat(server.log().logEndOffset()).isZero();
        }
    }

    @Test
    void anOpenTransactionHoldsTheLastStableOffsetUntilItsCommitMarker() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            server.produce(batch(-1, (short) -1, -1, 2, false), null); // 0-1, plain
            server.produceTransactional(P, EPOCH, 0, 2); // 2-3
            server.produce(batch(-1, (short) -1, -1, 1, false), null); // 4, plain, after the transaction began

            FetchResponseData.PartitionData committed = server.fetch(0, true);
            assertThat(committed.highWatermark()).isEqualTo(5);
            assertThat(committed.lastStableOffset()).isEqualTo(2);
            assertThat(baseOffsets(committed)).containsExactly(0L);
            assertThat(committed.abortedTransactions()).isNotNull().isEmpty();
            FetchResponseData.PartitionData uncommitted = server.fetch(0, false);
            assertThat(uncommitted.lastStableOffset()).isEqualTo(2);
            assertThat(baseOffsets(uncommitted)).containsExactly(0L, 2L, 4L);
            assertThat(server.latest(true).offset()).isEqualTo(2);
            assertThat(server.latest(false).offset()).isEqualTo(5);
            assertThat(server.producers()).singleElement()
                    .satisfies(producer -> assertThat(producer.currentTxnStartOffset()).isEqualTo(2));

            server.marker(P, EPOCH, true); // 5

            FetchResponseData.PartitionData after = server.fetch(0, true);
            assertThat(after.lastStableOffset()).isEqualTo(6).isEqualTo(after.highWatermark());
            assertThat(baseOffsets(after)).containsExactly(0L, 2L, 4L, 5L);
            assertThat(controlBatches(after)).containsExactly(5L);
            assertThat(after.abortedTransactions()).isEmpty();
            assertThat(server.aborted).isEmpty();
            assertThat(server.latest(true).offset()).isEqualTo(6);
            assertThat(server.producers()).singleElement()
                    .satisfies(producer -> assertThat(producer.currentTxnStartOffset()).isEqualTo(-1));
        }
    }

    @Test
    void anAbortIsIndexedAndListedToReadCommittedFetches() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            server.produceTransactional(P, EPOCH, 0, 2); // 0-1
            server.produceTransactional(Q, EPOCH, 0, 1); // 2
            server.produceTransactional(P, EPOCH, 2, 1); // 3

            server.marker(P, EPOCH, false); // 4

            // Q's transaction still holds the LSO; the index entry records it as the LSO after P's abort.
            assertThat(server.aborted).containsExactly(new AbortedTransaction(P, 0, 4, 2));
            FetchResponseData.PartitionData held = server.fetch(0, true);
            assertThat(held.lastStableOffset()).isEqualTo(2);
            assertThat(baseOffsets(held)).containsExactly(0L);
            assertThat(held.abortedTransactions()).singleElement().satisfies(aborted -> {
                assertThat(aborted.producerId()).isEqualTo(P);
                assertThat(aborted.firstOffset()).isZero();
            });

            server.marker(Q, EPOCH, true); // 5
            FetchResponseData.PartitionData all = server.fetch(0, true);
            assertThat(all.lastStableOffset()).isEqualTo(6);
            assertThat(baseOffsets(all)).containsExactly(0L, 2L, 3L, 4L, 5L);
            assertThat(all.abortedTransactions()).extracting(FetchResponseData.AbortedTransaction::producerId)
                    .containsExactly(P);
            // A fetch starting after the abort marker no longer overlaps it.
            assertThat(server.fetch(5, true).abortedTransactions()).isEmpty();
            // read_uncommitted gets no list (it reads everything)
            assertThat(server.fetch(0, false).abortedTransactions()).isNullOrEmpty();
        }
    }

    @Test
    void aTransactionBegunWhileAReadCommittedFetchReadsIsCutFromIt() throws Exception {
        for (boolean zeroCopy : new boolean[] {false, true}) {
            Path partitionDir = dir.resolve("zero-copy-" + zeroCopy);
            try (TransactionalPartitions server = new TransactionalPartitions(partitionDir, verifier, zeroCopy)) {
                server.produce(batch(-1, (short) -1, -1, 2, false), null); // 0-1
                int plainBytes = server.fetch(0, false).records().sizeInBytes();
                // No transaction is open when the fetch looks, so it reads without a cut; one begins under it.
                server.beforeRead = () -> {
                    try {
                        server.produceTransactional(P, EPOCH, 0, 1); // 2
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                };

                FetchResponseData.PartitionData fetched = server.fetch(0, true);

                assertThat(fetched.lastStableOffset()).isEqualTo(2);
                assertThat(fetched.records().sizeInBytes()).as("zero copy: " + zeroCopy).isEqualTo(plainBytes);
                assertThat(server.fetch(0, false).records().sizeInBytes()).isGreaterThan(plainBytes);
            }
        }
    }

    @Test
    void aWaitingReadCommittedFetchWakesWhenTheMarkerMovesTheLastStableOffset() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            server.produceTransactional(P, EPOCH, 0, 3);
            CompletableFuture<FetchResponseData.PartitionData> waiting = server.fetch(0, true, 1, 60_000);
            assertThat(waiting).isNotDone();

            server.marker(P, EPOCH, true);

            FetchResponseData.PartitionData woken = waiting.get(10, TimeUnit.SECONDS);
            assertThat(woken.lastStableOffset()).isEqualTo(4);
            assertThat(baseOffsets(woken)).containsExactly(0L, 3L);
        }
    }

    @Test
    void zeroCopyReadCommittedFetchesCutAtTheSameBatchesAsCopyingOnes() throws Exception {
        List<Integer> copyingSizes = new ArrayList<>();
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            server.produce(batch(-1, (short) -1, -1, 3, false), null); // 0-2
            server.produceTransactional(P, EPOCH, 0, 2); // 3-4
            server.produce(batch(-1, (short) -1, -1, 2, false), null); // 5-6
            for (long offset = 0; offset <= 3; offset++) {
                copyingSizes.add(server.fetch(offset, true).records().sizeInBytes());
            }
        }
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, true)) {
            for (long offset = 0; offset <= 3; offset++) {
                FetchResponseData.PartitionData zeroCopy = server.fetch(offset, true);
                assertThat(zeroCopy.lastStableOffset()).as("rebuilt from the log").isEqualTo(3);
                assertThat(zeroCopy.records().sizeInBytes()).as("at offset " + offset)
                        .isEqualTo(copyingSizes.get((int) offset));
            }
            assertThat(copyingSizes.get(0)).isPositive();
            assertThat(copyingSizes.get(3)).isZero();
            server.marker(P, EPOCH, false);
            assertThat(server.fetch(3, true).records().sizeInBytes()).isPositive();
            assertThat(server.fetch(3, true).abortedTransactions()).extracting(FetchResponseData.AbortedTransaction::firstOffset)
                    .containsExactly(3L);
        }
    }

    @Test
    void openTransactionsAreRebuiltFromTheLogAfterARestart() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            server.produceTransactional(P, EPOCH, 0, 1); // 0
            server.marker(P, EPOCH, true); // 1
            server.produceTransactional(P, EPOCH, 1, 2); // 2-3, a second transaction
            server.produceTransactional(Q, EPOCH, 0, 1); // 4
            server.marker(Q, EPOCH, true); // 5
        }
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            // A read_committed fetch is the first to touch the partition: it builds the state first.
            FetchResponseData.PartitionData fetched = server.fetch(0, true);
            assertThat(fetched.lastStableOffset()).isEqualTo(2);
            assertThat(baseOffsets(fetched)).containsExactly(0L, 1L);

            server.marker(P, EPOCH, false); // 6
            assertThat(server.aborted).containsExactly(new AbortedTransaction(P, 2, 6, 7));
            assertThat(server.lastStableOffset()).isEqualTo(7);
        }
    }

    @Test
    void abortsOfOnePartitionAreIndexedInMarkerOrderEvenWhenWrittenTogether() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            long[] producers = {P, Q, 3_000L, 4_000L};
            for (long producer : producers) {
                server.produceTransactional(producer, EPOCH, 0, 1); // 0..3
            }
            List<CompletableFuture<Void>> markers = new ArrayList<>();
            for (long producer : producers) {
                markers.add(server.markers.writeMarker(new PartitionRef(TransactionalPartitions.TOPIC, 0), producer,
                        EPOCH, false, 0));
            }
            CompletableFuture.allOf(markers.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

            assertThat(server.aborted).extracting(AbortedTransaction::lastOffset).containsExactly(4L, 5L, 6L, 7L);
            assertThat(server.aborted).extracting(AbortedTransaction::firstOffset).containsExactly(0L, 1L, 2L, 3L);
            assertThat(server.lastStableOffset()).isEqualTo(8);
        }
    }

    @Test
    void anAbortWhoseIndexEntryACrashLostIsRecordedBeforeTheFirstReadCommittedRead() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            server.produceTransactional(P, EPOCH, 0, 2); // 0-1
            server.produceTransactional(Q, EPOCH, 0, 1); // 2
            // The abort marker reached the log; the process died before its index entry was written.
            server.log().append(new dev.spool.log.record.EndTransactionMarker(false, 0).encode(P, EPOCH, 1_000L),
                    dev.spool.log.Durability.STRICT); // 3
            server.marker(Q, EPOCH, true); // 4
        }
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            server.produce(batch(-1, (short) -1, -1, 1, false), null); // 5; builds the state, has no index
            assertThat(server.aborted).isEmpty();

            FetchResponseData.PartitionData fetched = server.fetch(0, true);

            assertThat(server.aborted).containsExactly(new AbortedTransaction(P, 0, 3, 2));
            assertThat(fetched.abortedTransactions()).extracting(FetchResponseData.AbortedTransaction::producerId)
                    .containsExactly(P);
            server.fetch(0, true);
            assertThat(server.aborted).as("checked once").hasSize(1);
        }
    }

    @Test
    void anAbortTheIndexHoldsIsNotRecordedAgain() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            server.produceTransactional(P, EPOCH, 0, 2); // 0-1
            server.marker(P, EPOCH, false); // 2
        }
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            server.aborted.add(new AbortedTransaction(P, 0, 2, 3)); // the log's index, as it survived the restart

            server.marker(Q, EPOCH, true); // the marker writer checks the index first, too

            assertThat(server.aborted).containsExactly(new AbortedTransaction(P, 0, 2, 3));
            assertThat(server.fetch(0, true).abortedTransactions()).hasSize(1);
        }
    }

    @Test
    void aMarkerForNoOpenTransactionIsWrittenWithoutAnIndexEntry() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            server.marker(P, EPOCH, false);
            assertThat(server.log().logEndOffset()).isEqualTo(1);
            assertThat(server.aborted).isEmpty();
            assertThat(server.lastStableOffset()).isEqualTo(1);
            // A partition that is gone (its topic deleted) has nothing to mark.
            server.markers.writeMarker(new PartitionRef("deleted", 0), P, EPOCH, true, 0).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aMarkerWithANewerEpochFencesTheOldOneAndRestartsTheSequence() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            server.produceTransactional(P, EPOCH, 0, 2);
            server.marker(P, (short) 1, true); // the coordinator ends the transaction with a bumped epoch

            assertThat(server.produceTransactional(P, EPOCH, 2, 1).errorCode())
                    .isEqualTo(Errors.INVALID_PRODUCER_EPOCH.code());
            assertThat(server.produceTransactional(P, (short) 1, 2, 1).errorCode())
                    .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());
            assertThat(server.produceTransactional(P, (short) 1, 0, 1).errorCode()).isEqualTo(Errors.NONE.code());
            // A marker older than the partition's epoch would end the newer transaction: not written.
            long end = server.log().logEndOffset();
            server.marker(P, EPOCH, false);
            assertThat(server.log().logEndOffset()).isEqualTo(end);
            assertThat(server.lastStableOffset()).isEqualTo(3);
        }
    }

    @Test
    void anAbortWhoseIndexEntryFailedKeepsTheTransactionOpenForTheRetry() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            server.produceTransactional(P, EPOCH, 0, 2); // 0-1
            server.indexFails = true;

            assertThatThrownBy(() -> server.marker(P, EPOCH, false)).isInstanceOf(ExecutionException.class)
                    .hasRootCauseMessage("No space left on device");

            assertThat(server.lastStableOffset()).as("the aborted records stay hidden").isZero();
            assertThat(server.fetch(0, true).records().sizeInBytes()).isZero();
            server.indexFails = false;
            server.marker(P, EPOCH, false); // the coordinator's retry: 3

            assertThat(server.aborted).containsExactly(new AbortedTransaction(P, 0, 3, 4));
            assertThat(server.lastStableOffset()).isEqualTo(4);
        }
    }

    @Test
    void aMarkerBetweenVerificationAndAppendMakesTheBatchBeVerifiedAgain() throws Exception {
        try (TransactionalPartitions server = new TransactionalPartitions(dir, verifier, false)) {
            verifier.during = () -> server.markers.writeMarker(new PartitionRef(TransactionalPartitions.TOPIC, 0), Q,
                    EPOCH, true, 0).join();

            assertThat(server.produceTransactional(P, EPOCH, 0, 1).errorCode()).isEqualTo(Errors.NONE.code());

            assertThat(verifier.calls.get()).isEqualTo(2);
            assertThat(server.log().logEndOffset()).isEqualTo(2); // Q's marker, then P's batch
            assertThat(server.lastStableOffset()).isEqualTo(1);
        }
    }

    private static List<Long> baseOffsets(FetchResponseData.PartitionData data) {
        List<Long> out = new ArrayList<>();
        for (RecordBatch batch : ((MemoryRecords) data.records()).batches()) {
            out.add(batch.baseOffset());
        }
        return out;
    }

    private static List<Long> controlBatches(FetchResponseData.PartitionData data) {
        List<Long> out = new ArrayList<>();
        for (RecordBatch batch : ((MemoryRecords) data.records()).batches()) {
            if (batch.isControlBatch()) {
                out.add(batch.baseOffset());
            }
        }
        return out;
    }
}

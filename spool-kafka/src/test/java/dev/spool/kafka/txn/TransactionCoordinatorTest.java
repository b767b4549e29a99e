package dev.spool.kafka.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.kafka.txn.TransactionCoordinator.Answer;
import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import dev.spool.log.CorruptLogException;
import dev.spool.log.io.FileIO;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator over a real transaction log, with the partitions' markers recorded. */
class TransactionCoordinatorTest {
    private static final PartitionRef A0 = new PartitionRef("a", 0);
    private static final PartitionRef B1 = new PartitionRef("b", 1);

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final AtomicLong nextProducerId = new AtomicLong(7000);
    private final List<String> marks = new CopyOnWriteArrayList<>();
    private final AtomicBoolean markersFail = new AtomicBoolean();
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private TransactionCoordinator coordinator;

    private final TransactionMarkers markers = (partition, producerId, epoch, commit, coordinatorEpoch) -> {
        if (markersFail.get()) {
            return CompletableFuture.failedFuture(new IOException("No space left on device"));
        }
        marks.add(partition + (commit ? " commit " : " abort ") + producerId + "/" + epoch);
        return CompletableFuture.completedFuture(null);
    };

    /** The group coordinator's outcome completes when this does (already, unless a test holds it back). */
    private volatile CompletableFuture<Void> offsetsGate = CompletableFuture.completedFuture(null);

    private final TransactionCoordinator.OffsetsOutcome offsets = (producerId, epoch, commit) ->
            offsetsGate.thenRun(() -> marks.add("offsets" + (commit ? " commit " : " abort ") + producerId + "/"
                    + epoch));

    private TransactionCoordinator open() throws IOException {
        TransactionStore store = TransactionStore.open(FileIO.real(), dir.resolve(TransactionStore.DIR_NAME),
                clock::get, executor, new SimpleMeterRegistry(), 1000);
        coordinator = new TransactionCoordinator(store, markers, offsets, nextProducerId::incrementAndGet, clock::get,
                executor, timer, new TransactionCoordinator.Config(60_000, TimeUnit.HOURS.toMillis(1),
                        TimeUnit.DAYS.toMillis(7)));
        return coordinator;
    }

    @AfterEach
    void close() throws IOException {
        if (coordinator != null) {
            coordinator.close();
        }
        executor.shutdownNow();
        timer.shutdownNow();
    }

    @Test
    void initProducerIdGivesAnIdThenBumpsItsEpoch() throws Exception {
        open();
        Answer first = coordinator.initProducerId("t", 30_000, -1, (short) -1).get();
        assertThat(first).isEqualTo(new Answer(Errors.NONE, 7001, (short) 0));
        assertThat(coordinator.initProducerId("t", 30_000, -1, (short) -1).get())
                .isEqualTo(new Answer(Errors.NONE, 7001, (short) 1));
        assertThat(coordinator.initProducerId("t", 30_000, 7001, (short) 0).get().error())
                .as("a bump asked with an old epoch").isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(coordinator.initProducerId("t", 60_001, -1, (short) -1).get().error())
                .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(coordinator.initProducerId("t", 0, -1, (short) -1).get().error())
                .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
    }

    @Test
    void partitionsAreVerifiedAgainstTheOpenTransaction() throws Exception {
        open();
        Answer id = coordinator.initProducerId("t", 30_000, -1, (short) -1).get();
        assertThat(coordinator.verify(id.producerId(), id.producerEpoch(), "a", 0))
                .as("no transaction open yet").isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(coordinator.addPartitions("t", id.producerId(), id.producerEpoch(), List.of(A0)).get().error())
                .isEqualTo(Errors.NONE);
        assertThat(coordinator.verify(id.producerId(), id.producerEpoch(), "a", 0)).isEqualTo(Errors.NONE);
        assertThat(coordinator.verify(id.producerId(), id.producerEpoch(), "b", 1)).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(coordinator.verify(id.producerId(), (short) (id.producerEpoch() - 1), "a", 0))
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(coordinator.verify(424242, (short) 0, "a", 0)).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(coordinator.addPartitions("t", id.producerId(), (short) 5, List.of(B1)).get().error())
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(coordinator.addPartitions("other", id.producerId(), id.producerEpoch(), List.of(B1)).get().error())
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    }

    @Test
    void commitWritesAMarkerToEveryPartitionAndTheOffsetsThenCompletes() throws Exception {
        open();
        Answer id = coordinator.initProducerId("t", 30_000, -1, (short) -1).get();
        coordinator.addPartitions("t", id.producerId(), id.producerEpoch(), List.of(A0, B1)).get();
        coordinator.addPartitions("t", id.producerId(), id.producerEpoch(), List.of(TransactionCoordinator.GROUP_OFFSETS))
                .get();
        Answer end = coordinator.endTxn("t", id.producerId(), id.producerEpoch(), true).get();
        assertThat(end.error()).isEqualTo(Errors.NONE);
        assertThat(marks).containsExactlyInAnyOrder("a-0 commit 7001/0", "b-1 commit 7001/0", "offsets commit 7001/0");
        assertThat(coordinator.describe("t").orElseThrow().state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(coordinator.describe("t").orElseThrow().partitions()).isEmpty();
        assertThat(coordinator.endTxn("t", id.producerId(), id.producerEpoch(), true).get().error())
                .as("a retried EndTxn of a completed commit").isEqualTo(Errors.NONE);
        assertThat(coordinator.endTxn("t", id.producerId(), id.producerEpoch(), false).get().error())
                .isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void aMarkerThatFailsLeavesTheTransactionPreparedUntilTheCheckWritesIt() throws Exception {
        open();
        Answer id = coordinator.initProducerId("t", 30_000, -1, (short) -1).get();
        coordinator.addPartitions("t", id.producerId(), id.producerEpoch(), List.of(A0)).get();
        markersFail.set(true);
        assertThat(coordinator.endTxn("t", id.producerId(), id.producerEpoch(), false).get().error())
                .as("the outcome is decided once prepared").isEqualTo(Errors.NONE);
        assertThat(coordinator.describe("t").orElseThrow().state()).isEqualTo(TransactionState.PREPARE_ABORT);
        assertThat(coordinator.addPartitions("t", id.producerId(), id.producerEpoch(), List.of(A0)).get().error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        markersFail.set(false);
        coordinator.check().get();
        assertThat(marks).containsExactly("a-0 abort 7001/0");
        assertThat(coordinator.describe("t").orElseThrow().state()).isEqualTo(TransactionState.COMPLETE_ABORT);
    }

    @Test
    void aTransactionOpenPastItsTimeoutIsAbortedAndItsProducerFenced() throws Exception {
        open();
        Answer id = coordinator.initProducerId("t", 5_000, -1, (short) -1).get();
        coordinator.addPartitions("t", id.producerId(), id.producerEpoch(), List.of(A0)).get();
        coordinator.check().get();
        assertThat(marks).as("within its timeout").isEmpty();
        clock.addAndGet(5_001);
        coordinator.check().get();
        assertThat(marks).containsExactly("a-0 abort 7001/1");
        assertThat(coordinator.describe("t").orElseThrow().state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        assertThat(coordinator.endTxn("t", id.producerId(), id.producerEpoch(), true).get().error())
                .isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void aNewProducerInstanceAbortsTheOpenTransactionOfTheOldOne() throws Exception {
        open();
        Answer old = coordinator.initProducerId("t", 30_000, -1, (short) -1).get();
        coordinator.addPartitions("t", old.producerId(), old.producerEpoch(), List.of(A0)).get();
        assertThat(coordinator.initProducerId("t", 30_000, -1, (short) -1).get().error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(marks).containsExactly("a-0 abort 7001/1");
        assertThat(coordinator.initProducerId("t", 30_000, -1, (short) -1).get())
                .isEqualTo(new Answer(Errors.NONE, 7001, (short) 2));
        assertThat(coordinator.verify(old.producerId(), old.producerEpoch(), "a", 0))
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
    }

    @Test
    void afterARestartPreparedTransactionsCompleteAndOpenOnesAreAborted() throws Exception {
        open();
        Answer p = coordinator.initProducerId("prepared", 30_000, -1, (short) -1).get();
        coordinator.addPartitions("prepared", p.producerId(), p.producerEpoch(), List.of(A0)).get();
        Answer o = coordinator.initProducerId("open", 30_000, -1, (short) -1).get();
        coordinator.addPartitions("open", o.producerId(), o.producerEpoch(), List.of(B1)).get();
        markersFail.set(true); // the crash comes before the commit's markers
        coordinator.endTxn("prepared", p.producerId(), p.producerEpoch(), true).get();
        coordinator.close();
        markersFail.set(false);

        open().recover(10_000);
        assertThat(marks).containsExactlyInAnyOrder("a-0 commit 7001/0", "b-1 abort 7002/1");
        assertThat(coordinator.describe("prepared").orElseThrow().state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(coordinator.describe("open").orElseThrow().state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        assertThat(coordinator.endTxn("open", o.producerId(), o.producerEpoch(), true).get().error())
                .as("the producer of the aborted transaction is fenced").isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(coordinator.initProducerId("open", 30_000, -1, (short) -1).get())
                .isEqualTo(new Answer(Errors.NONE, 7002, (short) 2));
    }

    @Test
    void idleIdsExpireAndTheLogIsCompacted() throws Exception {
        open();
        for (int i = 0; i < 5; i++) {
            Answer id = coordinator.initProducerId("t", 30_000, -1, (short) -1).get();
            coordinator.addPartitions("t", id.producerId(), id.producerEpoch(), List.of(A0)).get();
            coordinator.endTxn("t", id.producerId(), id.producerEpoch(), true).get();
        }
        coordinator.initProducerId("idle", 30_000, -1, (short) -1).get();
        coordinator.close();
        TransactionStore store = TransactionStore.open(FileIO.real(), dir.resolve(TransactionStore.DIR_NAME), clock::get,
                executor, new SimpleMeterRegistry(), 3);
        assertThat(store.logRecordCount()).as("compacted on open: one record per id").isEqualTo(2);
        assertThat(store.get("t").orElseThrow().producerEpoch()).isEqualTo((short) 4);
        store.close();

        open();
        clock.addAndGet(TimeUnit.DAYS.toMillis(8));
        coordinator.check().get();
        assertThat(coordinator.all()).isEmpty();
    }

    @Test
    void aDamagedRecordFailsTheOpenNamingTheFile() throws Exception {
        open();
        coordinator.initProducerId("t", 30_000, -1, (short) -1).get();
        coordinator.close();
        coordinator = null;
        Path segment;
        try (Stream<Path> files = Files.list(dir.resolve(TransactionStore.DIR_NAME))) {
            segment = files.filter(f -> f.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.seek(file.length() - 3); // inside the value: the CRC no longer matches
            file.write(0x7f);
        }
        assertThatThrownBy(() -> TransactionStore.open(FileIO.real(), dir.resolve(TransactionStore.DIR_NAME), clock::get,
                executor, new SimpleMeterRegistry(), 1000)).isInstanceOf(IOException.class)
                .hasMessageContaining(segment.getFileName().toString());
    }

    @Test
    void aStepInTheTransactionWaitsForAnEndTxnInProgressAndSeesItsOutcome() throws Exception {
        open();
        Answer id = coordinator.initProducerId("t", 30_000, -1, (short) -1).get();
        coordinator.addPartitions("t", id.producerId(), id.producerEpoch(),
                List.of(TransactionCoordinator.GROUP_OFFSETS)).get();
        assertThat(coordinator.inTransaction("t", id.producerId(), id.producerEpoch(),
                TransactionCoordinator.GROUP_OFFSETS, CompletableFuture::completedFuture).get())
                .as("while the transaction is open").isEqualTo(Errors.NONE);

        offsetsGate = new CompletableFuture<>();
        CompletableFuture<Answer> ending = coordinator.endTxn("t", id.producerId(), id.producerEpoch(), true);
        CompletableFuture<Errors> step = coordinator.inTransaction("t", id.producerId(), id.producerEpoch(),
                TransactionCoordinator.GROUP_OFFSETS, CompletableFuture::completedFuture);
        assertThat(step).as("not before the EndTxn in progress").isNotDone();
        offsetsGate.complete(null);
        assertThat(ending.get().error()).isEqualTo(Errors.NONE);
        assertThat(step.get()).as("after the commit").isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(coordinator.inTransaction("t", 99, (short) 0, TransactionCoordinator.GROUP_OFFSETS,
                CompletableFuture::completedFuture).get()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    }
}

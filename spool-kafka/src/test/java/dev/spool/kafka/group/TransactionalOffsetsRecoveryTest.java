package dev.spool.kafka.group;

import dev.spool.log.AbortedTransaction;
import static dev.spool.kafka.group.TxnOffsets.Fetched;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactional offsets across a restart: the replay of a committed, an aborted and a still open
 * transaction, a compaction between the offsets and the marker (finished, or failed halfway so that
 * the replay reads the old records and the rewrite), markers that do not decode or are of another
 * control type, and concurrent commits and markers whose state in memory must equal the replay's.
 */
class TransactionalOffsetsRecoveryTest {
    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
    private static final TopicPartition ORDERS_1 = new TopicPartition("orders", 1);
    private static final TopicPartition AUDIT_0 = new TopicPartition("audit", 0);
    private static final long PRODUCER = 7_000L;
    private static final long OTHER_PRODUCER = 7_001L;

    @TempDir
    Path dir;
    private final ManualScheduler scheduler = new ManualScheduler();
    private final FaultyFileIO io = new FaultyFileIO();
    private ClassicGroupCoordinator coordinator;

    private Path offsetsDir() {
        return dir.resolve(OffsetsLogCheck.DIR_NAME); // where spool verify looks for it
    }

    private void open() throws IOException {
        coordinator = ClassicGroupCoordinator.open(offsetsDir(), GroupCoordinatorConfig.defaults()
                .withClock(scheduler.clock()).withIo(io).withCompactionRecordsMin(20), scheduler);
    }

    private void reopen() throws IOException {
        coordinator.close();
        open();
    }

    @AfterEach
    void close() {
        if (coordinator != null) {
            coordinator.close();
        }
    }

    private void txnCommit(String group, long producerId, Map<TopicPartition, Long> offsets) {
        assertThat(TxnOffsets.errors(coordinator.txnOffsetCommit(TxnOffsets.request(group, producerId, offsets),
                (short) 5, TestConsumer.ALL_PARTITIONS).join())).allSatisfy((tp, error) ->
                assertThat(error).isEqualTo(Errors.NONE));
    }

    private void simpleCommit(String group, Map<TopicPartition, Long> offsets) {
        assertThat(coordinator.commitOffsets(TestConsumer.commitRequest(group, -1, "", offsets), (short) 9,
                TestConsumer.ALL_PARTITIONS).join().topics().get(0).partitions().get(0).errorCode())
                .isEqualTo(Errors.NONE.code());
    }

    private Map<TopicPartition, Fetched> fetchStable(String group, List<TopicPartition> partitions) {
        return TxnOffsets.fetch(coordinator, group, partitions, true);
    }

    private void complete(long producerId, boolean commit) {
        coordinator.completeTransaction(producerId, (short) 1, commit).join();
    }

    @Test
    void aCommittedTransactionReplaysAsCommitted() throws IOException {
        open();
        simpleCommit("g", Map.of(ORDERS_0, 5L));
        txnCommit("g", PRODUCER, Map.of(ORDERS_0, 10L, ORDERS_1, 11L));
        complete(PRODUCER, true);
        simpleCommit("g", Map.of(ORDERS_1, 12L)); // after the marker: it wins
        reopen();
        assertThat(fetchStable("g", List.of(ORDERS_0, ORDERS_1)))
                .containsExactly(Map.entry(ORDERS_0, Fetched.of(10L)), Map.entry(ORDERS_1, Fetched.of(12L)));
        assertThat(coordinator.offsetStore().pendingCount()).isZero();
    }

    @Test
    void anAbortedTransactionReplaysAsDropped() throws IOException {
        open();
        simpleCommit("g", Map.of(ORDERS_0, 5L));
        txnCommit("g", PRODUCER, Map.of(ORDERS_0, 10L));
        complete(PRODUCER, false);
        reopen();
        assertThat(fetchStable("g", List.of(ORDERS_0))).containsExactly(Map.entry(ORDERS_0, Fetched.of(5L)));
        assertThat(coordinator.offsetStore().pendingCount()).isZero();
    }

    @Test
    void anOpenTransactionStaysPendingAcrossARestartUntilItsMarker() throws IOException {
        open();
        simpleCommit("g", Map.of(ORDERS_0, 5L));
        txnCommit("g", PRODUCER, Map.of(ORDERS_0, 10L));
        reopen();
        assertThat(fetchStable("g", List.of(ORDERS_0))).containsExactly(Map.entry(ORDERS_0, Fetched.UNSTABLE));
        assertThat(coordinator.offsetStore().pendingOffsets()).isEqualTo(Map.of(PRODUCER, Map.of("g", Map.of(
                new OffsetStore.TopicPartitionKey("orders", 0), new CommittedOffset(10L, 3, "t10", scheduler.nowMs())))));
        complete(PRODUCER, true); // the transaction coordinator sends the outcome after its own recovery
        reopen();
        assertThat(fetchStable("g", List.of(ORDERS_0))).containsExactly(Map.entry(ORDERS_0, Fetched.of(10L)));
    }

    /** Enough plain commits of one partition that the log holds far more records than live offsets. */
    private void churn(int commits) {
        for (long i = 0; i < commits; i++) {
            simpleCommit("churn", Map.of(AUDIT_0, i));
        }
    }

    @Test
    void aCompactionBetweenTheOffsetsAndTheMarkersLosesNothing() throws IOException {
        open();
        simpleCommit("g", Map.of(ORDERS_0, 5L));
        txnCommit("g", PRODUCER, Map.of(ORDERS_0, 10L, ORDERS_1, 11L));
        txnCommit("h", PRODUCER, Map.of(ORDERS_0, 12L));
        txnCommit("g", OTHER_PRODUCER, Map.of(AUDIT_0, 13L));
        churn(40);
        String before = TxnOffsets.storeState(coordinator.offsetStore());
        assertThat(coordinator.offsetStore().maybeCompact()).isTrue();
        assertThat(coordinator.offsetStore().logRecordCount()).as("2 committed and 4 pending offsets rewritten")
                .isEqualTo(6);
        assertThat(TxnOffsets.storeState(coordinator.offsetStore())).isEqualTo(before);

        reopen();
        assertThat(TxnOffsets.storeState(coordinator.offsetStore())).isEqualTo(before);
        complete(PRODUCER, true);
        complete(OTHER_PRODUCER, false);
        reopen();
        assertThat(fetchStable("g", List.of(ORDERS_0, ORDERS_1, AUDIT_0))).containsExactly(
                Map.entry(ORDERS_0, Fetched.of(10L)), Map.entry(ORDERS_1, Fetched.of(11L)),
                Map.entry(AUDIT_0, Fetched.of(-1L)));
        assertThat(fetchStable("h", List.of(ORDERS_0))).containsExactly(Map.entry(ORDERS_0, Fetched.of(12L)));
        assertThat(coordinator.offsetStore().pendingCount()).isZero();
    }

    @Test
    void aCompactionThatFailsHalfwayReplaysTheOldRecordsAndTheRewriteAsOne() throws IOException {
        open();
        txnCommit("g", PRODUCER, Map.of(ORDERS_0, 10L));
        churn(30);
        String before = TxnOffsets.storeState(coordinator.offsetStore());
        io.failRename = true; // compaction appends the rewrite, then fails deleting the old segments
        assertThatThrownBy(() -> coordinator.offsetStore().compact()).isInstanceOf(IOException.class);
        io.failRename = false;
        reopen();
        assertThat(TxnOffsets.storeState(coordinator.offsetStore())).isEqualTo(before);
        assertThat(coordinator.offsetStore().pendingCount()).isEqualTo(1);
        complete(PRODUCER, true);
        reopen();
        assertThat(fetchStable("g", List.of(ORDERS_0))).containsExactly(Map.entry(ORDERS_0, Fetched.of(10L)));
    }

    @Test
    void aDeletedGroupsPendingOffsetsStayDeletedAfterARestart() throws IOException {
        open();
        txnCommit("g", PRODUCER, Map.of(ORDERS_0, 10L));
        assertThat(coordinator.deleteGroups(new org.apache.kafka.common.message.DeleteGroupsRequestData()
                .setGroupsNames(List.of("g")), (short) 2).join().results().find("g").errorCode())
                .isEqualTo(Errors.NONE.code());
        txnCommit("g", PRODUCER, Map.of(ORDERS_1, 11L)); // after the tombstones: kept
        reopen();
        complete(PRODUCER, true);
        assertThat(fetchStable("g", List.of(ORDERS_0, ORDERS_1)))
                .containsExactly(Map.entry(ORDERS_0, Fetched.of(-1L)), Map.entry(ORDERS_1, Fetched.of(11L)));
    }

    /** Appends one control batch of producer {@code producerId} with these raw key and value bytes. */
    private long appendControl(long producerId, byte[] key, byte[] value) throws IOException {
        try (Log log = Log.open(offsetsDir(), LogConfig.defaults().withRetentionMs(-1), LoadState.unknown())) {
            BatchBuilder builder = new BatchBuilder(4096).producer(producerId, (short) 1, -1).transactional(true);
            builder.tryAppend(1_700_000_000_000L, key, value);
            ByteBuffer batch = builder.build();
            short attributes = batch.getShort(RecordBatch.ATTRIBUTES_OFFSET);
            batch.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) (attributes | 0x20)); // the control bit
            batch.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(batch, 0));
            return log.append(batch).firstOffset();
        }
    }

    @Test
    void aMarkerThatDoesNotDecodeRefusesTheOpenNamingItsOffset() throws IOException {
        open();
        txnCommit("g", PRODUCER, Map.of(ORDERS_0, 10L));
        coordinator.close();
        assertThat(new OffsetsLogCheck(FileIO.real()).check(dir)).as("a transactional commit passes the check")
                .isEmpty();
        long offset = appendControl(PRODUCER, new byte[] {0, 0, 0, 1}, new byte[] {0, 0}); // a COMMIT, value cut
        assertThat(new OffsetsLogCheck(FileIO.real()).check(dir)).singleElement().satisfies(finding -> {
            assertThat(finding.kind()).isEqualTo(LogVerifier.Kind.FILE_CORRUPT);
            assertThat(finding.offset()).isEqualTo(offset);
            assertThat(finding.problem()).startsWith("transaction marker does not decode");
        });
        assertThatThrownBy(this::open).isInstanceOf(CorruptOffsetRecordException.class)
                .hasMessageContaining("(log offset " + offset + ")").hasMessageContaining("Transaction marker")
                .satisfies(e -> assertThat(((CorruptOffsetRecordException) e).logOffset()).isEqualTo(offset));
        coordinator = null;
    }

    @Test
    void aControlRecordOfAnotherTypeIsSkipped() throws IOException {
        open();
        txnCommit("g", PRODUCER, Map.of(ORDERS_0, 10L));
        complete(OTHER_PRODUCER, true); // a marker the server wrote itself
        coordinator.close();
        appendControl(PRODUCER, new byte[] {0, 0, 0, 3}, new byte[] {0, 0, 0, 0, 0, 0}); // Kafka's snapshot types
        assertThat(new OffsetsLogCheck(FileIO.real()).check(dir)).isEmpty();
        open();
        assertThat(fetchStable("g", List.of(ORDERS_0))).containsExactly(Map.entry(ORDERS_0, Fetched.UNSTABLE));
    }

    /**
     * Plain commits, transactional commits, markers and deleted offsets from four threads at once,
     * none waiting for the last, with compactions between the rounds: the state in memory is what a
     * replay of the log reads. (The log tends to complete appends in order, so this checks that the
     * two agree, not that a completion out of order is applied in log order.)
     */
    @Test
    void concurrentCommitsAndMarkersLeaveTheStateAReplayReads() throws Exception {
        long seed = 20_261_205L;
        open();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 5; round++) {
                List<Future<List<CompletableFuture<?>>>> issued = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    Random random = new Random(seed + round * 31L + t);
                    issued.add(threads.submit(() -> issue(random, 60)));
                }
                for (Future<List<CompletableFuture<?>>> future : issued) {
                    future.get().forEach(CompletableFuture::join);
                }
                coordinator.offsetStore().maybeCompact();
            }
        } finally {
            threads.shutdown();
        }
        String live = TxnOffsets.storeState(coordinator.offsetStore());
        reopen();
        assertThat(TxnOffsets.storeState(coordinator.offsetStore())).as("seed %d", seed).isEqualTo(live);
    }

    /** Issues {@code count} random operations without waiting; returns their futures. */
    private List<CompletableFuture<?>> issue(Random random, int count) {
        List<CompletableFuture<?>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String group = "g" + random.nextInt(2);
            TopicPartition tp = new TopicPartition("t", random.nextInt(3));
            long producerId = 100 + random.nextInt(3);
            long offset = random.nextInt(1_000);
            switch (random.nextInt(5)) {
                case 0 -> futures.add(coordinator.commitOffsets(TestConsumer.commitRequest(group, -1, "",
                        Map.of(tp, offset)), (short) 9, TestConsumer.ALL_PARTITIONS));
                case 1, 2 -> futures.add(coordinator.txnOffsetCommit(TxnOffsets.request(group, producerId,
                        Map.of(tp, offset)), (short) 5, TestConsumer.ALL_PARTITIONS));
                case 3 -> futures.add(coordinator.completeTransaction(producerId, (short) 1, random.nextBoolean()));
                default -> futures.add(coordinator.offsetStore().commit(group,
                        List.of(OffsetStore.Commit.tombstone(tp.topic(), tp.partition()))));
            }
        }
        return futures;
    }

    /** The golden log with transactions: {@link #main} wrote it; it must replay as the test says forever. */
    static final String GOLDEN_RESOURCE = "/golden/offsets-log-v1-transactions/00000000000000000000.log";

    @Test
    void theGoldenLogWithTransactionsReplays() throws IOException {
        java.nio.file.Files.createDirectories(offsetsDir());
        try (java.io.InputStream golden = getClass().getResourceAsStream(GOLDEN_RESOURCE)) {
            assertThat(golden).as(GOLDEN_RESOURCE).isNotNull();
            java.nio.file.Files.copy(golden, offsetsDir().resolve("00000000000000000000.log"));
        }
        open();
        OffsetStore store = coordinator.offsetStore();
        assertThat(store.find("golden", "orders", 0)).as("committed by producer 10")
                .contains(new CommittedOffset(42L, 3, "t42", 1_700_000_001_000L));
        assertThat(store.find("golden", "orders", 1)).as("committed by producer 10; producer 11 aborted")
                .contains(new CommittedOffset(43L, 3, "t43", 1_700_000_001_000L));
        assertThat(store.find("golden", "audit", 0)).as("pending in producer 12's open transaction").isEmpty();
        assertThat(store.pendingOffsets()).isEqualTo(Map.of(12L, Map.of("golden", Map.of(
                new OffsetStore.TopicPartitionKey("audit", 0), new CommittedOffset(7L, 3, "t7", 1_700_000_003_000L)))));
        assertThat(store.liveCount()).isEqualTo(2);
    }

    /**
     * Writes the golden log into the directory given (the resource folder): a plain commit, then
     * producer 10's transaction (committed), 11's (aborted) and 12's (left open), one second apart.
     */
    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        Path work = java.nio.file.Files.createTempDirectory("golden-txn-offsets");
        ManualScheduler clock = new ManualScheduler();
        try (ClassicGroupCoordinator writer = ClassicGroupCoordinator.open(work, GroupCoordinatorConfig.defaults()
                .withClock(clock.clock()), clock)) {
            writer.commitOffsets(TestConsumer.commitRequest("golden", -1, "", Map.of(ORDERS_0, 1L)), (short) 9,
                    TestConsumer.ALL_PARTITIONS).join();
            clock.advance(1_000);
            writer.txnOffsetCommit(TxnOffsets.request("golden", 10L, Map.of(ORDERS_0, 42L, ORDERS_1, 43L)),
                    (short) 5, TestConsumer.ALL_PARTITIONS).join();
            writer.completeTransaction(10L, (short) 1, true).join();
            clock.advance(1_000);
            writer.txnOffsetCommit(TxnOffsets.request("golden", 11L, Map.of(ORDERS_1, 99L)), (short) 5,
                    TestConsumer.ALL_PARTITIONS).join();
            writer.completeTransaction(11L, (short) 1, false).join();
            clock.advance(1_000);
            writer.txnOffsetCommit(TxnOffsets.request("golden", 12L, Map.of(AUDIT_0, 7L)), (short) 5,
                    TestConsumer.ALL_PARTITIONS).join();
        }
        java.nio.file.Files.createDirectories(target);
        java.nio.file.Files.copy(work.resolve("00000000000000000000.log"), target.resolve("00000000000000000000.log"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("Wrote " + target.resolve("00000000000000000000.log"));
    }
}

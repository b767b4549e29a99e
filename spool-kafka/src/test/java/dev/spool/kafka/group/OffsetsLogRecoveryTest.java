package dev.spool.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.CorruptLogException;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.record.BatchBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the coordinator makes of a damaged or hand-written offsets log on open, each case with its
 * cause: a record that does not decode (refused, naming the log offset), a damaged batch before the
 * tail (the log's corruption error), a torn tail (cut by the log's recovery: the unacknowledged
 * commit is lost, nothing else), a tombstone (removes its key), and the golden log of format 1.
 */
class OffsetsLogRecoveryTest {
    /** The golden offsets log, format 1: {@link #main} wrote it; it must replay as {@link #GOLDEN_OFFSETS} forever. */
    static final String GOLDEN_RESOURCE = "/golden/offsets-log-v1/00000000000000000000.log";
    static final Map<TopicPartition, CommittedOffset> GOLDEN_OFFSETS = Map.of(
            new TopicPartition("orders", 0), new CommittedOffset(42L, 3, "m42", 1_700_000_000_000L),
            new TopicPartition("orders", 1), new CommittedOffset(7L, -1, "", 1_700_000_000_000L),
            new TopicPartition("orders-v2", 9), new CommittedOffset(1L << 40, 12, "ünïcode ✓", 1_700_000_005_000L));

    @TempDir
    Path dir;
    private ClassicGroupCoordinator coordinator;

    @AfterEach
    void close() {
        if (coordinator != null) {
            coordinator.close();
        }
    }

    private Path offsetsDir() {
        return dir.resolve("offsets");
    }

    private ClassicGroupCoordinator open() throws IOException {
        ManualScheduler scheduler = new ManualScheduler();
        coordinator = ClassicGroupCoordinator.open(offsetsDir(), GroupCoordinatorConfig.defaults()
                .withClock(scheduler.clock()), scheduler);
        return coordinator;
    }

    private void commit(String group, TopicPartition tp, long offset) {
        assertThat(coordinator.commitOffsets(TestConsumer.commitRequest(group, -1, "", Map.of(tp, offset)), (short) 9,
                TestConsumer.ALL_PARTITIONS)
                .join().topics().get(0).partitions().get(0).errorCode()).isEqualTo(Errors.NONE.code());
    }

    /** Appends one batch holding one record with these raw key and value bytes (value null: tombstone). */
    private static long appendRaw(Path offsetsDir, byte[] key, byte[] value) throws IOException {
        try (Log log = Log.open(offsetsDir, LogConfig.defaults().withRetentionMs(-1), LoadState.unknown())) {
            BatchBuilder builder = new BatchBuilder(4096);
            builder.tryAppend(1_700_000_000_000L, key, value);
            return log.append(builder.build()).firstOffset();
        }
    }

    private static Path segment(Path offsetsDir) {
        return offsetsDir.resolve("00000000000000000000.log");
    }

    @Test
    void aRecordThatDoesNotDecodeRefusesTheOpenNamingItsOffset() throws IOException {
        open();
        commit("g", new TopicPartition("t", 0), 5L);
        coordinator.close();
        long position = Files.size(segment(offsetsDir()));
        long offset = appendRaw(offsetsDir(), new byte[] {0, 1, 0, 9, 'g'}, new byte[] {0, 3});
        assertThatThrownBy(this::open).isInstanceOf(CorruptOffsetRecordException.class)
                .hasMessage("Corrupt offsets record in " + segment(offsetsDir()) + " at position " + position
                        + " (log offset " + offset + ")"
                        + ": the group's length 9 at byte 2 does not fit the 1 bytes left")
                .satisfies(e -> assertThat(((CorruptOffsetRecordException) e).logOffset()).isEqualTo(offset));
        coordinator = null;
        try (AutoCloseable lock = dev.spool.log.io.FileIO.real().lock(offsetsDir().resolve(OffsetStore.LOCK_FILE))) {
            assertThat(lock).as("the failed open released the directory").isNotNull();
        } catch (Exception e) {
            throw new AssertionError("The failed open kept the directory locked", e);
        }
    }

    @Test
    void aDamagedBatchBeforeTheTailIsReportedByTheLog() throws IOException {
        open();
        for (long i = 0; i < 3; i++) {
            commit("g", new TopicPartition("t", 0), i);
        }
        coordinator.close();
        try (RandomAccessFile file = new RandomAccessFile(segment(offsetsDir()).toFile(), "rw")) {
            file.seek(70); // inside the first batch's records, which its CRC covers
            int b = file.read();
            file.seek(70);
            file.write(b ^ 0x10);
        }
        assertThatThrownBy(this::open).isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(segment(offsetsDir()).toString()).hasMessageContaining("position 0");
        coordinator = null;
    }

    @Test
    void aTornTailLosesOnlyTheCommitThatWasBeingWritten() throws IOException {
        open();
        TopicPartition tp = new TopicPartition("t", 0);
        commit("g", tp, 1L);
        commit("g", tp, 2L);
        coordinator.close();
        long size = Files.size(segment(offsetsDir()));
        try (RandomAccessFile file = new RandomAccessFile(segment(offsetsDir()).toFile(), "rw")) {
            file.setLength(size - 5); // a crash in the middle of writing the second commit's batch
        }
        open();
        assertThat(coordinator.offsetStore().find("g", "t", 0).map(CommittedOffset::offset)).contains(1L);
        commit("g", tp, 3L);
        assertThat(coordinator.offsetStore().find("g", "t", 0).map(CommittedOffset::offset)).contains(3L);
    }

    @Test
    void aTombstoneRemovesItsKey() throws IOException {
        open();
        commit("g", new TopicPartition("t", 0), 1L);
        commit("g", new TopicPartition("t", 1), 2L);
        coordinator.close();
        appendRaw(offsetsDir(), OffsetRecordCodec.encodeKey("g", "t", 0), null);
        open();
        assertThat(coordinator.offsetStore().find("g", "t", 0)).isEmpty();
        assertThat(coordinator.offsetStore().groupOffsets("g")).containsOnlyKeys("t");
        assertThat(coordinator.offsetStore().groupOffsets("g").get("t")).containsOnlyKeys(1);
        assertThat(coordinator.offsetStore().liveCount()).isEqualTo(1);
    }

    @Test
    void theGoldenLogReplaysExactly() throws IOException {
        Files.createDirectories(offsetsDir());
        try (InputStream golden = OffsetsLogRecoveryTest.class.getResourceAsStream(GOLDEN_RESOURCE)) {
            assertThat(golden).as(GOLDEN_RESOURCE).isNotNull();
            Files.copy(golden, segment(offsetsDir()));
        }
        open();
        OffsetStore store = coordinator.offsetStore();
        GOLDEN_OFFSETS.forEach((tp, expected) ->
                assertThat(store.find("golden", tp.topic(), tp.partition())).as(tp.toString()).contains(expected));
        assertThat(store.find("golden", "audit", 0)).as("removed by a tombstone").isEmpty();
        assertThat(store.liveCount()).isEqualTo(GOLDEN_OFFSETS.size());
    }

    /**
     * Writes the golden log into the directory given (the resource folder): commits through the
     * coordinator, then a tombstone and a group-metadata record (type 2, skipped) appended by hand.
     */
    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        Path work = Files.createTempDirectory("golden-offsets");
        ManualScheduler scheduler = new ManualScheduler();
        try (ClassicGroupCoordinator writer = ClassicGroupCoordinator.open(work, GroupCoordinatorConfig.defaults()
                .withClock(scheduler.clock()), scheduler)) {
            List<TopicPartition> order = List.of(new TopicPartition("orders", 0), new TopicPartition("orders", 1),
                    new TopicPartition("orders-v2", 9)); // by commit time
            for (TopicPartition tp : order) {
                Map.Entry<TopicPartition, CommittedOffset> e = Map.entry(tp, GOLDEN_OFFSETS.get(tp));
                CommittedOffset value = e.getValue();
                scheduler.advance(value.commitTimestampMs() - scheduler.nowMs());
                var request = TestConsumer.commitRequest("golden", -1, "", Map.of(e.getKey(), value.offset()));
                request.topics().get(0).partitions().get(0).setCommittedLeaderEpoch(value.leaderEpoch())
                        .setCommittedMetadata(value.metadata().isEmpty() ? null : value.metadata());
                writer.commitOffsets(request, (short) 9, TestConsumer.ALL_PARTITIONS).join();
            }
            writer.commitOffsets(TestConsumer.commitRequest("golden", -1, "", Map.of(new TopicPartition("audit", 0),
                    5L)), (short) 9, TestConsumer.ALL_PARTITIONS).join();
        }
        appendRaw(work, OffsetRecordCodec.encodeKey("golden", "audit", 0), null);
        appendRaw(work, new byte[] {0, 2, 0, 6, 'g', 'o', 'l', 'd', 'e', 'n'}, new byte[] {0, 3});
        Files.createDirectories(target);
        Files.copy(segment(work), target.resolve("00000000000000000000.log"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("Wrote " + target.resolve("00000000000000000000.log") + " (" + Files.size(segment(work))
                + " bytes)");
    }
}

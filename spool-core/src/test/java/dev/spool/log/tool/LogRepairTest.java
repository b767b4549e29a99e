package dev.spool.log.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.AppendResult;
import dev.spool.log.CorruptLogException;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.LogTest;
import dev.spool.log.ReadResult;
import dev.spool.log.ToolTestLogs;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicPartition;
import dev.spool.log.UnknownTopicException;
import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.io.DirectoryLockedException;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Write, corrupt, assert the exact error, repair, reopen, append, reopen (etcd's shape of corruption test). */
class LogRepairTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @TempDir
    Path dataDir;

    /** Big enough segments that a roll happens only when the test asks; 1,000-record batches; no hash chain. */
    private static final LogConfig PLAIN = LogConfig.defaults().withHashChain(false);
    private static final LogManagerConfig PLAIN_CONFIG = LogManagerConfig.defaults().withoutBackgroundTasks()
            .withLogConfig(PLAIN);
    private static final TopicPartition ORDERS = new TopicPartition("orders", 0);

    /**
     * Writes topic orders, partition 0: one segment per entry of {@code batchesPerSegment}, each
     * batch 1,000 records whose values are "r-OFFSET"; closes cleanly. Returns the segments' bases.
     */
    private List<Long> writeOrders(int... batchesPerSegment) throws IOException {
        List<Long> bases = new ArrayList<>();
        try (LogManager manager = LogManager.open(dataDir, PLAIN_CONFIG)) {
            manager.createTopic("orders", 1);
            Log log = manager.log("orders", 0);
            for (int s = 0; s < batchesPerSegment.length; s++) {
                if (s > 0) {
                    log.roll();
                }
                bases.add(log.logEndOffset());
                for (int b = 0; b < batchesPerSegment[s]; b++) {
                    log.append(thousand(log.logEndOffset()));
                }
            }
        }
        return bases;
    }

    private static ByteBuffer thousand(long firstOffset) {
        String[] values = new String[1000];
        for (int i = 0; i < values.length; i++) {
            values[i] = "r-" + (firstOffset + i);
        }
        return LogTest.batch(1_000L + firstOffset, values);
    }

    /** Every record from {@code from} to the end as "offset=value", reading batch by batch as a consumer does. */
    private static List<String> offsetsAndValues(Log log, long from) throws IOException {
        List<String> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            ReadResult read = log.read(next, 1 << 20);
            for (Record record : read.records()) {
                out.add(record.offset() + "=" + new String(record.valueBytes(), StandardCharsets.UTF_8));
            }
            next = read.nextOffset(next);
        }
        return out;
    }

    private static List<String> expected(long from, long toExclusive) {
        List<String> out = new ArrayList<>();
        for (long o = from; o < toExclusive; o++) {
            out.add(o + "=r-" + o);
        }
        return out;
    }

    /** The positions of the batches in {@code segment}, and its size last. */
    private static List<Integer> batchPositions(Path segment) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
        List<Integer> out = new ArrayList<>();
        for (int at = 0; at < bytes.limit(); at += RecordBatch.sizeInBytes(bytes, at)) {
            out.add(at);
        }
        out.add(bytes.limit());
        return out;
    }

    private void forgetCleanShutdown() throws IOException {
        Files.deleteIfExists(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE));
        Files.deleteIfExists(dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT));
    }

    private LogRepair.Result repairOnce(TopicPartition partition, String describedAs) throws IOException {
        try (LogRepair repair = LogRepair.open(dataDir, PLAIN_CONFIG)) {
            LogRepair.Plan plan = repair.plan(partition).orElseThrow();
            assertThat(plan.describe()).contains(describedAs);
            LogRepair.Result result = repair.execute(plan);
            assertThat(repair.plan(partition)).isEmpty();
            return result;
        }
    }

    @Test
    void aDamagedBatchAtTheStartOfASegmentLosesOnlyItsOwnOffsets() throws IOException {
        List<Long> bases = writeOrders(5, 10); // offsets 0-4999, then 5000-14999
        Path dir = dataDir.resolve("orders-0");
        Path segment = SegmentFiles.logFile(dir, bases.get(1));
        byte[] before = Files.readAllBytes(segment);
        int firstBatchBytes = RecordBatch.sizeInBytes(ByteBuffer.wrap(before), 0);
        ToolTestLogs.flipByte(segment, 100); // inside the first batch's records: CRC mismatch
        byte[] damaged = Files.readAllBytes(segment);
        forgetCleanShutdown();
        assertThatThrownBy(() -> dev.spool.log.DamagedPartition.open(dataDir, PLAIN_CONFIG, "orders", 0))
                .isInstanceOf(CorruptLogException.class).hasMessageContaining("position 0");

        LogRepair.Plan plan;
        LogRepair.Result result;
        try (LogRepair repair = LogRepair.open(dataDir, PLAIN_CONFIG)) {
            plan = repair.plan(ORDERS).orElseThrow();
            assertThat(plan.describe())
                    .startsWith("Partition orders-0: batch at offsets 5000–5999 (1,000 records) in "
                            + "00000000000000005000.log at position 0 is corrupt (CRC mismatch: stored 0x")
                    .endsWith(". Repair keeps offsets 0–4999 and 6000–14999 and moves the damaged bytes to "
                            + "00000000000000005000.log.broken: offsets 5000–5999 (1,000 records) lost.");
            assertThat(plan.bytesRemoved()).isEqualTo(firstBatchBytes);
            assertThat(plan.lostOffsets()).isEqualTo("offsets 5000–5999 (1,000 records)");
            result = repair.execute(plan);
        }
        Path broken = segment.resolveSibling(segment.getFileName() + ".broken");
        assertThat(result.brokenCopies()).containsExactly(broken);
        assertThat(Files.readAllBytes(broken)).isEqualTo(java.util.Arrays.copyOfRange(damaged, 0, firstBatchBytes));
        assertThat(result.logEndOffset()).isEqualTo(15_000);
        // The nine later batches are byte for byte where they were, after one empty gap batch.
        assertThat(java.util.Arrays.copyOfRange(Files.readAllBytes(segment), RecordBatch.HEADER_BYTES,
                (int) Files.size(segment))).isEqualTo(java.util.Arrays.copyOfRange(before, firstBatchBytes, before.length));

        List<String> all = new ArrayList<>(expected(0, 5000));
        all.addAll(expected(6000, 15_000));
        try (LogManager manager = LogManager.open(dataDir, PLAIN_CONFIG)) {
            Log log = manager.log("orders", 0);
            assertThat(offsetsAndValues(log, 0)).isEqualTo(all);
            assertThat(offsetsAndValues(log, 5500)).isEqualTo(expected(6000, 15_000)); // a read in the gap steps over it
            assertThat(log.append(thousand(15_000)).firstOffset()).isEqualTo(15_000);
        }
        all.addAll(expected(15_000, 16_000));
        try (LogManager manager = LogManager.open(dataDir, PLAIN_CONFIG)) { // clean marker
            assertThat(offsetsAndValues(manager.log("orders", 0), 0)).isEqualTo(all);
        }
        forgetCleanShutdown();
        try (LogManager manager = LogManager.open(dataDir, PLAIN_CONFIG)) { // no marker, no checkpoint: full scan
            assertThat(offsetsAndValues(manager.log("orders", 0), 0)).isEqualTo(all);
        }
        assertThat(new LogVerifier(FileIO.real(), PLAIN).verifyTopic(dataDir, "orders").findings()).isEmpty();
    }

    @Test
    void aDamagedBatchInTheMiddleOfAnEarlierSegmentKeepsTheRestOfItAndTheLaterSegments() throws IOException {
        List<Long> bases = writeOrders(5, 2, 3); // 0-4999, 5000-6999, 7000-9999
        Path dir = dataDir.resolve("orders-0");
        Path first = SegmentFiles.logFile(dir, bases.get(0));
        int third = batchPositions(first).get(2);
        ToolTestLogs.flipByte(first, third + 200);
        byte[] later = Files.readAllBytes(SegmentFiles.logFile(dir, bases.get(1)));
        forgetCleanShutdown();

        repairOnce(ORDERS, "batch at offsets 2000–2999 (1,000 records) in 00000000000000000000.log at position "
                + third + " is corrupt (CRC mismatch");
        assertThat(Files.readAllBytes(SegmentFiles.logFile(dir, bases.get(1)))).isEqualTo(later);
        List<String> all = new ArrayList<>(expected(0, 2000));
        all.addAll(expected(3000, 10_000));
        try (LogManager manager = LogManager.open(dataDir, PLAIN_CONFIG)) {
            assertThat(offsetsAndValues(manager.log("orders", 0), 0)).isEqualTo(all);
        }
        assertThat(new LogVerifier(FileIO.real(), PLAIN).verifyTopic(dataDir, "orders").findings()).isEmpty();
    }

    @Test
    void damageInTwoSegmentsIsRepairedOnePlanAtATimeAndDamageAtTheEndOfAnEarlierSegmentReachesTheNextBase()
            throws IOException {
        List<Long> bases = writeOrders(3, 3, 2); // 0-2999, 3000-5999, 6000-7999
        Path dir = dataDir.resolve("orders-0");
        ToolTestLogs.flipByte(SegmentFiles.logFile(dir, bases.get(0)), 200); // first batch: 0-999
        Path middle = SegmentFiles.logFile(dir, bases.get(1));
        List<Integer> positions = batchPositions(middle);
        ToolTestLogs.flipByte(middle, positions.get(2) + 5); // the last batch's length: nothing after it checks out
        forgetCleanShutdown();

        try (LogRepair repair = LogRepair.open(dataDir, PLAIN_CONFIG)) {
            LogRepair.Result first = repair.execute(repair.plan(ORDERS).orElseThrow());
            assertThat(first.plan().lostOffsets()).isEqualTo("offsets 0–999 (1,000 records)");
            assertThat(first.logEnd()).isEmpty();
            assertThat(first.moreDamage().orElseThrow()).contains("00000000000000003000.log");
        }
        LogRepair.Result second = repairOnce(ORDERS, "damaged bytes (offsets unknown: between the last good offset "
                + "4999 and the next good batch at 6000) in 00000000000000003000.log at position " + positions.get(2));
        assertThat(second.plan().describe()).contains("Repair keeps offsets 0–4999 and 6000–7999"); // 0–999: an earlier repair's gap batch
        List<String> all = new ArrayList<>(expected(1000, 5000));
        all.addAll(expected(6000, 8000));
        try (LogManager manager = LogManager.open(dataDir, PLAIN_CONFIG)) {
            assertThat(offsetsAndValues(manager.log("orders", 0), 0)).isEqualTo(all);
        }
        assertThat(new LogVerifier(FileIO.real(), PLAIN).verifyTopic(dataDir, "orders").findings()).isEmpty();
    }

    @Test
    void aBatchWhoseOffsetsAreUnknownIsReportedAsTheRangeBetweenTheGoodBatches() throws IOException {
        writeOrders(5);
        Path segment = SegmentFiles.logFile(dataDir.resolve("orders-0"), 0);
        List<Integer> positions = batchPositions(segment);
        int batchBytes = positions.get(1);
        ToolTestLogs.flipByte(segment, batchBytes + 7); // the second batch's base offset
        forgetCleanShutdown();

        LogRepair.Result result = repairOnce(ORDERS, "Partition orders-0: " + String.format(java.util.Locale.ROOT,
                "%,d", positions.get(2) - positions.get(1)) + " damaged bytes (offsets unknown: between the last good offset 999 and the next "
                + "good batch at 2000) in 00000000000000000000.log at position " + batchBytes + " is corrupt");
        assertThat(result.plan().describe()).contains("Repair keeps offsets 0–999 and 2000–4999")
                .contains("offsets 1000–1999 (1,000 records) lost.");
        try (LogManager manager = LogManager.open(dataDir, PLAIN_CONFIG)) {
            List<String> all = new ArrayList<>(expected(0, 1000));
            all.addAll(expected(2000, 5000));
            assertThat(offsetsAndValues(manager.log("orders", 0), 0)).isEqualTo(all);
        }
    }

    @Test
    void aTornTailIsRecoveredAndACorruptLastBatchIsCut() throws IOException {
        writeOrders(3);
        Path segment = SegmentFiles.logFile(dataDir.resolve("orders-0"), 0);
        long size = Files.size(segment);
        List<Integer> positions = batchPositions(segment);
        int batchBytes = positions.get(1);
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(segment.toFile(), "rw")) {
            raf.setLength(size - 10); // a torn write: ordinary recovery cuts it, nothing for repair
        }
        forgetCleanShutdown();
        try (LogRepair repair = LogRepair.open(dataDir, PLAIN_CONFIG)) {
            assertThat(repair.plan(ORDERS)).isEmpty();
        }
        assertThat(Files.size(segment)).isEqualTo((long) positions.get(2));

        ToolTestLogs.flipByte(segment, batchBytes + 300); // now the last batch is corrupt, not torn
        LogRepair.Result result = repairOnce(ORDERS, "batch at offsets 1000–1999 (1,000 records) in "
                + "00000000000000000000.log at position " + batchBytes + " is corrupt");
        assertThat(result.plan().describe()).contains("Repair keeps offsets 0–999 and moves")
                .endsWith("offsets 1000–1999 (1,000 records) lost.");
        assertThat(result.logEndOffset()).isEqualTo(1000);
        assertThat(Files.size(segment)).isEqualTo(batchBytes);
        try (LogManager manager = LogManager.open(dataDir, PLAIN_CONFIG)) {
            Log log = manager.log("orders", 0);
            assertThat(log.append(thousand(1000)).firstOffset()).isEqualTo(1000);
            assertThat(offsetsAndValues(log, 0)).isEqualTo(expected(0, 2000));
        }
    }

    @Test
    void repairsAnInternalLogSuchAsTheServersCommittedOffsets() throws IOException {
        Files.createDirectories(dataDir);
        LogManager.open(dataDir, PLAIN_CONFIG).close();
        Path dir = dataDir.resolve("__consumer_offsets");
        try (Log log = Log.open(dir, LogConfig.defaults(), LoadState.unknown())) {
            for (int b = 0; b < 3; b++) {
                log.append(thousand(log.logEndOffset()));
            }
        }
        Path segment = SegmentFiles.logFile(dir, 0);
        ToolTestLogs.flipByte(segment, 300);
        TopicPartition offsets = new TopicPartition("__consumer_offsets", 0);
        try (LogRepair repair = LogRepair.open(dataDir, PLAIN_CONFIG)) {
            assertThat(repair.partitions("__consumer_offsets")).containsExactly(offsets);
            assertThatThrownBy(() -> repair.partitions("__nothing")).isInstanceOf(UnknownTopicException.class);
            LogRepair.Plan plan = repair.plan(offsets).orElseThrow();
            assertThat(plan.describe()).startsWith("Partition __consumer_offsets-0: batch at offsets 0–999")
                    .contains("Repair keeps offsets 1000–2999");
            // The owner (the server's offset store) takes the log's own lock: the repair holds it too.
            assertThatThrownBy(() -> FileIO.real().lock(dir.resolve(".lock"))).isInstanceOf(DirectoryLockedException.class);
            repair.execute(plan);
        }
        try (Log log = Log.open(dir, LogConfig.defaults(), LoadState.unknown())) {
            assertThat(offsetsAndValues(log, 0)).isEqualTo(expected(1000, 3000));
        }
    }

    /** Refuses a batch holding a record whose value is "bad", as an internal log's owner refuses a record its codec cannot read. */
    private static final BatchContentCheck NO_BAD_VALUES = batch -> {
        try {
            return RecordBatch.records(batch, 0).stream().filter(r -> "bad".equals(new String(r.valueBytes(),
                    StandardCharsets.UTF_8))).findFirst().map(r -> "bad value at offset " + r.offset());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    };

    @Test
    void aBatchTheOwnersCheckRefusesIsReplacedAsADamagedOneIsOneSegmentAtATime() throws IOException {
        Files.createDirectories(dataDir);
        LogManager.open(dataDir, PLAIN_CONFIG).close();
        Path dir = dataDir.resolve("__consumer_offsets");
        long refusedAt;
        long keptAt;
        try (Log log = Log.open(dir, LogConfig.defaults(), LoadState.unknown())) {
            log.append(LogTest.batch(1, "a", "b")); // 0-1
            refusedAt = log.sizeBytes();
            log.append(LogTest.batch(1, "bad")); // 2
            keptAt = log.sizeBytes();
            log.append(LogTest.batch(1, "c")); // 3
            log.roll();
            log.append(LogTest.batch(1, "d", "bad")); // 4-5
            log.append(LogTest.batch(1, "e")); // 6
        }
        Path first = SegmentFiles.logFile(dir, 0);
        byte[] before = Files.readAllBytes(first);
        TopicPartition offsets = new TopicPartition("__consumer_offsets", 0);
        try (LogRepair repair = LogRepair.open(dataDir, PLAIN_CONFIG)) {
            assertThat(repair.plan(offsets)).as("by the engine's checks alone, nothing is wrong").isEmpty();
            LogRepair.Plan plan = repair.plan(offsets, NO_BAD_VALUES).orElseThrow();
            assertThat(plan.describe()).isEqualTo("Partition __consumer_offsets-0: batch at offset 2 (1 record) in "
                    + "00000000000000000000.log at position " + refusedAt + " is corrupt (bad value at offset 2). "
                    + "Repair keeps offsets 0–1 and 3–6 and moves the damaged bytes to 00000000000000000000.log.broken: "
                    + "offset 2 (1 record) lost.");
            LogRepair.Result result = repair.execute(plan);
            assertThat(result.logEndOffset()).isEqualTo(7);
            assertThat(Files.readAllBytes(result.brokenCopies().get(0)))
                    .isEqualTo(java.util.Arrays.copyOfRange(before, (int) refusedAt, (int) keptAt));

            LogRepair.Plan second = repair.plan(offsets, NO_BAD_VALUES).orElseThrow();
            assertThat(second.segment()).isEqualTo(SegmentFiles.logFile(dir, 4));
            assertThat(second.describe()).contains("batch at offsets 4–5 (2 records) in 00000000000000000004.log at "
                    + "position 0 is corrupt (bad value at offset 5)").contains("Repair keeps offsets 0–3 and 6 ");
            repair.execute(second);
            assertThat(repair.plan(offsets, NO_BAD_VALUES)).isEmpty();
        }
        try (Log log = Log.open(dir, LogConfig.defaults(), LoadState.unknown())) {
            assertThat(offsetsAndValues(log, 0)).containsExactly("0=a", "1=b", "3=c", "6=e");
            assertThat(log.append(LogTest.batch(1, "f")).firstOffset()).isEqualTo(7);
        }
    }

    /**
     * A batch whose CRC holds over a record that does not parse (a faulty producer or tool wrote
     * it so) opens fine and fails every read: verify names it, and repair replaces it as it does
     * a damaged batch, though the engine's open finds nothing wrong.
     */
    @Test
    void aBatchWhoseRecordsDoNotParseUnderAValidCrcIsReplacedInAnOrdinaryTopic() throws IOException {
        Files.createDirectories(dataDir);
        long badAt;
        try (LogManager manager = LogManager.open(dataDir, PLAIN_CONFIG)) {
            manager.createTopic("t", 1);
            Log log = manager.log("t", 0);
            log.append(LogTest.batch(1, "a", "b")); // 0-1
            badAt = log.sizeBytes();
            log.append(LogTest.batch(1, "c")); // 2
            log.append(LogTest.batch(1, "d")); // 3
        }
        Path segment = SegmentFiles.logFile(dataDir.resolve("t-0"), 0);
        byte[] bytes = Files.readAllBytes(segment);
        ByteBuffer bad = ByteBuffer.wrap(bytes, (int) badAt, bytes.length - (int) badAt).slice();
        bad.limit(RecordBatch.sizeInBytes(bad, 0));
        bad.put(RecordBatch.RECORDS_OFFSET, (byte) 0x7e); // the record's length: 63 bytes, more than the batch holds
        bad.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(bad, 0)); // and a CRC that holds over it
        Files.write(segment, bytes);
        assertThat(new LogVerifier(FileIO.real(), PLAIN).verifyTopic(dataDir, "t").findings())
                .anyMatch(finding -> finding.problem().contains("has length 63"));

        try (LogRepair repair = LogRepair.open(dataDir, PLAIN_CONFIG)) {
            LogRepair.Plan plan = repair.plan(TP).orElseThrow();
            assertThat(plan.describe()).contains("batch at offset 2 (1 record) in 00000000000000000000.log at position "
                    + badAt + " is corrupt (").contains("Repair keeps offsets 0–1 and 3 ");
            repair.execute(plan);
            assertThat(repair.plan(TP)).isEmpty();
        }
        try (LogManager manager = LogManager.open(dataDir, PLAIN_CONFIG)) {
            assertThat(offsetsAndValues(manager.log("t", 0), 0)).containsExactly("0=a", "1=b", "3=d");
        }
        assertThat(new LogVerifier(FileIO.real(), PLAIN).verifyTopic(dataDir, "t").findings()).isEmpty();
    }

    @Test
    void nothingToRepairInASoundLog() throws IOException {
        ToolTestLogs.write(dataDir, 10);
        try (LogRepair repair = LogRepair.open(dataDir, ToolTestLogs.CONFIG)) {
            assertThat(repair.plan(TP)).isEqualTo(Optional.empty());
        }
    }

    @Test
    void holdsTheDirectoryLock() throws IOException {
        ToolTestLogs.write(dataDir, 2);
        try (LogManager manager = LogManager.open(dataDir, ToolTestLogs.CONFIG)) {
            assertThatThrownBy(() -> LogRepair.open(dataDir, ToolTestLogs.CONFIG))
                    .isInstanceOf(DirectoryLockedException.class);
        }
    }

    private static List<String> values(Log log, long from) throws IOException {
        List<String> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            ByteBuffer batches = log.read(next, 1 << 20).batches();
            for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
                for (Record record : RecordBatch.records(batches, at)) {
                    out.add(new String(record.valueBytes(), StandardCharsets.UTF_8));
                }
                next = RecordBatch.lastOffset(batches, at) + 1;
            }
        }
        return out;
    }

    @Test
    void repairOfAChainedTopicKeepsTheSidecarsAsEvidenceAndTheChainStaysVerifiable() throws IOException {
        TopicConfig chained = TopicConfig.defaults(ToolTestLogs.SMALL).withHashChain(true);
        try (LogManager manager = LogManager.open(dataDir, ToolTestLogs.CONFIG)) {
            manager.createTopic("t", 1, chained);
        }
        List<AppendResult> appended = ToolTestLogs.write(dataDir, 40);
        List<Long> bases = appended.stream().map(AppendResult::segmentBaseOffset).distinct().toList();
        assertThat(bases).hasSizeGreaterThan(2);
        Path dir = ToolTestLogs.partitionDir(dataDir);
        assertThat(Files.exists(SegmentFiles.chainFile(dir, bases.get(2)))).isTrue();
        AppendResult victim = appended.stream().filter(r -> r.segmentBaseOffset() == bases.get(1)).skip(1)
                .findFirst().orElseThrow();
        ToolTestLogs.flipByte(SegmentFiles.logFile(dir, victim.segmentBaseOffset()), victim.position() + 70);
        Files.deleteIfExists(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE));
        Files.deleteIfExists(dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT));

        try (LogRepair repair = LogRepair.open(dataDir, ToolTestLogs.CONFIG)) {
            repair.execute(repair.plan(TP).orElseThrow());
        }
        Path laterChain = SegmentFiles.chainFile(dir, bases.get(2));
        assertThat(Files.exists(laterChain.resolveSibling(laterChain.getFileName() + ".broken"))).isTrue();
        try (LogManager manager = LogManager.open(dataDir, ToolTestLogs.CONFIG)) {
            Log log = manager.log("t", 0);
            assertThat(log.logEndOffset()).isEqualTo(80);
            assertThat(log.config().hashChain()).isTrue();
            assertThat(log.append(LogTest.batch(1, "after repair")).chainHash()).hasSize(32);
        }
        LogVerifier.Report report = new LogVerifier(FileIO.real(), ToolTestLogs.SMALL.withHashChain(true))
                .verifyTopic(dataDir, "t");
        assertThat(report.findings()).isEmpty();
    }
}

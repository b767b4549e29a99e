package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.ChainFile;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hash chain in the engine: receipts, continuity, restarts, retention, truncation, recovery rows H1-H6. */
class HashChainTest {
    private static final LogConfig SMALL = LogConfig.defaults().withSegmentBytes(1024).withIndexIntervalBytes(100)
            .withHashChain(true);

    @TempDir
    Path tmp;

    private static List<AppendResult> append(Log log, int batches, int from) throws IOException {
        List<AppendResult> results = new ArrayList<>();
        for (int i = from; i < from + batches; i++) {
            if (i % 5 == 4) { // two batches in one append: the receipt is the hash after the second
                ByteBuffer one = LogTest.batch(1_000L + i, "a" + i);
                ByteBuffer two = LogTest.batch(1_000L + i, "b" + i, "c" + i);
                ByteBuffer both = ByteBuffer.allocate(one.remaining() + two.remaining()).put(one).put(two).flip();
                results.add(log.append(both));
            } else {
                results.add(log.append(LogTest.batch(1_000L + i, "v" + i, "w" + i)));
            }
        }
        return results;
    }

    private static void assertReceiptsMatchModel(Path dir, List<AppendResult> results) throws IOException {
        List<ChainModel.Link> links = ChainModel.links(dir);
        for (AppendResult result : results) {
            assertThat(result.chainHash()).as("receipt of offsets %d..%d", result.firstOffset(), result.lastOffset())
                    .isEqualTo(ChainModel.at(links, result.lastOffset()).hash());
        }
    }

    private LogVerifier.Report verify(Path dir, byte[] receipt) throws IOException {
        return new LogVerifier(FileIO.real(), SMALL).verifyPartition(dir, Optional.of(receipt));
    }

    private static long chainEntries(Path dir, long base) throws IOException {
        return (Files.size(SegmentFiles.chainFile(dir, base)) - ChainFile.HEADER_BYTES) / ChainFile.ENTRY_BYTES;
    }

    @Test
    void receiptsChainAcrossBatchesAndSegmentsAndVerifyFindsTheSameHead() throws IOException {
        Path dir = tmp.resolve("log");
        List<AppendResult> results;
        try (Log log = Log.open(dir, SMALL, LoadState.unknown())) {
            results = append(log, 40, 0);
            assertThat(log.chainHeadHex()).isEqualTo(results.get(39).chainHashHex());
        }
        assertThat(results.stream().map(AppendResult::segmentBaseOffset).distinct().count()).isGreaterThan(3);
        assertReceiptsMatchModel(dir, results);
        byte[] head = results.get(39).chainHash();
        LogVerifier.Report report = verify(dir, head);
        assertThat(report.findings()).isEmpty();
        assertThat(report.heads()).singleElement().satisfies(h -> {
            assertThat(h.hash()).isEqualTo(head);
            assertThat(h.receiptOffset()).isEqualTo(results.get(39).lastOffset());
        });
    }

    @Test
    void eachSegmentIsAnchoredAtThePreviousSegmentsLastHash() throws IOException {
        Path dir = tmp.resolve("log");
        try (Log log = Log.open(dir, SMALL, LoadState.unknown())) {
            append(log, 30, 0);
        }
        List<ChainModel.Link> links = ChainModel.links(dir);
        for (SegmentInfo info : segmentsOf(dir)) {
            byte[] anchor = ChainFile.load(FileIO.real(), SegmentFiles.chainFile(dir, info.baseOffset()),
                    info.baseOffset()).anchor();
            byte[] expected = info.baseOffset() == 0 ? new byte[32] : ChainModel.at(links, info.baseOffset() - 1).hash();
            assertThat(anchor).as("anchor of %d", info.baseOffset()).isEqualTo(expected);
        }
    }

    @Test
    void chainContinuesAcrossACleanRestart() throws IOException {
        Path dir = tmp.resolve("log");
        List<AppendResult> results = new ArrayList<>();
        try (Log log = Log.open(dir, SMALL, LoadState.unknown())) {
            results.addAll(append(log, 12, 0));
        }
        try (Log log = Log.open(dir, SMALL, LoadState.clean())) {
            assertThat(log.chainHeadHex()).isEqualTo(results.get(11).chainHashHex());
            results.addAll(append(log, 12, 12));
        }
        assertReceiptsMatchModel(dir, results);
        assertThat(verify(dir, results.get(23).chainHash()).findings()).isEmpty();
    }

    @Test
    void chainContinuesAcrossACrashWithAnUnflushedTail() throws IOException {
        Path dir = tmp.resolve("log");
        Path crashed = tmp.resolve("crashed");
        List<AppendResult> results = new ArrayList<>();
        long recoveryPoint;
        try (Log log = Log.open(dir, SMALL, LoadState.unknown())) {
            results.addAll(append(log, 20, 0));
            log.flush();
            recoveryPoint = log.recoveryPoint();
            results.addAll(append(log, 3, 20)); // written, not flushed: the sidecar lags
            copyDir(dir, crashed); // the crash image: what was written, whatever the sidecar holds
        }
        long lastBase = lastBase(crashed);
        long sidecarEntries = Files.exists(SegmentFiles.chainFile(crashed, lastBase)) ? chainEntries(crashed, lastBase) : 0;
        assertThat(sidecarEntries).as("the unflushed batches have no entries yet")
                .isLessThan(batchesIn(crashed, lastBase));
        LoadState state = new LoadState(false, OptionalLong.of(recoveryPoint), OptionalLong.empty());
        try (Log log = Log.open(FileIO.real(), crashed, SMALL, state, () -> 0L)) {
            assertThat(log.chainHeadHex()).isEqualTo(results.get(22).chainHashHex());
            results.addAll(append(log, 5, 23));
        }
        assertReceiptsMatchModel(crashed, results);
        assertThat(chainEntries(crashed, lastBase(crashed))).isEqualTo(batchesIn(crashed, lastBase(crashed)));
        assertThat(verify(crashed, results.get(27).chainHash()).findings()).isEmpty();
    }

    @Test
    void tornTailIsCutFromTheChainToo() throws IOException {
        Path dir = tmp.resolve("log");
        List<AppendResult> results;
        try (Log log = Log.open(dir, SMALL, LoadState.unknown())) {
            results = append(log, 22, 0);
        } // closed: the last segment's sidecar holds an entry for every batch, the last one included
        long lastBase = lastBase(dir);
        long before = chainEntries(dir, lastBase);
        Path last = SegmentFiles.logFile(dir, lastBase);
        cutTo(last, Files.size(last) - 7); // the last batch is now torn
        LoadState state = new LoadState(false, OptionalLong.of(lastBase), OptionalLong.empty());
        try (Log log = Log.open(FileIO.real(), dir, SMALL, state, () -> 0L)) {
            AppendResult lastKept = results.get(20);
            assertThat(log.logEndOffset()).isEqualTo(lastKept.lastOffset() + 1);
            assertThat(log.chainHeadHex()).isEqualTo(lastKept.chainHashHex());
            assertThat(chainEntries(dir, lastBase)).isEqualTo(before - 1);
            results = new ArrayList<>(results.subList(0, 21));
            results.addAll(append(log, 3, 100));
        }
        assertReceiptsMatchModel(dir, results);
        assertThat(verify(dir, results.get(results.size() - 1).chainHash()).findings()).isEmpty();
    }

    @Test
    void truncateToKeepsTheChainConsistent() throws IOException {
        Path dir = tmp.resolve("log");
        List<AppendResult> results;
        try (Log log = Log.open(dir, SMALL, LoadState.unknown())) {
            results = append(log, 30, 0);
            AppendResult keep = results.get(14);
            long end = log.truncateTo(keep.lastOffset() + 1);
            assertThat(end).isEqualTo(keep.lastOffset() + 1);
            assertThat(log.chainHeadHex()).isEqualTo(keep.chainHashHex());
            results = new ArrayList<>(results.subList(0, 15));
            results.addAll(append(log, 6, 200));
        }
        assertReceiptsMatchModel(dir, results);
        assertThat(verify(dir, results.get(20).chainHash()).findings()).isEmpty();
        try (Log log = Log.open(dir, SMALL, LoadState.clean())) { // the cut survives a restart
            assertThat(log.chainHeadHex()).isEqualTo(results.get(20).chainHashHex());
        }
    }

    @Test
    void retentionDeletesSidecarsWithTheirSegmentsAndTheRestStaysVerifiable() throws IOException {
        Path dir = tmp.resolve("log");
        List<AppendResult> results;
        long newStart;
        try (Log log = Log.open(dir, SMALL, LoadState.unknown())) {
            results = append(log, 30, 0);
            List<ChainModel.Link> before = ChainModel.links(dir);
            newStart = log.advanceLogStartOffset(results.get(15).firstOffset());
            assertThat(log.segments().get(0).baseOffset()).isGreaterThan(0);
            long firstKept = log.segments().get(0).baseOffset();
            assertThat(Files.exists(SegmentFiles.chainFile(dir, 0))).isFalse();
            byte[] anchor = ChainFile.load(FileIO.real(), SegmentFiles.chainFile(dir, firstKept), firstKept).anchor();
            assertThat(anchor).isEqualTo(ChainModel.at(before, firstKept - 1).hash());
        }
        assertThat(newStart).isGreaterThan(0);
        LogVerifier.Report report = verify(dir, results.get(29).chainHash());
        assertThat(report.findings()).isEmpty();
        assertThat(report.heads().get(0).hash()).isEqualTo(results.get(29).chainHash());
    }

    @Test
    void modifiedBatchWithARecomputedCrcBelowTheRecoveryPointIsCorruptionOnOpen() throws IOException {
        Path dir = tmp.resolve("log");
        List<AppendResult> results;
        try (Log log = Log.open(dir, SMALL, LoadState.unknown())) {
            results = append(log, 22, 0);
        }
        AppendResult victim = results.get(21); // in the last segment, which recovery scans
        Path file = SegmentFiles.logFile(dir, victim.segmentBaseOffset());
        modifyAndFixCrc(file, victim.position());
        LoadState flushed = new LoadState(false, OptionalLong.of(victim.segmentBaseOffset()), OptionalLong.empty());
        LoadState allFlushed = new LoadState(false, OptionalLong.of(results.get(21).lastOffset() + 1),
                OptionalLong.empty());
        assertThatThrownBy(() -> Log.open(FileIO.real(), dir, SMALL, allFlushed, () -> 0L))
                .isInstanceOfSatisfying(CorruptLogException.class, e -> {
                    assertThat(e.file()).isEqualTo(file);
                    assertThat(e.position()).isEqualTo(victim.position());
                })
                .hasMessageContaining("hash chain");
        // Past the recovery point the same sidecar entry is one a crash may have torn: recomputed (row H2).
        try (Log log = Log.open(FileIO.real(), dir, SMALL, flushed, () -> 0L)) {
            assertThat(log.logEndOffset()).isEqualTo(results.get(21).lastOffset() + 1);
        }
    }

    @Test
    void missingSidecarOfTheLastSegmentIsRebuiltFromThePreviousSegmentsChain() throws IOException {
        Path dir = tmp.resolve("log");
        List<AppendResult> results;
        try (Log log = Log.open(dir, SMALL, LoadState.unknown())) {
            results = append(log, 22, 0);
        }
        long lastBase = lastBase(dir);
        Files.delete(SegmentFiles.chainFile(dir, lastBase));
        try (Log log = Log.open(dir, SMALL, LoadState.clean())) { // H6 then H1
            assertThat(log.chainHeadHex()).isEqualTo(results.get(21).chainHashHex());
        }
        assertThat(verify(dir, results.get(21).chainHash()).findings()).isEmpty();
    }

    @Test
    void damagedSidecarHeaderIsRebuilt() throws IOException {
        Path dir = tmp.resolve("log");
        List<AppendResult> results;
        try (Log log = Log.open(dir, SMALL, LoadState.unknown())) {
            results = append(log, 22, 0);
        }
        Path chain = SegmentFiles.chainFile(dir, lastBase(dir));
        ToolTestLogs.flipByte(chain, 20); // inside the anchor: the header CRC fails
        try (Log log = Log.open(dir, SMALL, LoadState.unknown())) {
            assertThat(log.chainHeadHex()).isEqualTo(results.get(21).chainHashHex());
        }
        assertThat(verify(dir, results.get(21).chainHash()).findings()).isEmpty();
    }

    @Test
    void withTheChainOffThereIsNoReceiptAndNoSidecar() throws IOException {
        Path dir = tmp.resolve("log");
        try (Log log = Log.open(dir, SMALL.withHashChain(false), LoadState.unknown())) {
            AppendResult result = log.append(LogTest.batch(1L, "x"));
            assertThat(result.chainHash()).isEmpty();
            assertThat(log.chainHeadHex()).isEmpty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".chain"));
        }
    }

    // Helpers.

    /** Changes one value byte of the batch at {@code position} and recomputes its CRC, as an attacker would. */
    static void modifyAndFixCrc(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position + RecordBatch.LOG_OVERHEAD_BYTES - 4);
            int length = raf.readInt();
            byte[] bytes = new byte[length + RecordBatch.LOG_OVERHEAD_BYTES];
            raf.seek(position);
            raf.readFully(bytes);
            ByteBuffer batch = ByteBuffer.wrap(bytes);
            bytes[bytes.length - 3] ^= 0x01; // inside the last record's value
            batch.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(batch, 0));
            RecordBatch.validate(batch, 0, Integer.MAX_VALUE); // the CRC is valid again
            raf.seek(position);
            raf.write(bytes);
        }
    }

    private static List<SegmentInfo> segmentsOf(Path dir) throws IOException {
        try (Log log = Log.open(dir, SMALL, LoadState.clean())) {
            return log.segments();
        }
    }

    private static long lastBase(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> SegmentFiles.baseOffsetOf(p.getFileName().toString(), SegmentFiles.LOG_SUFFIX))
                    .filter(OptionalLong::isPresent).mapToLong(OptionalLong::getAsLong).max().orElseThrow();
        }
    }

    private static long batchesIn(Path dir, long base) throws IOException {
        return ChainModel.links(dir).stream().filter(l -> l.segmentBaseOffset() == base).count();
    }

    private static void cutTo(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
    }

    private static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}

package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.ChainFile;
import dev.spool.log.segment.HashChain;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.tool.LogVerifier.Kind;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each way of tampering with a chained log, and the exact finding {@code spool verify} makes of
 * it. The logs are written through the log manager and closed cleanly, so every sidecar is whole.
 */
class ChainTamperTest {
    @TempDir
    Path dataDir;

    private final LogVerifier verifier = new LogVerifier(FileIO.real(), ToolTestLogs.SMALL);
    private List<AppendResult> appended;
    private List<Long> bases;
    private Path dir;

    @BeforeEach
    void write() throws IOException {
        appended = ToolTestLogs.write(dataDir, 40);
        bases = appended.stream().map(AppendResult::segmentBaseOffset).distinct().toList();
        dir = ToolTestLogs.partitionDir(dataDir);
        assertThat(bases).hasSizeGreaterThan(3);
        assertThat(verifier.verifyDataDir(dataDir).findings()).isEmpty();
    }

    private LogVerifier.Report verify(Optional<byte[]> receipt) throws IOException {
        return verifier.verifyTopic(dataDir, "t", receipt.map(h -> new LogVerifier.Receipt(0, h)));
    }

    /** Rewrites the checkpointed recovery point of t-0, as someone covering a cut would. */
    private void lowerRecoveryPoint(long offset) throws IOException {
        OffsetCheckpointFile.write(FileIO.real(), dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT),
                java.util.Map.of(new TopicPartition("t", 0), offset));
    }

    private LogVerifier.Finding onlyFinding() throws IOException {
        List<LogVerifier.Finding> findings = verify(Optional.empty()).findings();
        assertThat(findings).hasSize(1);
        return findings.get(0);
    }

    /** A batch in the first segment that is neither its first nor its last. */
    private AppendResult middleOfFirstSegment() {
        List<AppendResult> first = appended.stream().filter(a -> a.segmentBaseOffset() == bases.get(0)).toList();
        assertThat(first).hasSizeGreaterThan(3);
        return first.get(2);
    }

    @Test
    void modifiedBatchWithARecomputedCrcIsBatchModified() throws IOException {
        AppendResult victim = middleOfFirstSegment();
        Path file = SegmentFiles.logFile(dir, victim.segmentBaseOffset());
        HashChainTest.modifyAndFixCrc(file, victim.position());

        LogVerifier.Finding finding = onlyFinding();
        assertThat(finding.kind()).isEqualTo(Kind.BATCH_MODIFIED);
        assertThat(finding.severity()).isEqualTo(LogVerifier.Severity.ERROR);
        assertThat(finding.file()).isEqualTo(file);
        assertThat(finding.position()).isEqualTo(victim.position());
        assertThat(finding.offset()).isEqualTo(victim.firstOffset());
        assertThat(finding.problem()).contains("CRC is valid");
    }

    @Test
    void flippedByteWithoutACrcFixIsStillBatchCorrupt() throws IOException {
        AppendResult victim = middleOfFirstSegment();
        ToolTestLogs.flipByte(SegmentFiles.logFile(dir, victim.segmentBaseOffset()), victim.position() + 70);
        assertThat(onlyFinding().kind()).isEqualTo(Kind.BATCH_CORRUPT);
    }

    @Test
    void batchCutOutOfTheMiddleOfASegmentIsBatchRemoved() throws IOException {
        AppendResult victim = middleOfFirstSegment();
        Path file = SegmentFiles.logFile(dir, victim.segmentBaseOffset());
        removeBytes(file, victim.position(), victim.sizeBytes());

        LogVerifier.Finding finding = onlyFinding();
        assertThat(finding.kind()).isEqualTo(Kind.BATCH_REMOVED);
        assertThat(finding.file()).isEqualTo(file);
        assertThat(finding.position()).isEqualTo(victim.position());
        assertThat(finding.offset()).isEqualTo(victim.firstOffset());
    }

    @Test
    void removedBatchWhoseSuccessorsWereRenumberedIsStillBatchRemoved() throws IOException {
        AppendResult victim = middleOfFirstSegment();
        Path file = SegmentFiles.logFile(dir, victim.segmentBaseOffset());
        removeAndRenumber(file, victim);

        LogVerifier.Finding first = verify(Optional.empty()).findings().get(0);
        assertThat(first.kind()).isEqualTo(Kind.BATCH_REMOVED);
        assertThat(first.position()).isEqualTo(victim.position());
        assertThat(first.offset()).isEqualTo(victim.firstOffset());
    }

    @Test
    void swappedSegmentFilesAreSegmentsReordered() throws IOException {
        long one = bases.get(1);
        long two = bases.get(2);
        for (String suffix : List.of(SegmentFiles.LOG_SUFFIX, SegmentFiles.INDEX_SUFFIX,
                SegmentFiles.TIME_INDEX_SUFFIX, SegmentFiles.CHAIN_SUFFIX)) {
            swap(dir.resolve(SegmentFiles.baseName(one) + suffix), dir.resolve(SegmentFiles.baseName(two) + suffix));
        }
        List<LogVerifier.Finding> findings = verify(Optional.empty()).findings();
        // Both swapped files, and the segment after them, whose anchor now continues the wrong neighbour.
        assertThat(findings).hasSizeGreaterThanOrEqualTo(2).extracting(LogVerifier.Finding::kind)
                .containsOnly(Kind.SEGMENTS_REORDERED);
        assertThat(findings.get(0).file()).isEqualTo(SegmentFiles.logFile(dir, one));
        assertThat(findings.get(1).file()).isEqualTo(SegmentFiles.logFile(dir, two));
        assertThat(findings.get(0).offset()).isEqualTo(two);
    }

    @Test
    void swappedSidecarsAreSegmentsReordered() throws IOException {
        swap(SegmentFiles.chainFile(dir, bases.get(1)), SegmentFiles.chainFile(dir, bases.get(2)));
        List<LogVerifier.Finding> findings = verify(Optional.empty()).findings();
        assertThat(findings).hasSizeGreaterThanOrEqualTo(2).extracting(LogVerifier.Finding::kind)
                .containsOnly(Kind.SEGMENTS_REORDERED);
        assertThat(findings.get(0).file()).isEqualTo(SegmentFiles.chainFile(dir, bases.get(1)));
        assertThat(findings.get(1).file()).isEqualTo(SegmentFiles.chainFile(dir, bases.get(2)));
    }

    @Test
    void truncatedLogIsCaughtByItsSidecar() throws IOException {
        AppendResult last = appended.get(appended.size() - 1);
        Path file = SegmentFiles.logFile(dir, last.segmentBaseOffset());
        cutTo(file, last.position()); // a clean cut at a batch boundary: no torn tail
        cutIndexes(last); // and indexes that agree with it, so the chain is what tells
        lowerRecoveryPoint(last.firstOffset()); // and a checkpoint too (else row X3 tells as well)

        LogVerifier.Finding finding = onlyFinding();
        assertThat(finding.kind()).isEqualTo(Kind.LOG_TRUNCATED);
        assertThat(finding.file()).isEqualTo(file);
        assertThat(finding.position()).isEqualTo(last.position());
        assertThat(finding.offset()).isEqualTo(last.firstOffset());
    }

    @Test
    void truncatedLogWithItsSidecarCutToMatchIsCaughtOnlyByTheReceipt() throws IOException {
        AppendResult last = appended.get(appended.size() - 1);
        Path file = SegmentFiles.logFile(dir, last.segmentBaseOffset());
        Path chain = SegmentFiles.chainFile(dir, last.segmentBaseOffset());
        cutTo(file, last.position());
        cutIndexes(last);
        cutTo(chain, Files.size(chain) - ChainFile.ENTRY_BYTES); // the attacker covers their tracks
        lowerRecoveryPoint(last.firstOffset()); // all of them: the checkpoint would tell too (row X3)

        assertThat(verify(Optional.empty()).findings()).as("consistent without a receipt").isEmpty();
        List<LogVerifier.Finding> findings = verify(Optional.of(last.chainHash())).findings();
        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.LOG_TRUNCATED);
            assertThat(f.file()).isEqualTo(file);
            assertThat(f.offset()).isEqualTo(last.firstOffset());
            assertThat(f.problem()).contains(HashChain.hex(last.chainHash()));
        });
    }

    @Test
    void receiptAtTheHeadOrEarlierIsFound() throws IOException {
        AppendResult last = appended.get(appended.size() - 1);
        LogVerifier.Report atHead = verify(Optional.of(last.chainHash()));
        assertThat(atHead.findings()).isEmpty();
        assertThat(atHead.heads()).singleElement().satisfies(h -> {
            assertThat(h.hash()).isEqualTo(last.chainHash());
            assertThat(h.receiptOffset()).isEqualTo(last.lastOffset());
        });
        AppendResult earlier = appended.get(7);
        LogVerifier.Report older = verify(Optional.of(earlier.chainHash()));
        assertThat(older.findings()).isEmpty();
        assertThat(older.heads().get(0).receiptOffset()).isEqualTo(earlier.lastOffset());
    }

    @Test
    void rewrittenSegmentWithARecomputedSidecarIsChainBrokenAtTheNextSegment() throws IOException {
        AppendResult victim = middleOfFirstSegment();
        long base = victim.segmentBaseOffset();
        HashChainTest.modifyAndFixCrc(SegmentFiles.logFile(dir, base), victim.position());
        rewriteSidecar(base); // the attacker recomputes this segment's chain too

        LogVerifier.Finding finding = onlyFinding();
        assertThat(finding.kind()).isEqualTo(Kind.CHAIN_BROKEN);
        assertThat(finding.file()).isEqualTo(SegmentFiles.chainFile(dir, bases.get(1)));
        assertThat(finding.offset()).isEqualTo(bases.get(1));
    }

    @Test
    void deletedSidecarOfAMiddleSegmentIsChainMissing() throws IOException {
        Files.delete(SegmentFiles.chainFile(dir, bases.get(1)));
        LogVerifier.Finding finding = onlyFinding();
        assertThat(finding.kind()).isEqualTo(Kind.CHAIN_MISSING);
        assertThat(finding.severity()).isEqualTo(LogVerifier.Severity.ERROR);
        assertThat(finding.file()).isEqualTo(SegmentFiles.chainFile(dir, bases.get(1)));
    }

    // Helpers.

    /** Drops the index entries of {@code cut} and later batches, as a careful attacker would. */
    private void cutIndexes(AppendResult cut) throws IOException {
        long base = cut.segmentBaseOffset();
        Path index = SegmentFiles.indexFile(dir, base);
        ByteBuffer entries = ByteBuffer.wrap(Files.readAllBytes(index));
        int keep = 0;
        while (keep + 8 <= entries.limit() && entries.getInt(keep + 4) < cut.position()) {
            keep += 8;
        }
        cutTo(index, keep);
        Path times = SegmentFiles.timeIndexFile(dir, base);
        entries = ByteBuffer.wrap(Files.readAllBytes(times));
        keep = 0;
        while (keep + 12 <= entries.limit() && base + entries.getInt(keep + 8) < cut.firstOffset()) {
            keep += 12;
        }
        cutTo(times, keep);
    }

    /** Rewrites the sidecar of segment {@code base} from its (changed) log, keeping its anchor. */
    private void rewriteSidecar(long base) throws IOException {
        Path chain = SegmentFiles.chainFile(dir, base);
        byte[] anchor = ChainFile.load(FileIO.real(), chain, base).anchor();
        ByteBuffer out = ByteBuffer.allocate(1 << 16);
        out.put(ChainFile.encodeHeader(base, anchor, ChainFile.VERSION));
        byte[] previous = anchor.clone();
        HashChain hasher = new HashChain();
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(SegmentFiles.logFile(dir, base)));
        for (int at = 0; at < bytes.limit(); at += RecordBatch.sizeInBytes(bytes, at)) {
            hasher.step(ChainFile.VERSION, previous, bytes.duplicate().limit(at + RecordBatch.sizeInBytes(bytes, at))
                    .position(at));
            out.putLong(RecordBatch.baseOffset(bytes, at)).put(previous);
        }
        Files.write(chain, Arrays.copyOf(out.array(), out.position()));
    }

    /**
     * Cuts {@code victim}'s batch out of {@code file} and renumbers the batches after the hole so the
     * offsets look dense again (the base offset is not CRC-covered).
     */
    static void removeAndRenumber(Path file, AppendResult victim) throws IOException {
        removeBytes(file, victim.position(), victim.sizeBytes());
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        long next = victim.firstOffset();
        for (int at = (int) victim.position(); at < bytes.limit(); at += RecordBatch.sizeInBytes(bytes, at)) {
            RecordBatch.setBaseOffset(bytes, at, next);
            next = RecordBatch.lastOffset(bytes, at) + 1;
        }
        Files.write(file, bytes.array());
    }

    private static void removeBytes(Path file, long position, int length) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        byte[] out = new byte[bytes.length - length];
        System.arraycopy(bytes, 0, out, 0, (int) position);
        System.arraycopy(bytes, (int) position + length, out, (int) position, bytes.length - (int) position - length);
        Files.write(file, out);
    }

    private static void swap(Path a, Path b) throws IOException {
        Path tmp = a.resolveSibling("swap.tmp");
        Files.move(a, tmp);
        Files.move(b, a);
        Files.move(tmp, b, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void cutTo(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
    }
}

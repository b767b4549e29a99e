package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.HashChain;
import dev.spool.log.tool.LogVerifier;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Appenders on several threads writing one chained log, each through a different entry point
 * (a buffer, a builder, a queued append, a batch in pieces): each digests its batches' content on
 * its own thread and the writer links them, so the order the chain records must be the log's order
 * whatever the interleaving. Checked against the chain recomputed from the files alone
 * ({@link ChainModel}) and by {@code spool verify}'s code.
 */
class ChainedAppendersTest {
    private static final int THREADS = 4;
    private static final int APPENDS_PER_THREAD = 150;

    @TempDir
    Path tmp;

    @Test
    void concurrentAppendersChainInTheLogsOrderAndEveryReceiptMatchesTheFiles() throws Exception {
        Path dir = tmp.resolve("log");
        LogConfig config = LogConfig.defaults().withSegmentBytes(64 << 10).withHashChain(true);
        ConcurrentLinkedQueue<AppendResult> results = new ConcurrentLinkedQueue<>();
        String head;
        try (Log log = Log.open(dir, config, LoadState.unknown())) {
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(threads.submit(() -> {
                    start.await();
                    BatchBuilder builder = new BatchBuilder(1 << 16);
                    for (int i = 0; i < APPENDS_PER_THREAD; i++) {
                        // small batches, linked whole, and large ones, whose content the appender digests
                        ByteBuffer batch = LogTest.batch(1_000L + i, "t" + thread + "-" + i, "x".repeat(i % 7 * 1000));
                        results.add(switch (thread) {
                            case 0 -> log.append(batch);
                            case 1 -> {
                                builder.reset();
                                builder.tryAppend(1_000L + i, null, ("b" + i).repeat(i % 5 * 700)
                                        .getBytes(StandardCharsets.UTF_8));
                                yield log.append(builder);
                            }
                            case 2 -> log.appendAsync(batch, Durability.NONE).get();
                            default -> log.appendGathered(LogGatheredAppendTest.cut(batch, RecordBatch.HEADER_BYTES,
                                    (batch.remaining() + RecordBatch.HEADER_BYTES) / 2), Durability.NONE);
                        });
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            threads.shutdown();
            head = log.chainHeadHex();
        }

        List<ChainModel.Link> links = ChainModel.links(dir);
        assertThat(links).hasSize(THREADS * APPENDS_PER_THREAD);
        assertThat(links.stream().map(ChainModel.Link::segmentBaseOffset).distinct().count())
                .as("segments rolled meanwhile").isGreaterThan(3);
        assertThat(HashChain.hex(links.get(links.size() - 1).hash())).isEqualTo(head);
        for (AppendResult result : results) {
            assertThat(result.chainHash()).as("receipt of offset %d", result.lastOffset())
                    .isEqualTo(ChainModel.at(links, result.lastOffset()).hash());
        }
        LogVerifier.Report report = new LogVerifier(FileIO.real(), config)
                .verifyPartition(dir, Optional.of(links.get(links.size() - 1).hash()));
        assertThat(report.findings()).isEmpty();
    }

    /**
     * Tampering with large batches, which the chain links by their content digest, is found as with
     * small ones: a value byte changed and the CRC recomputed is BATCH_MODIFIED; a batch cut out and
     * its successors renumbered into dense offsets is BATCH_REMOVED (the verifier hashes the next
     * batch as if it had the recorded offset).
     */
    @Test
    void changedOrRemovedLargeBatchesAreFound() throws Exception {
        LogConfig config = LogConfig.defaults().withHashChain(true);
        for (boolean remove : new boolean[] {false, true}) {
            Path dir = tmp.resolve("tampered-" + remove);
            List<AppendResult> appended = new ArrayList<>();
            try (Log log = Log.open(dir, config, LoadState.unknown())) {
                for (int i = 0; i < 6; i++) {
                    appended.add(log.append(LogTest.batch(1_000L + i, "v" + i, "y".repeat(6000))));
                }
            }
            assertThat(appended).allSatisfy(a -> assertThat(HashChain.linkedWhole(a.sizeBytes())).isFalse());
            AppendResult victim = appended.get(2);
            Path file = dev.spool.log.segment.SegmentFiles.logFile(dir, victim.segmentBaseOffset());
            if (remove) {
                ChainTamperTest.removeAndRenumber(file, victim);
            } else {
                HashChainTest.modifyAndFixCrc(file, victim.position());
            }
            List<LogVerifier.Finding> findings = new LogVerifier(FileIO.real(), config).verifyPartition(dir).findings();
            assertThat(findings).as("remove=%s", remove).isNotEmpty();
            assertThat(findings.get(0).kind()).isEqualTo(remove ? LogVerifier.Kind.BATCH_REMOVED
                    : LogVerifier.Kind.BATCH_MODIFIED);
            assertThat(findings.get(0).position()).isEqualTo(victim.position());
        }
    }
}

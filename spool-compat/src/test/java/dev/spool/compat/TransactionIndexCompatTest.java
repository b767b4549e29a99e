package dev.spool.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.io.FileIO;
import dev.spool.log.segment.TransactionIndex;
import dev.spool.log.AbortedTransaction;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.message.AbortedTxn;
import org.apache.kafka.storage.internals.log.TxnIndexSearchResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spool's {@code .txnindex} and Kafka 4.4's {@code TransactionIndex} read each other's files. */
class TransactionIndexCompatTest {
    private static final long BASE = 1000;
    private static final List<AbortedTransaction> ENTRIES = List.of(new AbortedTransaction(11, 1000, 1010, 1004),
            new AbortedTransaction(12, 1005, 1020, 1021), new AbortedTransaction(11, 1022, 1030, 1031));

    @TempDir
    Path dir;

    @Test
    void kafkaReadsSpoolsIndex() throws Exception {
        Path file = dir.resolve("00000000000000001000.txnindex");
        TransactionIndex ours = TransactionIndex.empty(file, BASE);
        ENTRIES.forEach(ours::append);
        ours.flush(FileIO.real());

        try (org.apache.kafka.storage.internals.log.TransactionIndex kafkas =
                     new org.apache.kafka.storage.internals.log.TransactionIndex(BASE, file.toFile())) {
            kafkas.sanityCheck();
            assertThat(kafkas.allAbortedTxns()).extracting(TransactionIndexCompatTest::ours).isEqualTo(ENTRIES);
            TxnIndexSearchResult found = kafkas.collectAbortedTxns(1011, 1025);
            TransactionIndex.Collected collected = ours.collect(1011, 1025);
            assertThat(found.abortedTransactions()).extracting(TransactionIndexCompatTest::ours)
                    .isEqualTo(collected.aborted());
            assertThat(found.isComplete()).isEqualTo(collected.complete());
        }
    }

    @Test
    void spoolReadsKafkasIndex() throws Exception {
        Path file = dir.resolve("00000000000000001000.txnindex");
        try (org.apache.kafka.storage.internals.log.TransactionIndex kafkas =
                     new org.apache.kafka.storage.internals.log.TransactionIndex(BASE, file.toFile())) {
            for (AbortedTransaction t : ENTRIES) {
                kafkas.append(new AbortedTxn().setProducerId(t.producerId()).setFirstOffset(t.firstOffset())
                        .setLastOffset(t.lastOffset()).setLastStableOffset(t.lastStableOffset()));
            }
            kafkas.flush();
        }
        TransactionIndex ours = TransactionIndex.load(FileIO.real(), file, BASE);
        assertThat(ours.entries()).isEqualTo(ENTRIES.size());
        for (int i = 0; i < ENTRIES.size(); i++) {
            assertThat(ours.entry(i)).isEqualTo(ENTRIES.get(i));
        }
    }

    private static AbortedTransaction ours(AbortedTxn kafkas) {
        return new AbortedTransaction(kafkas.producerId(), kafkas.firstOffset(), kafkas.lastOffset(),
                kafkas.lastStableOffset());
    }
}
